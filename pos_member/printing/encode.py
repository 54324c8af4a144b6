"""A laid-out document as the ESC/POS bytes of one print job.

Text modes write the text themselves, because python-escpos 3.1's text path cannot print
Chinese reliably (DEPENDENCIES.md):

- ``gb18030`` / ``big5``: ASCII goes out as itself; every run of other characters is encoded
  and wrapped in the printer's Chinese mode, ``FS &`` ... ``FS .``, so no byte >= 0x80 ever
  reaches the printer outside Chinese mode;
- ``utf8``: selects UTF-8 with ``FS ( C`` (function 48) and sends UTF-8;
- a single-byte code page (``cp437`` ...): through python-escpos (``charcode`` + ``text``),
  after the layout has replaced what the page cannot hold.

Sizes use ``GS !`` (python-escpos's ``set`` uses ``ESC !``, which leaves Chinese characters
single size); bold ``ESC E``; alignment ``ESC a``. QR codes are native (``GS ( k``, through
python-escpos) or a raster image (``GS v 0``), by setting. In ``raster`` mode the whole
document is one image drawn with a CJK font. Cut and drawer kick come from python-escpos.
"""

from __future__ import annotations

from PIL import Image

from pos_member.printing.document import CENTER, RIGHT, Builder, Document, Feed, QrCode, Row
from pos_member.printing.escpos_compat import dummy_printer
from pos_member.printing.labels import labels_for
from pos_member.printing.layout import Paper
from pos_member.printing.raster import CELL, NativeQr, RasterFont, qr_image, render_segments
from pos_member.printing.settings import PrinterSettings
from pos_member.printing.text import SINGLE_BYTE_CODEPAGES

ESC, GS, FS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
SELECT_UTF8 = FS + b"(C\x02\x000\x02"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BAND_ROWS = 256          # raster images go out in bands, kind to small printer buffers
QR_NATIVE_SIZE = {32: 5, 48: 6}


def raster_bytes(img: Image.Image) -> bytes:
    """``GS v 0`` commands for an "L" image with ink = 255, in bands of :data:`BAND_ROWS`."""
    bits = img.convert("1", dither=Image.Dither.NONE)     # threshold at 128, no dithering
    width_bytes = (bits.width + 7) // 8
    out = bytearray()
    for top in range(0, bits.height, BAND_ROWS):
        band = bits.crop((0, top, bits.width, min(bits.height, top + BAND_ROWS)))
        data = band.tobytes()       # "1" mode: a set bit is white in PIL, ink here
        out += GS + b"v0\x00" + width_bytes.to_bytes(2, "little")
        out += band.height.to_bytes(2, "little") + data
    return bytes(out)


def _double_byte(text: str, codec: str) -> bytes:
    out = bytearray()
    run: list[str] = []
    ascii_run = True
    for ch in text + "\0":
        is_ascii = ch.isascii()
        if run and (is_ascii != ascii_run or ch == "\0"):
            chunk = "".join(run)
            if ascii_run:
                out += chunk.encode("ascii")
            else:
                out += CHINESE_ON + chunk.encode(codec) + CHINESE_OFF
            run = []
        ascii_run = is_ascii
        run.append(ch)
    return bytes(out)


class _Writer:
    """Keeps the printer's text state so each command is sent only when it changes."""

    def __init__(self, settings: PrinterSettings):
        self.s = settings
        self.p = dummy_printer()
        self.align = "left"
        self.bold = False
        self.size = 0
        codepage = SINGLE_BYTE_CODEPAGES.get(settings.encoding)
        self.single_byte = codepage is not None
        if codepage is not None:
            self.p.charcode(codepage[1])        # sends ESC t n now

    def raw(self, data: bytes) -> None:
        self.p._raw(data)

    def set(self, align: str = "left", bold: bool = False, size: int = 0) -> None:
        if align != self.align:
            self.raw(ALIGN[align])
            self.align = align
        if bold != self.bold:
            self.raw(ESC + (b"E\x01" if bold else b"E\x00"))
            self.bold = bold
        if size != self.size:
            self.raw(GS + b"!" + bytes((size,)))
            self.size = size

    def text(self, text: str) -> None:
        enc = self.s.encoding
        if text.isascii():
            self.raw(text.encode("ascii"))
        elif enc in ("gb18030", "big5"):
            self.raw(_double_byte(text, enc))
        elif enc in ("utf8", "raster"):
            self.raw(text.encode("utf-8"))
        else:
            self.p.text(text)

    def row(self, row: Row) -> None:
        size = (0x10 if row.double_width else 0) | (0x01 if row.double_height else 0)
        self.set(row.align if row.align in (CENTER, RIGHT) else "left", row.bold, size)
        self.text(row.text)
        self.raw(LF)

    def qr(self, payload: str, width: int) -> None:
        self.set(CENTER)
        if self.s.qr == "native":
            self.p.qr(payload, native=True, size=QR_NATIVE_SIZE.get(width, 6), ec=1)
            self.raw(LF)
        else:
            self.raw(raster_bytes(qr_image(payload, width * CELL)))
        self.set("left")


def encode_document(doc: Document, settings: PrinterSettings, font: RasterFont | None = None,
                    *, init: bool = True, cut: bool | None = None) -> bytes:
    """The print job for ``doc``: ``ESC @``, the content, and a feed and cut (unless
    ``settings.cut`` is off). ``font`` is needed in raster mode."""
    w = _Writer(settings)
    head = INIT if init else b""
    if settings.encoding == "utf8":
        w.raw(SELECT_UTF8)
    if settings.encoding == "raster":
        if font is None:
            raise ValueError("raster mode needs a font")
        for seg in render_segments(doc, font, native_qr=settings.qr == "native"):
            if isinstance(seg, NativeQr):
                w.qr(seg.payload, doc.width)
            else:
                w.raw(raster_bytes(seg))
    else:
        for block in doc.blocks:
            if isinstance(block, Row):
                w.row(block)
            elif isinstance(block, QrCode):
                w.qr(block.payload, doc.width)
            elif isinstance(block, Feed):
                w.set()
                w.raw(ESC + b"d" + bytes((min(block.lines, 255),)))
        w.set()
    if settings.cut if cut is None else cut:
        w.p.cut()
    return head + w.p.output


def copy_banner(settings: PrinterSettings, font: RasterFont | None = None) -> bytes:
    """The "*** 重印 COPY ***" row, encoded for insertion into a stored job (a reprint)."""
    paper = Paper.make(settings.width, settings.encoding,
                       font.has_glyph if font is not None else None)
    b = Builder("banner", paper.width, paper.charset)
    b.line(labels_for(settings.encoding)["copy_banner"], CENTER, bold=True)
    return encode_document(b.doc, settings, font, init=False, cut=False)


def mark_as_copy(payload: bytes, banner: bytes) -> bytes:
    """A stored job's bytes with the copy banner right after its leading ``ESC @``."""
    if payload.startswith(INIT):
        return INIT + banner + payload[len(INIT):]
    return banner + payload


def drawer_kick(pin: int = 2) -> bytes:
    """The job that opens the cash drawer (``ESC p``), through python-escpos."""
    p = dummy_printer()
    p.cashdraw(pin)
    return p.output
