"""The on-screen preview: the same document, drawn as it would come out of the printer.

Text-mode documents are previewed with the charset of the printer's encoding, so a character
the printer would replace shows replaced, and one it prints double width shows double width.
"""

from __future__ import annotations

from PIL import Image, ImageOps

from pos_member.printing.document import Document
from pos_member.printing.raster import RasterFont, render_image

PAPER_TINT = (252, 251, 247)
INK = (20, 20, 20)
MARGIN = 16


def preview_image(doc: Document, font: RasterFont, margin: int = MARGIN) -> Image.Image:
    """An RGB image: the receipt on paper-coloured ground with a margin, one pixel per dot
    (576 dots wide for 80 mm paper). Scale it for the screen as needed."""
    ink = render_image(doc, font)
    w, h = ink.width + 2 * margin, ink.height + 2 * margin
    img = Image.new("RGB", (w, h), PAPER_TINT)
    img.paste(Image.new("RGB", ink.size, INK), (margin, margin), ink)
    return img


def preview_gray(doc: Document, font: RasterFont) -> Image.Image:
    """Black on white "L" image, no margin (what the raster mode sends, before thresholding)."""
    return ImageOps.invert(render_image(doc, font))
