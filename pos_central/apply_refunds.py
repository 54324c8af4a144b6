"""Applying a pushed refund: bounded by what its sale has left after every earlier refund (of
any terminal), its coupons restored, its points moved for the sale's member."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pos_central import loyalty
from pos_central import models as m
from pos_central.apply_context import (
    ConflictKind,
    Context,
    Refunded,
    SaleInfo,
    account_for,
    qty_text,
    s_,
)
from pos_central.apply_sales import by_tender
from pos_central.changes import record_change
from pos_central.views import member_balance
from pos_member.sync import protocol as p


def apply_refund(ctx: Context, refund: p.RefundPayload) -> bool | None:
    refund_id, sale_id = str(refund.refund_id), str(refund.sale_id)
    if refund_id in ctx.refund_ids:
        ctx.conflict(ConflictKind.DUPLICATE_REFUND,
                     f"Refund {refund.receipt_no} reached the service before in another event; "
                     "it was not applied twice.", sale_id=sale_id)
        return False  # nor its stored-value and benefit parts (apply._unless_duplicate)
    ctx.refund_ids.add(refund_id)
    sale = ctx.sales.get(sale_id)
    if sale is None:
        ctx.conflict(ConflictKind.UNKNOWN_SALE,
                     f"Refund {refund.receipt_no} is of a sale the service has not received; "
                     "its figures were applied.", sale_id=sale_id)
    member_id = _refund_member(ctx, refund, sale)
    account = account_for(ctx, member_id, sale_id)
    moved = _bound_refund(ctx, sale, refund, account.member.id if account else member_id)
    lines = [{"line_no": x.line_no, "sku": x.sku, "qty": qty_text(x.qty),
              "amount_fen": x.amount_fen, "points_returned": x.points_returned}
             for x in refund.lines]
    tenders = by_tender(refund.payments)
    taken = ctx.refunded.setdefault(sale_id, Refunded())
    taken.amount_fen += refund.amount_fen
    taken.add_lines(lines)
    taken.add_tenders(tenders)
    taken.points_reversed += moved["points_reversed"]
    taken.growth_reversed += moved["growth_reversed"]
    taken.points_returned += moved["points_returned"]
    ctx.insert(m.Refund, id=refund_id, event_id=ctx.event_id, sale_id=sale_id,
               terminal_id=ctx.terminal_id,
               member_id=account.member.id if account else s_(member_id),
               refunded_at=refund.refunded_at, amount_fen=refund.amount_fen,
               points_reversed=moved["points_reversed"],
               growth_reversed=moved["growth_reversed"],
               points_returned=moved["points_returned"], store_id=refund.store_id,
               lines=lines, tenders=tenders)
    for code in sorted(set(refund.coupons_restored)):
        coupon = ctx.coupons.get(code)
        if coupon is not None and coupon.used_by_sale_id == sale_id:
            coupon.status = p.CouponStatus.AVAILABLE.value
            coupon.used_by_sale_id = coupon.used_by_terminal_id = None
            coupon.used_at = None
            record_change(ctx.session, "coupon", code)
    if account is None:
        return
    member = account.member
    earned_on = sale.local_date if sale else refund.local_time.date()
    account.reverse(moved["points_reversed"], moved["growth_reversed"],
                    moved["points_returned"], earned_on, ctx.rules, ctx.event_id,
                    refund.refunded_at)
    if member.points < 0 and moved["points_reversed"]:
        ctx.conflict(
            ConflictKind.NEGATIVE_BALANCE,
            f"Refund {refund.receipt_no} took back {moved['points_reversed']} points already "
            f"spent; the balance is now {member.points}.",
            member_id=member.id, sale_id=sale_id, points_requested=moved["points_reversed"],
            balance_after=member.points,
        )
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = member_balance(member)


def _refund_member(ctx: Context, refund: p.RefundPayload, sale: SaleInfo | None) -> Any:
    """The member whose points a refund moves: its sale's (after merges). A refund naming
    another member is a ``refund_exceeds_sale`` conflict (reason ``other_member``); the points
    go back to the sale's member, never to the one named."""
    if sale is None or sale.member_id is None or refund.member_id is None:
        return refund.member_id or (sale.member_id if sale else None)
    ours, _ = ctx.account(sale.member_id)
    named, _ = ctx.account(refund.member_id)
    want = ours.member.id if ours else sale.member_id
    if (named.member.id if named else str(refund.member_id)) == want:
        return refund.member_id
    ctx.conflict(ConflictKind.REFUND_EXCEEDS_SALE,
                 f"Refund {refund.receipt_no} names member {refund.member_id}, but its sale was "
                 f"made for member {want}; the refund's points were moved for {want}.",
                 member_id=refund.member_id, sale_id=refund.sale_id, reason="other_member",
                 sale_member_id=want, excess={"member": str(refund.member_id)})
    return want


