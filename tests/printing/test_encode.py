"""ESC/POS bytes read back with the test decoder: text per encoding, styles, QR, cut, drawer."""

import pytest
import zxingcpp

from pos_member.domain.money import format_fen
from pos_member.printing.encode import (
    copy_banner,
    drawer_kick,
    encode_document,
    mark_as_copy,
    raster_bytes,
)
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.raster import load_font, qr_image
from pos_member.printing.reports import layout_test_page
from pos_member.printing.settings import PrinterSettings
from tests.printing.escpos_decoder import decode, tokenize
from tests.printing.support import AT, sample_receipt

TEXT_ENCODINGS = ("gb18030", "big5", "utf8", "cp437", "cp1252")


def settings(encoding="gb18030", width=48, **kw):
    return PrinterSettings("file:/dev/null", width=width, encoding=encoding, **kw)


def encode(data, encoding="gb18030", width=48, **kw):
    s = settings(encoding, width, **kw)
    font = load_font() if encoding == "raster" else None
    paper = Paper.make(width, encoding, font.has_glyph if font else None)
    doc = layout_receipt(data, paper)
    return doc, encode_document(doc, s, font)


def printed_rows(decoded):
    return [line.text for line in decoded.lines if line.text]


@pytest.mark.parametrize("encoding", TEXT_ENCODINGS)
@pytest.mark.parametrize("width", [32, 48])
def test_text_reads_back_exactly(encoding, width):
    doc, payload = encode(sample_receipt(), encoding, width)
    d = decode(payload, encoding)
    assert d.errors == []
    assert printed_rows(d) == [r.text for r in doc.rows() if r.text]
    assert d.inits == 1 and d.cuts == 1
    for line in d.lines:
        assert line.printed_cells <= width, line


def test_gb18030_text_sits_in_chinese_mode():
    doc, payload = encode(sample_receipt(), "gb18030")
    d = decode(payload, "gb18030")
    assert d.errors == []          # no byte >= 0x80 outside FS & ... FS .
    assert any(line.chinese for line in d.lines)
    assert b"\x1c&" in payload and b"\x1c." in payload
    # every FS & is closed by FS . on the same line
    for raw in payload.split(b"\n"):
        assert raw.count(b"\x1c&") == raw.count(b"\x1c."), raw
    assert "合计 Total" in d.text() and "星巴克" in d.text()


def test_utf8_selects_utf8_and_single_byte_selects_its_code_page():
    _, payload = encode(sample_receipt(), "utf8")
    d = decode(payload, "utf8")
    assert d.utf8 and "合计 Total" in d.text()
    _, payload = encode(sample_receipt(), "cp437")
    d = decode(payload, "cp437")
    assert d.codepage == "cp437" and "Total" in d.text() and "合" not in d.text()
    assert payload.startswith(b"\x1b@\x1bt\x00")   # ESC t after ESC @ (python-escpos forgets)


def test_styles_alignment_and_sizes():
    doc, payload = encode(sample_receipt(), "gb18030", 48)
    d = decode(payload, "gb18030")
    title = d.lines[0]
    assert title.align == "center" and title.bold and title.width_mult == 2
    assert title.height_mult == 2 and title.chinese
    total = next(line for line in d.lines if line.text.startswith("合计"))
    assert total.bold and total.height_mult == 2 and total.width_mult == 1
    assert total.align == "left" and total.printed_cells == 48
    thanks = next(line for line in d.lines if "Thank you" in line.text)
    assert thanks.align == "center" and not thanks.bold


def test_receipt_with_40_lines_of_chinese_and_english():
    data = sample_receipt(40)
    for width in (32, 48):
        doc, payload = encode(data, "gb18030", width)
        d = decode(payload, "gb18030")
        assert d.errors == []
        flat = "".join(d.text().split())
        for line in data.lines:
            assert "".join(line.name.split()) in flat, line.name
            amount = format_fen(line.amount_fen)
            rows = [x for x in d.lines if x.text.endswith(" " + amount)]
            assert any(x.printed_cells == width for x in rows), (width, amount)
        assert all(x.printed_cells <= width for x in d.lines)


def test_native_qr():
    data = sample_receipt()
    _, payload = encode(data, "gb18030", qr="native")
    d = decode(payload, "gb18030")
    assert d.qr_native == [data.qr_payload] and d.images == []


@pytest.mark.parametrize("width", [32, 48])
def test_raster_qr_reads_back_with_zxing(width):
    data = sample_receipt()
    _, payload = encode(data, "gb18030", width)
    d = decode(payload, "gb18030")
    assert len(d.images) == 1 and d.images[0].width == width * 12
    found = zxingcpp.read_barcodes(d.images[0])
    assert [r.text for r in found] == [data.qr_payload]


def test_raster_band_roundtrip():
    img = qr_image("x" * 300, 576)
    d = decode(raster_bytes(img), "gb18030")
    assert d.images[0].size == img.size       # several bands joined again
    assert [r.text for r in zxingcpp.read_barcodes(d.images[0])] == ["x" * 300]


def test_raster_receipt_is_one_image_with_the_qr_code():
    data = sample_receipt()
    doc, payload = encode(data, "raster", 48)
    d = decode(payload, "raster")
    assert not [t for t in printed_rows(d)]     # no text at all: printers without fonts
    assert len(d.images) == 1 and d.cuts == 1
    assert [r.text for r in zxingcpp.read_barcodes(d.images[0])] == [data.qr_payload]
    _, payload = encode(data, "raster", 48, qr="native")
    d = decode(payload, "raster")
    assert d.qr_native == [data.qr_payload] and len(d.images) == 2


def test_cut_and_drawer():
    assert decode(drawer_kick(2), "gb18030").drawer == [(0, 50, 50)]
    assert decode(drawer_kick(5), "gb18030").drawer == [(1, 50, 50)]
    _, payload = encode(sample_receipt(), "gb18030", cut=False)
    assert decode(payload, "gb18030").cuts == 0


@pytest.mark.parametrize("encoding", ["gb18030", "cp437", "raster"])
def test_copy_banner_goes_after_init(encoding):
    s = settings(encoding)
    font = load_font() if encoding == "raster" else None
    _, payload = encode(sample_receipt(), encoding)
    marked = mark_as_copy(payload, copy_banner(s, font))
    d = decode(marked, encoding)
    assert d.inits == 1 and d.cuts == 1
    if encoding == "raster":
        assert len(d.images) == 1    # the banner band joins the receipt image
    else:
        first = d.lines[0]
        assert "COPY" in first.text and first.align == "center" and first.bold


def test_test_page_decodes_in_every_encoding():
    for encoding in TEXT_ENCODINGS:
        paper = Paper.make(32, encoding)
        doc = layout_test_page(paper, "file:/dev/null", AT, "Asia/Shanghai")
        d = decode(encode_document(doc, settings(encoding, 32)), encoding)
        assert d.errors == [] and d.cuts == 1
        assert all(x.printed_cells <= 32 for x in d.lines)


def test_tokenizer_skips_image_data():
    # raster data that looks like DLE EOT 1 is not read as a status query
    image = b"\x1dv0\x00\x03\x00\x01\x00" + b"\x10\x04\x01"
    tokens, used = tokenize(image + b"\x10\x04\x04")
    assert [t[0] for t in tokens] == ["raster", "status"] and used == len(image) + 3
    assert tokens[1][1] == 4
    tokens, used = tokenize(image[:9], partial=True)
    assert tokens == [] and used == 0
