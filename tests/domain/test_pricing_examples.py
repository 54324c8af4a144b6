"""The pricing order of DESIGN.md, worked by hand: line amounts, tier discount, coupons, 抹零.

Amounts in the comments are fen unless written ¥.
"""

from decimal import Decimal

import pytest

from pos_member.domain import BasketLine, Coupon, CouponKind, PricingError, PricingRequest, price
from pos_member.domain.rules import DEFAULT_RULES

from .support import (
    TUESDAY,
    amount_off,
    applied,
    assert_consistent,
    line,
    member,
    percent_off,
    quote,
    reasons,
)

# --- 1. line amounts ---------------------------------------------------------------------------


def test_line_amount_is_unit_price_times_quantity():
    # ¥12.30 × 3 = 1230 × 3 = 3690
    r = quote([line("A", 1230, "3")])
    assert r.subtotal == 3690
    assert r.total == 3690
    assert_consistent(r)


@pytest.mark.parametrize("unit, qty, amount", [
    (2990, "0.350", 1047),   # ¥29.90/kg × 0.350 kg = 1046.5 -> 1047 (half up, not to even)
    (1999, "0.125", 250),    # 249.875 -> 250
    (1990, "0.250", 498),    # 497.5 -> 498
    (1000, "0.0005", 1),     # 0.5 -> 1
    (1000, "0.0004", 0),     # 0.4 -> 0
    (3300, "1.500", 4950),   # exact
])
def test_weighed_goods_round_half_up_to_the_fen(unit, qty, amount):
    r = quote([line("W", unit, qty)])
    assert r.lines[0].amount == amount
    assert r.total == amount


# --- 2. tier discount -------------------------------------------------------------------------


def test_silver_95_on_mixed_discountable_and_non_discountable_lines():
    # A ¥100.00 discountable: 10000 × (1 − 0.95) = 500
    # B ¥50.00 not discountable (e.g. a gift card): 0
    r = quote([line("A", 10000), line("B", 5000, discountable=False)], member("silver"))
    assert [x.tier_discount for x in r.lines] == [500, 0]
    assert r.tier_discount == 500
    assert r.total == 15000 - 500 == 14500
    assert [x.paid for x in r.lines] == [9500, 5000]
    assert_consistent(r)


def test_gold_90_on_mixed_lines_including_a_weighed_one():
    # L1 3200 × 2 = 6400, discountable: 6400 × 0.10 = 640
    # L2 2990 × 0.350 = 1046.5 -> 1047, discountable: 1047 × 0.10 = 104.7 -> 105
    # L3 5000, not discountable: 0
    # subtotal 6400 + 1047 + 5000 = 12447; tier 640 + 105 = 745; total 11702
    r = quote([line("L1", 3200, "2"), line("L2", 2990, "0.350"),
               line("L3", 5000, discountable=False)], member("gold"))
    assert r.subtotal == 12447
    assert [x.tier_discount for x in r.lines] == [640, 105, 0]
    assert r.tier_discount == 745
    assert r.total == 11702
    assert_consistent(r)


@pytest.mark.parametrize("tier, unit, discount", [
    ("silver", 1990, 100),   # 1990 × 0.05 = 99.5 -> 100
    ("silver", 1989, 99),    # 1989 × 0.05 = 99.45 -> 99
    ("silver", 10, 1),       # 10 × 0.05 = 0.5 -> 1
    ("silver", 9, 0),        # 9 × 0.05 = 0.45 -> 0
    ("gold", 1995, 200),     # 1995 × 0.10 = 199.5 -> 200
    ("gold", 1994, 199),     # 199.4 -> 199
])
def test_tier_discount_rounds_half_up_per_line(tier, unit, discount):
    r = quote([line("A", unit)], member(tier))
    assert r.tier_discount == discount
    assert r.total == unit - discount


def test_tier_discount_on_a_weighed_line():
    # 2990 × 0.350 = 1047; silver 1047 × 0.05 = 52.35 -> 52; paid 995
    r = quote([line("W", 2990, "0.350")], member("silver"))
    assert (r.lines[0].amount, r.lines[0].tier_discount, r.lines[0].paid) == (1047, 52, 995)


@pytest.mark.parametrize("mem", [None, member("regular")], ids=["non-member", "regular"])
def test_non_members_and_regular_tier_get_no_tier_discount(mem):
    r = quote([line("A", 10000), line("B", 5000, discountable=False)], mem)
    assert r.tier_discount == 0
    assert r.total == 15000
    assert r.tier_before == (None if mem is None else "regular")


