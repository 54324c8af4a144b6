"""Shifts: open with a counted float, paid-in/paid-out/no-sale, X and Z report figures, and
closing with a blind count by denomination."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_member.security.roles import Action
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import CashMovement, Refund, Sale, Shift, SyncConflict
from pos_member.store.types import new_uuid

from . import sale_figures, stored_value
from .context import TillContext
from .errors import InvalidInput, NotFound, ShiftStateError
from .staff import Approval, StaffMember, append_audit, authorize_action

# Renminbi notes and coins, in fen.
DENOMINATIONS = (10000, 5000, 2000, 1000, 500, 100, 50, 10)
CASH_DIFFERENCE_THRESHOLD = 1000  # ¥10: a larger over/short needs a manager's approval
MONEY_TENDERS = ("cash", "wechat", "alipay", "card", "voucher", "meituan", "douyin")


@dataclass(frozen=True)
class ShiftFigures:
    """What X and Z reports print: the same figures, for an open or a closed shift."""

    shift_id: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    opened_by: str
    float_fen: int
    sales_count: int
    sales_total: int
    by_tender: dict[str, int]  # money taken per tender (points shown separately)
    refunds_count: int
    refunds_total: int
    refunds_by_tender: dict[str, int]
    paid_in: int
    paid_out: int
    no_sales: int
    expected: dict[str, int]  # per tender: what should be in the drawer / on the statements
    sales_by_tier: dict[str, tuple[int, int]]  # tier (or "non_member") -> (count, total)
    tier_discount: int
    coupon_discount: int
    coupons_used: int
    points_earned: int      # net: earned by the shift's sales less reversed by its refunds
    points_redeemed: int    # net: redeemed at the shift's sales less returned by its refunds
    points_value: int       # fen the shift's sales took in points (gross: part of the sales)
    rounding: int
    voids: int
    unsynced_events: int
    open_conflicts: int
    counted: dict[str, int] | None = None
    over_short: dict[str, int] | None = None
    denominations: dict[int, int] = field(default_factory=dict)
    points_reversed: int = 0        # earned points taken back by the shift's refunds
    points_returned: int = 0        # redeemed points given back by the shift's refunds
    # (their value in fen is refunds_by_tender["points"], the points tender's refund)
    gross_sales: int = 0            # before any discount: the sales' subtotals
    voided_sales: int = 0           # sales voided after payment, and their total
    voided_fen: int = 0
    coupons_restored: int = 0       # coupons given back by the shift's refunds
    # Stored value (储值): recharges by tender, bonus given, recharge refunds, balance spent and
    # returned, the liability (services/stored_value.StoredValueFigures, as a dict).
    stored_value: dict = field(default_factory=dict)

    @property
    def points_used(self) -> int:
        """Points redeemed at the shift's sales, before refunds (with ``points_value``)."""
        return self.points_redeemed + self.points_returned

    def to_dict(self) -> dict:
        d = asdict(self)
        d["opened_at"] = self.opened_at.isoformat()
        d["closed_at"] = self.closed_at.isoformat() if self.closed_at else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ShiftFigures:
        """The figures :meth:`to_dict` gave (JSON round trip: times, tuples, int keys)."""
        d = dict(d)
        d["opened_at"] = datetime.fromisoformat(d["opened_at"])
        d["closed_at"] = datetime.fromisoformat(d["closed_at"]) if d.get("closed_at") else None
        d["sales_by_tier"] = {k: tuple(v) for k, v in (d.get("sales_by_tier") or {}).items()}
        d["denominations"] = {int(k): v for k, v in (d.get("denominations") or {}).items()}
        return cls(**d)


def current_shift(session: Session, terminal_id: str) -> Shift | None:
    return session.scalars(select(Shift).where(Shift.terminal_id == terminal_id,
                                               Shift.status == "open")).first()


def open_shift(ctx: TillContext, staff: StaffMember, float_fen: int) -> str:
    if not isinstance(float_fen, int) or float_fen < 0:
        raise InvalidInput("the float must be a non-negative amount", code="bad_amount")
    now = ctx.now()
    with transaction(ctx.sessions) as session:
        if current_shift(session, ctx.terminal_id) is not None:
            raise ShiftStateError("a shift is already open on this till")
        shift = Shift(id=new_uuid(), terminal_id=ctx.terminal_id, tz=ctx.tz_name, opened_at=now,
                      opened_by=staff.id, float_fen=float_fen, status="open")
        session.add(shift)
        session.flush()
        repo.add_outbox_event(session, "shift_opened", {
            "shift_id": shift.id, "store_id": ctx.store_id, "staff_id": staff.id,
            "opened_at": now.isoformat(), "tz": ctx.tz_name, "opening_float_fen": float_fen,
        }, created_at=now)
        append_audit(session, actor=staff.id, action="shift_opened", at=now,
                     details={"shift_id": shift.id, "float_fen": float_fen})
        return shift.id


