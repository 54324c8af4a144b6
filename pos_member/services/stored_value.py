"""Stored value (储值) at the till: recharge, refund a recharge, pay with the balance, give it
back on a sale's refund, and the figures the shift reports need.

What a member can spend is the balance the central service last sent (``stored_value_accounts``)
plus this till's movements it has not confirmed yet. Offline, one till lets a member spend at
most ``rules.stored_value.offline_daily_limit`` a (store-local) day. Every movement is a ledger
row with its own UUID, written in the same transaction as the outbox event that carries it.
The arithmetic is pos_member.domain.stored_value's (the central service uses the same).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_member.domain import stored_value as sv
from pos_member.domain.money import format_fen
from pos_member.security.roles import Action
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import (
    Member,
    Payment,
    Recharge,
    Refund,
    RefundPayment,
    Sale,
    Shift,
    StoredValueAccount,
    StoredValueEntry,
)
from pos_member.store.types import new_uuid

from .context import TillContext
from .errors import InvalidInput, NotFound, ServiceError, ShiftStateError
from .rules import current_rules
from .staff import Approval, StaffMember, append_audit, authorize_action

TENDER = sv.STORED_VALUE_TENDER
MAX_REFERENCE = 128


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _open_shift(session: Session, terminal_id: str) -> Shift:
    shift = session.scalars(select(Shift).where(Shift.terminal_id == terminal_id,
                                                Shift.status == "open")).first()
    if shift is None:
        raise ShiftStateError("open a shift before taking money")
    return shift


# -- balances -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredValueView:
    member_id: str
    balance: sv.Balance  # cached + this till's unconfirmed movements (parts may be negative)
    cached: sv.Balance  # what the central service last said
    pending: int  # this till's movements not yet confirmed (count)
    offline_spent_today: int  # spent on this till today while offline
    offline_limit: int

    @property
    def spendable(self) -> int:
        return sv.spendable(self.balance)


def balance(session: Session, member_id: str) -> sv.Balance:
    """Cached balance plus this till's unconfirmed movements (no limits, no context)."""
    acc = session.get(StoredValueAccount, member_id)
    e = StoredValueEntry
    p, b = session.execute(
        select(func.coalesce(func.sum(e.principal_fen), 0), func.coalesce(func.sum(e.bonus_fen), 0))
        .where(e.member_id == member_id, e.confirmed.is_(False))).one()
    return sv.Balance((acc.principal_fen if acc else 0) + int(p),
                      (acc.bonus_fen if acc else 0) + int(b))


def view(session: Session, ctx: TillContext, member_id: str,
         rules: sv.StoredValueRules | None = None) -> StoredValueView:
    rules = rules or current_rules(session).stored_value
    acc = session.get(StoredValueAccount, member_id)
    cached = sv.Balance(acc.principal_fen, acc.bonus_fen) if acc else sv.Balance()
    e = StoredValueEntry
    p, b, n = session.execute(
        select(func.coalesce(func.sum(e.principal_fen), 0), func.coalesce(func.sum(e.bonus_fen), 0),
               func.count()).where(e.member_id == member_id, e.confirmed.is_(False))).one()
    today = ctx.local().date()
    spent = session.execute(
        select(func.coalesce(func.sum(e.principal_fen + e.bonus_fen), 0))
        .where(e.member_id == member_id, e.local_date == today, e.offline.is_(True),
               e.kind == "spend")).scalar_one()
    return StoredValueView(member_id, cached.plus(sv.Movement(int(p), int(b))), cached, int(n),
                           -int(spent), rules.offline_daily_limit)


def member_stored_value(ctx: TillContext, member_id: str) -> StoredValueView:
    with ctx.read_sessions() as session:
        return view(session, ctx, member_id)


def stored_value_rules(ctx: TillContext) -> sv.StoredValueRules:
    with ctx.read_sessions() as session:
        return current_rules(session).stored_value


