"""Benefits with quotas, count cards and the points mall on the real service over HTTP.

Two tills spending the last use of a quota offline, a count card refunded after 3 of 10 uses,
a mall reward redeemed beyond the store's stock; each movement applied once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pos_central import benefits as cb
from pos_central import models as m
from pos_central.benefit_tables import CountCard, MallStock
from pos_member.domain.benefits import demo_programme, period_key
from pos_member.sync import benefits_wire as bw
from pos_member.sync import protocol as p
from tests.central.builders import CST, TZ, make_member

SHANGHAI = timedelta(hours=8)


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return (_now() + SHANGHAI).date()


def sale(till, member_id: str | None, lines: list[tuple[str, int, int, int]], *,
         benefits: bw.SaleBenefits | None = None, tier: str = "silver",
         sale_id: Any = None) -> dict[str, Any]:
    """A sale of ``lines`` (sku, amount after benefits, qty, points redeemed on the line),
    paid by WeChat, earning nothing (the benefit tests do not look at points earned)."""
    now = _now()
    off: dict[int, int] = {}  # the benefits' discount by line: the unit price is before it
    for use in (benefits.uses if benefits else []):
        off[use.line_no] = off.get(use.line_no, 0) + use.discount_fen
    wire_lines = [p.SaleLine(line_no=i, sku=sku, name=sku, qty=Decimal(qty),
                             category_id="coffee" if sku.startswith("C0") else None,
                             unit_price_fen=(amount + off.get(i, 0)) // max(qty, 1),
                             amount_fen=amount, points_redeemed=pts,
                             paid_fen=amount)
                  for i, (sku, amount, qty, pts) in enumerate(lines, start=1)]
    total = sum(x[1] for x in lines)
    payload = p.SalePayload(
        sale_id=sale_id or uuid.uuid4(), receipt_no=f"B{uuid.uuid4().hex[:8]}",
        store_id=till.store_id, terminal_id=till.terminal_id, sold_at=now,
        local_time=(now + CST).replace(tzinfo=None), tz=TZ, member_id=member_id,
        lines=wire_lines,
        payments=[p.PaymentLine(tender="wechat", amount_fen=total)] if total else [],
        subtotal_fen=total, total_fen=total, points_redeemed=sum(x[3] for x in lines),
        tier_before=tier, tier_after=tier, benefits=benefits)
    return p.SaleEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
                       payload=payload).model_dump(mode="json")


def refund(till, sold: dict[str, Any], lines: list[tuple[int, str, int]],
           benefits: bw.RefundBenefits) -> dict[str, Any]:
    sp = sold["payload"]
    now = _now()
    payload = p.RefundPayload(
        refund_id=uuid.uuid4(), sale_id=sp["sale_id"], receipt_no=f"RB{uuid.uuid4().hex[:6]}",
        store_id=till.store_id, refunded_at=now, local_time=(now + CST).replace(tzinfo=None),
        tz=TZ, member_id=sp["member_id"], approved_by="manager-1",
        lines=[p.RefundLine(line_no=n, sku=sku, qty=Decimal(1), amount_fen=amount)
               for n, sku, amount in lines],
        amount_fen=sum(x[2] for x in lines), benefits=benefits)
    return p.RefundEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
                         payload=payload).model_dump(mode="json")


def quota_use(line_no: int = 1, benefit: str = "HOME_MEASURE", period: str = "year",
              discount: int = 20000) -> bw.BenefitUseWire:
    return bw.BenefitUseWire(use_id=uuid.uuid4(), benefit=benefit, source="quota",
                             line_no=line_no, discount_fen=discount,
                             period_key=period_key(period, _today()), tier="silver",
                             offline=True)


def card_use(card_id: str, line_no: int = 1) -> bw.BenefitUseWire:
    return bw.BenefitUseWire(use_id=uuid.uuid4(), benefit="COFFEE", source=card_id,
                             line_no=line_no, discount_fen=2800)


def _kinds(answer: dict[str, Any]) -> list[str]:
    return [c["kind"] for r in answer["results"] for c in r["conflicts"]]


def _member_benefits(till, member_id: str) -> dict[str, Any]:
    cursor, found = "0", None
    while True:
        page = till.get("/v1/changes", params={"cursor": cursor, "limit": 1000}).json()
        for c in page["changes"]:
            if c["entity"] == "member" and c["id"] == member_id and c["data"]:
                found = c["data"].get("benefits")
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return found


def _setup(server) -> None:
    with server.write() as s:
        cb.set_programme(s, demo_programme())


def test_a_quota_of_one_used_at_two_tills_is_one_conflict(central_server):
    _setup(central_server)
    a, b = central_server.enrol("A"), central_server.enrol("B")
    member = make_member(central_server, growth=3000)  # silver: 上门测量 once a year
    first = sale(a, member, [("SVC-MEASURE", 0, 1, 0)],
                 benefits=bw.SaleBenefits(uses=[quota_use()]))
    second = sale(b, member, [("SVC-MEASURE", 0, 1, 0)],
                  benefits=bw.SaleBenefits(uses=[quota_use()]))
    ra = a.push([first]).json()
    rb = b.push([second]).json()
    assert _kinds(ra) == []
    assert ra["results"][0]["status"] == "applied"
    assert _kinds(rb) == ["benefit_overdrawn"]
    conflict = rb["results"][0]["conflicts"][0]
    assert conflict["member_id"] == member
    assert conflict["detail"]["allowance"] == 1 and conflict["detail"]["used_after"] == 2
    # the replay of the second push is the stored answer: nothing counted twice
    again = b.push([second]).json()
    assert again["results"][0]["status"] == "duplicate"
    with central_server.read() as s:
        assert s.execute(select(m.Conflict).where(
            m.Conflict.kind == "benefit_overdrawn", m.Conflict.member_id == member)
        ).scalars().all().__len__() == 1
    seen = _member_benefits(a, member)
    assert seen["quota_used"] == [{"benefit": "HOME_MEASURE",
                                   "period_key": period_key("year", _today()), "used": 2}]


def test_a_count_card_refunded_after_three_of_ten_uses_returns_the_seven_unused(central_server):
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server)
    card_id = str(uuid.uuid4())
    expires = _today() + timedelta(days=364)
    bought = sale(till, member, [("CARD-COFFEE10", 25000, 1, 0)], tier="regular",
                  benefits=bw.SaleBenefits(cards=[bw.CountCardGrant(
                      card_id=card_id, sku="CARD-COFFEE10", benefit="COFFEE", line_no=1,
                      uses=10, expires_on=expires)]))
    assert _kinds(till.push([bought]).json()) == []
    uses = [sale(till, member, [("C002", 0, 1, 0)], tier="regular",
                 benefits=bw.SaleBenefits(uses=[card_use(card_id)])) for _ in range(3)]
    assert _kinds(till.push(uses).json()) == []
    seen = _member_benefits(till, member)
    assert seen["cards"][0]["uses_left"] == 7 and seen["cards"][0]["status"] == "active"

    back = refund(till, bought, [(1, "CARD-COFFEE10", 17500)],
                  bw.RefundBenefits(cards=[bw.CardRefund(card_id=card_id, uses_removed=7)]))
    assert _kinds(till.push([back]).json()) == []
    seen = _member_benefits(till, member)
    card = seen["cards"][0]
    assert card["status"] == "refunded" and card["uses_left"] == 7 and card["uses_total"] == 10
    with central_server.read() as s:
        row = s.get(CountCard, card_id)
        assert (row.uses_used, row.uses_removed) == (3, 7)
    # a use of the refunded card is a conflict, recorded
    late = sale(till, member, [("C002", 0, 1, 0)], tier="regular",
                benefits=bw.SaleBenefits(uses=[card_use(card_id)]))
    answer = till.push([late]).json()
    assert _kinds(answer) == ["benefit_mismatch"]
    assert answer["results"][0]["conflicts"][0]["detail"]["reason"] == "refunded"


def test_two_tills_spend_the_last_card_use_and_a_refund_that_miscounts(central_server):
    _setup(central_server)
    a, b = central_server.enrol("A"), central_server.enrol("B")
    member = make_member(central_server)
    card_id = str(uuid.uuid4())
    bought = sale(a, member, [("CARD-COFFEE10", 25000, 1, 0)], tier="regular",
                  benefits=bw.SaleBenefits(cards=[bw.CountCardGrant(
                      card_id=card_id, sku="CARD-COFFEE10", benefit="COFFEE", line_no=1,
                      uses=10, expires_on=_today() + timedelta(days=364))]))
    a.push([bought])
    a.push([sale(a, member, [("C002", 0, 1, 0)], tier="regular",
                 benefits=bw.SaleBenefits(uses=[card_use(card_id)])) for _ in range(9)])
    ra = a.push([sale(a, member, [("C002", 0, 1, 0)], tier="regular",
                      benefits=bw.SaleBenefits(uses=[card_use(card_id)]))]).json()
    rb = b.push([sale(b, member, [("C002", 0, 1, 0)], tier="regular",
                      benefits=bw.SaleBenefits(uses=[card_use(card_id)]))]).json()
    assert _kinds(ra) == [] and _kinds(rb) == ["benefit_overdrawn"]
    assert rb["results"][0]["conflicts"][0]["detail"]["uses_left_after"] == -1
    # the till refunds the card believing 1 use was left: the service counts -1
    back = refund(a, bought, [(1, "CARD-COFFEE10", 0)],
                  bw.RefundBenefits(cards=[bw.CardRefund(card_id=card_id, uses_removed=1)]))
    answer = a.push([back]).json()
    assert _kinds(answer) == ["benefit_mismatch"]
    assert answer["results"][0]["conflicts"][0]["detail"]["uses_left"] == -1


def test_a_mall_reward_out_of_stock_is_a_conflict_and_a_return_restocks(central_server):
    _setup(central_server)
    a, b = central_server.enrol("A", "S001"), central_server.enrol("B", "S001")
    member = make_member(central_server, points=2000)
    with central_server.write() as s:
        cb.set_stock(s, "S001", "MUG", 1)

    def mug(till) -> dict[str, Any]:
        return sale(till, member, [("MALL-MUG", 0, 1, 500)], tier="regular",
                    benefits=bw.SaleBenefits(mall=[bw.MallRedemption(
                        redemption_id=uuid.uuid4(), reward="MUG", line_no=1, qty=1,
                        points=500)]))

    first, second = mug(a), mug(b)
    ra, rb = a.push([first]).json(), b.push([second]).json()
    assert _kinds(ra) == []
    assert _kinds(rb) == ["mall_out_of_stock"]
    assert rb["results"][0]["conflicts"][0]["detail"]["stock_after"] == -1
    assert rb["results"][0]["member"]["points"] == 1000  # the points rode in the sale
    stock = [c for c in a.get("/v1/changes", params={"cursor": "0", "limit": 1000})
             .json()["changes"] if c["entity"] == "mall_stock"]
    assert stock[-1]["id"] == "S001:MUG" and stock[-1]["data"]["stock"] == -1
    red = second["payload"]["benefits"]["mall"][0]["redemption_id"]
    back = refund(b, second, [(1, "MALL-MUG", 0)],
                  bw.RefundBenefits(mall=[bw.MallReturn(redemption_id=red, qty=1)]))
    assert _kinds(b.push([back]).json()) == []
    with central_server.read() as s:
        assert s.get(MallStock, ("S001", "MUG")).stock == 0


def test_the_programme_goes_to_every_till_through_the_feed(central_server):
    _setup(central_server)
    till = central_server.enrol()
    changes = till.get("/v1/changes", params={"cursor": "0", "limit": 1000}).json()["changes"]
    progs = [c for c in changes if c["entity"] == "benefit_rules"]
    assert progs, "the programme is in the feed"
    doc = progs[-1]["data"]["programme"]
    assert {b["code"] for b in doc["benefits"]} == {"HOME_MEASURE", "UPSIZE", "COFFEE"}
    assert doc["rewards"][0]["points"] == 500


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.sampled_from(["quota", "card"])),
                min_size=1, max_size=8))
def test_balances_never_go_below_zero_without_a_conflict(central_server, pushes):
    """Whatever two tills push, every use beyond the quota or the card is one
    ``benefit_overdrawn`` conflict, and the service's counts are what was pushed."""
    _setup(central_server)
    tills = {"A": central_server.enrol("A"), "B": central_server.enrol("B")}
    phone = "138" + str(uuid.uuid4().int)[:8]  # (hypothesis seeds ``random``)
    member = make_member(central_server, growth=3000, phone=phone)  # silver: 1 a year
    card_id = str(uuid.uuid4())
    tills["A"].push([sale(tills["A"], member, [("CARD-COFFEE10", 25000, 1, 0)],
                          benefits=bw.SaleBenefits(cards=[bw.CountCardGrant(
                              card_id=card_id, sku="CARD-COFFEE10", benefit="COFFEE",
                              line_no=1, uses=3, expires_on=_today() + timedelta(days=364))]))])
    overdrawn = 0
    for who, what in pushes:
        till = tills[who]
        use = quota_use() if what == "quota" else card_use(card_id)
        sku = "SVC-MEASURE" if what == "quota" else "C002"
        answer = till.push([sale(till, member, [(sku, 0, 1, 0)],
                                 benefits=bw.SaleBenefits(uses=[use]))]).json()
        overdrawn += _kinds(answer).count("benefit_overdrawn")
    quota_n = sum(1 for _, w in pushes if w == "quota")
    card_n = len(pushes) - quota_n
    # the card was granted 3 uses in a mismatching sale (the programme sells 10): 1 conflict
    assert overdrawn == max(0, quota_n - 1) + max(0, card_n - 3)
    with central_server.read() as s:
        recorded = s.execute(select(m.Conflict).where(
            m.Conflict.member_id == member, m.Conflict.kind == "benefit_overdrawn")).all()
        assert len(recorded) == overdrawn
        card = s.get(CountCard, card_id)
        assert card.uses_total - card.uses_used == 3 - card_n


