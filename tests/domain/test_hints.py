"""What the till tells the cashier about a member: each hint a kind code and its figures."""

from datetime import UTC, date, datetime

import pytest

from pos_member.domain.points import PointLot
from pos_member.domain.rules import DEFAULT_RULES

from .support import CST, TUESDAY, WEDNESDAY, amount_off, hint, line, member, quote


def kinds(result) -> list[str]:
    return [h["kind"] for h in result.hints]


def test_no_hints_for_a_non_member():
    r = quote([line("A", 28000)], None, coupons=[amount_off("M300", 3000, threshold=30000)])
    assert r.hints == ()


def test_a_plain_member_gets_only_the_next_tier():
    # regular, growth 1000, pays 5000 -> growth 1050; silver at 3000: 1950 to go = ¥1950.00
    r = quote([line("A", 5000)], member("regular", growth=1000))
    assert r.hints == ({"kind": "next_tier", "tier": "silver", "growth_needed": 1950,
                        "amount": "1950.00"},)


def test_next_tier_from_silver_is_gold():
    # silver 4000, pays 10000 -> 9500 -> growth 95 -> 4095; 6000 − 4095 = 1905
    r = quote([line("A", 10000)], member("silver", growth=4000))
    assert hint(r, "next_tier") == {"kind": "next_tier", "tier": "gold", "growth_needed": 1905,
                                    "amount": "1905.00"}


def test_gold_has_no_next_tier():
    assert hint(quote([line("A", 1000)], member("gold")), "next_tier") is None


def test_coupon_unlock_for_a_coupon_a_little_more_spending_would_unlock():
    # 满300减30 on a ¥280 basket: ¥20.00 more would unlock it (within the ¥50 nudge)
    r = quote([line("A", 28000)], member("regular"),
              coupons=[amount_off("M300", 3000, threshold=30000)])
    assert hint(r, "coupon_unlock") == {"kind": "coupon_unlock", "code": "M300",
                                        "amount": "20.00"}


def test_coupon_unlock_at_exactly_the_nudge_limit_and_beyond():
    c = amount_off("M300", 3000, threshold=30000)
    # ¥250: 5000 short = the ¥50 limit -> shown
    assert hint(quote([line("A", 25000)], member("regular"), coupons=[c]),
                "coupon_unlock")["amount"] == "50.00"
    # ¥249.99: 5001 short -> too far, not shown
    assert hint(quote([line("A", 24999)], member("regular"), coupons=[c]),
                "coupon_unlock") is None


def test_coupon_unlock_shortfall_is_after_the_tier_discount():
    # silver ¥310: 31000 − 1550 = 29450 after 95折, 550 short of 30000 -> "5.50"
    # (the engine states the shortfall in discounted money, as the threshold is judged)
    r = quote([line("A", 31000)], member("silver"),
              coupons=[amount_off("M300", 3000, threshold=30000)])
    assert hint(r, "coupon_unlock") == {"kind": "coupon_unlock", "code": "M300",
                                        "amount": "5.50"}


def test_no_coupon_unlock_for_coupons_refused_for_other_reasons():
    c = amount_off("WED", 3000, threshold=30000, weekdays=frozenset({3}))
    r = quote([line("A", 28000)], member("regular"), coupons=[c], at=TUESDAY)
    assert hint(r, "coupon_unlock") is None


def test_points_expiring_within_thirty_days():
    # 2025 lot lasts to 2026-12-31; 2026-12-05 + 30 days reaches it
    lots = (PointLot(date(2025, 5, 1), 120), PointLot(date(2026, 2, 1), 300))
    at = datetime(2026, 12, 5, 12, 0, tzinfo=CST)
    r = quote([line("A", 1000)], member("regular", points=420, lots=lots), at=at)
    assert hint(r, "points_expiring") == {"kind": "points_expiring", "points": 120,
                                          "expires_on": "2026-12-31"}


def test_no_points_expiring_hint_when_nothing_expires_soon():
    lots = (PointLot(date(2026, 2, 1), 300),)
    r = quote([line("A", 1000)], member("regular", points=300, lots=lots), at=TUESDAY)
    assert hint(r, "points_expiring") is None


def test_birthday_month():
    r = quote([line("A", 1000)], member("regular", birthday=date(1990, 11, 3)), at=TUESDAY)
    assert hint(r, "birthday_month") == {"kind": "birthday_month", "multiplier": "2"}
    r = quote([line("A", 1000)], member("regular", birthday=date(1990, 10, 3)), at=TUESDAY)
    assert hint(r, "birthday_month") is None


