"""Fill the printing package's dataclasses from the services' figures: X/Z reports from
:class:`~pos_member.services.shifts.ShiftFigures`, the day's Z report from
:class:`~pos_member.services.sales_query.DayFigures`, and a refund receipt from a
:class:`~pos_member.services.refunds.RefundResult`.

Pure functions (no Qt, no database): the screens call them on the worker thread with what the
services returned, then hand the result to the receipt printer.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pos_member.domain.money import round_half_up
from pos_member.printing.model import (
    CouponFigure, DenominationCount, LineDiscount, MemberInfo, ReceiptData, ReceiptLine,
    ReportData, Tender, TenderFigure, TierFigure,
)
from pos_member.services.sales_query import RECEIPT_PREFIXES
from pos_member.services.shifts import DENOMINATIONS, MONEY_TENDERS, ShiftFigures


# What the printer calls the till's tender codes (printing.labels.TENDER_LABELS).
PRINT_TENDER = {"card": "unionpay"}
TENDER_ORDER = (*MONEY_TENDERS, "stored_value", "points")

# Non-members on paper; tiers are named by the brand's rules (ui.tiers). The printer's labels
# are bilingual in Chinese, so are these. ``lang`` is the printer's label language
# (printing.labels.Labels.lang): zh_hans, zh_hant or en.
_NON_MEMBER = {"zh_hans": "非会员 Non-member", "zh_hant": "非會員 Non-member",
               "en": "Non-member"}
_DISCOUNT = {"zh_hans": "优惠 Discount", "zh_hant": "優惠 Discount", "en": "Discount"}
_ALL_DAY = {"zh_hans": "全天 All day", "zh_hant": "全天 All day", "en": "All day"}


def print_tender(kind: str) -> str:
    return PRINT_TENDER.get(kind, kind)


def tier_on_paper(code: str | None, tiers, lang: str = "zh_hans") -> str:
    """A tier's name on paper from ``tiers`` (the window's ui.tiers.TierBook)."""
    if not code or code == "non_member":
        return _NON_MEMBER.get(lang, _NON_MEMBER["zh_hans"])
    return tiers.paper_name(code, lang)


def _tiers(by_tier: dict[str, tuple[int, int]], tiers, lang: str) -> tuple[TierFigure, ...]:
    keys = tiers.rules().report_order(by_tier)
    return tuple(TierFigure(tier_on_paper(k, tiers, lang), by_tier[k][0], by_tier[k][1])
                 for k in keys)


def _stored_value(f) -> dict | None:
    """The stored-value figures for paper, or None when there are none to print."""
    sv = getattr(f, "stored_value", None) or {}
    return sv if any(v for v in sv.values()) else None


def gross_of(f: ShiftFigures) -> int:
    """Sales before any discount: the sales' subtotals (services.sale_figures)."""
    return f.gross_sales


def report_from_shift(f: ShiftFigures, *, kind: str, store_name: str, terminal: str,
                      cashier: str, printed_at: datetime, tz: str, manager: str = "",
                      report_number: str = "", tender_counts: dict[str, int] | None = None,
                      coupons: tuple[tuple[str, int, int], ...] = (), voids_fen: int = 0,
                      lang: str = "zh_hans", tiers) -> ReportData:
    """An X report (``kind="x"``, the open shift) or a Z report (``"z"``, a closed one)."""
    counts = tender_counts or {}
    tenders = []
    for t in TENDER_ORDER:
        amount = f.points_value if t == "points" else f.by_tender.get(t, 0)
        refunds = f.refunds_by_tender.get(t, 0)
        expected = f.expected.get(t) if t != "points" else None
        counted = (f.counted or {}).get(t) if t != "points" else None
        if t != "cash" and not (amount or refunds or counts.get(t) or counted or expected):
            continue
        tenders.append(TenderFigure(print_tender(t), counts.get(t, 0), amount, refunds,
                                    expected, counted))
    cash_count = tuple(DenominationCount(d, f.denominations.get(d, 0))
                       for d in DENOMINATIONS if f.denominations.get(d))
    return ReportData(
        kind=kind, store_name=store_name, terminal=terminal, shift_number=f.shift_id[:8],
        cashier=cashier, opened_at=f.opened_at, printed_at=printed_at, tz=tz,
        closed_at=f.closed_at, manager=manager, report_number=report_number,
        sales_count=f.sales_count, gross_sales_fen=gross_of(f),
        tier_discount_fen=f.tier_discount, coupon_discount_fen=f.coupon_discount,
        points_redeemed_value_fen=f.points_value, rounding_fen=f.rounding,
        refunds_count=f.refunds_count, refunds_fen=f.refunds_total,
        voids_count=f.voids + f.voided_sales,
        voids_fen=voids_fen, net_sales_fen=f.sales_total - f.refunds_total,
        float_fen=f.float_fen, paid_in_fen=f.paid_in, paid_out_fen=f.paid_out,
        tenders=tuple(tenders), tiers=_tiers(f.sales_by_tier, tiers, lang),
        coupons=tuple(CouponFigure(code, n, d) for code, n, d in coupons),
        points_earned=f.points_earned, points_redeemed=f.points_redeemed,
        points_used=getattr(f, "points_used", None),
        cash_count=cash_count, unsynced_count=f.unsynced_events,
        conflicts_count=f.open_conflicts, stored_value=_stored_value(f))


