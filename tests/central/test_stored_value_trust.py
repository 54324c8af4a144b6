"""Stored value at the service's trust boundary, over real HTTP: a sale or refund pushed again
under a new event (and new entry ids) moves nothing; a recharge refund cannot be replayed; a
refund cannot move a sale's balance payment to another member; a refunded recharge gives back
its gift coupon and tier upgrade."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from pos_central import models as m
from tests.central.builders import make_coupon, make_member
from tests.central.test_stored_value import (
    _ledger_sum,
    _results,
    recharge,
    recharge_refund,
    refund,
    spend,
)


def _again(till, event, **payload):
    """The same event under a new event id (a till that lost its outbox marks, or forged)."""
    return {**event, "event_id": str(uuid.uuid4()), "terminal_seq": till.take_seq(),
            "payload": {**event["payload"], **payload}}


def _new_entry(event):
    return {**event["payload"]["stored_value"], "entry_id": str(uuid.uuid4())}


def test_a_sale_pushed_again_with_a_new_entry_spends_nothing(central_server):
    till = central_server.enrol("SV dup sale")
    member_id = make_member(central_server)
    _results(till, [recharge(till, member_id, 10000, 0, None)])
    sale = spend(till, member_id, 4000)
    (res,) = _results(till, [sale])
    assert res["status"] == "applied", res
    (res,) = _results(till, [_again(till, sale, stored_value=_new_entry(sale))])
    assert [c["kind"] for c in res["conflicts"]] == ["duplicate_sale"]
    assert tuple(_ledger_sum(central_server, member_id)) == (6000, 0)


def test_a_refund_pushed_again_with_a_new_entry_returns_nothing(central_server):
    till = central_server.enrol("SV dup refund")
    member_id = make_member(central_server)
    _results(till, [recharge(till, member_id, 10000, 0, None)])
    sale = spend(till, member_id, 4000)
    _results(till, [sale])
    back = refund(till, sale, 4000)
    (res,) = _results(till, [back])
    assert res["status"] == "applied", res
    (res,) = _results(till, [_again(till, back, stored_value=_new_entry(back))])
    assert [c["kind"] for c in res["conflicts"]] == ["duplicate_refund"]
    assert tuple(_ledger_sum(central_server, member_id)) == (10000, 0)


def test_a_recharge_refund_pushed_again_after_a_new_recharge_is_not_applied(central_server):
    till = central_server.enrol("SV dup recharge refund")
    member_id = make_member(central_server)
    rc = recharge(till, member_id, 30000, 0, None)
    _results(till, [rc])
    back = recharge_refund(till, rc, 30000, 0, 0)
    (res,) = _results(till, [back])
    assert res["status"] == "applied", res
    _results(till, [recharge(till, member_id, 30000, 0, None)])  # the balance refilled
    (res,) = _results(till, [_again(till, back, entry_id=str(uuid.uuid4()))])
    assert [(c["kind"], c["detail"]["reason"]) for c in res["conflicts"]] == [
        ("stored_value_mismatch", "duplicate_recharge_refund")]
    assert tuple(_ledger_sum(central_server, member_id)) == (30000, 0)


def _stored(server, member_id):
    return tuple(int(x or 0) for x in _ledger_sum(server, member_id))


def test_a_refund_cannot_move_a_sales_balance_or_points_to_another_member(central_server):
    till = central_server.enrol("SV other member")
    a = make_member(central_server, points=500)
    b = make_member(central_server, points=0)
    _results(till, [recharge(till, a, 10000, 0, None)])
    sale = spend(till, a, 4000)
    sale["payload"]["points_redeemed"] = sale["payload"]["lines"][0]["points_redeemed"] = 200
    (res,) = _results(till, [sale])
    assert res["status"] == "applied", res
    back = refund(till, sale, 4000)
    back["payload"]["member_id"] = b
    back["payload"]["points_returned"] = back["payload"]["lines"][0]["points_returned"] = 200
    (res,) = _results(till, [back])
    found = sorted((c["kind"], c["detail"].get("reason")) for c in res["conflicts"])
    assert found == [("refund_exceeds_sale", "other_member"),
                     ("stored_value_mismatch", "other_member")], res
    assert _stored(central_server, a) == (10000, 0)  # credited to the sale's member
    assert _stored(central_server, b) == (0, 0)
    with central_server.read() as s:
        points = dict(s.execute(select(m.Member.id, m.Member.points)
                                .where(m.Member.id.in_([a, b]))).all())
    assert points == {a: 500, b: 0}  # a's 200 points came back to a, not to b


def _gold_rule_server(make_central_server):
    from pos_central import admin
    from pos_member.domain.rules import Rules

    server = make_central_server()
    with server.write() as s:
        admin.set_rules(s, Rules().with_overrides({"stored_value": {"recharge_rules": [
            {"id": "gold1000", "min_amount": "1000.00", "bonus": "100.00",
             "coupon": "RC-GIFT", "tier": "gold"}]}}))
    make_coupon(server, code="RC-GIFT", value_fen=2000)
    return server


def _member_row(server, member_id):
    with server.read() as s:
        row = s.get(m.Member, member_id)
        return row.growth, row.tier


def _coupon_status(server, code):
    with server.read() as s:
        return s.get(m.Coupon, code).status


def test_a_recharge_refund_takes_back_the_gift_coupon_and_the_tier_upgrade(
        make_central_server):
    server = _gold_rule_server(make_central_server)
    till = server.enrol("SV gift back")
    member_id = make_member(server, growth=100)
    rc = recharge(till, member_id, 100000, 10000, "gold1000", tender="card")
    (res,) = _results(till, [rc])
    assert res["status"] == "applied", res
    code = f"RC-GIFT-{rc['payload']['recharge_id'][:8].upper()}"
    assert _member_row(server, member_id) == (6000, "gold")
    (res,) = _results(till, [recharge_refund(till, rc, 100000, 10000, 0)])
    assert res["status"] == "applied", res
    assert _coupon_status(server, code) == "void"
    assert _member_row(server, member_id) == (100, "regular")
    assert (res["member"]["growth"], res["member"]["tier"]) == (100, "regular")
    with server.read() as s:  # the upgrade and its reversal are both in the growth ledger
        growth = s.execute(select(func.sum(m.PointsLedger.growth))
                           .where(m.PointsLedger.member_id == member_id,
                                  m.PointsLedger.kind == "adjust")).scalar()
    assert growth == 100  # the member's opening growth; +5900 and -5900 cancel


def test_a_recharge_refund_after_the_gift_coupon_was_used_is_reported(make_central_server):
    server = _gold_rule_server(make_central_server)
    till = server.enrol("SV gift used")
    member_id = make_member(server, growth=100)
    rc = recharge(till, member_id, 100000, 10000, "gold1000", tender="card")
    _results(till, [rc])
    code = f"RC-GIFT-{rc['payload']['recharge_id'][:8].upper()}"
    with server.write() as s:  # spent at a counter (how does not matter here)
        s.get(m.Coupon, code).status = "used"
    (res,) = _results(till, [recharge_refund(till, rc, 100000, 10000, 0)])
    assert [(c["kind"], c["detail"]["reason"]) for c in res["conflicts"]] == [
        ("stored_value_mismatch", "gift_coupon_used")]
    assert _coupon_status(server, code) == "used"
    assert _member_row(server, member_id) == (100, "regular")


def test_a_sale_pushed_again_with_a_new_card_id_grants_no_card(central_server):
    from datetime import timedelta

    from pos_central import benefits as cb
    from pos_central.benefit_tables import CountCard
    from pos_member.domain.benefits import demo_programme
    from pos_member.sync import benefits_wire as bw
    from tests.central.test_benefits import _today, sale

    with central_server.write() as s:
        cb.set_programme(s, demo_programme())
    till = central_server.enrol("dup card sale")
    member_id = make_member(central_server)

    def grant():
        return bw.CountCardGrant(card_id=uuid.uuid4(), sku="CARD-COFFEE10", benefit="COFFEE",
                                 line_no=1, uses=10,
                                 expires_on=_today() + timedelta(days=364)).model_dump(mode="json")

    bought = sale(till, member_id, [("CARD-COFFEE10", 25000, 1, 0)], tier="regular",
                  benefits=bw.SaleBenefits(cards=[]))
    bought["payload"]["benefits"]["cards"] = [grant()]
    (res,) = _results(till, [bought])
    assert res["status"] == "applied", res
    copy = _again(till, bought, benefits={**bought["payload"]["benefits"], "cards": [grant()]})
    (res,) = _results(till, [copy])
    assert [c["kind"] for c in res["conflicts"]] == ["duplicate_sale"]
    with central_server.read() as s:
        cards = s.execute(select(func.count()).select_from(CountCard)
                          .where(CountCard.member_id == member_id)).scalar()
    assert cards == 1
