"""Which coupons the engine applies, why the others are refused, and the cashier's override."""

from datetime import UTC, datetime, timedelta

import pytest

from pos_member.domain import PricingError
from pos_member.domain.rules import DEFAULT_RULES

from .support import (
    CST,
    TUESDAY,
    WEDNESDAY,
    amount_off,
    applied,
    assert_consistent,
    line,
    member,
    percent_off,
    quote,
    reasons,
)

# --- stackable against non-stackable -------------------------------------------------------------


def test_non_stackable_coupon_beaten_by_two_stackable_ones():
    # N ¥25 alone saves 2500; S1 + S2 = 1500 + 1500 = 3000 > 2500
    coupons = [amount_off("N", 2500), amount_off("S1", 1500, stackable=True),
               amount_off("S2", 1500, stackable=True)]
    r = quote([line("A", 20000)], coupons=coupons)
    assert applied(r) == {"S1": 1500, "S2": 1500}
    assert reasons(r) == {"N": "not_combinable"}
    assert r.total == 17000


def test_non_stackable_coupon_winning_against_two_stackable_ones():
    # N ¥35 alone saves 3500 > S1 + S2 = 3000
    coupons = [amount_off("N", 3500), amount_off("S1", 1500, stackable=True),
               amount_off("S2", 1500, stackable=True)]
    r = quote([line("A", 20000)], coupons=coupons)
    assert applied(r) == {"N": 3500}
    assert reasons(r) == {"S1": "not_combinable", "S2": "not_combinable"}
    assert r.total == 16500


def test_non_stackable_is_the_default():
    # two ¥10 coupons without stackable: only one is applied
    r = quote([line("A", 5000)], coupons=[amount_off("X", 1000), amount_off("Y", 1000)])
    assert len(r.applied) == 1
    assert r.coupon_discount == 1000
    assert list(reasons(r).values()) == ["not_combinable"]


def test_two_non_stackable_coupons_the_bigger_one_wins():
    r = quote([line("A", 5000)], coupons=[amount_off("X", 1000), percent_off("Y", "0.70")])
    # Y: 5000 × 0.30 = 1500 > 1000
    assert applied(r) == {"Y": 1500}
    assert reasons(r) == {"X": "not_combinable"}


def test_percent_versus_amount_depends_on_the_basket():
    coupons = [percent_off("P80", "0.80"), amount_off("A30", 3000, threshold=10000)]
    # 12000: 8折 saves 2400 < 3000
    assert applied(quote([line("A", 12000)], coupons=coupons)) == {"A30": 3000}
    # 20000: 8折 saves 4000 > 3000
    assert applied(quote([line("A", 20000)], coupons=coupons)) == {"P80": 4000}


# --- max_coupons_per_order -----------------------------------------------------------------------


def test_max_coupons_per_order_keeps_the_three_biggest():
    # four stackable coupons 10, 20, 30, 40 yuan on ¥200; at most 3: 20 + 30 + 40 = 90
    coupons = [amount_off("S1", 1000, stackable=True), amount_off("S2", 2000, stackable=True),
               amount_off("S3", 3000, stackable=True), amount_off("S4", 4000, stackable=True)]
    r = quote([line("A", 20000)], coupons=coupons)
    assert applied(r) == {"S2": 2000, "S3": 3000, "S4": 4000}
    assert reasons(r) == {"S1": "over_coupon_limit"}
    assert r.total == 11000


def test_max_coupons_per_order_from_the_rules():
    rules = DEFAULT_RULES.with_overrides({"max_coupons_per_order": 2})
    coupons = [amount_off("S1", 1000, stackable=True), amount_off("S2", 2000, stackable=True),
               amount_off("S3", 3000, stackable=True), amount_off("S4", 4000, stackable=True)]
    r = quote([line("A", 20000)], coupons=coupons, rules=rules)
    assert applied(r) == {"S3": 3000, "S4": 4000}
    assert reasons(r) == {"S1": "over_coupon_limit", "S2": "over_coupon_limit"}


def test_max_coupons_per_order_equal_coupons_tie_to_code_order():
    # four equal ¥10 stackable coupons without expiry: three are used; no other tie-break
    # applies, so the engine's documented last resort (code order) decides: S4 is left out
    coupons = [amount_off(f"S{i}", 1000, stackable=True) for i in (4, 3, 2, 1)]
    r = quote([line("A", 20000)], coupons=coupons)
    assert sorted(applied(r)) == ["S1", "S2", "S3"]
    assert reasons(r) == {"S4": "over_coupon_limit"}