def _entry(session: Session, ctx: TillContext, member_id: str, kind: str, move: sv.Movement,
           event_id: str, now: datetime, *, entry_id: str | None = None, offline: bool = False,
           **ids: Any) -> StoredValueEntry:
    row = StoredValueEntry(id=entry_id or new_uuid(), member_id=member_id, kind=kind,
                           principal_fen=move.principal, bonus_fen=move.bonus, event_id=event_id,
                           at=now, local_date=ctx.local(now).date(), offline=offline,
                           confirmed=False, **ids)
    session.add(row)
    return row


# -- paying with the balance (called inside checkout's transaction) -----------------------------


@dataclass(frozen=True)
class PendingSpend:
    entry_id: str
    member_id: str
    movement: sv.Movement
    offline: bool

    @property
    def wire(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "principal_fen": -self.movement.principal,
                "bonus_fen": -self.movement.bonus}


def check_tender(member_id: str | None, amount: int) -> None:
    if member_id is None:
        raise InvalidInput("only a member can pay with a stored-value balance; identify the "
                           "member first", code="no_member")
    if amount <= 0:
        raise InvalidInput("a balance payment must be more than zero", code="bad_tender")


def spend_for_sale(session: Session, ctx: TillContext, member_id: str | None,
                   tenders: Any) -> PendingSpend | None:
    """The spend of the sale's ``stored_value`` tenders, checked against the balance and the
    offline limit; None when the sale takes none. Record it with :func:`record_spend`."""
    amount = sum(t.amount for t in tenders if t.kind == TENDER)
    if not amount:
        return None
    check_tender(member_id, amount)
    rules = current_rules(session).stored_value
    if not rules.enabled:
        raise ServiceError("this brand does not offer stored value", code="sv_disabled")
    v = view(session, ctx, member_id, rules)
    offline = not ctx.online()
    if offline:
        left = sv.offline_allowance(rules.offline_daily_limit, v.offline_spent_today)
        if amount > left:
            raise ServiceError(
                f"offline, this till can take at most ¥{format_fen(rules.offline_daily_limit)} "
                f"of a member's balance a day; ¥{format_fen(left)} is left today",
                code="sv_offline_limit", allowed=left, limit=rules.offline_daily_limit)
    try:
        move = sv.split_spend(v.balance, amount, rules.bonus_first)
    except sv.StoredValueError as exc:
        raise ServiceError(str(exc), code=f"sv_{exc.code}", **exc.data) from None
    return PendingSpend(new_uuid(), member_id, move, offline)


def record_spend(session: Session, ctx: TillContext, spend: PendingSpend | None, event_id: str,
                 sale_id: str, shift_id: str, now: datetime) -> None:
    if spend is not None:
        _entry(session, ctx, spend.member_id, "spend", spend.movement, event_id, now,
               entry_id=spend.entry_id, offline=spend.offline, sale_id=sale_id,
               shift_id=shift_id)


def return_for_refund(session: Session, ctx: TillContext, sale: Sale, refund_id: str,
                      amount: int, shift_id: str, now: datetime) -> dict[str, Any] | None:
    """Put ``amount`` of a sale's balance payment back on the balance, in the proportion it
    was spent (the last refund returns exactly what is left); returns the wire part."""
    if amount <= 0 or sale.member_id is None:
        return None
    e = StoredValueEntry
    spent_p, spent_b = session.execute(
        select(func.coalesce(func.sum(e.principal_fen), 0), func.coalesce(func.sum(e.bonus_fen), 0))
        .where(e.sale_id == sale.id, e.kind == "spend")).one()
    back_p, back_b = session.execute(
        select(func.coalesce(func.sum(e.principal_fen), 0), func.coalesce(func.sum(e.bonus_fen), 0))
        .where(e.sale_id == sale.id, e.kind == "spend_refund")).one()
    if not (spent_p or spent_b):
        # A sale recorded elsewhere (or before this till kept a ledger): all to the principal.
        spent = sv.Movement(-amount - int(back_p) - int(back_b), 0)
    else:
        spent = sv.Movement(int(spent_p), int(spent_b))
    try:
        move = sv.refund_of_spend(spent, sv.Movement(int(back_p), int(back_b)), amount)
    except sv.StoredValueError as exc:
        raise ServiceError(str(exc), code=f"sv_{exc.code}", **exc.data) from None
    entry_id = new_uuid()
    session.info.setdefault("sv_pending_refund", []).append(
        (entry_id, sale.member_id, move, refund_id, sale.id, shift_id, now))
    return {"entry_id": entry_id, "principal_fen": move.principal, "bonus_fen": move.bonus}