def test_a_coupon_reward_issues_the_coupon_and_its_return_voids_it(central_server):
    from pos_central import admin

    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server, points=1000)
    with central_server.write() as s:
        cb.set_stock(s, till.store_id, "CPN10", 5)
        admin.upsert_coupon(s, p.CouponData(code="TPL-MALL10", kind="amount_off",
                                            value_fen=1000, title="积分兑换¥10券",
                                            valid_from=datetime(2026, 1, 1),
                                            valid_to=datetime(2028, 1, 1)))
    red = bw.MallRedemption(redemption_id=uuid.uuid4(), reward="CPN10", line_no=1, qty=1,
                            points=300)
    sold = sale(till, member, [("MALL-CPN10", 0, 1, 300)], tier="regular",
                benefits=bw.SaleBenefits(mall=[red]))
    answer = till.push([sold]).json()
    assert _kinds(answer) == [] and answer["results"][0]["member"]["points"] == 700
    code = f"TPL-MALL10-{str(red.redemption_id)[:8].upper()}"
    with central_server.read() as s:
        coupon = s.get(m.Coupon, code)
        assert coupon.member_id == member and coupon.status == "available"
        assert coupon.value_fen == 1000
    back = refund(till, sold, [(1, "MALL-CPN10", 0)],
                  bw.RefundBenefits(mall=[bw.MallReturn(redemption_id=red.redemption_id,
                                                        qty=1)]))
    assert _kinds(till.push([back]).json()) == []
    with central_server.read() as s:
        assert s.get(m.Coupon, code).status == "void"
        assert s.get(MallStock, (till.store_id, "CPN10")).stock == 5


def test_a_returned_quota_use_reaches_the_tills_as_zero_used(central_server):
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server, growth=3000)
    use = quota_use()
    sold = sale(till, member, [("SVC-MEASURE", 0, 1, 0)],
                benefits=bw.SaleBenefits(uses=[use]))
    till.push([sold])
    assert _member_benefits(till, member)["quota_used"][0]["used"] == 1
    back = refund(till, sold, [(1, "SVC-MEASURE", 0)],
                  bw.RefundBenefits(uses_returned=[use.use_id]))
    assert _kinds(till.push([back]).json()) == []
    assert _member_benefits(till, member)["quota_used"][0]["used"] == 0


def test_a_use_on_a_line_the_benefit_does_not_cover_is_reported(central_server):
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server, growth=3000)
    answer = till.push([sale(till, member, [("B001", 0, 1, 0)],
                             benefits=bw.SaleBenefits(uses=[quota_use()]))]).json()
    assert _kinds(answer) == ["benefit_mismatch"]
    assert answer["results"][0]["conflicts"][0]["detail"]["reason"] == "not_covered"