# --- 不与会员折扣同享 (with_tier_discount: false) ---------------------------------------------------


def test_without_tier_discount_coupon_winning():
    # gold, 10000: tier alone saves 1000 (total 9000)
    # NT ¥15 without the tier discount: 10000 − 1500 = 8500, saves 1500 > 1000
    r = quote([line("A", 10000)], member("gold"),
              coupons=[amount_off("NT", 1500, with_tier_discount=False)])
    assert applied(r) == {"NT": 1500}
    assert r.tier_discount == 0
    assert r.lines[0].tier_discount == 0
    assert r.total == 8500


def test_without_tier_discount_coupon_losing():
    # NT ¥5 saves 500 < the gold discount of 1000: the member keeps the tier discount
    r = quote([line("A", 10000)], member("gold"),
              coupons=[amount_off("NT", 500, with_tier_discount=False)])
    assert applied(r) == {}
    assert r.tier_discount == 1000
    assert r.total == 9000
    assert reasons(r) == {"NT": "not_chosen"}


def test_without_tier_discount_threshold_is_judged_before_any_discount():
    # gold, 10000: threshold 10000 is met on the undiscounted 10000 -> 10000 − 2000 = 8000
    nt = amount_off("NT", 2000, threshold=10000, with_tier_discount=False)
    r = quote([line("A", 10000)], member("gold"), coupons=[nt])
    assert applied(r) == {"NT": 2000}
    assert r.total == 8000
    # the same coupon with the tier discount: 10000 − 1000 = 9000 < 10000 -> below by 1000
    normal = amount_off("N", 2000, threshold=10000)
    r = quote([line("A", 10000)], member("gold"), coupons=[normal])
    assert reasons(r) == {"N": "below_threshold"}
    assert r.rejected[0].shortfall == 1000
    # below its own threshold, judged on the undiscounted amount: 10001 − 10000 = 1
    nt2 = amount_off("NT2", 2000, threshold=10001, with_tier_discount=False)
    r = quote([line("A", 10000)], member("gold"), coupons=[nt2])
    assert reasons(r) == {"NT2": "below_threshold"}
    assert r.rejected[0].shortfall == 1


def test_without_tier_discount_coupon_removes_the_tier_discount_only_on_its_lines():
    # gold; tea 5000 and coffee 5000. NT ¥8 on tea, without the tier discount:
    #   tea 5000 − 800 = 4200 (no 9折), coffee 5000 − 500 = 4500 -> 8700 (saves 1300)
    #   no coupon: 9000 (saves 1000)
    nt = amount_off("NT", 800, categories=frozenset({"tea"}), with_tier_discount=False)
    r = quote([line("T", 5000, category="tea"), line("C", 5000, category="coffee")],
              member("gold"), coupons=[nt])
    assert applied(r) == {"NT": 800}
    assert [x.tier_discount for x in r.lines] == [0, 500]
    assert [x.paid for x in r.lines] == [4200, 4500]
    assert r.total == 8700
    assert_consistent(r)


def test_without_tier_discount_coupon_stacked_with_a_normal_one():
    # gold, 10000; NT ¥15 stackable without tier discount, S ¥10 stackable
    #   NT + S: no tier discount anywhere (NT covers every line): 10000 − 1500 − 1000 = 7500
    #   S alone: 10000 − 1000 − 1000 = 8000; NT alone 8500
    coupons = [amount_off("NT", 1500, stackable=True, with_tier_discount=False),
               amount_off("S", 1000, stackable=True)]
    r = quote([line("A", 10000)], member("gold"), coupons=coupons)
    assert applied(r) == {"NT": 1500, "S": 1000}
    assert r.tier_discount == 0
    assert r.total == 7500


def test_without_tier_discount_coupon_left_out_of_a_stack_keeps_the_tier_discount():
    # gold, 10000; NT ¥3 stackable without tier discount, S ¥10 stackable
    #   NT + S: 10000 − 300 − 1000 = 8700; S alone: 10000 − 1000 − 1000 = 8000 -> S alone
    coupons = [amount_off("NT", 300, stackable=True, with_tier_discount=False),
               amount_off("S", 1000, stackable=True)]
    r = quote([line("A", 10000)], member("gold"), coupons=coupons)
    assert applied(r) == {"S": 1000}
    assert r.tier_discount == 1000
    assert r.total == 8000
    assert reasons(r) == {"NT": "not_chosen"}


