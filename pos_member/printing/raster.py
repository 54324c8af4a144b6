"""Render a laid-out document as an image with a CJK font: the raster print mode and the preview.

The grid is the printer's own: each half-width cell is 12 dots wide (32 cells = 384 dots on
58 mm paper, 48 = 576 dots on 80 mm) and a row is 32 dots high. Each character is drawn in
the cells its charset gives it, so columns line up whatever the font's own advances are.
Glyph bitmaps are cached per font.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageChops, ImageDraw, ImageFont

from pos_member.printing.document import CENTER, RIGHT, Document, Feed, QrCode, Row

CELL = 12          # dots per half-width cell
ROW = 32           # dots per text row
BASELINE = 25      # baseline within a row
FONT_PX = 24
FONT_ENV = "POS_MEMBER_FONT"

_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
_WINDOWS_FONTS = ("msyh.ttc", "simhei.ttf", "simsun.ttc", "msjh.ttc", "mingliu.ttc")


class FontNotFound(Exception):
    pass


def find_cjk_font(configured: str | None = None) -> str:
    """The font file to render Chinese with: ``configured`` if given, else ``$POS_MEMBER_FONT``,
    else a CJK font shipped in ``resources/fonts`` or installed on the system."""
    for path in (configured, os.environ.get(FONT_ENV)):
        if path:
            if not Path(path).is_file():
                raise FontNotFound(f"font file not found: {path}")
            return str(path)
    shipped = Path(__file__).resolve().parents[2] / "resources" / "fonts"
    candidates = sorted(str(p) for p in shipped.glob("*.tt[fc]")) if shipped.is_dir() else []
    candidates += list(_CANDIDATES)
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        candidates += [os.path.join(windir, "Fonts", name) for name in _WINDOWS_FONTS]
    for path in candidates:
        if Path(path).is_file():
            return path
    raise FontNotFound("no CJK font found (install fonts-wqy-microhei or fonts-noto-cjk, "
                       "or set the printer's font file)")


class RasterFont:
    """A CJK font ready to draw receipt cells, with a glyph check and a bitmap cache."""

    def __init__(self, path: str | None = None):
        self.path = find_cjk_font(path)
        self.face = ImageFont.truetype(self.path, FONT_PX, index=0)
        self._cache: dict[tuple[str, int, bool], Image.Image] = {}
        self._has: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._notdef = self._mask_bytes("\U0010fffd")

    def _mask_bytes(self, ch: str) -> tuple[tuple[int, int], bytes]:
        m = self.face.getmask(ch)
        return m.size, bytes(m)

    def has_glyph(self, ch: str) -> bool:
        """False when the font would draw its "missing glyph" box for ``ch``."""
        hit = self._has.get(ch)
        if hit is None:
            hit = ch == " " or self._mask_bytes(ch) != self._notdef
            self._has[ch] = hit
        return hit

    def glyph(self, ch: str, cells: int, bold: bool) -> Image.Image:
        """An "L" bitmap ``cells`` cells wide and one row high, ink = 255."""
        key = (ch, cells, bold)
        img = self._cache.get(key)
        if img is not None:
            return img
        with self._lock:
            w = cells * CELL
            natural = max(w, int(self.face.getlength(ch) + 0.999))
            img = Image.new("L", (natural, ROW), 0)
            ImageDraw.Draw(img).text((natural / 2, BASELINE), ch, font=self.face, fill=255,
                                     anchor="ms")
            if natural > w:   # squeeze a wide Latin glyph into its half-width cell
                img = img.resize((w, ROW), Image.LANCZOS)
            if bold:            # overprint one dot to the right, as the printer does
                shifted = Image.new("L", img.size, 0)
                shifted.paste(img.crop((0, 0, img.width - 1, ROW)), (1, 0))
                img = ImageChops.lighter(img, shifted)
            self._cache[key] = img
        return img


_fonts: dict[str | None, RasterFont] = {}
_fonts_lock = threading.Lock()


def load_font(path: str | None = None) -> RasterFont:
    """A shared :class:`RasterFont` per path (``None``: the one found on the system)."""
    with _fonts_lock:
        font = _fonts.get(path)
        if font is None:
            font = RasterFont(path)
            _fonts[path] = font
            _fonts[font.path] = font
        return font


@dataclass(frozen=True)
class NativeQr:
    """Where a raster document hands a QR code to the printer's own QR command."""

    payload: str


def qr_image(payload: str, paper_px: int) -> Image.Image:
    """The QR code as an "L" image (ink = 255) as wide as the paper, the code centred."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()          # includes the quiet zone
    n = len(matrix)
    box = max(2, min(8, int(paper_px * 0.55) // n))
    size = n * box
    small = Image.new("L", (n, n), 0)
    small.putdata([255 if cell else 0 for row in matrix for cell in row])
    img = Image.new("L", (paper_px, size), 0)
    img.paste(small.resize((size, size), Image.NEAREST), ((paper_px - size) // 2, 0))
    return img


def _row_image(row: Row, doc: Document, font: RasterFont) -> Image.Image:
    cs = doc.charset
    sx = 2 if row.double_width else 1
    sy = 2 if row.double_height else 1
    cols = doc.width // sx
    used = cs.width(row.text)
    lead = 0
    if row.align == CENTER:
        lead = (cols - used) // 2
    elif row.align == RIGHT:
        lead = cols - used
    line = Image.new("L", (cols * CELL, ROW), 0)
    x = max(0, lead) * CELL
    for ch in row.text:
        cells = cs.char_width(ch)
        if cells and ch != " ":
            line.paste(font.glyph(ch, cells, row.bold), (x, 0))
        x += cells * CELL
    if sx == 1 and sy == 1:
        return line
    return line.resize((line.width * sx, ROW * sy), Image.NEAREST)


def render_segments(doc: Document, font: RasterFont, native_qr: bool = False
                    ) -> list[Image.Image | NativeQr]:
    """The document as images ("L", ink = 255, paper-wide); with ``native_qr`` each QR code
    becomes a :class:`NativeQr` between two images instead of being drawn."""
    paper_px = doc.width * CELL
    out: list[Image.Image | NativeQr] = []
    parts: list[Image.Image] = []

    def flush() -> None:
        if parts:
            height = sum(p.height for p in parts)
            canvas = Image.new("L", (paper_px, height), 0)
            y = 0
            for p in parts:
                canvas.paste(p, (0, y))
                y += p.height
            out.append(canvas)
            parts.clear()

    for block in doc.blocks:
        if isinstance(block, Row):
            parts.append(_row_image(block, doc, font))
        elif isinstance(block, Feed):
            parts.append(Image.new("L", (paper_px, ROW * block.lines), 0))
        elif isinstance(block, QrCode):
            if native_qr:
                flush()
                out.append(NativeQr(block.payload))
            else:
                parts.append(Image.new("L", (paper_px, ROW // 2), 0))
                parts.append(qr_image(block.payload, paper_px))
    flush()
    return out


def render_image(doc: Document, font: RasterFont) -> Image.Image:
    """The whole document as one "L" image, ink = 255 (QR codes drawn)."""
    segments = render_segments(doc, font)
    if len(segments) == 1:
        return segments[0]  # type: ignore[return-value]
    return Image.new("L", (doc.width * CELL, 1), 0)
