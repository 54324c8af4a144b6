"""Display width of text on a receipt, per printer encoding, and fitting text into columns.

A thermal printer's character grid has half-width cells (12 dots wide at 203 dpi: 32 of them on
58 mm paper, 48 on 80 mm). What occupies two cells depends on how the text reaches the printer:

- GB18030 and Big5 (the printer's Chinese mode): a character sent as one ASCII byte takes one
  cell, a character sent as two bytes takes two, whatever Unicode says about it. So ``·`` and
  ``é`` (East Asian width "ambiguous") are two cells in GB18030. Characters that need four
  GB18030 bytes (emoji, ``¥``, rare ideographs) are not in the printer's font and are replaced.
- UTF-8 printers and the raster mode: Unicode East Asian width (W and F are two cells, the rest
  one), emoji two cells; in raster mode a character the font has no glyph for is replaced.
- A single-byte code page (cp437 ...): one cell per character; full-width forms are folded to
  their ASCII twins (NFKC) first, and what the page cannot hold becomes ``?`` per cell.

Every string a layout prints goes through :meth:`Charset.clean` first; after that the width is
exact and the same for the ESC/POS bytes, the raster image and the on-screen preview.
"""

from __future__ import annotations

import unicodedata
from typing import Callable

WIDE_PLACEHOLDER = "\uff1f"   # full-width question mark: two cells, in GB2312, Big5 and CJK fonts
NARROW_PLACEHOLDER = "?"

_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # mahjong, cards, enclosed supplements, pictographs, emoticons ...
    (0x2600, 0x27BF),    # miscellaneous symbols and dingbats (☕ ❤ ✨)
    (0x2B00, 0x2BFF),    # arrows and stars (⭐)
    (0x231A, 0x231B), (0x23E9, 0x23FA),
    (0x1F1E6, 0x1F1FF),  # regional indicators (flags)
)


def is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _EMOJI_RANGES)


def _zero_width(ch: str) -> bool:
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors
        return True
    return unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc")


def unicode_width(ch: str) -> int:
    """Cells of one character by East Asian width; emoji two; marks and controls zero."""
    if _zero_width(ch):
        return 0
    if is_emoji(ch) or unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Width of text by East Asian width (the encoding-independent measure)."""
    return sum(unicode_width(c) for c in text)


class Charset:
    """What a printer in one encoding can print, and how wide each character is there.

    ``clean(text)`` maps any string to one the printer can print (one line, no controls) and
    ``width(text)`` measures a cleaned string in cells.
    """

    name = "unicode"

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, int]] = {}

    # one character -> (its printable replacement, width in cells)
    def _map(self, ch: str) -> tuple[str, int]:
        raise NotImplementedError

    def _entry(self, ch: str) -> tuple[str, int]:
        hit = self._cache.get(ch)
        if hit is None:
            if ch in "\t\n\r\v\f":
                hit = (" ", 1)
            elif _zero_width(ch):
                hit = ("", 0)
            elif is_emoji(ch):
                hit = self._placeholder(2)
            else:
                hit = self._map(ch)
            self._cache[ch] = hit
        return hit

    def _placeholder(self, cells: int) -> tuple[str, int]:
        return (WIDE_PLACEHOLDER, 2) if cells == 2 else (NARROW_PLACEHOLDER, 1)

    def clean(self, text: str) -> str:
        if text.isascii() and text.isprintable():
            return text
        text = unicodedata.normalize("NFC", text)
        return "".join(self._entry(c)[0] for c in text)

    def char_width(self, ch: str) -> int:
        if " " <= ch <= "~":
            return 1
        return self._entry(ch)[1]

    def width(self, text: str) -> int:
        if text.isascii():
            return len(text)
        return sum(self.char_width(c) for c in text)


class DoubleByteCharset(Charset):
    """GB18030 or Big5 in the printer's Chinese mode: ASCII one cell, two-byte characters two."""

    def __init__(self, codec: str, name: str):
        super().__init__()
        self.codec = codec
        self.name = name

    def _map(self, ch: str) -> tuple[str, int]:
        if ch == "\u00a5":           # ¥ needs four GB18030 bytes; the font has the full-width ￥
            ch = "\uffe5"
        if ch.isascii():
            return (ch, 1) if ch.isprintable() else (" ", 1)
        try:
            raw = ch.encode(self.codec)
        except UnicodeEncodeError:
            raw = b""
        if len(raw) == 2:
            return ch, 2
        return self._placeholder(2 if unicode_width(ch) == 2 else 1)