# --- tie-breaks -----------------------------------------------------------------------------


def test_equal_saving_goes_to_fewer_coupons():
    # N ¥20 alone = S1 ¥10 + S2 ¥10: equal saving, one coupon beats two
    coupons = [amount_off("S1", 1000, stackable=True), amount_off("S2", 1000, stackable=True),
               amount_off("N", 2000)]
    r = quote([line("A", 10000)], coupons=coupons)
    assert applied(r) == {"N": 2000}
    assert reasons(r) == {"S1": "not_combinable", "S2": "not_combinable"}


def test_equal_saving_and_count_goes_to_the_coupon_expiring_first():
    late = amount_off("A-LATE", 2000, valid_to=datetime(2026, 12, 31, tzinfo=CST))
    soon = amount_off("Z-SOON", 2000, valid_to=datetime(2026, 12, 1, tzinfo=CST))
    r = quote([line("A", 10000)], coupons=[late, soon])
    assert applied(r) == {"Z-SOON": 2000}
    assert reasons(r) == {"A-LATE": "not_combinable"}
    # presented in the other order: the same choice
    r = quote([line("A", 10000)], coupons=[soon, late])
    assert applied(r) == {"Z-SOON": 2000}


def test_a_coupon_with_an_end_date_goes_before_one_that_never_expires():
    forever = amount_off("A-FOREVER", 2000)
    dated = amount_off("Z-DATED", 2000, valid_to=datetime(2027, 6, 30, tzinfo=CST))
    r = quote([line("A", 10000)], coupons=[forever, dated])
    assert applied(r) == {"Z-DATED": 2000}


