"""Stored value at the till: recharge, pay with the balance, refunds, offline limit, X figures."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from pos_member.services import stored_value as svs
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import ApprovalNeeded, InvalidInput, ServiceError
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import x_report
from pos_member.services.staff import Approval
from pos_member.store.models import OutboxEvent, StoredValueEntry
from pos_member.sync.protocol import (
    RechargePayload,
    RechargeRefundPayload,
    RefundPayload,
    SalePayload,
)

MANAGER = Approval("S001", "2468")


def _recharge(till, cashier, member, amount, tender="cash", tendered=None):
    return svs.recharge(till.ctx, svs.RechargeRequest(str(uuid.uuid4()), cashier, member,
                                                      amount, tender, tendered))


def _sale(till, cashier, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, tuple(lines),
                                              tuple(tenders), **kw))


def _events(till, kind):
    with till.session() as s:
        return [e.payload for e in s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)
                                             .order_by(OutboxEvent.terminal_seq))]


def test_recharge_300_gives_30_and_goes_out_as_an_event(till, cashier, shift):
    member = till.members["regular"]
    r = _recharge(till, cashier, member, 30000, tendered=31000)
    assert (r.amount, r.bonus, r.rule.id, r.change) == (30000, 3000, "r300", 1000)
    assert r.balance.principal == 30000 and r.balance.bonus == 3000
    assert r.receipt_no.startswith("C261124-")
    again = svs.recharge(till.ctx, svs.RechargeRequest(r.recharge_id, cashier, member, 30000,
                                                       "cash"))
    assert again.duplicate and again.receipt_no == r.receipt_no
    (payload,) = _events(till, "recharge")
    wire = RechargePayload.model_validate(payload)
    assert (wire.amount_fen, wire.bonus_fen, wire.rule_id, wire.offline) == (30000, 3000, "r300",
                                                                           True)
    assert wire.payments[0].change_fen == 1000
    assert svs.member_stored_value(till.ctx, member).balance.total == 33000


def test_recharge_refusals_lose_nothing(till, cashier, shift):
    member = till.members["regular"]
    for amount, tender, code in ((50, "cash", "sv_below_minimum"),
                                 (30000, "points", "bad_tender"),
                                 (30000, "voucher", "bad_tender")):
        with pytest.raises(InvalidInput) as exc:
            _recharge(till, cashier, member, amount, tender)
        assert exc.value.code == code
    with pytest.raises(InvalidInput):
        _recharge(till, cashier, member, 30000, tendered=20000)
    assert _events(till, "recharge") == []


def test_balance_split_with_cash_then_refund_returns_it(till, cashier, shift):
    member = till.members["regular"]
    _recharge(till, cashier, member, 5000)  # no rule: ¥50 principal
    # 3 lattes = 84.00: 50.00 from the balance, 34.00 cash
    r = _sale(till, cashier, [CartLine("C002", D(3))],
              [Tender("stored_value", 5000), Tender("cash", 3400, tendered=4000)],
              member_id=member)
    assert r.change == 600
    assert svs.member_stored_value(till.ctx, member).balance.total == 0
    sale = SalePayload.model_validate(_events(till, "sale")[0])
    assert sale.stored_value.principal_fen == 5000 and sale.stored_value.bonus_fen == 0
    with pytest.raises(ServiceError) as exc:
        _sale(till, cashier, [CartLine("C002", D(1))], [Tender("stored_value", 2800)],
              member_id=member)
    assert exc.value.code == "sv_insufficient_balance"
    first = refund_sale(till.ctx, cashier, r.sale_id, {1: D(1)}, MANAGER)
    assert dict(first.payments) == {"stored_value": 1667, "cash": 1133}
    refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    assert svs.member_stored_value(till.ctx, member).balance.total == 5000
    for payload in _events(till, "refund"):
        RefundPayload.model_validate(payload)
    with till.session() as s:
        assert s.scalar(select(func.sum(StoredValueEntry.principal_fen))) == 5000


def test_balance_needs_a_member(till, cashier, shift):
    with pytest.raises(InvalidInput) as exc:
        _sale(till, cashier, [CartLine("C002", D(1))], [Tender("stored_value", 2800)])
    assert exc.value.code == "no_member"


def test_offline_daily_limit_per_member_on_one_till(till, cashier, shift):
    member = till.members["gold"]
    _recharge(till, cashier, member, 100000)  # 充500送80 is the best rule: 1000 + 80
    # Gold pays 90 %: 20 lattes = 560.00 -> 504.00, over the ¥500 offline limit.
    with pytest.raises(ServiceError) as exc:
        _sale(till, cashier, [CartLine("C002", D(20))], [Tender("stored_value", 50400)],
              member_id=member)
    assert exc.value.code == "sv_offline_limit" and exc.value.details["allowed"] == 50000
    _sale(till, cashier, [CartLine("C002", D(10))], [Tender("stored_value", 25200)],
          member_id=member)
    view = svs.member_stored_value(till.ctx, member)
    assert view.offline_spent_today == 25200
    with pytest.raises(ServiceError) as exc:
        _sale(till, cashier, [CartLine("C002", D(10))], [Tender("stored_value", 25200)],
              member_id=member)
    assert exc.value.details["allowed"] == 50000 - 25200
    till.clock.advance(days=1)  # a new store day
    _sale(till, cashier, [CartLine("C002", D(10))], [Tender("stored_value", 25200)],
          member_id=member)


def test_online_the_offline_limit_does_not_apply(tmp_path):
    from pos_member.services.shifts import open_shift
    from tests.services.support import make_till

    till = make_till(tmp_path, online=True)
    cashier = till.login("S002", "1357")
    open_shift(till.ctx, cashier, 0)
    member = till.members["gold"]
    _recharge(till, cashier, member, 100000)
    _sale(till, cashier, [CartLine("C002", D(20))], [Tender("stored_value", 50400)],
          member_id=member)
    assert svs.member_stored_value(till.ctx, member).balance.total == 108000 - 50400


def test_refund_of_a_recharge_after_bonus_spent(till, cashier, manager, shift):
    member = till.members["regular"]
    r = _recharge(till, cashier, member, 30000, tender="wechat")
    # 10 lattes, 280.00, from the principal (spent first): 20.00 principal and 30.00 bonus left
    _sale(till, cashier, [CartLine("C002", D(10))], [Tender("stored_value", 28000)],
          member_id=member)
    quote = svs.quote_recharge_refund(till.ctx, r.recharge_id)
    # no bonus spent: the 20.00 of principal left comes back, the 30.00 bonus is removed
    assert (quote.cash_back, quote.bonus_spent, quote.movement.bonus) == (2000, 0, -3000)
    with pytest.raises(ApprovalNeeded):
        svs.refund_recharge(till.ctx, cashier, r.recharge_id, None)
    done = svs.refund_recharge(till.ctx, cashier, r.recharge_id, MANAGER, reason="moving away")
    assert done.tender == "wechat" and done.balance.total == 0
    with pytest.raises(ServiceError) as exc:
        svs.refund_recharge(till.ctx, manager, r.recharge_id, None)
    assert exc.value.code == "recharge_refunded"
    (payload,) = _events(till, "recharge_refund")
    wire = RechargeRefundPayload.model_validate(payload)
    assert (wire.cash_back_fen, wire.principal_fen, wire.bonus_fen) == (2000, 2000, 3000)
    assert wire.approved_by == "S001"


def test_unused_recharge_refund_nets_to_zero_and_x_report_shows_it(till, cashier, shift):
    member = till.members["silver"]
    r = _recharge(till, cashier, member, 50000, tender="alipay")
    _recharge(till, cashier, member, 10000)
    svs.refund_recharge(till.ctx, cashier, r.recharge_id, MANAGER)
    assert svs.member_stored_value(till.ctx, member).balance.total == 10000
    x = x_report(till.ctx)
    sv = x.stored_value
    assert sv["recharges"] == 2 and sv["recharged"] == 60000 and sv["bonus_given"] == 8000
    assert sv["refunded_by_tender"] == {"alipay": 50000} and sv["bonus_removed"] == 8000
    assert sv["liability"] == 10000
    assert x.expected["alipay"] == 0
    assert x.expected["cash"] == 50000 + 10000  # the float and the cash recharge


def test_recharge_refused_when_spent_bonus_exceeds_principal_left(till, cashier, shift):
    from pos_member.domain.rules import Rules
    from pos_member.store.db import transaction
    from pos_member.store.models import RuleVersion

    with transaction(till.ctx.sessions) as s:
        rules = Rules().with_overrides({"stored_value": {"bonus_first": True}})
        s.add(RuleVersion(version=2, rules_json=rules.to_dict(),
                          effective_from=till.clock.now))
    member = till.members["regular"]
    r = _recharge(till, cashier, member, 30000)
    _sale(till, cashier, [CartLine("C002", D(11))], [Tender("stored_value", 30800)],
          member_id=member)  # bonus first: 30.00 bonus then 278.00 principal
    with pytest.raises(ServiceError) as exc:
        svs.refund_recharge(till.ctx, cashier, r.recharge_id, MANAGER)
    assert exc.value.code == "sv_bonus_spent_exceeds_principal"


def test_the_day_view_shows_the_same_stored_value_figures_as_the_x_report(till, cashier, shift):
    from pos_member.services.sales_query import day_figures

    member = till.members["gold"]
    _recharge(till, cashier, member, 30000, tender="card")
    _sale(till, cashier, [CartLine("C002", D(2))], [Tender("stored_value", 5040)],
          member_id=member)
    day = day_figures(till.ctx).stored_value
    x = x_report(till.ctx).stored_value
    assert day == x
    assert (day["recharged_by_tender"], day["bonus_given"], day["spent"]) == (
        {"card": 30000}, 3000, 5040)
    assert day["liability"] == 30000 + 3000 - 5040
    assert x_report(till.ctx).by_tender["stored_value"] == 5040
