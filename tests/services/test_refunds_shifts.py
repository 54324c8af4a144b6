"""Refunds, shifts and the X/Z figures through the services."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import ApprovalNeeded, InvalidInput, ServiceError
from pos_member.services.members import get_member
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import (
    cash_movement, close_shift, open_shift, x_report, z_report,
)
from pos_member.services.staff import Approval
from pos_member.store.models import Coupon, Member, OutboxEvent, PointsLedgerEntry, Refund
from pos_member.sync.protocol import CashMovementPayload, RefundPayload, ShiftClosedPayload

MANAGER = Approval("S001", "2468")


def _sale(till, cashier, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, tuple(lines),
                                              tuple(tenders), **kw))


def _ledger(till, member_id):
    with till.session() as s:
        return (s.scalar(select(func.sum(PointsLedgerEntry.points))
                         .where(PointsLedgerEntry.member_id == member_id)) or 0,
                s.scalar(select(func.sum(PointsLedgerEntry.growth))
                         .where(PointsLedgerEntry.member_id == member_id)) or 0)


def test_partial_refunds_then_the_rest_net_points_and_growth_to_zero(till, cashier, shift):
    gold = till.members["gold"]
    # 3 lattes (84.00) + 0.5 kg beans (160.00) = 244.00; 9折 -> 219.60; 20 points -> 199.60
    r = _sale(till, cashier, [CartLine("C002", D(3)), CartLine("W001", D("0.5"))],
              [Tender("cash", 19960, tendered=20000)], member_id=gold, redeem_points=20,
              approval=MANAGER)
    assert (r.pricing.points_earned, r.pricing.growth_earned) == (19, 199)
    with pytest.raises(ApprovalNeeded):
        refund_sale(till.ctx, cashier, r.sale_id, {1: D(1)}, None)
    first = refund_sale(till.ctx, cashier, r.sale_id, {1: D(1)}, MANAGER, reason="spilled")
    second = refund_sale(till.ctx, cashier, r.sale_id, {2: D("0.2")}, MANAGER)
    last = refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    assert last.outcome.full and not first.outcome.full
    outs = [first.outcome, second.outcome, last.outcome]
    assert sum(o.money for o in outs) == r.pricing.total
    assert sum(o.points_reversed for o in outs) == 19
    assert sum(o.growth_reversed for o in outs) == 199
    assert sum(o.points_returned for o in outs) == 20
    assert _ledger(till, gold) == (0, 0)  # every point and growth point came back out
    with till.session() as s:
        events = list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "refund")))
        assert len(events) == 3
        for ev in events:
            RefundPayload.model_validate(ev.payload)
        # cash went back in cash (the only tender): 199.60 in all
        assert sum(p.amount_fen for rf in s.scalars(select(Refund)) for p in rf.payments) == 19960


def test_refund_more_than_sold_or_of_nothing_is_refused(till, cashier, shift):
    r = _sale(till, cashier, [CartLine("C002", D(2))], [Tender("cash", 5600)])
    for lines in ({1: D(3)}, {1: D(0)}, {1: D(-1)}, {7: D(1)}):
        with pytest.raises(InvalidInput):
            refund_sale(till.ctx, cashier, r.sale_id, lines, MANAGER)
    refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    with pytest.raises(InvalidInput):
        refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    with till.session() as s:
        assert s.scalar(select(func.count()).select_from(Refund)) == 1


def test_a_coupon_comes_back_only_on_a_full_refund(till, cashier, shift):
    r = _sale(till, cashier, [CartLine("C002", D(5))], [Tender("cash", 13000)],
              coupon_codes=("M100-10",))
    refund_sale(till.ctx, cashier, r.sale_id, {1: D(2)}, MANAGER)
    with till.session() as s:
        assert s.get(Coupon, "M100-10").status == "used"
    out = refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    assert out.outcome.coupons_restored == ("M100-10",)
    with till.session() as s:
        assert s.get(Coupon, "M100-10").status == "available"


def test_refund_after_points_were_spent_leaves_a_negative_balance_and_drops_the_tier(
        till, cashier, shift):
    silver = till.members["silver"]  # growth 5950, 300 points
    # 3 travel tumblers 387.00, 95折 -> 367.65: growth +367 -> 6317 = gold
    r = _sale(till, cashier, [CartLine("M002", D(3))], [Tender("card", 36765)], member_id=silver)
    assert r.pricing.tier_after == "gold" and r.pricing.points_earned == 36
    assert get_member(till.ctx, silver).tier == "gold"
    # The central service confirms the sale, and the member spends 326 of the 336 points
    # elsewhere before coming back for the refund.
    with till.ctx.sessions.begin() as s:
        s.execute(PointsLedgerEntry.__table__.update().values(confirmed=True))
        m = s.get(Member, silver)
        m.points, m.growth = 10, 6317
    out = refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    assert out.outcome.points_reversed == 36
    assert out.outcome.member_points_after == 10 - 36 and out.outcome.negative_balance
    assert out.outcome.tier_after == "silver"
    assert get_member(till.ctx, silver).tier == "silver"


def test_shift_figures_and_a_blind_close_with_a_shortfall(till, cashier, manager):
    with pytest.raises(ServiceError):
        x_report(till.ctx)
    open_shift(till.ctx, cashier, 50000)  # ¥500 float
    with pytest.raises(ServiceError):
        open_shift(till.ctx, cashier, 100)
    _sale(till, cashier, [CartLine("C002", D(2))], [Tender("cash", 5600, tendered=10000)])
    _sale(till, cashier, [CartLine("T001", D(1))], [Tender("wechat", 1800)])
    r = _sale(till, cashier, [CartLine("B003", D(1))], [Tender("cash", 1000),
                                                         Tender("alipay", 2200)])
    refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)  # 10.00 cash + 22.00 alipay back
    cash_movement(till.ctx, cashier, "paid_in", 2000, "change from bank")
    cash_movement(till.ctx, cashier, "paid_out", 1500, "milk")
    with pytest.raises(ApprovalNeeded):
        cash_movement(till.ctx, cashier, "no_sale", 0)
    cash_movement(till.ctx, cashier, "no_sale", 0, "open drawer", approval=MANAGER)
    with pytest.raises(InvalidInput):
        cash_movement(till.ctx, cashier, "paid_out", 10**9)

    x = x_report(till.ctx)
    assert x.sales_count == 3 and x.sales_total == 5600 + 1800 + 3200
    assert x.by_tender == {"cash": 6600, "wechat": 1800, "alipay": 2200}
    assert x.refunds_total == 3200 and x.refunds_by_tender == {"cash": 1000, "alipay": 2200}
    # cash expected: 500.00 + 66.00 - 10.00 + 20.00 - 15.00 = 561.00
    assert x.expected["cash"] == 56100 and x.expected["wechat"] == 1800
    assert x.paid_in == 2000 and x.paid_out == 1500 and x.no_sales == 1
    assert x.sales_by_tier == {"non_member": (3, 10600)}
    assert x.unsynced_events > 0

    # counted: 5 x 100 + 1 x 50 + 1 x 10 = 560.00, so 1.00 short
    count = {10000: 5, 5000: 1, 1000: 1}
    with pytest.raises(ApprovalNeeded):
        close_shift(till.ctx, cashier, count)
    z = close_shift(till.ctx, cashier, count, approval=MANAGER)
    assert z.status == "closed" and z.counted["cash"] == 56000 and z.over_short["cash"] == -100
    assert z_report(till.ctx).over_short == z.over_short
    with till.session() as s:
        ev = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "shift_closed")).one()
        ShiftClosedPayload.model_validate(ev.payload)
        for ev in s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "cash_movement")):
            CashMovementPayload.model_validate(ev.payload)
    with pytest.raises(ServiceError):
        x_report(till.ctx)


def test_bad_counts_are_refused(till, cashier, shift):
    for bad in ({3: 1}, {100: -1}):
        with pytest.raises(InvalidInput):
            close_shift(till.ctx, cashier, bad, approval=MANAGER)
    with pytest.raises(InvalidInput):
        open_shift(till.ctx, cashier, -5)
