"""The pricing engine's fast paths give exactly what the plain arithmetic gives (issue 10,
item 9): integer ``times``, the search's saving-only pricing, the line results' construction."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from pos_member.domain import coupon_candidates as C
from pos_member.domain import coupon_search as S
from pos_member.domain import fast_money as F
from pos_member.domain import pricing as P
from pos_member.domain.money import allocate, times

factors = st.one_of(
    st.decimals(min_value=-10, max_value=10, places=3, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=1, places=12, allow_nan=False, allow_infinity=False),
    st.builds(lambda n, e: Decimal(n).scaleb(-e), st.integers(-10**30, 10**30),
              st.integers(-3, 45)),
    st.sampled_from([Decimal("0.95"), Decimal("0.950"), Decimal("0.9500000000000"),
                     Decimal("0.05"), Decimal("0.125"), Decimal("0.350"), Decimal("1E+2"),
                     Decimal(0), Decimal("-0.5"), Decimal("1.005"), Decimal("1E-100000"),
                     Decimal("1E+100000"), Decimal("-0E+5"), Decimal("0.000")]),
)
fens = st.one_of(st.integers(-10**6, 10**6), st.integers(-10**30, 10**30))


def same_as_times(fen: int, factor: Decimal) -> None:
    """``F._times`` answers what ``times`` answers, or raises what it raises."""
    try:
        want = times(fen, factor)
    except ArithmeticError as exc:  # the plain arithmetic refuses (beyond the precision)
        try:
            F._times(fen, factor)
        except type(exc):
            return
        raise AssertionError("the fast path answered where times() raised") from exc
    assert F._times(fen, factor) == want


@settings(max_examples=2000, deadline=None)
@given(fens, factors)
def test_integer_times_is_money_times(fen, factor):
    same_as_times(fen, factor)


@settings(max_examples=300, deadline=None)
@given(fens, factors, st.integers(4, 40))
def test_integer_times_follows_the_decimal_precision(fen, factor, prec):
    with localcontext() as ctx:
        ctx.prec = prec
        same_as_times(fen, factor)


def test_integer_times_rounds_halves_away_from_zero():
    assert F._times(5, Decimal("0.5")) == 3
    assert F._times(-5, Decimal("0.5")) == -3
    assert F._times(3, Decimal("0.5")) == 2
    assert F._times(1, Decimal("0.49")) == 0


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=40), st.data())
def test_the_discount_split_is_the_largest_remainder_allocation(weights, data):
    total = data.draw(st.integers(-5, 2 * sum(weights) + 5))
    try:
        want = allocate(total, weights)
    except ValueError:
        return
    assert F._spread(total, list(weights)) == want


def test_the_discount_split_breaks_ties_towards_the_earlier_line():
    # three equal remainders, two spare fen: the first two lines take them
    assert F._spread(2, [1, 1, 1]) == allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert F._spread(5, [3, 0, 3, 3]) == allocate(5, [3, 0, 3, 3]) == [2, 0, 2, 1]


def test_line_results_are_the_dataclass_built_by_its_constructor():
    import copy
    import pickle
    from dataclasses import FrozenInstanceError, asdict, replace

    import pytest

    from pos_member.domain.pricing import LineResult

    values = ("S1", "拿铁", 3200, 160, 300, 100, 1, 0, 2640, True)
    fast, = P._line_results(*[[v] for v in values])
    slow = LineResult(*values)
    assert type(fast) is LineResult
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert asdict(fast) == asdict(slow)
    assert replace(fast, paid=1) == replace(slow, paid=1)
    assert pickle.loads(pickle.dumps(fast)) == slow and copy.deepcopy(fast) == slow
    with pytest.raises(FrozenInstanceError):
        fast.paid = 0  # type: ignore[misc]
    # what makes the shortcut valid: no __post_init__ to skip, fields kept in __dict__
    assert not hasattr(LineResult, "__post_init__")
    assert "__slots__" not in vars(LineResult)


# --- the search's saving-only pricing against the full per-line pricing ---------------------

from datetime import timedelta  # noqa: E402

from pos_member.domain import Coupon, CouponKind, MemberSnapshot, PricingRequest  # noqa: E402
from pos_member.domain.coupons import static_rejection  # noqa: E402

from .test_properties import AT, lines_st  # noqa: E402

SCOPES = [{}, {"categories": frozenset({"coffee"})}, {"categories": frozenset({"coffee", "tea"})},
          {"skus": frozenset({"S0"})}, {"skus": frozenset({"S1", "S2", "S4"})},
          {"categories": frozenset({"food"}), "skus": frozenset({"S0"})}]


@st.composite
def crossing_coupon_st(draw, code):
    """Coupons whose scopes nest, cross and stay apart, of both kinds, with and without the
    tier discount, with amounts both below and above what their lines hold."""
    kw = dict(draw(st.sampled_from(SCOPES)))
    kind = draw(st.sampled_from(list(CouponKind)))
    if kind is CouponKind.AMOUNT_OFF:
        kw["value"] = draw(st.sampled_from([1, 300, 1000, 5000, 40000]))
    else:
        kw["rate"] = Decimal(draw(st.sampled_from(["0", "0.5", "0.8", "0.875", "0.95", "0.99"])))
        kw["cap"] = draw(st.sampled_from([None, 0, 700, 5000]))
    return Coupon(code, kind, threshold=draw(st.sampled_from([0, 0, 2000, 9000])),
                  stackable=True, with_tier_discount=draw(st.integers(0, 3)) > 0,
                  valid_to=draw(st.sampled_from([None, AT + timedelta(days=2)])), **kw)


@settings(max_examples=400, deadline=None)
@given(lines_st(max_lines=6), st.sampled_from(["regular", "silver", "gold"]),
       st.lists(st.integers(0, 5), min_size=1, max_size=5).flatmap(
           lambda ks: st.tuples(*[crossing_coupon_st(f"C{i}") for i in range(len(ks))])),
       st.data())
def test_the_search_prices_every_combination_as_the_full_pricing_does(lines, tier, coupons, data):
    req = PricingRequest(AT, lines, MemberSnapshot("m", tier, 0, 0), coupons)
    rate = P.DEFAULT_RULES.tier(tier).discount_rate
    amounts = [x.amount for x in lines]
    tier_full = [times(a, Decimal(1) - rate) if x.discountable and rate < 1 else 0
                 for a, x in zip(amounts, lines)]
    ctx = C._Context(lines, amounts, tier_full)
    pool = [C._make_cand(c, lines, amounts, AT) for c in req.coupons
            if static_rejection(c, AT, tier, lines) is None]
    if not pool:
        return
    saver = S._Saver(ctx, pool, C._Sums(ctx))
    idx = tuple(data.draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, unique=True)))
    full = ctx.evaluate([pool[i] for i in idx])
    node = saver.combo(idx)
    assert (node is None) == (full is None)
    if full is None:
        return
    assert node.saving == full.saving
    # the same combination built one coupon at a time, as the search extends a parent
    order = sorted(idx, key=saver.rank.__getitem__)
    parent = saver.combo(tuple(order[:-1])) if len(order) > 1 else S._Node(
        saver.full.tier_total, (), saver.full, None, (), -1)
    if parent is not None and pool[order[-1]].coupon.with_tier_discount:
        grown = saver.extend(parent, order[-1])
        assert grown is not None and grown.saving == full.saving