def record_refund_return(session: Session, ctx: TillContext, event_id: str) -> None:
    """Write the ledger rows :func:`return_for_refund` prepared, with their outbox event."""
    for entry_id, member_id, move, refund_id, sale_id, shift_id, now in session.info.pop(
            "sv_pending_refund", []):
        _entry(session, ctx, member_id, "spend_refund", move, event_id, now, entry_id=entry_id,
               sale_id=sale_id, refund_id=refund_id, shift_id=shift_id)


# -- recharge -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RechargeRequest:
    recharge_id: str
    staff: StaffMember
    member_id: str
    amount: int  # principal, fen
    tender: str  # cash, wechat, alipay, card
    tendered: int | None = None  # cash handed over
    reference: str | None = None  # payment provider's reference


@dataclass(frozen=True)
class RechargeResult:
    recharge_id: str
    receipt_no: str
    amount: int
    bonus: int
    rule: sv.RechargeRule | None
    change: int
    balance: sv.Balance  # after the recharge
    duplicate: bool = False


def preview_recharge(ctx: TillContext, amount: int) -> sv.Grant:
    """What a recharge of ``amount`` gives under the brand's rules (refusals as ServiceError)."""
    try:
        return sv.recharge(amount, stored_value_rules(ctx))
    except sv.StoredValueError as exc:
        raise InvalidInput(str(exc), code=f"sv_{exc.code}", **exc.data) from None


def _recharge_result(session: Session, ctx: TillContext, row: Recharge,
                     duplicate: bool) -> RechargeResult:
    rules = current_rules(session).stored_value
    return RechargeResult(row.id, row.receipt_no, row.amount_fen, row.bonus_fen,
                          rules.rule(row.rule_id), row.change_fen,
                          view(session, ctx, row.member_id, rules).balance, duplicate)