def test_tier_is_the_members_tier_before_the_sale_not_recomputed_from_growth():
    # the snapshot says silver although growth is already 7000 (gold's threshold): the till
    # prices with the tier it was told, 95折: 10000 × 0.05 = 500
    r = quote([line("A", 10000)], member("silver", growth=7000))
    assert r.tier_discount == 500


# --- 3. coupons -------------------------------------------------------------------------------


def test_man300_jian30_at_exactly_300():
    # eligible amount 30000 reaches the 30000 threshold: 30000 − 3000 = 27000
    r = quote([line("A", 30000)], coupons=[amount_off("M300", 3000, threshold=30000)])
    assert applied(r) == {"M300": 3000}
    assert r.total == 27000
    assert r.rejected == ()


def test_man300_jian30_at_299_99_is_below_threshold_by_one_fen():
    r = quote([line("A", 29999)], coupons=[amount_off("M300", 3000, threshold=30000)])
    assert applied(r) == {}
    assert reasons(r) == {"M300": "below_threshold"}
    assert r.rejected[0].shortfall == 1  # 30000 − 29999
    assert r.total == 29999


def test_threshold_counts_every_eligible_line_and_the_discount_is_spread_over_them():
    # 20000 + 10000 = 30000 >= 30000; 3000 split 2:1 -> 2000, 1000
    r = quote([line("A", 20000), line("B", 10000)],
              coupons=[amount_off("M300", 3000, threshold=30000)])
    assert [x.coupon_discount for x in r.lines] == [2000, 1000]
    assert r.applied[0].per_line == (2000, 1000)
    assert r.total == 27000
    assert_consistent(r)


def test_coupon_split_over_lines_by_largest_remainder():
    # 3000 over 10000 : 10000 : 10001 (sum 30001)
    #   3000×10000/30001 = 999 r 29001 (twice), 3000×10001/30001 = 1000 r 2000
    #   999 + 999 + 1000 = 2998, 2 spare fen to the two largest remainders (indices 0, 1)
    r = quote([line("A", 10000), line("B", 10000), line("C", 10001)],
              coupons=[amount_off("M300", 3000, threshold=30000)])
    assert [x.coupon_discount for x in r.lines] == [1000, 1000, 1000]
    assert r.total == 30001 - 3000


def test_percent_coupon_with_a_cap():
    # 8折 on 20000: 20000 × 0.20 = 4000, capped at 3000
    r = quote([line("A", 20000)], coupons=[percent_off("P80", "0.80", cap=3000)])
    assert applied(r) == {"P80": 3000}
    assert r.total == 17000


def test_percent_coupon_cap_not_reached():
    # 8折 on 10000: 10000 × 0.20 = 2000 < cap 3000
    r = quote([line("A", 10000)], coupons=[percent_off("P80", "0.80", cap=3000)])
    assert applied(r) == {"P80": 2000}
    assert r.total == 8000


def test_percent_coupon_without_cap_and_its_rounding():
    # 8折 on 1234: 1234 × 0.20 = 246.8 -> 247; 1234 − 247 = 987
    r = quote([line("A", 1234)], coupons=[percent_off("P80", "0.80")])
    assert applied(r) == {"P80": 247}
    assert r.total == 987
    # 85折 on 1230: 1230 × 0.15 = 184.5 -> 185 (half up)
    r = quote([line("A", 1230)], coupons=[percent_off("P85", "0.85")])
    assert applied(r) == {"P85": 185}


def test_no_threshold_coupon_never_takes_more_than_is_left():
    # 无门槛 ¥10 on a ¥6.00 basket: takes 600, not 1000; nothing left to pay
    r = quote([line("A", 600)], member("regular"), coupons=[amount_off("W10", 1000)])
    assert applied(r) == {"W10": 600}
    assert r.total == 0
    assert r.lines[0].paid == 0
    assert r.points_earned == 0 and r.growth_earned == 0
    assert_consistent(r)


def test_no_threshold_coupon_takes_only_what_the_tier_discount_left():
    # gold: 1000 − 100 (9折) = 900 left; ¥10 coupon takes 900
    r = quote([line("A", 1000)], member("gold"), coupons=[amount_off("W10", 1000)])
    assert r.tier_discount == 100
    assert applied(r) == {"W10": 900}
    assert r.total == 0


