"""Raster receipts and previews: saved as PNG under test-output/printing for a person to look
at, and checked here: each Chinese character is drawn with its own glyph (not the font's
missing-glyph box), and amounts end in the last cell of the paper."""

import io

import pytest
import zxingcpp
from PIL import Image, ImageChops

from pos_member.printing.document import Feed, QrCode, Row
from pos_member.printing.encode import encode_document
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.printer import ReceiptPrinter
from pos_member.printing.raster import CELL, ROW, load_font, qr_image, render_image
from pos_member.printing.reports import layout_member_card, layout_report
from pos_member.printing.settings import PrinterSettings
from tests.printing.escpos_decoder import decode
from tests.printing.support import OUTPUT_DIR, sample_card, sample_receipt, sample_report


def save(img: Image.Image, name: str) -> None:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    img.save(OUTPUT_DIR / name)


def row_tops(doc):
    """(row, top y) for every text row, walking the document as the renderer does."""
    y, out = 0, []
    for b in doc.blocks:
        if isinstance(b, Row):
            out.append((b, y))
            y += ROW * (2 if b.double_height else 1)
        elif isinstance(b, Feed):
            y += ROW * b.lines
        elif isinstance(b, QrCode):
            y += ROW // 2 + qr_image(b.payload, doc.width * CELL).height
    return out


def check_glyphs_and_columns(doc, ink, font):
    """``ink``: "L", ink = 255, as rendered. Chinese cells hold their glyph; amounts end right."""
    paper_px = doc.width * CELL
    notdef = font.glyph("\U0010fffd", 2, False)
    checked = 0
    for row, top in row_tops(doc):
        if row.double_width or row.double_height or row.align != "left":
            continue
        x = 0
        for ch in row.text:
            cells = doc.charset.char_width(ch)
            if cells == 2 and "\u4e00" <= ch <= "\u9fff":
                cell = ink.crop((x, top, x + 2 * CELL, top + ROW))
                assert ImageChops.difference(cell, font.glyph(ch, 2, row.bold)).getbbox() is None
                assert ImageChops.difference(cell, notdef).getbbox() is not None, ch
                checked += 1
            x += cells * CELL
        if row.text[-1:].isdigit() and doc.charset.width(row.text) == doc.width:
            band = ink.crop((0, top, paper_px, top + ROW))
            right = band.getbbox()[2]
            assert paper_px - CELL < right <= paper_px, (row.text, right)
    assert checked > 20


@pytest.mark.parametrize("width", [32, 48])
def test_raster_receipt_png(width):
    font = load_font()
    data = sample_receipt(12)
    doc = layout_receipt(data, Paper.make(width, "raster", font.has_glyph))
    payload = encode_document(doc, PrinterSettings("file:/dev/null", width=width,
                                                   encoding="raster"), font)
    printed = decode(payload, "raster").images[0]          # what the printer gets, read back
    save(printed, f"raster_receipt_{width}.png")
    assert printed.width == width * CELL
    ink = render_image(doc, font)
    check_glyphs_and_columns(doc, ink, font)
    # the bytes are the rendered image, thresholded
    assert ImageChops.difference(printed.convert("1").convert("L"),
                                 Image.eval(ink, lambda v: 0 if v >= 128 else 255)
                                 ).getbbox() is None
    assert [r.text for r in zxingcpp.read_barcodes(printed)] == [data.qr_payload]


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "cp437"])
def test_preview_png_of_a_text_mode_receipt(encoding):
    printer = ReceiptPrinter(PrinterSettings("file:/dev/null", width=48, encoding=encoding))
    data = sample_receipt(12)
    png = printer.preview_png(data)
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGB" and img.width == 48 * CELL + 32
    save(img, f"preview_receipt_{encoding}_48.png")
    doc = printer.document(data)
    if encoding == "gb18030":
        check_glyphs_and_columns(doc, render_image(doc, printer.font), printer.font)


def test_preview_of_reports_and_card():
    printer = ReceiptPrinter(PrinterSettings("file:/dev/null", width=32, encoding="gb18030"))
    for name, data in (("z_report", sample_report("z")), ("x_report", sample_report("x")),
                       ("shift_close", sample_report("shift_close")),
                       ("card_slip", sample_card())):
        img = printer.preview(data)
        save(img, f"preview_{name}_32.png")
        assert img.width == 32 * CELL + 32
    card = layout_member_card(sample_card(), Paper.make(32, "gb18030"))
    found = zxingcpp.read_barcodes(render_image(card, printer.font).point(lambda v: 255 - v))
    assert [r.text for r in found] == [sample_card().card_code]
    report = layout_report(sample_report("z"), Paper.make(32, "gb18030"))
    check_glyphs_and_columns(report, render_image(report, printer.font), printer.font)