def recharge(ctx: TillContext, req: RechargeRequest) -> RechargeResult:
    if not _is_uuid(req.recharge_id):
        raise InvalidInput("a recharge id is a UUID made by the till", code="bad_recharge_id")
    if req.tender not in sv.RECHARGE_TENDERS:
        raise InvalidInput("a recharge is paid by cash, WeChat Pay, Alipay or card",
                           code="bad_tender")
    if not isinstance(req.amount, int) or isinstance(req.amount, bool):
        raise InvalidInput("the amount is a whole number of fen", code="bad_amount")
    handed = req.amount if req.tendered is None else req.tendered
    if req.tender != "cash" and req.tendered not in (None, req.amount):
        raise InvalidInput("only cash can be over-tendered", code="tender_over")
    if not isinstance(handed, int) or handed < req.amount:
        raise InvalidInput("cash handed over is less than the recharge", code="tender_short")
    if req.reference is not None and (not isinstance(req.reference, str)
                                      or len(req.reference) > MAX_REFERENCE
                                      or not req.reference.isprintable()):
        raise InvalidInput("the payment reference is printable text of at most 128 characters",
                           code="bad_tender")
    now = ctx.now()
    local = ctx.local(now)
    with transaction(ctx.sessions) as session:
        done = session.get(Recharge, req.recharge_id)
        if done is not None:
            return _recharge_result(session, ctx, done, True)
        shift = _open_shift(session, ctx.terminal_id)
        member = session.get(Member, req.member_id) if isinstance(req.member_id, str) else None
        if member is None:
            raise NotFound("no such member in the till's cache", code="unknown_member")
        rules = current_rules(session).stored_value
        try:
            grant = sv.recharge(req.amount, rules)
        except sv.StoredValueError as exc:
            raise InvalidInput(str(exc), code=f"sv_{exc.code}", **exc.data) from None
        seq = repo.next_terminal_seq(session)
        day = f"{local:%y%m%d}"
        receipt_no = f"C{day}-{repo.next_receipt_no(session, 'recharge', day):06d}"
        rule = grant.rule
        change = handed - req.amount if req.tender == "cash" else 0
        row = Recharge(
            id=req.recharge_id, member_id=member.id, receipt_no=receipt_no,
            terminal_id=ctx.terminal_id, terminal_seq=seq, shift_id=shift.id,
            staff_id=req.staff.id, created_at=now, tz=ctx.tz_name, amount_fen=req.amount,
            bonus_fen=grant.bonus, rule_id=rule.id if rule else None,
            gift_coupon=(rule.coupon or None) if rule else None,
            tier_to=(rule.tier or None) if rule else None, tender=req.tender,
            tendered_fen=handed if req.tender == "cash" else None, change_fen=change,
            reference=req.reference)
        session.add(row)
        entry_id = new_uuid()
        payload = {
            "recharge_id": row.id, "entry_id": entry_id, "member_id": member.id,
            "receipt_no": receipt_no, "store_id": ctx.store_id, "terminal_id": ctx.terminal_id,
            "shift_id": shift.id, "staff_id": req.staff.id, "recharged_at": now.isoformat(),
            "local_time": local.replace(tzinfo=None).isoformat(), "tz": ctx.tz_name,
            "amount_fen": req.amount, "bonus_fen": grant.bonus, "rule_id": row.rule_id,
            "gift_coupon": row.gift_coupon, "tier_to": row.tier_to,
            "payments": [{"tender": req.tender, "amount_fen": req.amount,
                          "tendered_fen": handed if req.tender == "cash" else None,
                          "change_fen": change, "reference": req.reference}],
            "offline": not ctx.online(),
        }
        event_id = repo.add_outbox_event(session, "recharge", payload, terminal_seq=seq,
                                         created_at=now)
        _entry(session, ctx, member.id, "recharge", grant.movement, event_id, now,
               entry_id=entry_id, offline=not ctx.online(), recharge_id=row.id,
               shift_id=shift.id)
        append_audit(session, actor=req.staff.id, action="recharge", at=now,
                     details={"recharge_id": row.id, "member_id": member.id,
                              "amount_fen": req.amount, "bonus_fen": grant.bonus,
                              "tender": req.tender})
        session.flush()
        return _recharge_result(session, ctx, row, False)


# -- refunding a recharge -----------------------------------------------------------------------


@dataclass(frozen=True)
class RechargeInfo:
    recharge_id: str
    receipt_no: str
    member_id: str
    created_at: datetime
    amount: int
    bonus: int
    tender: str
    refunded: bool
    refund_cash: int | None


def member_recharges(ctx: TillContext, member_id: str, limit: int = 50) -> list[RechargeInfo]:
    """This till's recharges for the member, newest first."""
    with ctx.read_sessions() as session:
        rows = session.scalars(select(Recharge).where(Recharge.member_id == member_id)
                               .order_by(Recharge.created_at.desc()).limit(limit)).all()
        return [RechargeInfo(r.id, r.receipt_no, r.member_id, r.created_at, r.amount_fen,
                             r.bonus_fen, r.tender, r.refund_id is not None, r.refund_cash_fen)
                for r in rows]


def quote_recharge_refund(ctx: TillContext, recharge_id: str) -> sv.RechargeRefund:
    with ctx.read_sessions() as session:
        row = session.get(Recharge, recharge_id) if isinstance(recharge_id, str) else None
        if row is None:
            raise NotFound("no such recharge on this till", code="unknown_recharge")
        return _refund_figures(session, ctx, row)


def _refund_figures(session: Session, ctx: TillContext, row: Recharge) -> sv.RechargeRefund:
    if row.refund_id is not None:
        raise ServiceError(f"recharge {row.receipt_no} was refunded already",
                           code="recharge_refunded")
    v = view(session, ctx, row.member_id)
    try:
        return sv.refund_of_recharge(row.amount_fen, row.bonus_fen, v.balance)
    except sv.StoredValueError as exc:
        raise ServiceError(str(exc), code=f"sv_{exc.code}", **exc.data) from None


