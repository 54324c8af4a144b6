"""A small ESC/POS decoder for the commands this project sends, to read printed jobs back.

``tokenize`` splits a byte stream into commands (it knows each command's length, so bytes
inside raster data are never mistaken for commands); ``decode`` plays them like a printer
would and returns the printed lines (text, alignment, bold, size, whether the bytes were in
Chinese mode, width in cells), the raster images (``GS v 0``, consecutive bands joined),
native QR payloads, cuts, drawer kicks and status queries. Anything it does not know is an
error, so the tests notice a stray byte.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from PIL import Image, ImageOps

CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 19: "cp858"}


class DecodeError(ValueError):
    pass


class Incomplete(Exception):
    """The stream ends inside a command (only with ``partial=True``)."""


def _need(data: bytes, i: int, n: int) -> None:
    if i + n > len(data):
        raise Incomplete


def tokenize(data: bytes, partial: bool = False,
             spans: list[tuple[int, int]] | None = None) -> tuple[list[tuple], int]:
    """Tokens and the number of bytes consumed (all of them unless ``partial`` and the data
    ends inside a command). ``spans``, when given, receives each token's (start, end)."""
    out: list[tuple] = []
    i = 0
    n = len(data)
    start = 0
    while i < n:
        if spans is not None and len(spans) < len(out):
            spans.append((start, i))
        start = i
        try:
            b = data[i]
            if b == 0x0A:
                out.append(("lf",))
                i += 1
            elif b >= 0x20:
                j = i
                while j < n and data[j] >= 0x20:
                    j += 1
                out.append(("text", data[i:j]))
                i = j
            elif b == 0x1B:
                _need(data, i, 2)
                c = data[i + 1]
                if c == 0x40:
                    out.append(("init",))
                    i += 2
                elif c in b"aE!dtM-{G3J":
                    _need(data, i, 3)
                    out.append(("esc", chr(c), data[i + 2]))
                    i += 3
                elif c == 0x70:
                    _need(data, i, 5)
                    out.append(("drawer", data[i + 2], data[i + 3], data[i + 4]))
                    i += 5
                elif c == 0x32:
                    out.append(("esc", "2", 0))
                    i += 2
                else:
                    raise DecodeError(f"unknown ESC 0x{c:02x} at {i}")
            elif b == 0x1D:
                _need(data, i, 2)
                c = data[i + 1]
                if c in b"!Bb":
                    _need(data, i, 3)
                    out.append(("gs", chr(c), data[i + 2]))
                    i += 3
                elif c == 0x56:
                    _need(data, i, 3)
                    m = data[i + 2]
                    if m in (0, 1, 48, 49):
                        out.append(("cut", m))
                        i += 3
                    else:
                        _need(data, i, 4)
                        out.append(("cut", m))
                        i += 4
                elif c == 0x76:
                    _need(data, i, 8)
                    if data[i + 2] != 0x30:
                        raise DecodeError(f"GS v {data[i + 2]} at {i}")
                    m = data[i + 3]
                    wb = data[i + 4] | data[i + 5] << 8
                    h = data[i + 6] | data[i + 7] << 8
                    _need(data, i, 8 + wb * h)
                    out.append(("raster", m, wb, h, data[i + 8:i + 8 + wb * h]))
                    i += 8 + wb * h
                elif c == 0x28:
                    _need(data, i, 5)
                    fn = chr(data[i + 2])
                    ln = data[i + 3] | data[i + 4] << 8
                    _need(data, i, 5 + ln)
                    out.append(("gs(", fn, data[i + 5:i + 5 + ln]))
                    i += 5 + ln
                else:
                    raise DecodeError(f"unknown GS 0x{c:02x} at {i}")
            elif b == 0x1C:
                _need(data, i, 2)
                c = data[i + 1]
                if c == 0x26:
                    out.append(("chinese", True))
                    i += 2
                elif c == 0x2E:
                    out.append(("chinese", False))
                    i += 2
                elif c == 0x28:
                    _need(data, i, 5)
                    fn = chr(data[i + 2])
                    ln = data[i + 3] | data[i + 4] << 8
                    _need(data, i, 5 + ln)
                    out.append(("fs(", fn, data[i + 5:i + 5 + ln]))
                    i += 5 + ln
                elif c in b"!C":
                    _need(data, i, 3)
                    out.append(("fs", chr(c), data[i + 2]))
                    i += 3
                else:
                    raise DecodeError(f"unknown FS 0x{c:02x} at {i}")
            elif b == 0x10:
                _need(data, i, 3)
                if data[i + 1] != 0x04:
                    raise DecodeError(f"unknown DLE 0x{data[i + 1]:02x} at {i}")
                out.append(("status", data[i + 2]))
                i += 3
            else:
                raise DecodeError(f"unexpected control byte 0x{b:02x} at {i}")
        except Incomplete:
            if not partial:
                raise DecodeError(f"stream ends inside a command at {start}") from None
            return out, start
    if spans is not None and len(spans) < len(out):
        spans.append((start, i))
    return out, i


