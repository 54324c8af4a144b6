"""Properties of benefit redemption and the points mall in the pricing engine (hypothesis):
the till never spends a use it does not hold, never takes more off a line than it costs, and
the figures of the result add up."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_member.domain import BasketLine, MemberSnapshot, PricingError, PricingRequest, price
from pos_member.domain.benefits import (
    QUOTA,
    BenefitError,
    BenefitRequest,
    CardState,
    Claim,
    balances,
    card_refund_fen,
    demo_programme,
)
from pos_member.domain.mall import MallClaim

TZ = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)
TODAY = AT.date()
PROG = demo_programme()
SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
SKUS = [("C002", "coffee", 2800), ("SVC-MEASURE", "", 20000), ("B001", "food", 1500),
        ("MALL-MUG", "", 0)]


@st.composite
def basket(draw):
    n = draw(st.integers(1, 4))
    lines = []
    for i in range(n):
        sku, cat, price_ = draw(st.sampled_from(SKUS))
        lines.append(BasketLine(sku=sku, name=sku, unit_price=price_,
                                qty=Decimal(draw(st.integers(1, 3))), category=cat,
                                discountable=draw(st.booleans())))
    return tuple(lines)


@st.composite
def member_state(draw):
    tier = draw(st.sampled_from(["regular", "silver", "gold"]))
    used = {("HOME_MEASURE", "2026"): draw(st.integers(0, 2)),
            ("UPSIZE", "2026-11"): draw(st.integers(0, 3))}
    cards = [CardState(id=f"card{i}", benefit="COFFEE", uses_total=10,
                       uses_left=draw(st.integers(0, 10)),
                       expires_on=TODAY + timedelta(days=draw(st.integers(-5, 300))))
             for i in range(draw(st.integers(0, 2)))]
    points = draw(st.integers(0, 2000))
    return tier, used, cards, points


@SETTINGS
@given(basket(), member_state(), st.data())
def test_uses_never_exceed_what_the_member_holds(lines, state, data):
    tier, used, cards, points = state
    bals = balances(PROG, tier, used, cards, TODAY)
    claims = tuple(Claim(data.draw(st.sampled_from(["COFFEE", "UPSIZE", "HOME_MEASURE"])),
                         data.draw(st.integers(0, len(lines) - 1)))
                   for _ in range(data.draw(st.integers(0, 4))))
    mall = tuple(MallClaim("MUG", i, int(line.qty)) for i, line in enumerate(lines)
                 if line.sku == "MALL-MUG" and data.draw(st.booleans()))
    member = MemberSnapshot(id="m", tier=tier, growth=0, points=points)
    req = PricingRequest(AT, lines, member,
                         benefits=BenefitRequest(PROG.benefits, bals, claims, PROG.rewards, mall))
    try:
        result = price(req)
    except PricingError as exc:
        assert str(exc).startswith("benefits: ")
        return
    # every balance stays at or above zero: no source gave more uses than it held
    spent: dict[tuple[str, str], int] = {}
    for use in result.benefits_used:
        spent[(use.benefit, use.source)] = spent.get((use.benefit, use.source), 0) + 1
    held = {(b.benefit, b.source): b.remaining for b in bals}
    for key, n in spent.items():
        assert key in held
        assert held[key] is None or n <= held[key]
    # quota uses carry their period, card uses none; nothing expired was used
    for use in result.benefits_used:
        assert (use.period_key is not None) == (use.source == QUOTA)
    live = {c.id for c in cards if c.expires_on >= TODAY}
    assert all(u.source in live for u in result.benefits_used if u.source != QUOTA)
    # no line goes below zero, the discount is what the lines lost, the total adds up
    shelf = [line.amount for line in lines]
    for i, lr in enumerate(result.lines):
        assert 0 <= lr.amount <= shelf[i]
        assert lr.paid >= 0
    assert result.benefit_discount == sum(u.discount for u in result.benefits_used)
    mall_value = sum(ml.value for ml in result.mall_lines)
    assert sum(shelf) - result.benefit_discount - mall_value == result.subtotal
    assert result.mall_points == sum(ml.points for ml in result.mall_lines) <= points
    assert result.points_redeemed + result.mall_points <= max(points, 0)


@SETTINGS
@given(st.integers(0, 10**8), st.integers(1, 50), st.data())
def test_a_card_refund_pays_back_at_most_the_unused_share(paid, total, data):
    left = data.draw(st.integers(0, total))
    back = card_refund_fen(paid, total, left)
    assert 0 <= back <= paid
    assert back * total <= paid * left < (back + 1) * total
    if left == total:
        assert back == paid


def test_redeem_refuses_an_unknown_source_with_a_reason():
    bals = balances(PROG, "silver", {}, (), TODAY)
    lines = (BasketLine("SVC-MEASURE", "x", 20000, Decimal(1)),)
    req = PricingRequest(AT, lines, MemberSnapshot("m", "silver", 3000, 0),
                         benefits=BenefitRequest(PROG.benefits, bals,
                                                 (Claim("HOME_MEASURE", 0, "card-x"),)))
    try:
        price(req)
    except PricingError as exc:
        assert "holds no HOME_MEASURE from card-x" in str(exc)
    else:
        raise AssertionError("an unknown source was accepted")
    assert isinstance(BenefitError("x"), ValueError)
    assert date(2026, 11, 24) == TODAY