@dataclass(frozen=True)
class RechargeRefundResult:
    refund_id: str
    receipt_no: str
    figures: sv.RechargeRefund
    tender: str
    balance: sv.Balance


def refund_recharge(ctx: TillContext, staff: StaffMember, recharge_id: str,
                    approval: Approval | None, reason: str = "", tender: str | None = None,
                    refund_id: str | None = None) -> RechargeRefundResult:
    """Refund a recharge (a manager approves): principal less bonus already spent goes back by
    the recharge's tender (or ``tender``), what is left of its bonus is removed."""
    if not isinstance(reason, str):
        raise InvalidInput("the reason is text", code="bad_reason")
    if tender is not None and tender not in sv.RECHARGE_TENDERS:
        raise InvalidInput("money goes back by cash, WeChat Pay, Alipay or card",
                           code="bad_tender")
    refund_id = refund_id or new_uuid()
    if not _is_uuid(refund_id):
        raise InvalidInput("a refund id is a UUID made by the till", code="bad_refund_id")
    quote_recharge_refund(ctx, recharge_id)  # refuse before asking the manager
    approver = authorize_action(ctx, staff, Action.REFUND, approval)
    now = ctx.now()
    local = ctx.local(now)
    with transaction(ctx.sessions) as session:
        row = session.get(Recharge, recharge_id)
        figures = _refund_figures(session, ctx, row)
        shift = _open_shift(session, ctx.terminal_id)
        seq = repo.next_terminal_seq(session)
        day = f"{local:%y%m%d}"
        receipt_no = f"CR{day}-{repo.next_receipt_no(session, 'recharge_refund', day):06d}"
        back_by = tender or row.tender
        entry_id = new_uuid()
        principal, bonus = -figures.movement.principal, -figures.movement.bonus
        payload = {
            "refund_id": refund_id, "recharge_id": row.id, "entry_id": entry_id,
            "member_id": row.member_id, "receipt_no": receipt_no, "store_id": ctx.store_id,
            "terminal_id": ctx.terminal_id, "shift_id": shift.id, "staff_id": staff.id,
            "approved_by": approver, "refunded_at": now.isoformat(),
            "local_time": local.replace(tzinfo=None).isoformat(), "tz": ctx.tz_name,
            "principal_fen": principal, "bonus_fen": bonus,
            "bonus_spent_fen": figures.bonus_spent, "cash_back_fen": figures.cash_back,
            "payments": ([{"tender": back_by, "amount_fen": figures.cash_back}]
                         if figures.cash_back else []),
            "reason": reason[:500] or None,
        }
        event_id = repo.add_outbox_event(session, "recharge_refund", payload,
                                         terminal_seq=seq, created_at=now)
        _entry(session, ctx, row.member_id, "recharge_refund", figures.movement, event_id, now,
               entry_id=entry_id, offline=not ctx.online(), recharge_id=row.id,
               refund_id=refund_id, shift_id=shift.id)
        row.refund_id, row.refunded_at, row.refund_shift_id = refund_id, now, shift.id
        row.refund_receipt_no, row.refund_cash_fen = receipt_no, figures.cash_back
        row.refund_principal_fen, row.refund_bonus_fen = principal, bonus
        row.refund_tender, row.refund_staff_id = back_by, staff.id
        row.refund_approver_id, row.refund_reason = approver or staff.id, reason[:500] or None
        append_audit(session, actor=staff.id, approver=approver, action="recharge_refund",
                     at=now, details={"recharge_id": row.id, "refund_id": refund_id,
                                      "cash_back_fen": figures.cash_back,
                                      "bonus_removed_fen": bonus})
        session.flush()
        balance = view(session, ctx, row.member_id).balance
    return RechargeRefundResult(refund_id, receipt_no, figures, back_by, balance)


