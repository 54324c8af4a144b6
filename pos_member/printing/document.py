"""A laid-out receipt: rows of cleaned text, QR codes and feeds, independent of the encoding.

Layouts (``layout_*``) build a :class:`Document` with :class:`Builder`; the ESC/POS encoder,
the raster renderer and the preview all read the same document, so what the screen shows is
what the paper gets. Every :class:`Row`'s text is already cleaned for the document's charset
and no wider than its columns (half the paper's columns when printed double width).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pos_member.printing.text import Charset, fit, pad_left, pad_right, wrap

LEFT, CENTER, RIGHT = "left", "center", "right"
PAPER_COLUMNS = (32, 48)   # 58 mm and 80 mm paper, font A (12 x 24 dots)


@dataclass(frozen=True)
class Row:
    text: str
    align: str = LEFT
    bold: bool = False
    double_width: bool = False
    double_height: bool = False


@dataclass(frozen=True)
class QrCode:
    payload: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Row | QrCode | Feed


@dataclass
class Document:
    kind: str               # receipt, refund, x_report, z_report, shift_close, card_slip, test_page
    width: int              # columns of the paper
    charset: Charset
    blocks: list[Block] = field(default_factory=list)
    copy: bool = False      # a reprint

    def rows(self) -> list[Row]:
        return [b for b in self.blocks if isinstance(b, Row)]

    def text(self) -> str:
        """The rows as plain text (alignment applied), for logs and tests."""
        out = []
        for b in self.blocks:
            if isinstance(b, Row):
                cols = self.width // 2 if b.double_width else self.width
                pad = cols - self.charset.width(b.text)
                lead = pad // 2 if b.align == CENTER else pad if b.align == RIGHT else 0
                out.append(" " * lead + b.text)
            elif isinstance(b, QrCode):
                out.append(f"[QR {b.payload}]")
            else:
                out.extend([""] * b.lines)
        return "\n".join(out)


class Builder:
    """Appends rows to a document, cleaning and fitting every string it is given."""

    def __init__(self, kind: str, width: int, charset: Charset, copy: bool = False):
        if width not in PAPER_COLUMNS:
            raise ValueError(f"paper width must be 32 or 48 columns, not {width}")
        self.doc = Document(kind, width, charset, copy=copy)
        self.cs = charset
        self.width = width

    def clean(self, text: str) -> str:
        return self.cs.clean(text)

    def _cols(self, double_width: bool) -> int:
        return self.width // 2 if double_width else self.width

    def line(self, text: str, align: str = LEFT, bold: bool = False, double_width: bool = False,
             double_height: bool = False) -> None:
        """One or more rows: text wrapped to the paper."""
        cols = self._cols(double_width)
        for part in wrap(self.clean(text), cols, self.cs):
            self.doc.blocks.append(Row(part, align, bold, double_width, double_height))

    def pair(self, left: str, right: str, bold: bool = False, double_height: bool = False,
             indent: int = 0) -> None:
        """``left`` at the left margin and ``right`` flush with the right edge.

        When both do not fit on one row, ``left`` wraps and ``right`` goes on a row of its own,
        still flush right, so amounts always end in the last column.
        """
        cols = self.width
        left = " " * indent + self.clean(left)
        right = self.clean(right)
        rw = self.cs.width(right)
        if rw > cols:
            right = fit(right, cols, self.cs)
            rw = self.cs.width(right)
        if self.cs.width(left) + 1 + rw <= cols:
            row = pad_right(left, cols - rw, self.cs) + right
            self.doc.blocks.append(Row(row, LEFT, bold, False, double_height))
            return
        room = cols - rw - 1          # wrap the label short enough to end beside the amount
        parts = wrap(left, room, self.cs) if room >= 10 else wrap(left, cols, self.cs)
        last = parts[-1]
        if self.cs.width(last) + 1 + rw <= cols:
            parts[-1] = pad_right(last, cols - rw, self.cs) + right
        else:
            parts.append(pad_left(right, cols, self.cs))
        for p in parts:
            self.doc.blocks.append(Row(p, LEFT, bold, False, double_height))

    def columns(self, cells: list[tuple[str, int, str]]) -> str:
        """One row of fixed columns: (text, width, "l"|"r"); text longer than its column is cut."""
        out = []
        for text, w, side in cells:
            t = fit(self.clean(text), w, self.cs)
            out.append(pad_left(t, w, self.cs) if side == "r" else pad_right(t, w, self.cs))
        return "".join(out)

    def raw_row(self, text: str, bold: bool = False) -> None:
        """A row already cleaned and fitted (e.g. from :meth:`columns`)."""
        self.doc.blocks.append(Row(fit(text, self.width, self.cs), LEFT, bold))

    def rule(self, ch: str = "-") -> None:
        self.doc.blocks.append(Row(ch * self.width))

    def title(self, text: str, big: bool = True) -> None:
        self.line(text, CENTER, bold=True, double_width=big, double_height=big)

    def qr(self, payload: str) -> None:
        if payload:
            self.doc.blocks.append(QrCode(payload))

    def feed(self, lines: int = 1) -> None:
        self.doc.blocks.append(Feed(lines))
