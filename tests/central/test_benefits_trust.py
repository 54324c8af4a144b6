"""The service does not take a till's word for a benefit's figures (the trust-boundary review).

Each test pushes what a tampered (or broken) till could send over the real HTTP server; the
sale is kept as sent, but the service records a conflict and mints nothing it did not sell.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pos_central import benefits as cb
from pos_central import models as m
from pos_central.benefit_tables import CountCard
from pos_member.domain.benefits import period_key
from pos_member.sync import benefits_wire as bw
from tests.central.builders import make_member
from tests.central.test_benefits import _kinds, _setup, _today, sale


def _reasons(answer) -> list[str]:
    return [c["detail"].get("reason") for r in answer["results"] for c in r["conflicts"]]


def _grant(line_no: int = 1) -> bw.CountCardGrant:
    return bw.CountCardGrant(card_id=uuid.uuid4(), sku="CARD-COFFEE10", benefit="COFFEE",
                             line_no=line_no, uses=10,
                             expires_on=_today() + timedelta(days=364))


def test_a_count_card_on_a_line_that_did_not_sell_it_is_not_minted(central_server):
    """Finding 2: a ¥1 coffee sale carrying count-card grants gets no cards."""
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server)
    grants = [_grant() for _ in range(3)]
    sold = sale(till, member, [("C002", 100, 1, 0)], tier="regular",
                benefits=bw.SaleBenefits(cards=grants))
    answer = till.push([sold]).json()
    assert answer["results"][0]["status"] == "conflict"  # applied, with conflicts
    assert _kinds(answer) == ["benefit_mismatch"] * 3
    assert _reasons(answer) == ["card_not_sold"] * 3
    with central_server.read() as s:
        assert all(s.get(CountCard, str(g.card_id)) is None for g in grants)
        assert s.get(m.Sale, sold["payload"]["sale_id"]) is not None  # the sale is kept


def test_more_cards_than_the_line_sold_are_not_minted(central_server):
    """Finding 2: one card sold (qty 1) carrying two grants: the second is not minted."""
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server)
    grants = [_grant(), _grant()]
    answer = till.push([sale(till, member, [("CARD-COFFEE10", 25000, 1, 0)], tier="regular",
                             benefits=bw.SaleBenefits(cards=grants))]).json()
    assert _reasons(answer) == ["card_not_sold"]
    with central_server.read() as s:
        assert s.get(CountCard, str(grants[0].card_id)) is not None
        assert s.get(CountCard, str(grants[1].card_id)) is None
    # two cards on a line of two are both sold
    two = [_grant(), _grant()]
    answer = till.push([sale(till, member, [("CARD-COFFEE10", 50000, 2, 0)], tier="regular",
                             benefits=bw.SaleBenefits(cards=two))]).json()
    assert _kinds(answer) == []


def _upsize(tier: str | None) -> bw.BenefitUseWire:
    return bw.BenefitUseWire(use_id=uuid.uuid4(), benefit="UPSIZE", source="quota", line_no=1,
                             discount_fen=300, period_key=period_key("month", _today()),
                             tier=tier)


def test_a_quota_use_counts_against_the_services_tier_not_the_tills(central_server):
    """Finding 4: a regular member whose till claims gold spends no gold quota unnoticed."""
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server)  # regular: no UPSIZE at all
    answer = till.push([sale(till, member, [("C002", 2500, 1, 0)], tier="gold",
                             benefits=bw.SaleBenefits(uses=[_upsize("gold")]))]).json()
    assert _kinds(answer) == ["benefit_mismatch", "benefit_mismatch"]
    assert _reasons(answer) == ["tier", "no_quota"]
    tier = answer["results"][0]["conflicts"][0]["detail"]
    assert (tier["tier_sent"], tier["tier"]) == ("gold", "regular")
    # a silver member (1 upsize a month) claiming gold (2): the second is overdrawn
    silver = make_member(central_server, growth=3000)
    till.push([sale(till, silver, [("C002", 2500, 1, 0)], tier="gold",
                    benefits=bw.SaleBenefits(uses=[_upsize("gold")]))])
    answer = till.push([sale(till, silver, [("C002", 2500, 1, 0)], tier="gold",
                             benefits=bw.SaleBenefits(uses=[_upsize("gold")]))]).json()
    assert "benefit_overdrawn" in _kinds(answer)
    # the till's tier agreeing with the service's (or none sent) is no conflict
    other = make_member(central_server, growth=3000)
    answer = till.push([sale(till, other, [("C002", 2500, 1, 0)], tier="silver",
                             benefits=bw.SaleBenefits(uses=[_upsize(None)]))]).json()
    assert _kinds(answer) == []


def test_two_mall_redemptions_cannot_draw_on_one_lines_points(central_server):
    """Finding 11: a line paying 500 points carries two 500-point mugs: the second is
    reported (the line's points are counted once)."""
    _setup(central_server)
    till = central_server.enrol("A", "S001")
    member = make_member(central_server, points=2000)
    with central_server.write() as s:
        cb.set_stock(s, "S001", "MUG", 5)
    reds = [bw.MallRedemption(redemption_id=uuid.uuid4(), reward="MUG", line_no=1, qty=1,
                              points=500) for _ in range(2)]
    answer = till.push([sale(till, member, [("MALL-MUG", 0, 1, 500)], tier="regular",
                             benefits=bw.SaleBenefits(mall=reds))]).json()
    assert _kinds(answer) == ["benefit_mismatch"]
    assert _reasons(answer) == ["line_points"]
    assert answer["results"][0]["conflicts"][0]["detail"]["points_on_line"] == 500
    # two mugs on a line of two paying 1000 points are fine
    reds = [bw.MallRedemption(redemption_id=uuid.uuid4(), reward="MUG", line_no=1, qty=1,
                              points=500) for _ in range(2)]
    answer = till.push([sale(till, member, [("MALL-MUG", 0, 2, 1000)], tier="regular",
                             benefits=bw.SaleBenefits(mall=reds))]).json()
    assert _kinds(answer) == []


def test_a_benefit_takes_at_most_one_unit_per_use_and_one_use_per_unit(central_server):
    """Finding 12: a use's discount beyond what the benefit takes off one unit, and more uses
    than the line has units, are reported."""
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server)
    card = _grant()
    till.push([sale(till, member, [("CARD-COFFEE10", 25000, 1, 0)], tier="regular",
                    benefits=bw.SaleBenefits(cards=[card]))])

    def use(discount: int) -> bw.BenefitUseWire:
        return bw.BenefitUseWire(use_id=uuid.uuid4(), benefit="COFFEE", source=str(card.card_id),
                                 line_no=1, discount_fen=discount)

    def coffee(qty: int, uses: list[bw.BenefitUseWire]) -> dict:
        s = sale(till, member, [("C002", 0, qty, 0)], tier="regular",
                 benefits=bw.SaleBenefits(uses=uses))
        for line in s["payload"]["lines"]:
            line["unit_price_fen"] = 2800  # ¥28 a cup, free with the card
        return s

    answer = till.push([coffee(1, [use(2800)])]).json()
    assert _kinds(answer) == []
    # ¥500 off a ¥28 coffee
    answer = till.push([coffee(1, [use(50000)])]).json()
    assert _reasons(answer) == ["discount"]
    assert answer["results"][0]["conflicts"][0]["detail"]["discount_max_fen"] == 2800
    # two uses on one cup
    answer = till.push([coffee(1, [use(2800), use(2800)])]).json()
    assert _reasons(answer) == ["units"]
    # two uses on two cups
    answer = till.push([coffee(2, [use(2800), use(2800)])]).json()
    assert _kinds(answer) == []


