"""Applying a pushed sale: the sale's row and refund bounds, its coupons, its member code, its
voucher tenders and its points (pos_central.apply dispatches here).

A sale is never refused: a single-use coupon that another sale used first, or points no longer
there, are recorded as conflicts (and reported in the event's answer) while the sale itself is
stored and its points applied.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from pos_central import keys, loyalty
from pos_central import models as m
from pos_central.apply_context import (
    ConflictKind,
    Context,
    SaleInfo,
    SoldLine,
    account_for,
    qty_text,
    s_,
)
from pos_central.changes import record_change
from pos_central.views import member_balance
from pos_central.vouchers import check_sale_vouchers
from pos_member.sync import protocol as p

SALE = m.Sale
NONCE = m.MemberCodeNonce


def apply_sale(ctx: Context, sale: p.SalePayload) -> bool | None:
    sale_id = str(sale.sale_id)
    earlier = ctx.sales.get(sale_id)
    if earlier is not None:
        ctx.conflict(ConflictKind.DUPLICATE_SALE,
                     f"Sale {sale.receipt_no} reached the service before in another event; "
                     "it was not applied twice.", sale_id=sale_id,
                     other_terminal_id=earlier.terminal_id)
        return False  # nor its stored-value and benefit parts (apply._unless_duplicate)
    account = account_for(ctx, sale.member_id, sale_id)
    member_id = account.member.id if account else s_(sale.member_id)
    today = sale.local_time.date()
    lines, tenders, sold = sale_bounds(sale)
    ctx.sales[sale_id] = SaleInfo(ctx.terminal_id, member_id, today, sale.store_id,
                                  sale.total_fen, sale.points_redeemed, sale.points_earned,
                                  sale.growth_earned, sold, tenders)
    coupons = sale.coupons
    ctx.insert(SALE, id=sale_id, event_id=ctx.event_id, terminal_id=ctx.terminal_id,
               store_id=sale.store_id, receipt_no=sale.receipt_no, member_id=member_id,
               sold_at=sale.sold_at, local_date=today, tz=sale.tz,
               subtotal_fen=sale.subtotal_fen,
               discount_fen=sale.tier_discount_fen + sale.coupon_discount_fen,
               total_fen=sale.total_fen, points_redeemed=sale.points_redeemed,
               points_earned=sale.points_earned, growth_earned=sale.growth_earned,
               coupon_codes=sorted(c.code for c in coupons) if coupons else [], lines=lines,
               tenders=tenders)
    if coupons:
        _use_coupons(ctx, sale)
    if sale.member_code_nonce and sale.points_redeemed:
        _check_member_code(ctx, sale, member_id)
    check_sale_vouchers(ctx, sale, member_id)  # 美团/抖音 tenders: verified here?
    if account is None:
        return None
    member = account.member
    event_id = ctx.event_id
    account.expire_due(today, event_id)
    if sale.points_redeemed:
        before = member.points
        account.redeem(sale.points_redeemed, event_id, sale.sold_at)
        if before < sale.points_redeemed:
            ctx.conflict(
                ConflictKind.POINTS_OVERDRAWN,
                f"Sale {sale.receipt_no} redeemed {sale.points_redeemed} points but the member "
                f"had {before}; the balance is now {member.points}.",
                member_id=member.id, sale_id=sale_id, points_requested=sale.points_redeemed,
                points_available=before, balance_after=member.points,
            )
    account.earn(sale.points_earned, sale.growth_earned, today, ctx.rules, event_id,
                 sale.sold_at)
    if member.last_purchase_at is None or member.last_purchase_at < sale.sold_at:
        member.last_purchase_at = sale.sold_at
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = member_balance(member)
    return None


def sale_bounds(sale: p.SalePayload) -> tuple[list[dict[str, Any]], dict[str, int],
                                             dict[int, SoldLine]]:
    """What the sale's refunds are bounded by: each line, and the money by tender (the
    ``points`` tender is the redeemed points, bounded by ``points_redeemed`` instead); the
    lines as stored and as :func:`~pos_central.apply_context.sold_lines` reads them back."""
    lines: list[dict[str, Any]] = []
    sold: dict[int, SoldLine] = {}
    for x in sale.lines:
        qty = x.qty
        lines.append({"line_no": x.line_no, "sku": x.sku, "qty": qty_text(qty),
                      "paid_fen": x.paid_fen, "points_redeemed": x.points_redeemed})
        sold[x.line_no] = SoldLine(qty, x.paid_fen, x.points_redeemed)
    return lines, by_tender(sale.payments), sold


def by_tender(payments: list[p.PaymentLine]) -> dict[str, int]:
    tenders: dict[str, int] = {}
    for pay in payments:
        if pay.tender != "points":
            tenders[pay.tender] = tenders.get(pay.tender, 0) + max(pay.amount_fen, 0)
    return tenders


# How far a sale's time may be outside its member code's window before it is a conflict: the
# till checks the exact window (with 30 s of skew) on its own clock; this only catches a code
# used long before or after it was valid (a stored screenshot, a made-up sale).
CODE_TIME_TOLERANCE = 300  # seconds


def _check_member_code(ctx: Context, sale: p.SalePayload, member_id: str | None) -> None:
    """A nonce that spent points: once across every till, issued by this service for the
    sale's member, used within its code's validity. Whatever fails is a conflict; the sale and
    its points stay."""
    nonce = sale.member_code_nonce
    if not nonce or not sale.points_redeemed:
        return
    sale_id = str(sale.sale_id)
    first = ctx.nonces.get(nonce)
    if first is not None:
        ctx.conflict(ConflictKind.MEMBER_CODE_REUSED,
                     f"Sale {sale.receipt_no} spent points with a member code that already "
                     f"spent points in sale {first[0]}: a copied or replayed code. Both sales "
                     "are kept.", member_id=member_id, sale_id=sale_id, other_sale_id=first[0],
                     other_terminal_id=first[1], nonce=nonce)
    else:
        ctx.nonces[nonce] = (sale_id, ctx.terminal_id)
        ctx.insert(m.MemberCodeNonce, nonce=nonce, sale_id=sale_id, terminal_id=ctx.terminal_id,
                   member_id=member_id, event_id=ctx.event_id, used_at=sale.sold_at)
    if ctx.nonce_keys is None:
        ctx.nonce_keys = keys.nonce_keys(ctx.session)
    candidates = [x for x in {str(sale.member_id), member_id} if x]
    check = keys.read_nonce(ctx.nonce_keys, nonce, candidates)
    if check.issued and not check.member_ok and member_id:
        # A code of a member merged into this one (a till may sell to either id).
        candidates = list(ctx.session.execute(select(m.MemberMergeRow.member_id).where(
            m.MemberMergeRow.merged_into == member_id)).scalars())
        check = keys.read_nonce(ctx.nonce_keys, nonce, candidates) if candidates else check
    moment = sale.sold_at.timestamp()
    if not check.issued:
        reason, why = "not_issued", "was not issued by the service (made up or tampered with)"
    elif not check.member_ok:
        reason, why = "other_member", "belongs to another member"
    elif moment > check.not_after + CODE_TIME_TOLERANCE:
        reason, why = "expired", "had expired when the sale was made"
    elif moment < check.not_before - CODE_TIME_TOLERANCE:
        reason, why = "not_yet_valid", "was not valid yet when the sale was made"
    else:
        return
    window = {}
    if check.issued:
        window = {"not_before": datetime.fromtimestamp(check.not_before, UTC).isoformat(),
                  "not_after": datetime.fromtimestamp(check.not_after, UTC).isoformat()}
    ctx.conflict(ConflictKind.MEMBER_CODE_INVALID,
                 f"Sale {sale.receipt_no} spent {sale.points_redeemed} points with a member "
                 f"code that {why}. The sale is kept.", member_id=member_id, sale_id=sale_id,
                 reason=reason, nonce=nonce, **window)


def _use_coupons(ctx: Context, sale: p.SalePayload) -> None:
    if not sale.coupons:
        return

    def survivor(member_id: Any) -> str | None:  # a member id, merges followed
        member_id = s_(member_id)
        for _ in range(8):
            member = ctx.look_up_member(member_id) if member_id else None
            if member is None or member.merged_into is None:
                break
            member_id = member.merged_into
        return member_id

    from zoneinfo import ZoneInfo

    from pos_member.domain.coupons import local_naive

    try:  # the store's wall clock at sold_at, from the instant (not the till's local_time)
        at = sale.sold_at.astimezone(ZoneInfo(sale.tz))
    except (ValueError, KeyError, OSError, OverflowError):
        at = sale.sold_at.astimezone(UTC)
    now = at.replace(tzinfo=None)

    def parse(text: str | None) -> datetime | None:
        try:
            return datetime.fromisoformat(text) if text else None
        except ValueError:
            return None

    def misuse(coupon: Any) -> tuple[str, str] | None:
        """Why this sale may not spend the coupon: its holder, then its window."""
        if coupon.member_id:
            if sale.member_id is None:
                return "anonymous", "belongs to a member and the sale has none"
            if survivor(coupon.member_id) != survivor(sale.member_id):
                return "other_member", "belongs to another member"
        start, end = (local_naive(parse(x), at) for x in (coupon.valid_from, coupon.valid_to))
        if start is not None and now < start:
            return "not_yet_valid", "was not valid yet when the sale was made"
        if end is not None and now >= end:
            return "expired", "had expired when the sale was made"
        return None

    for use in sorted(sale.coupons, key=lambda u: u.code):
        coupon = ctx.coupons.get(use.code)
        wrong = misuse(coupon) if coupon is not None and coupon.status not in (
            p.CouponStatus.USED.value, p.CouponStatus.VOID.value) else None
        if wrong is not None:
            reason, why = wrong
            ctx.conflict(ConflictKind.COUPON_INVALID,
                         f"Coupon {use.code} {why}; sale {sale.receipt_no} is kept with its "
                         "discount.", coupon_code=use.code, sale_id=sale.sale_id,
                         member_id=sale.member_id, reason=reason,
                         coupon_member_id=coupon.member_id, valid_from=coupon.valid_from,
                         valid_to=coupon.valid_to)
            if reason in ("anonymous", "other_member"):
                continue  # the holder keeps the coupon
        if coupon is None:
            ctx.conflict(ConflictKind.COUPON_UNKNOWN,
                         f"Coupon {use.code} is not known to the service.",
                         coupon_code=use.code, sale_id=sale.sale_id)
        elif coupon.status == p.CouponStatus.USED.value:
            ctx.conflict(
                ConflictKind.COUPON_ALREADY_USED,
                f"Coupon {use.code} was already used by another sale "
                f"({coupon.used_by_sale_id}); sale {sale.receipt_no} is kept.",
                coupon_code=use.code, sale_id=sale.sale_id, member_id=sale.member_id,
                other_sale_id=coupon.used_by_sale_id,
                other_terminal_id=coupon.used_by_terminal_id,
            )
        elif coupon.status == p.CouponStatus.VOID.value:
            ctx.conflict(ConflictKind.COUPON_VOID,
                         f"Coupon {use.code} was withdrawn; sale {sale.receipt_no} is kept.",
                         coupon_code=use.code, sale_id=sale.sale_id)
        else:
            coupon.status = p.CouponStatus.USED.value
            coupon.used_by_sale_id = str(sale.sale_id)
            coupon.used_by_terminal_id = ctx.terminal_id
            coupon.used_at = sale.sold_at
            record_change(ctx.session, "coupon", coupon.code)


