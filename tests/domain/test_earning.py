"""Earning: points = floor(paid × multiplier / ¥10), growth = floor(paid in yuan), over
points-eligible lines; member day and birthday month multipliers; tier upgrade after the sale."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from pos_member.domain.rules import DEFAULT_RULES

from .support import CST, TUESDAY, WEDNESDAY, amount_off, hint, line, member, quote


@pytest.mark.parametrize("paid, points, growth", [
    (12345, 12, 123),   # floor(12345 / 1000) = 12; floor(123.45) = 123
    (999, 0, 9),        # ¥9.99: no point yet; 9 growth
    (1000, 1, 10),      # ¥10.00: exactly one point
    (99, 0, 0),         # ¥0.99: nothing at all
    (100, 0, 1),
])
def test_points_and_growth_floor(paid, points, growth):
    r = quote([line("A", paid)], member("regular"))
    assert r.total == paid
    assert (r.points_earned, r.growth_earned) == (points, growth)
    assert r.multiplier == 1 and r.multiplier_source == "tier"


def test_earning_is_on_what_is_paid_after_discounts_and_points():
    # silver 20000 -> 19000; 50 points = 5000 -> 14000 paid
    # points floor(14000 / 1000) = 14; growth 140
    r = quote([line("A", 20000)], member("silver", points=100), redeem_points=50)
    assert r.total == 14000
    assert (r.points_earned, r.growth_earned) == (14, 140)


def test_earning_after_a_coupon():
    # regular 30000, 满300减30 -> 27000; points 27, growth 270
    r = quote([line("A", 30000)], member("regular"),
              coupons=[amount_off("M300", 3000, threshold=30000)])
    assert (r.points_earned, r.growth_earned) == (27, 270)


def test_earning_after_cash_rounding():
    # 1299 rounded to the yuan: paid 1200 -> 1 point, 12 growth
    rules = DEFAULT_RULES.with_overrides({"cash_rounding": "yuan"})
    r = quote([line("A", 1299)], member("regular"), rules=rules)
    assert r.total == 1200
    assert (r.points_earned, r.growth_earned) == (1, 12)


def test_only_points_eligible_lines_earn():
    # A 5000 eligible, B 5000 not (e.g. tobacco, gift card): points on 5000 only -> 5;
    # growth on the same 5000 -> 50 (the engine counts growth over the same eligible lines)
    r = quote([line("A", 5000), line("B", 5000, points_eligible=False)], member("regular"))
    assert r.total == 10000
    assert (r.points_earned, r.growth_earned) == (5, 50)
    assert [x.points_eligible for x in r.lines] == [True, False]


def test_nothing_eligible_earns_nothing():
    r = quote([line("B", 50000, points_eligible=False)], member("gold"), at=WEDNESDAY)
    assert (r.points_earned, r.growth_earned) == (0, 0)


def test_earning_floors_the_sum_not_each_line():
    # two lines ¥15 each: floor(3000 / 1000) = 3 (floors per line would give 1 + 1 = 2)
    r = quote([line("A", 1500), line("B", 1500)], member("regular"))
    assert r.points_earned == 3
    # growth on ¥1.50 + ¥1.50 = ¥3.00 -> 3 (per line 1 + 1 = 2)
    r = quote([line("A", 150), line("B", 150)], member("regular"))
    assert r.growth_earned == 3


def test_growth_counts_money_only_not_points():
    # regular 10000, 50 points redeemed -> paid 5000 -> growth 50, points 5
    r = quote([line("A", 10000)], member("regular", points=100), redeem_points=50)
    assert (r.points_earned, r.growth_earned) == (5, 50)


def test_non_member_earns_nothing():
    r = quote([line("A", 10000)], None)
    assert (r.points_earned, r.growth_earned) == (0, 0)
    assert r.tier_before is None and r.tier_after is None
    assert r.hints == ()


# --- multipliers ----------------------------------------------------------------------------


@pytest.mark.parametrize("tier, at, points, mult, source", [
    # silver 10000 -> 9500; Wednesday ×2: floor(9500 × 2 / 1000) = 19; Tuesday: 9
    ("silver", WEDNESDAY, 19, 2, "member_day"),
    ("silver", TUESDAY, 9, 1, "tier"),
    # gold 10000 -> 9000; Wednesday ×2 = 18; Tuesday 9
    ("gold", WEDNESDAY, 18, 2, "member_day"),
    ("gold", TUESDAY, 9, 1, "tier"),
    # regular gets no member day: 10000 -> 10 points either day
    ("regular", WEDNESDAY, 10, 1, "tier"),
    ("regular", TUESDAY, 10, 1, "tier"),
])
def test_member_day_is_wednesday_for_silver_and_gold(tier, at, points, mult, source):
    r = quote([line("A", 10000)], member(tier), at=at)
    assert r.points_earned == points
    assert r.multiplier == mult
    assert r.multiplier_source == source


def test_member_day_doubles_points_not_growth():
    # silver Wednesday: 9500 paid -> 19 points but growth 95
    r = quote([line("A", 10000)], member("silver"), at=WEDNESDAY)
    assert (r.points_earned, r.growth_earned) == (19, 95)


def test_member_day_is_judged_in_store_time():
    # 2026-11-25 00:30 in the store is a Wednesday (in UTC still Tuesday 16:30)
    at = datetime(2026, 11, 25, 0, 30, tzinfo=CST)
    r = quote([line("A", 10000)], member("gold"), at=at)
    assert r.multiplier_source == "member_day"
    assert r.points_earned == 18


@pytest.mark.parametrize("tier, paid_expected, points", [
    ("regular", 10000, 20),   # 10000 × 2 / 1000
    ("silver", 9500, 19),
    ("gold", 9000, 18),
])
def test_birthday_month_doubles_for_every_tier(tier, paid_expected, points):
    # birthday 3 November, sale on 24 November (a Tuesday, no member day)
    r = quote([line("A", 10000)], member(tier, birthday=date(1990, 11, 3)), at=TUESDAY)
    assert r.total == paid_expected
    assert r.points_earned == points
    assert r.multiplier == 2
    assert r.multiplier_source == "birthday"


def test_birthday_in_another_month_does_not_count():
    r = quote([line("A", 10000)], member("regular", birthday=date(1990, 12, 1)), at=TUESDAY)
    assert r.points_earned == 10
    assert r.multiplier_source == "tier"


def test_birthday_month_is_judged_in_store_time():
    # 2026-12-01 00:30 in the store (still 30 November in UTC): a December birthday counts
    at = datetime(2026, 12, 1, 0, 30, tzinfo=CST)
    r = quote([line("A", 10000)], member("regular", birthday=date(1990, 12, 25)), at=at)
    assert r.multiplier_source == "birthday"
    assert r.points_earned == 20


def test_member_day_and_birthday_do_not_compound():
    # silver, Wednesday, birthday month: ×2 (not ×4): floor(9500 × 2 / 1000) = 19
    r = quote([line("A", 10000)], member("silver", birthday=date(1990, 11, 3)), at=WEDNESDAY)
    assert r.multiplier == 2
    assert r.points_earned == 19


def test_highest_multiplier_wins():
    # member day ×3 beats birthday ×2 -> floor(9500 × 3 / 1000) = 28
    rules = DEFAULT_RULES.with_overrides({"member_day_multiplier": "3"})
    r = quote([line("A", 10000)], member("silver", birthday=date(1990, 11, 3)), at=WEDNESDAY,
              rules=rules)
    assert (r.multiplier, r.multiplier_source, r.points_earned) == (3, "member_day", 28)
    # birthday ×5 beats member day ×2 -> 9500 × 5 / 1000 = 47.5 -> 47
    rules = DEFAULT_RULES.with_overrides({"birthday_multiplier": "5"})
    r = quote([line("A", 10000)], member("silver", birthday=date(1990, 11, 3)), at=WEDNESDAY,
              rules=rules)
    assert (r.multiplier, r.multiplier_source, r.points_earned) == (5, "birthday", 47)


def test_tier_multiplier_from_the_rules_and_the_member_day_above_it():
    tiers = [t.to_dict() for t in DEFAULT_RULES.tiers]
    tiers[2]["points_multiplier"] = "1.5"
    rules = DEFAULT_RULES.with_overrides({"tiers": tiers})
    # gold Tuesday: 9000 × 1.5 / 1000 = 13.5 -> 13
    r = quote([line("A", 10000)], member("gold"), at=TUESDAY, rules=rules)
    assert (r.multiplier, r.multiplier_source, r.points_earned) == (Decimal("1.5"), "tier", 13)
    # gold Wednesday: ×2 > ×1.5 -> 18
    r = quote([line("A", 10000)], member("gold"), at=WEDNESDAY, rules=rules)
    assert (r.multiplier, r.multiplier_source, r.points_earned) == (2, "member_day", 18)


def test_birthday_tiers_can_be_restricted_by_the_rules():
    rules = DEFAULT_RULES.with_overrides({"birthday_tiers": ["gold"]})
    r = quote([line("A", 10000)], member("regular", birthday=date(1990, 11, 3)), rules=rules)
    assert r.multiplier_source == "tier" and r.points_earned == 10
    r = quote([line("A", 10000)], member("gold", birthday=date(1990, 11, 3)), rules=rules)
    assert r.multiplier_source == "birthday" and r.points_earned == 18


# --- tier after the sale ---------------------------------------------------------------------


def test_upgrade_takes_effect_after_the_sale():
    # regular, growth 2950, pays 10000 (no tier discount: still regular for this sale)
    # growth 2950 + 100 = 3050 >= 3000 -> silver from the next sale
    r = quote([line("A", 10000)], member("regular", growth=2950))
    assert r.tier_discount == 0
    assert r.total == 10000
    assert r.growth_earned == 100
    assert (r.tier_before, r.tier_after) == ("regular", "silver")
    assert hint(r, "tier_upgrade") == {"kind": "tier_upgrade", "from": "regular", "to": "silver"}
    # next tier now gold: 6000 − 3050 = 2950 growth = ¥2950.00
    assert hint(r, "next_tier") == {"kind": "next_tier", "tier": "gold", "growth_needed": 2950,
                                    "amount": "2950.00"}


def test_upgrade_at_exactly_the_threshold():
    # 2900 + floor(100.00) = 3000 -> silver
    r = quote([line("A", 10000)], member("regular", growth=2900))
    assert r.tier_after == "silver"


def test_one_yuan_short_of_the_threshold():
    # 2901 + floor(98.99) = 2999 -> still regular; ¥1.00 to go
    r = quote([line("A", 9899)], member("regular", growth=2901))
    assert r.tier_after == "regular"
    assert hint(r, "tier_upgrade") is None
    assert hint(r, "next_tier") == {"kind": "next_tier", "tier": "silver", "growth_needed": 1,
                                    "amount": "1.00"}


def test_upgrade_over_two_tiers_at_once():
    # regular 2000 + floor(4000.00) = 6000 -> gold
    r = quote([line("A", 400000)], member("regular", growth=2000))
    assert (r.tier_before, r.tier_after) == ("regular", "gold")
    assert hint(r, "next_tier") is None  # nothing above gold


def test_silver_to_gold():
    # silver 5990: 1000 -> 950 paid -> 9 growth -> 5999: still silver
    r = quote([line("A", 1000)], member("silver", growth=5990))
    assert r.tier_after == "silver"
    # silver 5990: 2000 -> 1900 paid -> 19 growth -> 6009: gold
    r = quote([line("A", 2000)], member("silver", growth=5990))
    assert r.tier_after == "gold"
    assert r.tier_discount == 100  # this sale still at silver's 95折


def test_growth_from_ineligible_lines_does_not_upgrade():
    # 2950 + 0 (the only line is not points-eligible) -> still regular
    r = quote([line("A", 10000, points_eligible=False)], member("regular", growth=2950))
    assert r.tier_after == "regular"
