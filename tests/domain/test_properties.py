"""Property-based tests of the pricing engine, allocation and refunds (hypothesis)."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pos_member.domain import (
    BasketLine, Coupon, CouponKind, MemberSnapshot, PricingError, PricingRequest, Rules,
    allocate, price, refund,
)
from pos_member.domain.coupons import Reason
from pos_member.domain.refunds import sold_sale_from_quote

TZ = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # a Wednesday: member day for silver and gold
CATS = ["coffee", "tea", "food"]
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# --- strategies -----------------------------------------------------------------------------

@st.composite
def lines_st(draw, max_lines=6):
    n = draw(st.integers(1, max_lines))
    out = []
    for i in range(n):
        weighed = draw(st.booleans())
        qty = (Decimal(draw(st.integers(1, 3000))) / 1000 if weighed
               else Decimal(draw(st.integers(1, 5))))
        out.append(BasketLine(
            sku=f"S{i}", name=f"item{i}", unit_price=draw(st.integers(0, 50000)), qty=qty,
            category=draw(st.sampled_from(CATS)), discountable=draw(st.booleans()),
            points_eligible=draw(st.booleans()),
        ))
    return tuple(out)


@st.composite
def coupon_st(draw, code):
    kind = draw(st.sampled_from(list(CouponKind)))
    scope = draw(st.sampled_from(["all", "cat", "sku"]))
    kw = {}
    if scope == "cat":
        kw["categories"] = frozenset({draw(st.sampled_from(CATS))})
    elif scope == "sku":
        kw["skus"] = frozenset({f"S{draw(st.integers(0, 5))}"})
    if kind is CouponKind.AMOUNT_OFF:
        kw["value"] = draw(st.integers(1, 20000))
    else:
        kw["rate"] = Decimal(draw(st.integers(50, 99))) / 100
        kw["cap"] = draw(st.one_of(st.none(), st.integers(0, 5000)))
    return Coupon(
        code=code, kind=kind, threshold=draw(st.sampled_from([0, 1000, 5000, 20000])),
        stackable=draw(st.booleans()), with_tier_discount=draw(st.booleans()),
        valid_to=draw(st.sampled_from([None, AT + timedelta(days=1), AT + timedelta(days=9)])),
        **kw,
    )


@st.composite
def coupons_st(draw, max_n=5):
    n = draw(st.integers(0, max_n))
    return tuple(draw(coupon_st(f"C{i}")) for i in range(n))


member_st = st.one_of(
    st.none(),
    st.builds(MemberSnapshot, id=st.just("m"), tier=st.sampled_from(["regular", "silver", "gold"]),
              growth=st.integers(0, 9000), points=st.integers(-50, 1000),
              pending_redeemed=st.integers(0, 100), redeemed_today_offline=st.integers(0, 250)),
)

rules_st = st.builds(
    lambda rounding, k: Rules(cash_rounding=rounding, max_coupons_per_order=k),
    st.sampled_from(["none", "jiao", "yuan"]), st.integers(1, 3),
)


def request_st():
    return st.builds(PricingRequest, at=st.just(AT), lines=lines_st(), member=member_st,
                     coupons=coupons_st(), redeem_points=st.integers(0, 400),
                     online=st.booleans())


# --- allocation -----------------------------------------------------------------------------

@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=40))
def test_allocation_adds_up_exactly_and_stays_proportional(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    wsum = sum(weights) or len(weights)
    ws = weights if sum(weights) else [1] * len(weights)
    for p, w in zip(parts, ws):
        exact = abs(total) * w / wsum
        assert abs(abs(p) - exact) < 1 + 1e-9


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=30), st.data())
def test_allocation_within_caps(weights, data):
    total = data.draw(st.integers(0, sum(weights)))
    parts = allocate(total, weights)
    assert all(0 <= p <= w for p, w in zip(parts, weights)) or sum(weights) == 0


# --- pricing --------------------------------------------------------------------------------

@SETTINGS
@given(request_st(), rules_st)
def test_totals_nonnegative_and_discounts_within_their_lines(req, rules):
    r = price(req, rules)
    assert r.total >= 0
    assert sum(x.paid for x in r.lines) == r.total
    assert (r.subtotal - r.tier_discount - r.coupon_discount - r.points_value - r.rounding
            == r.total)
    for x in r.lines:
        assert min(x.tier_discount, x.coupon_discount, x.points_value, x.rounding) >= 0
        assert x.tier_discount + x.coupon_discount + x.points_value + x.rounding <= x.amount
        assert x.paid >= 0
    for a in r.applied:
        assert sum(a.per_line) == a.discount > 0
    assert r.coupon_discount == sum(a.discount for a in r.applied)
    assert r.points_value == r.points_redeemed * rules.point_value
    assert sum(x.points_redeemed for x in r.lines) == r.points_redeemed
    assert r.points_redeemed <= req.redeem_points
    if r.points_redeemed:
        assert req.member is not None
        assert r.points_redeemed <= req.member.available_points
        assert r.points_value * 2 <= r.subtotal - r.tier_discount - r.coupon_discount
        if not req.online:
            assert r.points_redeemed + req.member.redeemed_today_offline <= 200
    # every presented coupon is either applied or rejected with a reason, never both
    applied = {a.code for a in r.applied}
    rejected = {x.code for x in r.rejected}
    assert applied | rejected == {c.code for c in req.coupons}
    assert not applied & rejected
    assert len(applied) <= rules.max_coupons_per_order


def _saving(r):
    return r.tier_discount + r.coupon_discount


@SETTINGS
@given(request_st(), rules_st)
def test_chosen_combination_is_the_best_of_every_valid_combination(req, rules):
    """The engine's branch and bound against brute force over every combination it allows."""
    best = price(req, rules)
    codes = [c.code for c in req.coupons if c.code not in
             {x.code for x in best.rejected
              if x.reason in (Reason.EXPIRED, Reason.ALREADY_USED, Reason.NO_ELIGIBLE_LINES,
                              Reason.TIER_NOT_ALLOWED, Reason.WRONG_WEEKDAY,
                              Reason.NOT_YET_VALID)}]
    for k in range(1, min(len(codes), rules.max_coupons_per_order) + 1):
        for combo in itertools.combinations(codes, k):
            try:
                alt = price(PricingRequest(req.at, req.lines, req.member, req.coupons,
                                           req.redeem_points, req.online, combo), rules)
            except PricingError:
                continue
            assert _saving(alt) <= _saving(best)
            if _saving(alt) == _saving(best):
                # equal savings: the engine's pick has no more coupons
                assert len(best.applied) <= len([a for a in alt.applied])