def test_category_scoped_coupon_judges_its_threshold_on_its_own_lines():
    # 满50减10 on tea only: tea 3000 < 5000 although the basket is 3000 + 4000 = 7000
    c = amount_off("TEA", 1000, threshold=5000, categories=frozenset({"tea"}))
    r = quote([line("T", 3000, category="tea"), line("C", 4000, category="coffee")], coupons=[c])
    assert reasons(r) == {"TEA": "below_threshold"}
    assert r.rejected[0].shortfall == 2000
    # tea 6000 >= 5000: 1000 off the tea line only
    r = quote([line("T", 6000, category="tea"), line("C", 4000, category="coffee")], coupons=[c])
    assert applied(r) == {"TEA": 1000}
    assert [x.coupon_discount for x in r.lines] == [1000, 0]
    assert r.total == 9000


def test_category_scoped_coupon_with_several_categories():
    # percent 9折 on tea and bakery: (3000 + 2000) × 0.10 = 500, split 3:2 -> 300, 200
    c = percent_off("TB90", "0.90", categories=frozenset({"tea", "bakery"}))
    r = quote([line("T", 3000, category="tea"), line("C", 4000, category="coffee"),
               line("B", 2000, category="bakery")], coupons=[c])
    assert [x.coupon_discount for x in r.lines] == [300, 0, 200]
    assert r.total == 9000 - 500


def test_sku_scoped_coupon():
    # 5折 on SKU S1 only: 2000 × 0.50 = 1000
    c = percent_off("HALF", "0.50", skus=frozenset({"S1"}))
    r = quote([line("S1", 2000), line("S2", 2000)], coupons=[c])
    assert [x.coupon_discount for x in r.lines] == [1000, 0]
    assert r.total == 3000


def test_scope_by_category_or_sku():
    # a coupon naming a category and a SKU covers lines in either: tea line and SKU X
    c = amount_off("MIX", 300, categories=frozenset({"tea"}), skus=frozenset({"X"}))
    r = quote([line("T", 1000, category="tea"), line("X", 500, category="coffee"),
               line("Y", 700, category="coffee")], coupons=[c])
    # 300 over 1000 : 500 -> 200, 100
    assert [x.coupon_discount for x in r.lines] == [200, 100, 0]


def test_coupon_with_no_line_in_scope_is_rejected():
    c = amount_off("TEA", 500, categories=frozenset({"tea"}))
    r = quote([line("C", 4000, category="coffee")], coupons=[c])
    assert reasons(r) == {"TEA": "no_eligible_lines"}


def test_threshold_is_judged_after_the_tier_discount():
    c = amount_off("M300", 3000, threshold=30000)
    # silver, 31000: after 95折 31000 − 1550 = 29450 < 30000 -> below by 550
    r = quote([line("A", 31000)], member("silver"), coupons=[c])
    assert reasons(r) == {"M300": "below_threshold"}
    assert r.rejected[0].shortfall == 550
    # gold, 33333: tier 3333.3 -> 3333, after = 30000 -> exactly at the threshold
    r = quote([line("A", 33333)], member("gold"), coupons=[c])
    assert applied(r) == {"M300": 3000}
    assert r.total == 33333 - 3333 - 3000 == 27000
    # gold, 33332: tier 3333.2 -> 3333, after = 29999 -> below by 1
    r = quote([line("A", 33332)], member("gold"), coupons=[c])
    assert reasons(r) == {"M300": "below_threshold"}
    assert r.rejected[0].shortfall == 1


def test_non_discountable_lines_count_at_full_price_towards_the_threshold():
    # silver: A 20000 -> 19000 after 95折; B 11000 not discountable stays 11000; 30000 >= 30000
    r = quote([line("A", 20000), line("B", 11000, discountable=False)], member("silver"),
              coupons=[amount_off("M300", 3000, threshold=30000)])
    assert applied(r) == {"M300": 3000}
    # 3000 over the remainders 19000 : 11000 -> 1900, 1100
    assert [x.coupon_discount for x in r.lines] == [1900, 1100]
    assert r.total == 30000 - 3000


def test_percent_applies_before_amount_on_the_running_remainder():
    # 9折 and 满100减20, both stackable, on 20000:
    #   percent first: 20000 × 0.10 = 2000 -> 18000; then 2000 -> 16000
    #   (amount first would give (20000 − 2000) × 0.90 = 16200)
    coupons = [amount_off("A20", 2000, threshold=10000, stackable=True),
               percent_off("P90", "0.90", stackable=True)]
    r = quote([line("A", 20000)], coupons=coupons)
    assert applied(r) == {"P90": 2000, "A20": 2000}
    assert [a.code for a in r.applied] == ["P90", "A20"]  # in application order
    assert r.total == 16000