def test_member_day_for_silver_and_gold_on_wednesday_only():
    assert hint(quote([line("A", 1000)], member("silver"), at=WEDNESDAY), "member_day") == {
        "kind": "member_day", "multiplier": "2"}
    assert hint(quote([line("A", 1000)], member("gold"), at=WEDNESDAY), "member_day") is not None
    assert hint(quote([line("A", 1000)], member("regular"), at=WEDNESDAY), "member_day") is None
    assert hint(quote([line("A", 1000)], member("gold"), at=TUESDAY), "member_day") is None


def test_dormant_after_ninety_days_without_a_purchase():
    # 2026-08-26 -> 2026-11-24: 5 + 30 + 31 + 24 = 90 days -> 沉睡会员
    last = datetime(2026, 8, 26, 10, 0, tzinfo=CST)
    rules = DEFAULT_RULES.with_overrides({"win_back_offer": "WB-20"})
    r = quote([line("A", 1000)], member("regular", last_purchase_at=last), at=TUESDAY,
              rules=rules)
    assert hint(r, "dormant") == {"kind": "dormant", "days": 90, "offer": "WB-20",
                                   "winback_coupon": None}


def test_not_dormant_at_eighty_nine_days():
    last = datetime(2026, 8, 27, 10, 0, tzinfo=CST)
    r = quote([line("A", 1000)], member("regular", last_purchase_at=last), at=TUESDAY)
    assert hint(r, "dormant") is None


def test_dormant_days_are_counted_in_store_dates():
    # 2026-08-26 18:00 UTC is 2026-08-27 02:00 in the store: 89 days, not 90
    last = datetime(2026, 8, 26, 18, 0, tzinfo=UTC)
    r = quote([line("A", 1000)], member("regular", last_purchase_at=last), at=TUESDAY)
    assert hint(r, "dormant") is None


def test_dormant_without_a_cached_offer():
    last = datetime(2026, 1, 1, 10, 0, tzinfo=CST)
    r = quote([line("A", 1000)], member("regular", last_purchase_at=last), at=TUESDAY)
    # 2026-01-01 -> 2026-11-24 = 327 days
    assert hint(r, "dormant") == {"kind": "dormant", "days": 327, "offer": "",
                                   "winback_coupon": None}


def test_first_order_of_a_new_member():
    rules = DEFAULT_RULES.with_overrides({"first_order_coupon": "NEW10"})
    r = quote([line("A", 1000)], member("regular", last_purchase_at=None), rules=rules)
    assert hint(r, "first_order") == {"kind": "first_order", "coupon": "NEW10"}
    assert hint(r, "dormant") is None


def test_no_first_order_hint_for_a_returning_member():
    r = quote([line("A", 1000)], member("regular"))
    assert hint(r, "first_order") is None


def test_many_hints_at_once():
    # silver, Wednesday in the birthday month, lots expiring, a coupon ¥10 away, growth 5990
    lots = (PointLot(date(2025, 5, 1), 50),)
    at = datetime(2026, 12, 2, 12, 0, tzinfo=CST)  # a Wednesday
    m = member("silver", growth=5990, points=50, lots=lots, birthday=date(1988, 12, 9),
               last_purchase_at=datetime(2026, 11, 30, 9, 0, tzinfo=CST))
    # 20000 -> 19000 after 95折, 1000 short of 满200减20 with threshold 20000
    r = quote([line("A", 20000)], m, coupons=[amount_off("M200", 2000, threshold=20000)],
              at=at)
    # growth 5990 + 190 = 6180 -> gold after the sale
    assert kinds(r) == ["tier_upgrade", "coupon_unlock", "points_expiring", "birthday_month",
                        "member_day"]
    assert hint(r, "coupon_unlock")["amount"] == "10.00"
    assert hint(r, "points_expiring") == {"kind": "points_expiring", "points": 50,
                                          "expires_on": "2026-12-31"}


def test_birthday_hint_agrees_with_the_multiplier_actually_applied():
    rules = DEFAULT_RULES.with_overrides({"birthday_tiers": ["gold"]})
    r = quote([line("A", 10000)], member("regular", birthday=date(1990, 11, 3)), at=TUESDAY,
              rules=rules)
    assert r.multiplier == 1  # a regular member is not in birthday_tiers
    h = hint(r, "birthday_month")
    assert h is None or h["multiplier"] == "1"
