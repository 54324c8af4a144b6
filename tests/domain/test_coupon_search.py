"""The bounded coupon search (issue 10, item 9): the same choice as the exhaustive search on
small inputs (saving and every tie-break), bounded and recursion-free on large ones."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st

from pos_member.domain import BasketLine, Coupon, CouponKind, MemberSnapshot, PricingRequest, Rules
from pos_member.domain import coupon_candidates as C
from pos_member.domain import coupon_search as S
from pos_member.domain import pricing as P
from pos_member.domain.money import times
from pos_member.domain.coupons import static_rejection

from .test_properties import AT, lines_st, member_st

SMALL = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def coupon_st(draw, code):
    # Few distinct values, thresholds and expiries, so ties and dominated coupons are common.
    kind = draw(st.sampled_from(list(CouponKind)))
    kw = {}
    scope = draw(st.sampled_from(["all", "coffee", "tea", "S0"]))
    if scope in ("coffee", "tea"):
        kw["categories"] = frozenset({scope})
    elif scope == "S0":
        kw["skus"] = frozenset({"S0"})
    if kind is CouponKind.AMOUNT_OFF:
        kw["value"] = draw(st.sampled_from([500, 1000, 3000, 20000]))
    else:
        kw["rate"] = Decimal(draw(st.sampled_from(["0.80", "0.90", "0.95"])))
        kw["cap"] = draw(st.sampled_from([None, 1000, 5000]))
    return Coupon(code=code, kind=kind, threshold=draw(st.sampled_from([0, 1000, 5000])),
                  stackable=draw(st.booleans()), with_tier_discount=draw(st.integers(0, 4)) > 0,
                  valid_to=draw(st.sampled_from([None, AT + timedelta(days=1),
                                                 AT + timedelta(days=3)])), **kw)


def exhaustive(req: PricingRequest, rules: Rules) -> C._Eval:
    """The reference: every non-stackable coupon alone and every set of up to the limit of
    stackable ones, priced in full; the smallest key wins."""
    tier_code = req.member.tier if req.member else None
    rate = rules.tier(tier_code).discount_rate if tier_code else Decimal(1)
    amounts = [x.amount for x in req.lines]
    tier_full = [times(a, Decimal(1) - rate) if x.discountable and rate < 1 else 0
                 for a, x in zip(amounts, req.lines)]
    ctx = C._Context(req.lines, amounts, tier_full)
    valid = [C._make_cand(c, req.lines, amounts, req.at) for c in req.coupons
             if static_rejection(c, req.at, tier_code, req.lines) is None]
    combos = [[c] for c in valid if not c.coupon.stackable]
    stack = [c for c in valid if c.coupon.stackable]
    for k in range(1, min(len(stack), rules.max_coupons_per_order) + 1):
        combos.extend(list(x) for x in itertools.combinations(stack, k))
    best = ctx.evaluate([])
    for combo in combos:
        ev = ctx.evaluate(combo)
        if ev is not None and ev.key() < best.key():
            best = ev
    return best


def engine_choice(req, rules, prune=True):
    result = P.price(req, rules)
    return result, sorted(a.code for a in result.applied)


@SMALL
@given(lines_st(max_lines=5), member_st,
       st.integers(0, 8).flatmap(lambda n: st.tuples(*[coupon_st(f"C{i}") for i in range(n)])),
       st.integers(1, 4))
def test_same_choice_as_the_exhaustive_search_on_small_inputs(lines, member, coupons, limit):
    rules = Rules(max_coupons_per_order=limit)
    req = PricingRequest(AT, lines, member, tuple(coupons))
    ref = exhaustive(req, rules)
    result, codes = engine_choice(req, rules)
    # same saving and the same coupons: every tie-break (count, expiry, code) agrees
    assert result.tier_discount + result.coupon_discount == ref.saving
    ref_codes = sorted(c.coupon.code for c, split in ref.per_coupon if sum(split) > 0)
    assert codes == ref_codes


def _many(n: int, stackable_share: float, seed: int) -> tuple[Coupon, ...]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        scope = {} if i % 3 == 0 else {"categories": frozenset({rng.choice(["coffee", "tea"])})}
        if i % 2:
            c = Coupon(f"A{i:04d}", CouponKind.AMOUNT_OFF, value=rng.randrange(100, 5000),
                       threshold=rng.choice([0, 5000, 20000]),
                       stackable=rng.random() < stackable_share,
                       with_tier_discount=rng.random() < 0.8,
                       valid_to=AT + timedelta(days=rng.randrange(1, 90)), **scope)
        else:
            c = Coupon(f"P{i:04d}", CouponKind.PERCENT_OFF,
                       rate=Decimal(rng.randrange(70, 99)) / 100,
                       cap=rng.choice([None, 1000, 3000]),
                       stackable=rng.random() < stackable_share,
                       valid_to=AT + timedelta(days=rng.randrange(1, 90)), **scope)
        out.append(c)
    return tuple(out)


LINES = tuple(BasketLine(f"S{i}", "x", 1000 + 137 * i, Decimal(1 + i % 3),
                         ["coffee", "tea", "food"][i % 3]) for i in range(30))
GOLD = MemberSnapshot("m", "gold", 7000, 100)


def test_a_thousand_stackable_coupons_with_a_high_limit_price_without_recursion_error():
    req = PricingRequest(AT, LINES, GOLD, _many(1000, 1.0, 1))
    r = P.price(req, Rules(max_coupons_per_order=1000))
    assert r.applied and sum(x.paid for x in r.lines) == r.total
    assert {a.code for a in r.applied}.isdisjoint({x.code for x in r.rejected})


def test_four_hundred_stackable_coupons_are_priced_within_the_budget():
    req = PricingRequest(AT, LINES, GOLD, _many(400, 1.0, 2))
    steps = spreads = 0
    real_step, real_apply = S._Saver.step, C._Context.apply

    def counting_step(self, *args):
        nonlocal steps
        steps += 1
        return real_step(self, *args)

    def counting_apply(c, remaining):
        nonlocal spreads
        spreads += 1
        return real_apply(c, remaining)

    S._Saver.step = counting_step
    C._Context.apply = staticmethod(counting_apply)
    try:
        r = P.price(req, Rules())
    finally:
        S._Saver.step = real_step
        C._Context.apply = staticmethod(real_apply)
    assert len(r.applied) <= 3
    # the search's coupon applications are bounded (the last combination may overrun the
    # budget by its size), and only the winner is spread over the lines in full
    assert 0 < steps <= S.NODE_BUDGET + 3
    assert spreads <= 3


def test_the_bounded_search_is_deterministic():
    req = PricingRequest(AT, LINES, GOLD, _many(600, 0.5, 3))
    a = P.price(req, Rules())
    assert P.price(req, Rules()) == a
    shuffled = list(req.coupons)
    random.Random(4).shuffle(shuffled)
    b = P.price(PricingRequest(AT, LINES, GOLD, tuple(shuffled)), Rules())
    assert sorted(x.code for x in a.applied) == sorted(x.code for x in b.applied)


def test_the_cashiers_override_stays_exact_among_many_coupons():
    coupons = _many(500, 1.0, 5)
    pick = tuple(c.code for c in coupons[:3])
    r = P.price(PricingRequest(AT, LINES, GOLD, coupons, chosen_coupons=pick),
                Rules(max_coupons_per_order=3))
    assert sorted(a.code for a in r.applied) <= sorted(pick)


@SMALL
@given(lines_st(max_lines=5), member_st, coupon_st("ONE"),
       st.integers(0, 3).flatmap(lambda n: st.tuples(*[coupon_st(f"N{i}") for i in range(n)])),
       st.integers(1, 4))
def test_one_stackable_coupon_among_non_stackable_ones_is_chosen_as_exhaustively(
        lines, member, one, others, limit):
    # the single stackable coupon is priced alone, without the search (coupon_search._choose)
    from dataclasses import replace

    coupons = (replace(one, stackable=True), *(replace(c, stackable=False) for c in others))
    rules = Rules(max_coupons_per_order=limit)
    req = PricingRequest(AT, lines, member, coupons)
    ref = exhaustive(req, rules)
    result, codes = engine_choice(req, rules)
    assert result.tier_discount + result.coupon_discount == ref.saving
    assert codes == sorted(c.coupon.code for c, split in ref.per_coupon if sum(split) > 0)
