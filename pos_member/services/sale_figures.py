"""The figures of a set of sales and refunds, each computed by one query: the shift's X and Z
reports (:mod:`.shifts`) and the day's reconciliation (:mod:`.sales_query`) call the same
functions with their own filter (the shift's id, or the till and the local day), so the same
sales always give the same figures on every screen and printout.

Every function takes an open session and SQLAlchemy conditions: on :class:`Sale` for sales
(completed sales only are counted, unless said otherwise), on :class:`Refund` for refunds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from pos_member.domain.money import round_half_up
from pos_member.domain.quantity import milli_to_qty
from pos_member.store.models import (
    AuditLogEntry, CouponRedemption, Payment, Refund, RefundLine, RefundPayment, Sale, SaleLine,
)

COMPLETED = Sale.status == "completed"
VOID_ACTIONS = ("void_line", "void_basket")  # audit actions: removed before payment


@dataclass(frozen=True)
class SalesSums:
    count: int = 0
    gross: int = 0            # before any discount: the sales' subtotals
    tier_discount: int = 0
    coupon_discount: int = 0
    points_value: int = 0     # fen taken in points
    rounding: int = 0
    total: int = 0            # paid with money
    points_earned: int = 0    # gross: before refunds
    points_redeemed: int = 0  # gross: before refunds


def sales_sums(session: Session, *where) -> SalesSums:
    c = func.coalesce
    row = session.execute(select(
        func.count(), c(func.sum(Sale.subtotal_fen), 0), c(func.sum(Sale.tier_discount_fen), 0),
        c(func.sum(Sale.coupon_discount_fen), 0), c(func.sum(Sale.points_value_fen), 0),
        c(func.sum(Sale.rounding_fen), 0), c(func.sum(Sale.total_fen), 0),
        c(func.sum(Sale.points_earned), 0), c(func.sum(Sale.points_redeemed), 0),
    ).where(COMPLETED, *where)).one()
    return SalesSums(*(int(x) for x in row))


def sales_by_tier(session: Session, *where) -> dict[str, tuple[int, int]]:
    """tier before the sale (or "non_member") -> (sales, paid with money)."""
    key = func.coalesce(Sale.tier_before, "non_member")
    return {k: (int(n), int(t or 0)) for k, n, t in session.execute(
        select(key, func.count(), func.sum(Sale.total_fen)).where(COMPLETED, *where)
        .group_by(key))}


def tender_totals(session: Session, *where) -> dict[str, tuple[int, int]]:
    """tender -> (sales paid at least partly with it, fen); points included."""
    return {t: (int(n), int(v or 0)) for t, n, v in session.execute(
        select(Payment.tender, func.count(func.distinct(Payment.sale_id)),
               func.sum(Payment.amount_fen)).join(Sale).where(COMPLETED, *where)
        .group_by(Payment.tender))}


def coupon_totals(session: Session, *where) -> tuple[tuple[str, int, int], ...]:
    """(code, times used, discount fen) per coupon, by code."""
    return tuple((code, int(n), int(d or 0)) for code, n, d in session.execute(
        select(CouponRedemption.coupon_code, func.count(),
               func.sum(CouponRedemption.discount_fen)).join(Sale).where(COMPLETED, *where)
        .group_by(CouponRedemption.coupon_code).order_by(CouponRedemption.coupon_code)))


def voided_sales(session: Session, *where) -> tuple[int, int]:
    """(sales voided after payment, their total)."""
    n, fen = session.execute(select(func.count(), func.coalesce(func.sum(Sale.total_fen), 0))
                             .where(Sale.status == "voided", *where)).one()
    return int(n), int(fen)


def void_actions(session: Session, start: datetime, end: datetime | None = None, *,
                 end_inclusive: bool = False) -> int:
    """Lines and baskets voided before payment (the audit log) from ``start``."""
    q = select(func.count()).select_from(AuditLogEntry).where(
        AuditLogEntry.action.in_(VOID_ACTIONS), AuditLogEntry.at >= start)
    if end is not None:
        q = q.where(AuditLogEntry.at <= end if end_inclusive else AuditLogEntry.at < end)
    return int(session.scalar(q) or 0)


@dataclass(frozen=True)
class RefundSums:
    count: int = 0
    total: int = 0
    by_tender: dict[str, int] | None = None  # money back per tender, and "points": their value
    points_reversed: int = 0   # earned points taken back
    points_returned: int = 0   # redeemed points given back
    coupons_restored: int = 0


def refund_sums(session: Session, *where) -> RefundSums:
    c = func.coalesce
    n, total, reversed_, returned, restored = session.execute(select(
        func.count(), c(func.sum(Refund.amount_fen), 0), c(func.sum(Refund.points_reversed), 0),
        c(func.sum(Refund.points_returned), 0),
        c(func.sum(case((Refund.coupon_restored.is_(True), 1), else_=0)), 0),
    ).where(*where)).one()
    by_tender = {t: int(v or 0) for t, v in session.execute(
        select(RefundPayment.tender, func.sum(RefundPayment.amount_fen)).join(Refund)
        .where(*where).group_by(RefundPayment.tender))}
    points_back = points_refunded_value(session, *where)
    if points_back:
        by_tender["points"] = points_back
    return RefundSums(int(n), int(total), by_tender, int(reversed_), int(returned),
                      int(restored))


def points_refunded_value(session: Session, *where) -> int:
    """The fen value of the redeemed points the refunds gave back: each refund line's points at
    its sale line's rate (points_value_fen / points_redeemed), so a whole line returns exactly
    what it took."""
    rows = session.execute(
        select(RefundLine.points_returned, SaleLine.points_value_fen, SaleLine.points_redeemed)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .join(SaleLine, (SaleLine.sale_id == Refund.sale_id)
              & (SaleLine.line_no == RefundLine.line_no))
        .where(*where, RefundLine.points_returned > 0, SaleLine.points_redeemed > 0)).all()
    return sum(round_half_up(Decimal(value) * returned / redeemed)
               for returned, value, redeemed in rows)


def refunded_qty(session: Session, sale_id: str) -> dict[int, Decimal]:
    """line number -> quantity refunded so far, over every refund of the sale."""
    rows = session.execute(
        select(RefundLine.line_no, func.sum(RefundLine.qty_milli))
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(Refund.sale_id == sale_id).group_by(RefundLine.line_no)).all()
    return {no: milli_to_qty(total or 0) for no, total in rows}
