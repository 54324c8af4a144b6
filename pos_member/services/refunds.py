"""Refunds of whole sales or some lines, with a manager's approval (DESIGN.md's refund rules).

The arithmetic is the domain's (pos_member.domain.refunds); this records it: the refund and its
lines, how the money went back, the points ledger, restored coupons, the member's tier, the
audit entry and the outbox event, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


from pos_member.domain.money import allocate
from pos_member.domain.quantity import milli_to_qty, qty_to_milli
from pos_member.domain.refunds import RefundError, RefundOutcome, SoldLine, SoldSale, refund
from pos_member.security.roles import Action
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import (
    Coupon, Member, PointsLedgerEntry, Refund, RefundLine, RefundPayment, Sale,
)
from pos_member.store.types import new_uuid

from . import benefits, sale_figures, stored_value
from .checkout import _coupon, _is_uuid, _open_shift
from .context import TillContext
from .errors import ApprovalNeeded, InvalidInput, NotFound, ServiceError
from .members import member_view
from .rules import current_rules
from .staff import Approval, StaffMember, append_audit, authorize_action


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    outcome: RefundOutcome
    payments: tuple[tuple[str, int], ...]  # (tender, fen) as the money went back
    receipt_no: str = ""  # the refund receipt's own number, "R261202-000001"


# A commercial till's answer for a sale past the retention period (db prune archived it, so it
# is older than 90 days by default, well past a usual 7-30 day return policy): it can be
# found and looked at, but a refund of it is a head-office decision.
ARCHIVED_MESSAGE = ("this sale is older than the till keeps and was archived: it can be "
                    "looked up, but not refunded at the till (ask head office)")


def refunded_so_far(session, sale_id: str) -> dict[int, Decimal]:
    """line number -> quantity refunded so far (the query the refund screen shows too)."""
    return sale_figures.refunded_qty(session, sale_id)


def _outcome(ctx: TillContext, session, sale_id: str, lines: dict[int, Decimal] | None,
             local) -> tuple[Sale, Member | None, object, RefundOutcome]:
    """The domain's refund of ``lines`` of the sale as it stands (what is left to refund)."""
    sale = session.get(Sale, sale_id)
    if sale is None:
        from .sales_query import _UUID, find_archived_sale

        if _UUID.match(sale_id or "") and find_archived_sale(ctx, sale_id) is not None:
            raise InvalidInput(ARCHIVED_MESSAGE, code="sale_archived")
        raise NotFound("no such sale on this till", code="unknown_sale")
    if sale.status != "completed":
        raise InvalidInput("this sale was voided", code="sale_voided")
    rules = current_rules(session)
    sold = SoldSale(
        lines=tuple(SoldLine(x.line_no, milli_to_qty(x.qty_milli),
                             benefits.card_line_paid(session, sale_id, x.line_no, x.paid_fen),
                             x.points_redeemed, x.points_eligible) for x in sale.lines),
        points_earned=sale.points_earned, growth_earned=sale.growth_earned,
        coupons=tuple(_coupon(session.get(Coupon, r.coupon_code), sale.member_id)
                      for r in sale.coupon_redemptions
                      if session.get(Coupon, r.coupon_code) is not None))
    member = session.get(Member, sale.member_id) if sale.member_id else None
    view = member_view(session, member, local.date(), ctx.tz) if member else None
    try:
        out = refund(sold, refunded_so_far(session, sale_id), lines, local,
                     view.points if view else 0, view.growth if view else 0, rules)
    except RefundError as exc:
        raise InvalidInput(str(exc), code="bad_refund") from None
    return sale, member, rules, out


def refund_amount(ctx: TillContext, sale_id: str, lines: dict[int, Decimal] | None) -> int:
    """The money (fen) refunding ``lines`` would give back, recording nothing (what the
    manager's approval dialog shows)."""
    with ctx.read_sessions() as session:
        return _outcome(ctx, session, sale_id, lines, ctx.local())[3].money