# -- shift and day figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredValueFigures:
    recharges: int  # count
    recharged_by_tender: dict[str, int]  # principal taken, per tender
    bonus_given: int
    refunds: int  # recharge refunds, count
    refunded_by_tender: dict[str, int]  # cash back per tender
    bonus_removed: int
    spent: int  # balance taken by sales
    returned: int  # balance given back by refunds of sales
    liability: int  # every balance this till knows of (cached + unconfirmed), principal + bonus
    liability_bonus: int

    @property
    def recharged(self) -> int:
        return sum(self.recharged_by_tender.values())

    @property
    def drawer_by_tender(self) -> dict[str, int]:
        """What recharges and their refunds add to the expected takings per tender."""
        out = dict(self.recharged_by_tender)
        for t, v in self.refunded_by_tender.items():
            out[t] = out.get(t, 0) - v
        return out


def figures(session: Session, shift_ids: list[str] | None = None, *,
            terminal_id: str | None = None, start: datetime | None = None,
            end: datetime | None = None) -> StoredValueFigures:
    """The stored-value figures of some shifts, or of a till's [start, end) window."""
    r = Recharge

    def window(shift_col, at_col, terminal_col):
        if shift_ids is not None:
            return (shift_col.in_(shift_ids),)
        return (terminal_col == terminal_id, at_col >= start, at_col < end)

    by_tender: dict[str, int] = {}
    count = bonus = 0
    for tender, n, amount, b in session.execute(
            select(r.tender, func.count(), func.sum(r.amount_fen), func.sum(r.bonus_fen))
            .where(*window(r.shift_id, r.created_at, r.terminal_id))
            .group_by(r.tender)).all():
        by_tender[tender] = int(amount or 0)
        count += n
        bonus += int(b or 0)
    refunded: dict[str, int] = {}
    refunds = removed = 0
    for tender, n, cash, b in session.execute(
            select(r.refund_tender, func.count(), func.sum(r.refund_cash_fen),
                   func.sum(r.refund_bonus_fen))
            .where(r.refund_id.is_not(None),
                   *window(r.refund_shift_id, r.refunded_at, r.terminal_id))
            .group_by(r.refund_tender)).all():
        refunded[tender] = int(cash or 0)
        refunds += n
        removed += int(b or 0)
    spent = session.execute(
        select(func.coalesce(func.sum(Payment.amount_fen), 0))
        .join(Sale, Payment.sale_id == Sale.id)
        .where(*window(Sale.shift_id, Sale.created_at, Sale.terminal_id),
               Sale.status == "completed", Payment.tender == TENDER)).scalar_one()
    returned = session.execute(
        select(func.coalesce(func.sum(RefundPayment.amount_fen), 0))
        .join(Refund, RefundPayment.refund_id == Refund.id)
        .where(*window(Refund.shift_id, Refund.created_at, Refund.terminal_id),
               RefundPayment.tender == TENDER)).scalar_one()
    acc_p, acc_b = session.execute(
        select(func.coalesce(func.sum(StoredValueAccount.principal_fen), 0),
               func.coalesce(func.sum(StoredValueAccount.bonus_fen), 0))).one()
    e = StoredValueEntry
    un_p, un_b = session.execute(
        select(func.coalesce(func.sum(e.principal_fen), 0), func.coalesce(func.sum(e.bonus_fen), 0))
        .where(e.confirmed.is_(False))).one()
    return StoredValueFigures(count, by_tender, bonus, refunds, refunded, removed, int(spent),
                              int(returned), int(acc_p + acc_b + un_p + un_b), int(acc_b + un_b))


def as_dict(f: StoredValueFigures) -> dict[str, Any]:
    return {"recharges": f.recharges, "recharged": f.recharged,
            "recharged_by_tender": dict(f.recharged_by_tender), "bonus_given": f.bonus_given,
            "refunds": f.refunds, "refunded_by_tender": dict(f.refunded_by_tender),
            "bonus_removed": f.bonus_removed, "spent": f.spent, "returned": f.returned,
            "liability": f.liability, "liability_bonus": f.liability_bonus}


def shift_figures(ctx: TillContext, shift_id: str) -> StoredValueFigures:
    with ctx.read_sessions() as session:
        return figures(session, [shift_id])