class SingleByteCharset(Charset):
    """A single-byte code page: one cell each; unprintable characters become ``?`` per cell."""

    def __init__(self, codec: str):
        super().__init__()
        self.codec = codec
        self.name = codec

    def _encodable(self, ch: str) -> bool:
        try:
            return len(ch.encode(self.codec)) == 1 and ch.isprintable()
        except UnicodeEncodeError:
            return False

    def _placeholder(self, cells: int) -> tuple[str, int]:
        return NARROW_PLACEHOLDER * cells, cells

    def _map(self, ch: str) -> tuple[str, int]:
        if self._encodable(ch):
            return ch, 1
        folded = unicodedata.normalize("NFKC", ch)
        if folded and all(self._encodable(c) for c in folded):
            return folded, len(folded)
        cells = max(1, unicode_width(ch))
        return NARROW_PLACEHOLDER * cells, cells


class UnicodeCharset(Charset):
    """UTF-8 printers and raster images: East Asian width, with a glyph check when known."""

    def __init__(self, name: str = "utf8", has_glyph: Callable[[str], bool] | None = None):
        super().__init__()
        self.name = name
        self._has_glyph = has_glyph

    def _map(self, ch: str) -> tuple[str, int]:
        cells = unicode_width(ch)
        if not ch.isprintable() and ch != " ":
            return " ", 1
        if ord(ch) > 0xFFFF:
            return self._placeholder(cells)
        if self._has_glyph is not None and not self._has_glyph(ch):
            return self._placeholder(cells)
        return ch, cells


SINGLE_BYTE_CODEPAGES = {
    # name accepted in settings -> (Python codec, python-escpos code page name)
    "cp437": ("cp437", "CP437"),
    "cp850": ("cp850", "CP850"),
    "cp858": ("cp858", "CP858"),
    "cp1252": ("cp1252", "CP1252"),
    "cp866": ("cp866", "CP866"),
}
TEXT_ENCODINGS = ("gb18030", "big5", "utf8", *SINGLE_BYTE_CODEPAGES)
ENCODINGS = (*TEXT_ENCODINGS, "raster")


def charset_for(encoding: str, has_glyph: Callable[[str], bool] | None = None) -> Charset:
    """The :class:`Charset` of a printer encoding setting (see :data:`ENCODINGS`)."""
    if encoding == "gb18030":
        return DoubleByteCharset("gb18030", "gb18030")
    if encoding == "big5":
        return DoubleByteCharset("big5", "big5")
    if encoding == "utf8":
        return UnicodeCharset("utf8")
    if encoding == "raster":
        return UnicodeCharset("raster", has_glyph)
    if encoding in SINGLE_BYTE_CODEPAGES:
        return SingleByteCharset(SINGLE_BYTE_CODEPAGES[encoding][0])
    raise ValueError(f"unknown printer encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")


# --- fitting cleaned text into cells -----------------------------------------------------------

def fit(text: str, cols: int, cs: Charset) -> str:
    """The longest prefix of ``text`` no wider than ``cols`` cells."""
    if cs.width(text) <= cols:
        return text
    out, used = [], 0
    for ch in text:
        w = cs.char_width(ch)
        if used + w > cols:
            break
        out.append(ch)
        used += w
    return "".join(out)


def wrap(text: str, cols: int, cs: Charset) -> list[str]:
    """Break ``text`` into lines of at most ``cols`` cells.

    Breaks anywhere between CJK characters, and at a space when a Latin word would be cut
    (unless the word alone is wider than a line). Never returns an empty list.
    """
    if cols < 2:
        raise ValueError("cols must be at least 2 (one CJK character)")
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for ch in text:
        w = cs.char_width(ch)
        if used + w > cols:
            carry: list[str] = []
            if ch != " " and ch.isascii() and line and line[-1].isascii():
                # move the partial Latin word to the next line if there is a space to break at
                for i in range(len(line) - 1, 0, -1):
                    if line[i] == " ":
                        carry = line[i + 1:]
                        line = line[:i]
                        break
                    if not line[i].isascii():
                        break
            lines.append("".join(line).rstrip())
            line = carry
            used = sum(cs.char_width(c) for c in line)
            if ch == " " and not line:
                continue
        line.append(ch)
        used += w
    lines.append("".join(line).rstrip())
    return lines


def pad_right(text: str, cols: int, cs: Charset) -> str:
    return text + " " * max(0, cols - cs.width(text))


def pad_left(text: str, cols: int, cs: Charset) -> str:
    return " " * max(0, cols - cs.width(text)) + text