def report_from_day(d, *, printed_at: datetime, manager: str = "",
                    lang: str = "zh_hans", tiers) -> ReportData:
    """The day's Z report from ``sales_query.DayFigures`` (every shift of the day)."""
    zone = ZoneInfo(d.tz)
    start = datetime.combine(d.day, time.min, tzinfo=zone)
    closed = [s for s in d.shifts if s.status == "closed"]
    tenders = []
    for t in TENDER_ORDER:
        count, amount = d.by_tender.get(t, (0, 0))
        refunds = d.refunds_by_tender.get(t, 0)
        expected = counted = None
        if t == "cash" and closed:
            expected = sum(s.expected_cash or 0 for s in closed)
            counted = sum(s.counted_cash or 0 for s in closed)
        if t != "cash" and not (amount or refunds or count):
            continue
        tenders.append(TenderFigure(print_tender(t), count, amount, refunds, expected, counted))
    end = start + timedelta(days=1)
    last_close = max((s.closed_at for s in closed if s.closed_at), default=None)
    return ReportData(
        kind="z", store_name=d.store_name, terminal=d.terminal,
        shift_number=f"{_ALL_DAY.get(lang, _ALL_DAY['en'])} ({len(d.shifts)})",
        cashier=manager, opened_at=start, printed_at=printed_at, tz=d.tz,
        closed_at=min(last_close, end) if last_close and len(closed) == len(d.shifts)
        else None, manager=manager, report_number=d.day.isoformat(),
        sales_count=d.sales_count, gross_sales_fen=d.gross_fen,
        tier_discount_fen=d.tier_discount_fen, coupon_discount_fen=d.coupon_discount_fen,
        points_redeemed_value_fen=d.points_value_fen, rounding_fen=d.rounding_fen,
        refunds_count=d.refunds_count, refunds_fen=d.refunds_total_fen,
        voids_count=d.voided_sales + d.void_actions, voids_fen=d.voided_fen,
        net_sales_fen=d.net_fen, float_fen=sum(s.float_fen for s in d.shifts),
        paid_in_fen=d.paid_in_fen, paid_out_fen=d.paid_out_fen, tenders=tuple(tenders),
        tiers=_tiers(d.by_tier, tiers, lang),
        coupons=tuple(CouponFigure(code, n, v) for code, n, v in d.coupons),
        # the points section nets the day's refunds, as the shifts' reports do
        points_earned=d.points_earned - d.points_reversed,
        points_redeemed=d.points_redeemed - d.points_returned, points_used=d.points_redeemed,
        unsynced_count=d.unsynced_events, conflicts_count=len(d.conflicts),
        stored_value=_stored_value(d))


def _qty_text(q: Decimal, unit: str) -> str:
    if unit == "kg":
        return f"{q:.3f}"
    return str(int(q)) if q == q.to_integral_value() else str(q)


def refund_receipt_from(detail, result, *, store_name: str, store_address: str,
                        terminal: str, cashier: str, at: datetime, tz: str,
                        member_points_before: int | None = None,
                        lang: str = "zh_hans", tiers) -> ReceiptData:
    """The refund receipt: ``detail`` is the sale as it was before the refund
    (``sales_query.SaleDetail``), ``result`` the ``refunds.RefundResult``."""
    out = result.outcome
    by_no = {line.line_no: line for line in detail.lines}
    lines = []
    for no, (qty, money) in sorted(out.lines.items()):
        sold = by_no[no]
        amount = round_half_up(Decimal(sold.unit_price_fen) * qty)
        discounts = (LineDiscount(_DISCOUNT.get(lang, "Discount"), amount - money),) \
            if amount > money else ()
        lines.append(ReceiptLine(sold.name, _qty_text(qty, sold.unit), sold.unit_price_fen,
                                 max(amount, money), discounts,
                                 "kg" if sold.unit == "kg" else ""))
    member = None
    s = detail.summary
    if s.member_id:
        after = out.member_points_after
        before = member_points_before if member_points_before is not None else \
            after + out.points_reversed - out.points_returned
        member = MemberInfo(name=s.member_name, masked_phone=s.member_phone,
                            tier_name=tier_on_paper(out.tier_after, tiers, lang),
                            points_before=before, points_after=after,
                            points_earned=-out.points_reversed)
    return ReceiptData(
        store_name=store_name, store_address=store_address, terminal=terminal,
        sale_number=getattr(result, "receipt_no", "") or "R-" + result.refund_id[:8],
        sale_uuid=result.refund_id, time=at, tz=tz,
        cashier=cashier, lines=tuple(lines), total_fen=out.money,
        tenders=tuple(Tender(print_tender(t), amt) for t, amt in result.payments),
        member=member, is_refund=True, original_sale_number=s.receipt_no,
        qr_payload=RECEIPT_PREFIXES[0] + s.id)