def cash_movement(ctx: TillContext, staff: StaffMember, kind: str, amount_fen: int,
                  reason: str = "", approval: Approval | None = None) -> str:
    """Paid-in, paid-out, or a no-sale drawer opening (which needs a manager)."""
    if kind not in ("paid_in", "paid_out", "no_sale"):
        raise InvalidInput(f"unknown cash movement {kind!r}", code="bad_kind")
    if not isinstance(amount_fen, int) or amount_fen < 0 or (kind != "no_sale" and amount_fen == 0):
        raise InvalidInput("enter an amount greater than zero", code="bad_amount")
    if kind == "no_sale":
        amount_fen = 0
    approver = authorize_action(ctx, staff, Action.NO_SALE_DRAWER, approval) \
        if kind == "no_sale" else None
    now = ctx.now()
    with transaction(ctx.sessions) as session:
        shift = current_shift(session, ctx.terminal_id)
        if shift is None:
            raise ShiftStateError("no shift is open")
        if kind == "paid_out":
            cash = shift_figures(session, shift).expected.get("cash", 0)
            if amount_fen > cash:
                raise InvalidInput("the drawer does not hold that much cash",
                                   code="not_enough_cash")
        mv = CashMovement(id=new_uuid(), shift_id=shift.id, kind=kind, amount_fen=amount_fen,
                          reason=reason[:500] or None, staff_id=staff.id, approver_id=approver,
                          at=now)
        session.add(mv)
        session.flush()
        repo.add_outbox_event(session, "cash_movement", {
            "movement_id": mv.id, "shift_id": shift.id, "store_id": ctx.store_id, "kind": kind,
            "amount_fen": amount_fen, "reason": reason[:500], "staff_id": staff.id,
            "approved_by": approver, "at": now.isoformat(),
        }, created_at=now)
        append_audit(session, actor=staff.id, approver=approver, action=kind, at=now,
                     details={"shift_id": shift.id, "amount_fen": amount_fen})
        return mv.id


def shift_figures(session: Session, shift: Shift) -> ShiftFigures:
    """The shift's figures, from the same queries as the day's (:mod:`.sale_figures`)."""
    in_shift = Sale.shift_id == shift.id
    sums = sale_figures.sales_sums(session, in_shift)
    by_tender = {t: v for t, (_, v) in sale_figures.tender_totals(session, in_shift).items()}
    refunds = sale_figures.refund_sums(session, Refund.shift_id == shift.id)
    refunds_by_tender = dict(refunds.by_tender or {})
    moves = list(session.scalars(select(CashMovement).where(CashMovement.shift_id == shift.id)))
    paid_in = sum(m.amount_fen for m in moves if m.kind == "paid_in")
    paid_out = sum(m.amount_fen for m in moves if m.kind == "paid_out")
    expected = {t: by_tender.get(t, 0) - refunds_by_tender.get(t, 0) for t in MONEY_TENDERS}
    expected["cash"] += shift.float_fen + paid_in - paid_out
    sv_figures = stored_value.figures(session, [shift.id])
    for t, v in sv_figures.drawer_by_tender.items():  # recharges are money in the drawer
        expected[t] = expected.get(t, 0) + v
    coupons_used = sum(n for _, n, _ in sale_figures.coupon_totals(session, in_shift))
    voided, voided_fen = sale_figures.voided_sales(session, in_shift)
    counted = shift.counted_json or None
    return ShiftFigures(
        shift_id=shift.id, status=shift.status, opened_at=shift.opened_at,
        closed_at=shift.closed_at, opened_by=shift.opened_by, float_fen=shift.float_fen,
        sales_count=sums.count, sales_total=sums.total,
        by_tender=by_tender, refunds_count=refunds.count,
        refunds_total=refunds.total, refunds_by_tender=refunds_by_tender,
        paid_in=paid_in, paid_out=paid_out, no_sales=sum(1 for m in moves if m.kind == "no_sale"),
        expected=expected, sales_by_tier=sale_figures.sales_by_tier(session, in_shift),
        tier_discount=sums.tier_discount, coupon_discount=sums.coupon_discount,
        coupons_used=coupons_used,
        points_earned=sums.points_earned - refunds.points_reversed,
        points_redeemed=sums.points_redeemed - refunds.points_returned,
        points_value=sums.points_value,
        points_reversed=refunds.points_reversed, points_returned=refunds.points_returned,
        rounding=sums.rounding,
        voids=sale_figures.void_actions(session, shift.opened_at, shift.closed_at,
                                        end_inclusive=True),
        unsynced_events=repo.count_pending_outbox(session),
        open_conflicts=session.scalar(select(func.count()).select_from(SyncConflict).where(
            SyncConflict.resolved_at.is_(None))) or 0,
        counted=(counted or {}).get("tenders"),
        over_short=(counted or {}).get("over_short"),
        denominations={int(k): v for k, v in ((counted or {}).get("denominations") or {}).items()},
        gross_sales=sums.gross, voided_sales=voided, voided_fen=voided_fen,
        coupons_restored=refunds.coupons_restored,
        stored_value=stored_value.as_dict(sv_figures),
    )


