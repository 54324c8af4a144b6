"""Sale and refund receipts laid out for 32- or 48-column paper. Pure: no printer, no I/O.

``layout_receipt(data, paper)`` returns a :class:`~pos_member.printing.document.Document`.
Amounts always end in the last column; names wrap; double-width characters count twice (see
:mod:`pos_member.printing.text`). The layout prints the figures it is given and does not
recompute them: the services layer owns the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pos_member.domain.money import format_fen
from pos_member.printing.document import CENTER, Builder, Document
from pos_member.printing.labels import Labels, labels_for
from pos_member.printing.model import ReceiptData, ReceiptLine
from pos_member.printing.text import Charset, charset_for


@dataclass(frozen=True)
class Paper:
    """The printer settings a layout depends on: columns, and the charset and labels of the
    printer's encoding."""

    width: int
    encoding: str
    charset: Charset
    labels: Labels

    @classmethod
    def make(cls, width: int = 48, encoding: str = "gb18030",
             has_glyph: Callable[[str], bool] | None = None) -> "Paper":
        return cls(width, encoding, charset_for(encoding, has_glyph), labels_for(encoding))


def money(fen: int) -> str:
    return format_fen(fen)


def minus(fen: int) -> str:
    """A reduction printed with its sign: 615 -> "-6.15"."""
    return format_fen(-fen)


@lru_cache(maxsize=64)
def _zone(tz: str):
    tz = (tz or "").strip()
    if not tz:
        return None
    if tz[0] in "+-" and ":" in tz:
        sign = 1 if tz[0] == "+" else -1
        hours, minutes = tz[1:].split(":", 1)
        return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(at: datetime, tz: str) -> str:
    """``at`` in the store's zone as "2026-11-24 15:30:05" (the datetime's own offset when the
    zone is unknown on this machine, e.g. Windows without the tzdata package)."""
    zone = _zone(tz)
    if at.tzinfo is not None and zone is not None:
        at = at.astimezone(zone)
    return at.strftime("%Y-%m-%d %H:%M:%S")


def qty_text(line: ReceiptLine) -> str:
    """"2.000" -> "2" for pieces; weighed goods keep their decimals and unit ("0.350kg")."""
    q = line.qty.strip()
    if not line.unit and "." in q:
        q = q.rstrip("0").rstrip(".")
    return q + line.unit


def header(b: Builder, lab: Labels, store_name: str, store_address: str, title: str,
           copy: bool, phone: str = "") -> None:
    b.title(store_name)
    if store_address:
        b.line(store_address, CENTER)
    if phone:
        b.line(f"{lab['store_phone']} {phone}", CENTER)
    b.line(title, CENTER, bold=True)
    if copy:
        b.line(lab["copy_banner"], CENTER, bold=True)
    b.rule()


def layout_receipt(data: ReceiptData, paper: Paper) -> Document:
    lab = paper.labels
    kind = "refund" if data.is_refund else "receipt"
    b = Builder(kind, paper.width, paper.charset, copy=data.is_reprint)
    header(b, lab, data.store_name, data.store_address,
           lab["refund_title"] if data.is_refund else lab["sale_title"], data.is_reprint,
           data.store_phone)

    b.pair(lab["sale_no"], data.sale_number)
    if data.is_refund and data.original_sale_number:
        b.pair(lab["original_sale"], data.original_sale_number)
    b.pair(lab["time"], local_time(data.time, data.tz))
    b.pair(lab["terminal"], data.terminal)
    b.pair(lab["cashier"], data.cashier)

    m = data.member
    if m is not None:
        b.rule()
        b.pair(lab["member"], f"{m.name} {m.masked_phone}".strip())
        b.pair(lab["tier"], m.tier_name)
    b.rule()

    _lines(b, lab, data.lines)
    b.rule()
    _totals(b, lab, data)
    b.rule()
    _tenders(b, lab, data)

    if m is not None:
        b.rule()
        _member_points(b, lab, data)

    if data.qr_payload:
        b.rule()
        b.qr(data.qr_payload)
        b.line(lab["qr_join"] if m is None else lab["qr_lookup"], CENTER)
    b.feed()
    b.line(data.footer or lab["thanks"], CENTER)
    return b.doc