@SETTINGS
@given(request_st(), rules_st, st.randoms(use_true_random=False))
def test_quote_is_deterministic_and_independent_of_presentation_order(req, rules, rnd):
    a = price(req, rules)
    assert price(req, rules) == a
    shuffled = list(req.coupons)
    rnd.shuffle(shuffled)
    b = price(PricingRequest(req.at, req.lines, req.member, tuple(shuffled), req.redeem_points,
                             req.online), rules)
    assert b.total == a.total
    assert sorted(x.code for x in b.applied) == sorted(x.code for x in a.applied)
    assert b.lines == a.lines
    assert {(x.code, x.reason) for x in b.rejected} == {(x.code, x.reason) for x in a.rejected}


# --- refunds --------------------------------------------------------------------------------

@st.composite
def refund_plan(draw):
    req = draw(request_st())
    assume(req.member is not None)
    r = price(req, Rules())
    sale = sold_sale_from_quote(req, r)
    # Split each line's quantity into 1-3 random parts, then refund the parts in random order.
    steps = []
    for line in sale.lines:
        cuts = sorted(draw(st.lists(st.integers(1, 999), max_size=2, unique=True)))
        fractions = [Decimal(c) / 1000 for c in cuts] + [Decimal(1)]
        prev = Decimal(0)
        for f in fractions:
            q = (line.qty * f).quantize(Decimal("0.001")) if f != 1 else line.qty
            if q > prev:
                steps.append((line.line_no, q - prev))
                prev = q
    order = draw(st.permutations(steps))
    return req, r, sale, order


@SETTINGS
@given(refund_plan())
def test_refunding_everything_in_any_order_nets_exactly_to_zero(plan):
    req, r, sale, order = plan
    refunded: dict[int, Decimal] = {}
    points = req.member.points - r.points_redeemed + r.points_earned
    growth = req.member.growth + r.growth_earned
    money = rev_points = rev_growth = returned = 0
    for line_no, qty in order:
        out = refund(sale, refunded, {line_no: qty}, AT, points, growth)
        assert out.points_reversed >= 0 and out.growth_reversed >= 0 and out.money >= 0
        refunded = dict(out.refunded_after)
        points, growth = out.member_points_after, out.member_growth_after
        money += out.money
        rev_points += out.points_reversed
        rev_growth += out.growth_reversed
        returned += out.points_returned
    assert money == r.total
    assert rev_points == r.points_earned
    assert rev_growth == r.growth_earned
    assert returned == r.points_redeemed
    assert points == req.member.points
    assert growth == req.member.growth


def test_random_baskets_smoke_many_coupons():
    """A wide random sweep beyond hypothesis' sizes: 12 coupons, 20 lines, limit 3."""
    rng = random.Random(5)
    for _ in range(40):
        lines = tuple(BasketLine(f"S{i}", "x", rng.randrange(100, 9000), Decimal(rng.randrange(1, 4)),
                                 rng.choice(CATS)) for i in range(20))
        coupons = tuple(
            Coupon(f"C{i}", CouponKind.AMOUNT_OFF, value=rng.randrange(100, 3000),
                   threshold=rng.choice([0, 5000]), stackable=rng.random() < 0.6,
                   categories=frozenset({rng.choice(CATS)}) if rng.random() < 0.5 else frozenset())
            for i in range(12))
        r = price(PricingRequest(AT, lines, MemberSnapshot("m", "gold", 7000, 100), coupons))
        assert len(r.applied) <= 3
        assert sum(x.paid for x in r.lines) == r.total