def _bound_refund(ctx: Context, sale: SaleInfo | None, refund: p.RefundPayload,
                  member_id: Any) -> dict[str, int]:
    """The points and growth this refund may move, within what its sale has left after every
    earlier refund (of any terminal); anything beyond the sale is a ``refund_exceeds_sale``
    conflict naming it. Money is never held back: it already left the till."""
    asked = {"points_reversed": refund.points_reversed, "growth_reversed": refund.growth_reversed,
             "points_returned": refund.points_returned}
    if sale is None:  # unknown sale: nothing to bound by (an unknown_sale conflict says so)
        return asked
    taken = ctx.refunded.get(str(refund.sale_id)) or Refunded()
    excess: dict[str, Any] = {}

    def left(whole: int, used: int) -> int:
        return max(whole - used, 0)

    money_over = refund.amount_fen - left(sale.total_fen, taken.amount_fen)
    if money_over > 0:
        excess["amount_fen"] = money_over
    if sale.tenders is not None:
        over = {t: fen - left(sale.tenders.get(t, 0), taken.tenders.get(t, 0))
                for t, fen in sorted(by_tender(refund.payments).items())}
        if any(v > 0 for v in over.values()):
            excess["tenders"] = {t: v for t, v in over.items() if v > 0}
    line_points_allowed = None
    if sale.lines is not None:
        excess_lines, line_points_allowed = [], 0
        for line in refund.lines:
            sold = sale.lines.get(line.line_no)
            before = taken.lines.get(line.line_no, [Decimal(0), 0, 0])
            if sold is None:
                qty_over, fen_over, pts_over = line.qty, line.amount_fen, line.points_returned
            else:
                qty_over = line.qty - max(sold.qty - before[0], Decimal(0))
                fen_over = line.amount_fen - left(sold.paid_fen, before[1])
                pts_over = line.points_returned - left(sold.points_redeemed, before[2])
            qty_over, fen_over, pts_over = max(qty_over, Decimal(0)), max(fen_over, 0), \
                max(pts_over, 0)
            line_points_allowed += line.points_returned - pts_over
            if qty_over or fen_over or pts_over:
                excess_lines.append({"line_no": line.line_no, "qty": qty_text(qty_over),
                                     "amount_fen": fen_over, "points_returned": pts_over})
        if excess_lines:
            excess["lines"] = excess_lines
    moved = {
        "points_reversed": min(asked["points_reversed"],
                               left(sale.points_earned, taken.points_reversed)),
        "growth_reversed": min(asked["growth_reversed"],
                               left(sale.growth_earned, taken.growth_reversed)),
        "points_returned": min(asked["points_returned"],
                               left(sale.points_redeemed, taken.points_returned),
                               *([line_points_allowed] if line_points_allowed is not None
                                 else [])),
    }
    for key in moved:
        if asked[key] > moved[key]:
            excess[key] = asked[key] - moved[key]
    if excess:
        ctx.conflict(ConflictKind.REFUND_EXCEEDS_SALE,
                     f"Refund {refund.receipt_no} goes beyond what is left of its sale "
                     f"({_describe_excess(excess)}). The refund is recorded as paid out; "
                     "points beyond the sale's were not moved.",
                     member_id=member_id, sale_id=refund.sale_id, excess=excess, applied=moved)
    return moved


def _describe_excess(excess: dict[str, Any]) -> str:
    parts = []
    if "amount_fen" in excess:
        parts.append(f"{excess['amount_fen']} fen of money")
    for tender, fen in excess.get("tenders", {}).items():
        parts.append(f"{fen} fen by {tender}")
    for line in excess.get("lines", ()):
        parts.append(f"line {line['line_no']}: qty {line['qty']}, {line['amount_fen']} fen, "
                     f"{line['points_returned']} points")
    for key, label in (("points_returned", "redeemed points returned"),
                       ("points_reversed", "earned points reversed"),
                       ("growth_reversed", "growth reversed")):
        if key in excess:
            parts.append(f"{excess[key]} {label}")
    return "; ".join(parts)