def refund_sale(ctx: TillContext, staff: StaffMember, sale_id: str,
                lines: dict[int, Decimal] | None, approval: Approval | None,
                reason: str = "", refund_id: str | None = None) -> RefundResult:
    """Refund ``lines`` (sale line number -> quantity) or, with None, all that is left."""
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        raise InvalidInput("the reason is text", code="bad_reason")
    if refund_id is not None and not _is_uuid(refund_id):
        raise InvalidInput("a refund id is a UUID made by the till", code="bad_refund_id")
    if lines is not None:
        if not isinstance(lines, dict):
            raise InvalidInput("lines: sale line numbers and quantities", code="bad_refund")
        for no, qty in lines.items():
            if not isinstance(no, int) or isinstance(no, bool):
                raise InvalidInput(f"line {no!r}: not a line number of the sale",
                                   code="bad_refund")
            if not isinstance(qty, Decimal) or not qty.is_finite() or qty <= 0:
                raise InvalidInput(f"line {no}: the quantity must be greater than zero",
                                   code="bad_quantity")
            try:
                qty_to_milli(qty)
            except (ValueError, ArithmeticError):
                raise InvalidInput(f"line {no}: three decimals at most",
                                   code="bad_quantity") from None
    try:
        approver = authorize_action(ctx, staff, Action.REFUND, approval)
    except ApprovalNeeded as exc:
        if exc.details.get("action"):  # asked for (not a refused PIN): say how much
            try:
                exc.details["amount_fen"] = refund_amount(ctx, sale_id, lines)
            except ServiceError:
                pass  # the refund itself will say what is wrong once approved
        raise
    now = ctx.now()
    local = ctx.local(now)
    refund_id = refund_id or new_uuid()
    with transaction(ctx.sessions) as session:
        if session.get(Refund, refund_id) is not None:
            raise ServiceError("this refund was already recorded", code="refund_recorded")
        shift = _open_shift(session, ctx.terminal_id)
        sale, member, rules, out = _outcome(ctx, session, sale_id, lines, local)

        # Money goes back over the sale's money tenders in proportion (cash, then the rest).
        money_tenders = [p for p in sale.payments if p.tender != "points"]
        split = allocate(out.money, [p.amount_fen for p in money_tenders]) if money_tenders \
            else []
        payments = tuple((p.tender, amt) for p, amt in zip(money_tenders, split) if amt)

        seq = repo.next_terminal_seq(session)
        day = f"{local:%y%m%d}"
        receipt_no = f"R{day}-{repo.next_receipt_no(session, 'refund', day):06d}"
        rf = Refund(id=refund_id, sale_id=sale.id, terminal_id=ctx.terminal_id, terminal_seq=seq,
                    receipt_no=receipt_no,
                    shift_id=shift.id, created_at=now, tz=ctx.tz_name, staff_id=staff.id,
                    approver_id=approver or staff.id, member_id=sale.member_id,
                    amount_fen=out.money, points_reversed=out.points_reversed,
                    points_returned=out.points_returned, growth_reversed=out.growth_reversed,
                    coupon_restored=bool(out.coupons_restored), tier_after=out.tier_after
                    if member else None, reason=reason[:500] or None)
        session.add(rf)
        by_no = {x.line_no: x for x in sale.lines}
        for no, (qty, money) in sorted(out.lines.items()):
            rf.lines.append(RefundLine(line_no=no, sku=by_no[no].sku, qty_milli=qty_to_milli(qty),
                                       amount_fen=money,
                                       points_returned=out.points_returned_by_line.get(no, 0)))
        for tender, amt in payments:
            rf.payments.append(RefundPayment(tender=tender, amount_fen=amt))
        session.flush()
        sv_back = stored_value.return_for_refund(
            session, ctx, sale, rf.id, sum(a for t, a in payments if t == "stored_value"),
            shift.id, now)

        if member is not None:
            if out.points_reversed or out.growth_reversed:
                session.add(PointsLedgerEntry(member_id=member.id, sale_id=sale.id,
                                              refund_id=rf.id, kind="reverse_earn",
                                              points=-out.points_reversed,
                                              growth=-out.growth_reversed, at=now))
            if out.points_returned:
                session.add(PointsLedgerEntry(member_id=member.id, sale_id=sale.id,
                                              refund_id=rf.id, kind="return_redeem",
                                              points=out.points_returned, growth=0, at=now))
            order = [t.code for t in rules.tiers]
            if order.index(out.tier_after) < order.index(member.tier):
                member.tier = out.tier_after  # a tier may drop when growth falls
        for red in sale.coupon_redemptions:
            if red.coupon_code in out.coupons_restored and red.reversed_at is None:
                red.reversed_at, red.reversed_by_refund_id = now, rf.id
                c = session.get(Coupon, red.coupon_code)
                c.status, c.used_by_sale_id = "available", None

        refund_event_id = new_uuid()
        bmoves = benefits.record_refund(  # uses given back, count cards, mall stock
            session, sale_id=sale.id, refund_id=rf.id, event_id=refund_event_id,
            refunded={no: qty for no, (qty, _money) in out.lines.items()})
        event_id = repo.add_outbox_event(session, "refund", {
            "refund_id": rf.id, "sale_id": sale.id, "receipt_no": sale.receipt_no,
            "store_id": ctx.store_id, "terminal_id": ctx.terminal_id, "shift_id": shift.id,
            "staff_id": staff.id, "approved_by": approver, "refunded_at": now.isoformat(),
            "local_time": local.replace(tzinfo=None).isoformat(), "tz": ctx.tz_name,
            "member_id": sale.member_id,
            "lines": [{"line_no": x.line_no, "sku": x.sku, "qty": str(milli_to_qty(x.qty_milli)),
                       "amount_fen": x.amount_fen, "points_returned": x.points_returned}
                      for x in rf.lines],
            "payments": [{"tender": t, "amount_fen": a} for t, a in payments],
            "amount_fen": out.money, "points_reversed": out.points_reversed,
            "growth_reversed": out.growth_reversed, "points_returned": out.points_returned,
            "coupons_restored": list(out.coupons_restored), "full": out.full,
            "tier_after": out.tier_after if member else None, "reason": reason[:500] or None,
            "stored_value": sv_back, "benefits": bmoves,
        }, refund_event_id, terminal_seq=seq, created_at=now)
        stored_value.record_refund_return(session, ctx, event_id)
        append_audit(session, actor=staff.id, approver=approver, action="refund", at=now,
                     details={"refund_id": rf.id, "sale_id": sale.id, "amount_fen": out.money,
                              "negative_balance": out.negative_balance})
    return RefundResult(refund_id, out, payments, receipt_no)

