"""Stored value on the service, over real HTTP: recharges, spends, refunds and recharge refunds
checked against the service's own ledger; the balance is the sum of that ledger; each movement
once; disagreements are conflicts with the figures applied as sent."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from pos_central.stored_value_tables import StoredValueEntry
from pos_member.sync import protocol as p
from tests.central.builders import CST, TZ, make_coupon, make_member, member_via_api


def _now():
    now = datetime.now(UTC)
    return now, (now + CST).replace(tzinfo=None)


def _event(till, model, payload):
    now, _ = _now()
    return model(event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
                 payload=payload).model_dump(mode="json")


def recharge(till, member_id, amount, bonus, rule_id, tender="cash", **kw):
    now, local = _now()
    payload = p.RechargePayload(
        recharge_id=uuid.uuid4(), entry_id=uuid.uuid4(), member_id=member_id,
        receipt_no=f"C{random.randrange(10**8)}", store_id=till.store_id, recharged_at=now,
        local_time=local, tz=TZ, amount_fen=amount, bonus_fen=bonus, rule_id=rule_id,
        payments=[p.RechargePaymentLine(tender=tender, amount_fen=amount)], **kw)
    return _event(till, p.RechargeEvent, payload)


def spend(till, member_id, principal, bonus=0, cash=0):
    now, local = _now()
    total = principal + bonus + cash
    payments = [p.PaymentLine(tender="stored_value", amount_fen=principal + bonus)]
    if cash:
        payments.append(p.PaymentLine(tender="cash", amount_fen=cash))
    payload = p.SalePayload(
        sale_id=uuid.uuid4(), receipt_no=f"S{random.randrange(10**8)}", store_id=till.store_id,
        sold_at=now, local_time=local, tz=TZ, member_id=member_id,
        lines=[p.SaleLine(line_no=1, sku="SKU1", qty=Decimal(1), unit_price_fen=total,
                          amount_fen=total, paid_fen=total)],
        payments=payments, subtotal_fen=total, total_fen=total,
        stored_value=p.StoredValueUse(entry_id=uuid.uuid4(), principal_fen=principal,
                                      bonus_fen=bonus))
    return _event(till, p.SaleEvent, payload)


def refund(till, sale, principal, bonus=0):
    sp = sale["payload"]
    now, local = _now()
    amount = principal + bonus
    payload = p.RefundPayload(
        refund_id=uuid.uuid4(), sale_id=sp["sale_id"], receipt_no=f"R{random.randrange(10**8)}",
        store_id=till.store_id, refunded_at=now, local_time=local, tz=TZ,
        member_id=sp["member_id"], approved_by="M01",
        lines=[p.RefundLine(line_no=1, sku="SKU1", qty=Decimal(1), amount_fen=amount)],
        payments=[p.PaymentLine(tender="stored_value", amount_fen=amount)], amount_fen=amount,
        stored_value=p.StoredValueUse(entry_id=uuid.uuid4(), principal_fen=principal,
                                      bonus_fen=bonus))
    return _event(till, p.RefundEvent, payload)


def recharge_refund(till, rc, principal, bonus, bonus_spent):
    rp = rc["payload"]
    now, local = _now()
    cash = principal - bonus_spent
    payload = p.RechargeRefundPayload(
        refund_id=uuid.uuid4(), recharge_id=rp["recharge_id"], entry_id=uuid.uuid4(),
        member_id=rp["member_id"], receipt_no=f"CR{random.randrange(10**8)}",
        store_id=till.store_id, approved_by="M01", refunded_at=now, local_time=local, tz=TZ,
        principal_fen=principal, bonus_fen=bonus, bonus_spent_fen=bonus_spent,
        cash_back_fen=cash,
        payments=[p.RechargePaymentLine(tender="cash", amount_fen=cash)] if cash else [])
    return _event(till, p.RechargeRefundEvent, payload)


def _results(till, events):
    response = till.push(events)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def _ledger_sum(server, member_id):
    with server.read() as s:
        return s.execute(select(func.sum(StoredValueEntry.principal_fen),
                                func.sum(StoredValueEntry.bonus_fen))
                         .where(StoredValueEntry.member_id == member_id)).one()


def test_recharge_spend_refund_and_the_feed(central_server):
    till = central_server.enrol("SV till")
    member_id = make_member(central_server)
    rc = recharge(till, member_id, 30000, 3000, "r300")
    (res,) = _results(till, [rc])
    assert res["status"] == "applied", res
    assert (res["member"]["stored_principal_fen"], res["member"]["stored_bonus_fen"]) == (
        30000, 3000)
    sale = spend(till, member_id, 30000, 1000, cash=500)
    (res,) = _results(till, [sale])
    assert res["status"] == "applied", res
    assert res["member"]["stored_principal_fen"] == 0
    assert res["member"]["stored_bonus_fen"] == 2000
    (res,) = _results(till, [refund(till, sale, 10000, 0)])
    assert res["status"] == "applied", res
    assert res["member"]["stored_principal_fen"] == 10000
    data = member_via_api(till, member_id)
    assert (data["stored_principal_fen"], data["stored_bonus_fen"]) == (10000, 2000)
    assert tuple(_ledger_sum(central_server, member_id)) == (10000, 2000)
    page = till.get("/v1/changes", params={"cursor": "0"}).json()
    fed = [c["data"] for c in page["changes"] if c["entity"] == "member"
           and c["id"] == member_id]
    assert fed and fed[0]["stored_principal_fen"] == 10000


def test_each_movement_once_even_when_pushed_again(central_server):
    till = central_server.enrol("SV replay")
    member_id = make_member(central_server)
    rc = recharge(till, member_id, 10000, 0, None)
    sale = spend(till, member_id, 4000)
    first = _results(till, [rc, sale])
    again = _results(till, [rc, sale])
    assert [r["status"] for r in first] == ["applied", "applied"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    # the same recharge in a new event (a till that lost its outbox marks) is not applied
    copy = {**rc, "event_id": str(uuid.uuid4()), "terminal_seq": till.take_seq()}
    (res,) = _results(till, [copy])
    assert [c["detail"]["reason"] for c in res["conflicts"]] == ["duplicate_recharge"]
    assert tuple(_ledger_sum(central_server, member_id)) == (6000, 0)


def test_overdrawn_across_tills_is_a_conflict_never_clamped(central_server):
    a = central_server.enrol("SV A")
    b = central_server.enrol("SV B")
    member_id = make_member(central_server)
    _results(a, [recharge(a, member_id, 20000, 0, None)])
    (ra,) = _results(a, [spend(a, member_id, 15000)])
    assert ra["status"] == "applied"
    (rb,) = _results(b, [spend(b, member_id, 15000)])  # B spent the same money offline
    assert rb["status"] == "conflict"
    (c,) = rb["conflicts"]
    assert c["kind"] == "stored_value_overdrawn"
    assert (c["points_available"], c["balance_after"]) == (5000, -10000)
    assert c["other_terminal_id"] == a.terminal_id
    assert c["detail"]["principal_after"] == -10000
    assert rb["member"]["stored_principal_fen"] == -10000
    assert tuple(_ledger_sum(central_server, member_id)) == (-10000, 0)


def test_a_bonus_not_per_the_rules_is_a_mismatch_applied_as_sent(central_server):
    till = central_server.enrol("SV bonus")
    member_id = make_member(central_server)
    (res,) = _results(till, [recharge(till, member_id, 30000, 9000, "r300")])
    (c,) = res["conflicts"]
    assert c["kind"] == "stored_value_mismatch" and c["detail"]["reason"] == "bonus_not_per_rule"
    assert (c["detail"]["bonus_sent"], c["detail"]["bonus_expected"]) == (9000, 3000)
    assert res["member"]["stored_bonus_fen"] == 9000


def test_recharge_refund_checked_against_the_ledger(central_server):
    till = central_server.enrol("SV refund")
    member_id = make_member(central_server)
    rc = recharge(till, member_id, 30000, 3000, "r300")
    _results(till, [rc, spend(till, member_id, 0, 1000)])  # 10.00 of the bonus spent
    # right: 300.00 principal out, 20.00 bonus left removed, 290.00 back
    (res,) = _results(till, [recharge_refund(till, rc, 30000, 2000, 1000)])
    assert res["status"] == "applied", res
    assert (res["member"]["stored_principal_fen"], res["member"]["stored_bonus_fen"]) == (0, 0)
    # refunded again (another till, say): a mismatch, applied as sent, the balance negative
    (res,) = _results(till, [recharge_refund(till, rc, 30000, 0, 0)])
    kinds = sorted((c["kind"], c["detail"].get("reason")) for c in res["conflicts"])
    assert kinds == [("stored_value_mismatch", "already_refunded"),
                     ("stored_value_overdrawn", None)]
    assert tuple(_ledger_sum(central_server, member_id)) == (-30000, 0)


def test_recharge_refund_with_other_figures_is_reported(central_server):
    till = central_server.enrol("SV figures")
    member_id = make_member(central_server)
    rc = recharge(till, member_id, 10000, 0, None)
    _results(till, [rc])
    (res,) = _results(till, [recharge_refund(till, rc, 10000, 0, 0)])
    assert res["status"] == "applied"
    unknown = recharge(till, member_id, 5000, 0, None)  # never pushed
    (res,) = _results(till, [recharge_refund(till, unknown, 5000, 0, 0)])
    assert [c["detail"]["reason"] for c in res["conflicts"]
            if c["kind"] == "stored_value_mismatch"] == ["unknown_recharge"]


def test_refund_beyond_the_spend_is_reported(central_server):
    till = central_server.enrol("SV refund bound")
    member_id = make_member(central_server)
    _results(till, [recharge(till, member_id, 10000, 500, None)])
    sale = spend(till, member_id, 3000)
    _results(till, [sale])
    (res,) = _results(till, [refund(till, sale, 2000, 1000)])  # the sale spent no bonus
    reasons = [c["detail"].get("reason") for c in res["conflicts"]]
    assert "refund_exceeds_spend" in reasons


def test_gift_coupon_and_tier_upgrade_of_a_recharge_rule(make_central_server):
    from pos_central import admin
    from pos_member.domain.rules import Rules

    central_server = make_central_server()
    with central_server.write() as s:
        admin.set_rules(s, Rules().with_overrides({"stored_value": {"recharge_rules": [
            {"id": "gold1000", "min_amount": "1000.00", "bonus": "100.00",
             "coupon": "RC-GIFT", "tier": "gold"}]}}))
    make_coupon(central_server, code="RC-GIFT", value_fen=2000)
    till = central_server.enrol("SV rule")
    member_id = make_member(central_server, growth=100)
    rc = recharge(till, member_id, 100000, 10000, "gold1000", tender="card")
    (res,) = _results(till, [rc])
    assert res["status"] == "applied", res
    assert (res["member"]["tier"], res["member"]["growth"]) == ("gold", 6000)
    lookup = till.get("/v1/members/lookup", params={"id": member_id}).json()
    codes = [c["code"] for c in lookup["coupons"]]
    assert codes == [f"RC-GIFT-{rc['payload']['recharge_id'][:8].upper()}"]