def _backdated(till, member: str, *, sold_days_ago: int, local_days_ago: int) -> dict:
    """A silver upsize (1 a month) counted against the period of ``local_days_ago``."""
    s = sale(till, member, [("C002", 2500, 1, 0)], tier="silver",
             benefits=bw.SaleBenefits(uses=[_upsize("silver")]))
    pl = s["payload"]
    sold = datetime.fromisoformat(pl["sold_at"]) - timedelta(days=sold_days_ago)
    local = datetime.fromisoformat(pl["local_time"]) - timedelta(days=local_days_ago)
    pl["sold_at"], pl["local_time"] = sold.isoformat(), local.isoformat()
    pl["benefits"]["uses"][0]["period_key"] = period_key("month", local.date())
    return s


def test_a_quota_of_an_earlier_period_is_not_spent_on_the_tills_date(central_server):
    """Finding 6 (quotas): the day is the sale's instant in its zone, not the till's
    local_time, and a sale older than the longest offline spell is reported."""
    _setup(central_server)
    till = central_server.enrol()
    member = make_member(central_server, growth=3000)
    # local_time (and the period) two months back, the instant now
    answer = till.push([_backdated(till, member, sold_days_ago=0, local_days_ago=62)]).json()
    assert _reasons(answer) == ["local_time", "period"]
    # both two months back: older than a till stays offline
    member = make_member(central_server, growth=3000)
    answer = till.push([_backdated(till, member, sold_days_ago=62, local_days_ago=62)]).json()
    assert _reasons(answer) == ["stale"]
    assert answer["results"][0]["conflicts"][0]["detail"]["max_age_days"] == 31
    # a sale made offline a few days ago counts against its own period, no conflict
    fresh = make_member(central_server, growth=3000)
    answer = till.push([_backdated(till, fresh, sold_days_ago=3, local_days_ago=3)]).json()
    assert _kinds(answer) == []