def test_amount_threshold_is_judged_before_the_percent_coupon_takes_its_share():
    # 8折 then 满100减10 on 10000: the threshold sees 10000 (after tier, before coupons)
    #   8折: 10000 × 0.20 = 2000 -> 8000; then 1000 -> 7000
    coupons = [percent_off("P80", "0.80", stackable=True),
               amount_off("A10", 1000, threshold=10000, stackable=True)]
    r = quote([line("A", 10000)], coupons=coupons)
    assert applied(r) == {"P80": 2000, "A10": 1000}
    assert r.total == 7000


def test_second_coupon_never_takes_more_than_the_running_remainder():
    # 5折 then ¥60 off on ¥100: 5折 takes 5000, leaving 5000; ¥60 coupon takes only 5000
    coupons = [percent_off("HALF", "0.50", stackable=True),
               amount_off("A60", 6000, stackable=True)]
    r = quote([line("A", 10000)], coupons=coupons)
    assert applied(r) == {"HALF": 5000, "A60": 5000}
    assert r.total == 0
    assert_consistent(r)


def test_percent_on_a_category_then_amount_on_everything():
    # 8折 on tea (5000 -> 1000 off, tea left 4000); then ¥30 off all lines on the remainders
    # tea 4000 : coffee 2000 -> 3000 × 4000/6000 = 2000, 3000 × 2000/6000 = 1000
    coupons = [percent_off("TEA80", "0.80", categories=frozenset({"tea"}), stackable=True),
               amount_off("ALL30", 3000, stackable=True)]
    r = quote([line("T", 5000, category="tea"), line("C", 2000, category="coffee")],
              coupons=coupons)
    assert applied(r) == {"TEA80": 1000, "ALL30": 3000}
    assert [x.coupon_discount for x in r.lines] == [3000, 1000]
    assert [x.paid for x in r.lines] == [2000, 1000]
    assert r.total == 3000


def test_tier_then_coupon_on_a_weighed_basket():
    # silver; W 2990 × 0.350 = 1047 -> tier 52.35 -> 52, left 995
    #         B 1500 -> tier 75, left 1425
    # 9折 coupon on what is left: (995 + 1425) × 0.10 = 242; split 995 : 1425 (sum 2420)
    #   242 × 995 / 2420 = 99.5 -> 99 r 1210; 242 × 1425 / 2420 = 142.5 -> 142 r 1210
    #   one spare fen, tie -> the earlier line: 100, 142
    r = quote([line("W", 2990, "0.350"), line("B", 1500)], member("silver"),
              coupons=[percent_off("P90", "0.90")])
    assert [x.tier_discount for x in r.lines] == [52, 75]
    assert [x.coupon_discount for x in r.lines] == [100, 142]
    assert [x.paid for x in r.lines] == [895, 1283]
    assert r.total == 1047 + 1500 - 127 - 242 == 2178
    assert_consistent(r)


# --- 5. cash rounding (抹零) -------------------------------------------------------------------


@pytest.mark.parametrize("mode, rounding, total", [
    ("none", 0, 1234),
    ("jiao", 4, 1230),    # ¥12.34 -> ¥12.30
    ("yuan", 34, 1200),   # ¥12.34 -> ¥12.00
])
def test_cash_rounding_modes(mode, rounding, total):
    rules = DEFAULT_RULES.with_overrides({"cash_rounding": mode})
    r = quote([line("A", 1234)], rules=rules)
    assert r.rounding == rounding
    assert r.total == total


def test_cash_rounding_is_off_by_default():
    assert quote([line("A", 1234)]).rounding == 0


def test_cash_rounding_is_allocated_to_lines_so_paid_sums_to_total():
    # yuan: 1001 + 233 = 1234 -> rounding 34 over 1001 : 233
    #   34 × 1001 / 1234 = 27 r 716; 34 × 233 / 1234 = 6 r 518 -> spare fen to index 0
    #   -> 28, 6; paid 973, 227 = 1200
    rules = DEFAULT_RULES.with_overrides({"cash_rounding": "yuan"})
    r = quote([line("A", 1001), line("B", 233)], rules=rules)
    assert [x.rounding for x in r.lines] == [28, 6]
    assert [x.paid for x in r.lines] == [973, 227]
    assert r.total == 1200
    assert_consistent(r)