def test_expiry_tie_break_compares_instants_in_store_time():
    # X ends 2026-12-01 00:00 +08:00; Y ends 2026-11-30 17:00 UTC = 2026-12-01 01:00 +08:00.
    # Y's wall-clock figures look earlier, but X expires first.
    x = amount_off("Z-X", 2000, valid_to=datetime(2026, 12, 1, 0, 0, tzinfo=CST))
    y = amount_off("A-Y", 2000, valid_to=datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    r = quote([line("A", 10000)], coupons=[y, x])
    assert applied(r) == {"Z-X": 2000}


def test_equal_saving_stacks_prefer_the_coupons_expiring_first():
    # two pairs, each saving 2000; the stack holding the earliest expiry wins
    coupons = [amount_off("A1", 1000, stackable=True, valid_to=datetime(2027, 1, 31, tzinfo=CST)),
               amount_off("A2", 1000, stackable=True, valid_to=datetime(2027, 1, 31, tzinfo=CST)),
               amount_off("B1", 1000, stackable=True, valid_to=datetime(2026, 12, 5, tzinfo=CST)),
               amount_off("B2", 1000, stackable=True, valid_to=datetime(2026, 12, 6, tzinfo=CST))]
    rules = DEFAULT_RULES.with_overrides({"max_coupons_per_order": 2})
    r = quote([line("A", 10000)], coupons=coupons, rules=rules)
    assert applied(r) == {"B1": 1000, "B2": 1000}
    assert reasons(r) == {"A1": "over_coupon_limit", "A2": "over_coupon_limit"}


# --- every rejection reason -------------------------------------------------------------------


def test_every_static_rejection_reason_in_one_basket():
    # gold member on a Tuesday; coffee 20000 -> 18000 after 9折
    at = TUESDAY
    coupons = [
        amount_off("EXP", 500, valid_to=at - timedelta(hours=1)),
        amount_off("FUT", 500, valid_from=at + timedelta(days=1)),
        amount_off("WED", 500, weekdays=frozenset({3})),
        amount_off("SIL", 500, tiers=frozenset({"silver"})),
        amount_off("BIG", 500, threshold=50000),
        amount_off("TEA", 500, categories=frozenset({"tea"})),
        amount_off("USED", 500, used=True),
        amount_off("S1", 1000, stackable=True),
        amount_off("S2", 1000, stackable=True),
        amount_off("S3", 1000, stackable=True),
        amount_off("S4", 500, stackable=True),
        amount_off("N", 2000),
    ]
    r = quote([line("C", 20000, category="coffee")], member("gold"), coupons=coupons, at=at)
    # S1 + S2 + S3 = 3000 beats N (2000) and any stack holding S4 (500)
    assert applied(r) == {"S1": 1000, "S2": 1000, "S3": 1000}
    assert reasons(r) == {
        "EXP": "expired",
        "FUT": "not_yet_valid",
        "WED": "wrong_weekday",
        "SIL": "tier_not_allowed",
        "BIG": "below_threshold",
        "TEA": "no_eligible_lines",
        "USED": "already_used",
        "S4": "over_coupon_limit",
        "N": "not_combinable",
    }
    # rejected coupons come back in the order they were presented
    assert [x.code for x in r.rejected] == ["EXP", "FUT", "WED", "SIL", "BIG", "TEA", "USED",
                                            "S4", "N"]
    # 32000 below the threshold: 50000 − 18000
    assert {x.code: x.shortfall for x in r.rejected}["BIG"] == 32000
    assert r.total == 20000 - 2000 - 3000


def test_tier_restricted_coupon_is_refused_to_non_members_and_accepted_for_its_tier():
    c = amount_off("GOLD", 500, tiers=frozenset({"gold"}))
    assert reasons(quote([line("A", 5000)], None, coupons=[c])) == {"GOLD": "tier_not_allowed"}
    assert reasons(quote([line("A", 5000)], member("silver"), coupons=[c])) == {
        "GOLD": "tier_not_allowed"}
    assert applied(quote([line("A", 5000)], member("gold"), coupons=[c])) == {"GOLD": 500}


def test_weekday_coupon_applies_on_its_day():
    c = amount_off("WED", 500, weekdays=frozenset({3}))
    assert applied(quote([line("A", 5000)], coupons=[c], at=WEDNESDAY)) == {"WED": 500}
    assert reasons(quote([line("A", 5000)], coupons=[c], at=TUESDAY)) == {
        "WED": "wrong_weekday"}


def test_not_chosen_when_the_cashier_picks_another_coupon():
    coupons = [amount_off("BIG", 3000), amount_off("SMALL", 1000)]
    r = quote([line("A", 10000)], coupons=coupons, chosen_coupons=("SMALL",))
    assert applied(r) == {"SMALL": 1000}
    assert reasons(r) == {"BIG": "not_chosen"}
    assert r.total == 9000


def test_every_presented_coupon_is_either_applied_or_has_a_reason():
    coupons = [amount_off("A", 1000, stackable=True), amount_off("B", 1000, stackable=True),
               amount_off("C", 5000, threshold=99900), amount_off("D", 100, used=True)]
    r = quote([line("A", 600)], coupons=coupons)
    # A takes 600 (what is left); B would take nothing more
    assert applied(r) == {"A": 600}
    assert set(applied(r)) | set(reasons(r)) == {"A", "B", "C", "D"}
    assert not set(applied(r)) & set(reasons(r))


# --- the cashier's override -------------------------------------------------------------------


def test_override_forces_a_non_stackable_coupon_over_a_better_stack():
    coupons = [amount_off("N", 2500), amount_off("S1", 1500, stackable=True),
               amount_off("S2", 1500, stackable=True)]
    r = quote([line("A", 20000)], coupons=coupons, chosen_coupons=("N",))
    assert applied(r) == {"N": 2500}
    assert reasons(r) == {"S1": "not_chosen", "S2": "not_chosen"}
    assert r.total == 17500


def test_override_with_no_coupons_at_all():
    r = quote([line("A", 20000)], member("silver"), coupons=[amount_off("N", 2500)],
              chosen_coupons=())
    assert applied(r) == {}
    assert reasons(r) == {"N": "not_chosen"}
    assert r.total == 19000  # the tier discount stays: 20000 × 0.95


def test_override_may_choose_a_without_tier_discount_coupon_that_saves_less():
    # gold 10000: NT ¥5 without tier discount gives 9500 (worse than 9000), but the cashier
    # asked for it
    r = quote([line("A", 10000)], member("gold"),
              coupons=[amount_off("NT", 500, with_tier_discount=False)], chosen_coupons=("NT",))
    assert applied(r) == {"NT": 500}
    assert r.tier_discount == 0
    assert r.total == 9500


@pytest.mark.parametrize("coupons, chosen, message", [
    ([amount_off("X", 100, used=True)], ("X",), "already_used"),
    ([amount_off("X", 100, valid_to=TUESDAY)], ("X",), "expired"),
    ([amount_off("X", 100)], ("Y",), "not presented"),
    ([amount_off("X", 100), amount_off("Y", 100, stackable=True)], ("X", "Y"), "non-stackable"),
    ([amount_off("X", 100, threshold=99900)], ("X",), "threshold"),
    ([amount_off(c, 100, stackable=True) for c in "WXYZ"], ("W", "X", "Y", "Z"), "at most 3"),
])
def test_override_refuses_what_the_rules_do_not_allow(coupons, chosen, message):
    with pytest.raises(PricingError, match=message):
        quote([line("A", 10000)], coupons=coupons, chosen_coupons=chosen)


def test_forced_coupon_that_takes_nothing_still_comes_back_with_a_reason():
    # ¥5 basket, two stackable ¥10 coupons forced: A takes 500, B has nothing left to take
    coupons = [amount_off("A", 1000, stackable=True), amount_off("B", 1000, stackable=True)]
    r = quote([line("X", 500)], coupons=coupons, chosen_coupons=("A", "B"))
    assert applied(r) == {"A": 500}
    assert "B" in reasons(r)


# --- validity judged in store-local time -------------------------------------------------------


def test_valid_to_is_exclusive():
    c = amount_off("X", 500, valid_to=datetime(2026, 11, 24, 15, 30, tzinfo=CST))
    at_end = datetime(2026, 11, 24, 15, 30, tzinfo=CST)
    assert reasons(quote([line("A", 5000)], coupons=[c], at=at_end)) == {"X": "expired"}
    just_before = at_end - timedelta(seconds=1)
    assert applied(quote([line("A", 5000)], coupons=[c], at=just_before)) == {"X": 500}


def test_valid_from_is_inclusive():
    c = amount_off("X", 500, valid_from=datetime(2026, 11, 24, 15, 30, tzinfo=CST))
    at = datetime(2026, 11, 24, 15, 30, tzinfo=CST)
    assert applied(quote([line("A", 5000)], coupons=[c], at=at)) == {"X": 500}
    assert reasons(quote([line("A", 5000)], coupons=[c], at=at - timedelta(seconds=1))) == {
        "X": "not_yet_valid"}


def test_a_window_given_in_utc_is_the_same_instant_in_store_time():
    # 07:30 UTC = 15:30 +08:00
    c = amount_off("X", 500, valid_to=datetime(2026, 11, 24, 7, 30, tzinfo=UTC))
    assert reasons(quote([line("A", 5000)], coupons=[c],
                         at=datetime(2026, 11, 24, 15, 30, tzinfo=CST))) == {"X": "expired"}
    assert applied(quote([line("A", 5000)], coupons=[c],
                         at=datetime(2026, 11, 24, 15, 29, tzinfo=CST))) == {"X": 500}


def test_a_naive_window_is_store_local_time():
    # valid_to 2026-11-25 00:00 with no offset means midnight in the store, not in UTC
    c = amount_off("X", 500, valid_to=datetime(2026, 11, 25, 0, 0))
    assert applied(quote([line("A", 5000)], coupons=[c],
                         at=datetime(2026, 11, 24, 23, 59, tzinfo=CST))) == {"X": 500}
    assert reasons(quote([line("A", 5000)], coupons=[c],
                         at=datetime(2026, 11, 25, 0, 0, tzinfo=CST))) == {"X": "expired"}


def test_coupon_ends_at_store_midnight_even_when_utc_is_still_the_day_before():
    # at = 2026-12-01 00:30 in the store (= 2026-11-30 16:30 UTC); the coupon ran to the
    # store's midnight, so it has expired
    c = amount_off("NOV", 500, valid_from=datetime(2026, 11, 1, tzinfo=CST),
                   valid_to=datetime(2026, 12, 1, tzinfo=CST))
    r = quote([line("A", 5000)], coupons=[c], at=datetime(2026, 12, 1, 0, 30, tzinfo=CST))
    assert reasons(r) == {"NOV": "expired"}


def test_weekday_is_judged_in_store_time():
    # Wednesday 01:00 in the store is still Tuesday 17:00 in UTC
    at = datetime(2026, 11, 25, 1, 0, tzinfo=CST)
    wed = amount_off("WED", 500, weekdays=frozenset({3}))
    tue = amount_off("TUE", 500, weekdays=frozenset({2}))
    r = quote([line("A", 5000)], coupons=[wed, tue], at=at)
    assert applied(r) == {"WED": 500}
    assert reasons(r) == {"TUE": "wrong_weekday"}


def test_far_future_end_in_utc_is_simply_valid():
    c = amount_off("FOREVER", 500, valid_to=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert applied(quote([line("A", 5000)], coupons=[c])) == {"FOREVER": 500}