def eaw_width(text: str) -> int:
    """Display width as the brief defines it: East Asian width W/F = 2, emoji 2, marks 0."""
    w = 0
    for ch in text:
        cp = ord(ch)
        if unicodedata.category(ch) in ("Mn", "Me", "Cf") or 0xFE00 <= cp <= 0xFE0F:
            continue
        if (unicodedata.east_asian_width(ch) in ("W", "F") or 0x1F000 <= cp <= 0x1FAFF
                or 0x2600 <= cp <= 0x27BF):
            w += 2
        else:
            w += 1
    return w


@dataclass
class Line:
    text: str
    align: str
    bold: bool
    width_mult: int
    height_mult: int
    chinese: bool            # some of it was sent in Chinese mode
    cells: int               # cells the printer uses, before size multiplication

    @property
    def printed_cells(self) -> int:
        return self.cells * self.width_mult


@dataclass
class Decoded:
    items: list = field(default_factory=list)       # Line | Image.Image | ("qr", payload)
    lines: list[Line] = field(default_factory=list)
    images: list[Image.Image] = field(default_factory=list)   # black ink on white, "L"
    qr_native: list[str] = field(default_factory=list)
    cuts: int = 0
    drawer: list[tuple[int, int, int]] = field(default_factory=list)
    status_queries: list[int] = field(default_factory=list)
    inits: int = 0
    utf8: bool = False
    codepage: str | None = None
    errors: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def decode(data: bytes, encoding: str) -> Decoded:
    tokens, _ = tokenize(data)
    d = Decoded()
    align, bold, wm, hm, chinese = "left", False, 1, 1, False
    segments: list[tuple[bytes, bool]] = []
    qr_store = b""
    last_was_image = False

    def flush_line() -> None:
        nonlocal segments, last_was_image
        text, cells = [], 0
        any_chinese = False
        for raw, cn in segments:
            if encoding in ("gb18030", "big5"):
                if cn:
                    s = raw.decode(encoding)
                    any_chinese = any_chinese or any(ord(c) > 0x7F for c in s)
                    cells += sum(1 if c.isascii() else 2 for c in s)
                else:
                    if any(x >= 0x80 for x in raw):
                        d.errors.append(f"byte >= 0x80 outside Chinese mode: {raw!r}")
                    s = raw.decode("latin-1")
                    cells += len(s)
            elif encoding in ("utf8", "raster"):
                s = raw.decode("utf-8")
                cells += eaw_width(s)
            else:
                s = raw.decode(d.codepage or "cp437")
                cells += len(s)
            text.append(s)
        line = Line("".join(text), align, bold, wm, hm, any_chinese, cells)
        d.lines.append(line)
        d.items.append(line)
        segments = []
        last_was_image = False

    for tok in tokens:
        kind = tok[0]
        if kind == "text":
            segments.append((tok[1], chinese))
        elif kind == "lf":
            flush_line()
        elif kind == "init":
            d.inits += 1
            align, bold, wm, hm, chinese = "left", False, 1, 1, False
        elif kind == "esc":
            c, n = tok[1], tok[2]
            if c == "a":
                align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center",
                         50: "right"}[n]
            elif c == "E":
                bold = bool(n & 1)
            elif c == "!":
                bold, hm, wm = bool(n & 0x08), 2 if n & 0x10 else 1, 2 if n & 0x20 else 1
            elif c == "d":
                if segments:
                    flush_line()
                for _ in range(n):
                    flush_line()
            elif c == "t":
                d.codepage = CODEPAGES.get(n, f"page{n}")
        elif kind == "gs":
            if tok[1] == "!":
                wm, hm = (tok[2] >> 4) + 1, (tok[2] & 0x0F) + 1
        elif kind == "chinese":
            chinese = tok[1]
        elif kind == "fs(":
            if tok[1] == "C" and tok[2] == b"0\x02":
                d.utf8 = True
        elif kind == "cut":
            if segments:
                flush_line()
            d.cuts += 1
        elif kind == "drawer":
            d.drawer.append((tok[1], tok[2], tok[3]))
        elif kind == "status":
            d.status_queries.append(tok[1])
        elif kind == "raster":
            _, m, wb, h, raw = tok
            band = ImageOps.invert(Image.frombytes("1", (wb * 8, h), raw).convert("L"))
            if last_was_image and d.images[-1].width == band.width:
                prev = d.images[-1]
                joined = Image.new("L", (prev.width, prev.height + h), 255)
                joined.paste(prev, (0, 0))
                joined.paste(band, (0, prev.height))
                d.images[-1] = joined
                d.items[-1] = joined
            else:
                d.images.append(band)
                d.items.append(band)
            last_was_image = True
            continue
        elif kind == "gs(" and tok[1] == "k":
            params = tok[2]
            cn, fn = params[0], params[1]
            if cn == 0x31 and fn == 0x50:
                qr_store = params[3:]
            elif cn == 0x31 and fn == 0x51:
                d.qr_native.append(qr_store.decode("utf-8"))
                d.items.append(("qr", qr_store.decode("utf-8")))
        last_was_image = last_was_image and kind in ("gs", "esc", "init")
    if segments:
        flush_line()
    return d