def test_cash_rounding_on_an_exact_amount_is_zero():
    rules = DEFAULT_RULES.with_overrides({"cash_rounding": "yuan"})
    r = quote([line("A", 1200)], rules=rules)
    assert r.rounding == 0 and r.total == 1200


def test_cash_rounding_comes_after_discounts_and_points():
    # silver, jiao rounding: 2345 − 117.25 -> 117 tier = 2228; redeem 3 points = 300 -> 1928;
    # 抹零 to the jiao: 8 -> 1920
    rules = DEFAULT_RULES.with_overrides({"cash_rounding": "jiao"})
    r = quote([line("A", 2345)], member("silver", points=100), redeem_points=3, rules=rules)
    assert r.tier_discount == 117
    assert r.points_value == 300
    assert r.rounding == 8
    assert r.total == 1920
    assert_consistent(r)


# --- the request itself -----------------------------------------------------------------------


def test_an_empty_basket_is_refused():
    with pytest.raises(PricingError, match="lines"):
        quote([])


def test_a_naive_time_is_refused():
    with pytest.raises(PricingError, match="at"):
        price(PricingRequest(at=TUESDAY.replace(tzinfo=None), lines=(line("A", 100),)))


def test_negative_redemption_is_refused():
    with pytest.raises(PricingError, match="redeem_points"):
        quote([line("A", 100)], member("silver", points=10), redeem_points=-1)


def test_two_different_coupons_under_one_code_are_refused():
    # The same coupon presented twice is one coupon (tests/domain/test_coupon_input.py).
    with pytest.raises(PricingError, match="coupons"):
        quote([line("A", 1000)], coupons=[amount_off("X", 100), amount_off("X", 200)])


def test_an_unknown_tier_is_refused():
    with pytest.raises(PricingError, match="member.tier"):
        quote([line("A", 1000)], member("platinum", growth=0))


@pytest.mark.parametrize("kwargs, exc", [
    ({"unit_price": -1, "qty": Decimal(1)}, ValueError),
    ({"unit_price": 100, "qty": Decimal(0)}, ValueError),
    ({"unit_price": 100, "qty": Decimal(-1)}, ValueError),
    ({"unit_price": 100, "qty": 1}, TypeError),           # quantities are Decimal
    ({"unit_price": 1.5, "qty": Decimal(1)}, TypeError),  # money is integer fen
])
def test_basket_line_refuses_bad_values(kwargs, exc):
    with pytest.raises(exc):
        BasketLine(sku="A", name="A", **kwargs)


@pytest.mark.parametrize("kwargs", [
    {"kind": CouponKind.AMOUNT_OFF},                                # no value
    {"kind": CouponKind.AMOUNT_OFF, "value": 0},
    {"kind": CouponKind.PERCENT_OFF},                               # no rate
    {"kind": CouponKind.PERCENT_OFF, "rate": Decimal("1.00")},
    {"kind": CouponKind.PERCENT_OFF, "rate": Decimal("-0.1")},
    {"kind": CouponKind.AMOUNT_OFF, "value": 100, "threshold": -1},
    {"kind": CouponKind.AMOUNT_OFF, "value": 100, "weekdays": frozenset({0})},
    {"kind": CouponKind.AMOUNT_OFF, "value": 100, "valid_from": TUESDAY,
     "valid_to": TUESDAY},                                          # empty window
    {"kind": "gift"},
])
def test_coupon_refuses_bad_definitions(kwargs):
    with pytest.raises(ValueError):
        Coupon(code="C", **kwargs)


def test_percent_coupon_threshold():
    # 8折 from ¥100: 9999 < 10000 -> below by 1; 10000 -> 2000 off
    c = percent_off("P80", "0.80", threshold=10000)
    r = quote([line("A", 9999)], coupons=[c])
    assert reasons(r) == {"P80": "below_threshold"}
    assert r.rejected[0].shortfall == 1
    assert applied(quote([line("A", 10000)], coupons=[c])) == {"P80": 2000}


def test_coupons_also_apply_to_non_discountable_lines():
    # DESIGN keeps non-discountable lines out of the tier discount only; a coupon scoped to all
    # lines takes its share from them too: ¥10 over 9500 (silver A) : 5000 (B)
    #   1000 × 9500 / 14500 = 655.17 -> 655 r; 1000 × 5000 / 14500 = 344.83 -> 344 r
    #   one spare fen to the larger remainder (B): 655, 345
    r = quote([line("A", 10000), line("B", 5000, discountable=False)], member("silver"),
              coupons=[amount_off("W10", 1000)])
    assert [x.coupon_discount for x in r.lines] == [655, 345]