def _lines(b: Builder, lab: Labels, lines: tuple[ReceiptLine, ...]) -> None:
    w = b.width
    if w >= 48:
        name_w, qty_w, price_w, amt_w = w - 30, 8, 11, 11
        b.raw_row(b.columns([(lab["item"], name_w, "l"), (lab["qty"], qty_w, "r"),
                             (lab["price"], price_w, "r"), (lab["amount"], amt_w, "r")]))
    else:
        name_w = 0
        b.pair(lab["item"], lab["amount"])
    for line in lines:
        name = b.clean(line.name)
        qty, price, amount = qty_text(line), money(line.unit_price_fen), money(line.amount_fen)
        wide_ok = (name_w and b.cs.width(b.clean(qty)) < qty_w and len(price) < price_w
                   and len(amount) < amt_w)
        if wide_ok and b.cs.width(name) < name_w:
            b.raw_row(b.columns([(name, name_w, "l"), (qty, qty_w, "r"),
                                 (price, price_w, "r"), (amount, amt_w, "r")]))
        elif wide_ok:
            b.line(name)
            b.raw_row(b.columns([("", name_w, "l"), (qty, qty_w, "r"),
                                 (price, price_w, "r"), (amount, amt_w, "r")]))
        else:
            b.line(name)
            b.pair(f"{qty} x {price}", amount, indent=2)
        for d in line.discounts:
            if d.amount_fen:  # a label may be a key of the labels (member_price)
                b.pair(lab.table.get(d.label, d.label), minus(d.amount_fen), indent=2)


def _totals(b: Builder, lab: Labels, data: ReceiptData) -> None:
    b.pair(lab["subtotal"], money(data.subtotal_fen))
    if data.line_discounts_fen:
        b.pair(lab["line_discounts"], minus(data.line_discounts_fen))
    if data.tier_discount_fen:
        label = lab["tier_discount"]
        if data.tier_discount_note:
            label = f"{label} ({data.tier_discount_note})"
        b.pair(label, minus(data.tier_discount_fen))
    for c in data.coupons:
        b.pair(f"{lab['coupon']} {c.name or c.code}", minus(c.discount_fen))
    if data.points_used or data.points_value_fen:
        b.pair(lab.fmt("points_used", points=data.points_used), minus(data.points_value_fen))
    if data.rounding_fen:
        b.pair(lab["rounding"], minus(data.rounding_fen))
    total_label = lab["refund_total"] if data.is_refund else lab["total"]
    b.pair(total_label, money(data.total_fen), bold=True, double_height=True)


def _tenders(b: Builder, lab: Labels, data: ReceiptData) -> None:
    for t in data.tenders:
        label = lab.tender(t.kind)
        if data.is_refund:
            label = f"{lab['refunded_to']} {label}"
        b.pair(label, money(t.amount_fen))
        if t.tendered_fen is not None and not data.is_refund:
            b.pair(lab["tendered"], money(t.tendered_fen), indent=2)
            b.pair(lab["change"], money(t.change_fen), indent=2)
        if t.reference:
            b.pair(lab["reference"], t.reference, indent=2)


def _member_points(b: Builder, lab: Labels, data: ReceiptData) -> None:
    m = data.member
    assert m is not None
    if m.points_earned >= 0:
        b.pair(lab["points_earned"], f"+{m.points_earned}")
    else:
        b.pair(lab["points_reversed"], str(m.points_earned))
    b.pair(lab["points_balance"], f"{m.points_before} -> {m.points_after}")
    if m.upgraded_to:
        b.line(lab.fmt("upgraded", tier=m.upgraded_to), CENTER, bold=True)
        for title in m.gifts:
            b.line(lab.fmt("gift", title=title), CENTER)
    elif m.next_tier_name and m.spend_to_next_tier_fen:
        amount = money(m.spend_to_next_tier_fen)
        b.line(lab.fmt("next_tier", amount=amount, tier=m.next_tier_name), CENTER)
        if lab["next_tier_en"]:
            b.line(lab.fmt("next_tier_en", amount=amount, tier=m.next_tier_name), CENTER)