def x_report(ctx: TillContext) -> ShiftFigures:
    """The figures of the open shift, at any time (prints nothing, changes nothing)."""
    with ctx.read_sessions() as session:
        shift = current_shift(session, ctx.terminal_id)
        if shift is None:
            raise ShiftStateError("no shift is open")
        return shift_figures(session, shift)


def z_report(ctx: TillContext, shift_id: str | None = None) -> ShiftFigures:
    """The figures of a closed shift (the last one closed on this till by default)."""
    with ctx.read_sessions() as session:
        q = select(Shift).where(Shift.terminal_id == ctx.terminal_id, Shift.status == "closed")
        if shift_id:
            q = q.where(Shift.id == shift_id)
        shift = session.scalars(q.order_by(Shift.closed_at.desc()).limit(1)).first()
        if shift is None:
            raise NotFound("no closed shift" + (f" {shift_id}" if shift_id else " yet"))
        if shift.z_json:  # stored before db prune archived some of its sales (revision 0012)
            return ShiftFigures.from_dict(shift.z_json)
        return shift_figures(session, shift)


def freeze_z_figures(session: Session, shift_ids: list[str]) -> int:
    """Store the Z figures of these closed shifts in ``shifts.z_json`` (before their sales
    leave the till: services.retention); returns how many were stored."""
    done = 0
    for shift_id in shift_ids:
        shift = session.get(Shift, shift_id)
        if shift is None or shift.status != "closed" or shift.z_json:
            continue
        shift.z_json = shift_figures(session, shift).to_dict()
        done += 1
    session.flush()
    return done


def close_shift(ctx: TillContext, staff: StaffMember, denominations: dict[int, int],
                other_tenders: dict[str, int] | None = None,
                approval: Approval | None = None) -> ShiftFigures:
    """Close with a blind count: cash by denomination, other tenders as totals from the
    terminals' statements. Closing needs a manager; so does a cash difference over ¥10."""
    for denom, count in denominations.items():
        if denom not in DENOMINATIONS:
            raise InvalidInput(f"no such denomination: {denom} fen", code="bad_denomination")
        if not isinstance(count, int) or count < 0:
            raise InvalidInput("counts are whole numbers, not negative", code="bad_count")
    other = dict(other_tenders or {})
    for t, v in other.items():
        if t not in MONEY_TENDERS or t == "cash" or not isinstance(v, int) or v < 0:
            raise InvalidInput(f"bad count for tender {t!r}", code="bad_count")
    approver = authorize_action(ctx, staff, Action.CLOSE_SHIFT, approval)
    now = ctx.now()
    with transaction(ctx.sessions) as session:
        shift = current_shift(session, ctx.terminal_id)
        if shift is None:
            raise ShiftStateError("no shift is open")
        before = shift_figures(session, shift)
        counted = {t: other.get(t, before.expected.get(t, 0)) for t in MONEY_TENDERS}
        counted["cash"] = sum(d * c for d, c in denominations.items())
        over_short = {t: counted[t] - before.expected[t] for t in MONEY_TENDERS}
        shift.status, shift.closed_at, shift.closed_by = "closed", now, staff.id
        shift.approver_id = approver
        shift.expected_json = before.expected
        shift.counted_json = {"tenders": counted, "over_short": over_short,
                              "denominations": {str(d): c for d, c in denominations.items()}}
        shift.over_short_fen = over_short["cash"]
        session.flush()
        repo.add_outbox_event(session, "shift_closed", {
            "shift_id": shift.id, "store_id": ctx.store_id, "staff_id": staff.id,
            "approved_by": approver, "closed_at": now.isoformat(), "tz": ctx.tz_name,
            "tenders": [{"tender": t, "expected_fen": before.expected[t],
                         "counted_fen": counted[t], "difference_fen": over_short[t]}
                        for t in MONEY_TENDERS],
            "denominations": [{"denomination_fen": d, "count": c}
                              for d, c in sorted(denominations.items(), reverse=True)],
            "sales_count": before.sales_count, "sales_total_fen": before.sales_total,
            "refunds_total_fen": before.refunds_total,
        }, created_at=now)
        append_audit(session, actor=staff.id, approver=approver, action="shift_closed", at=now,
                     details={"shift_id": shift.id, "over_short_fen": over_short["cash"],
                              # closing always needs a manager, who thereby approves this too
                              "over_threshold": abs(over_short["cash"])
                              > CASH_DIFFERENCE_THRESHOLD})
        return shift_figures(session, shift)
