"""Member prices, member days by tier and gifts in the pricing engine (issue 11, part A)."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pos_member.domain.basket import BasketLine
from pos_member.domain.gifts import GiftReward, coupon_for, gift_coupon_code, gift_id
from pos_member.domain.rules import DEFAULT_RULES

from .support import (
    CST,
    TUESDAY,
    WEDNESDAY,
    amount_off,
    applied,
    assert_consistent,
    hint,
    line,
    member,
    quote,
)

BEST = DEFAULT_RULES.with_overrides({"member_price_mode": "best"})


def mp_line(sku, shelf, prices, qty="1", **kw) -> BasketLine:
    return replace(line(sku, shelf, qty, **kw), member_prices=tuple(prices.items()))


# -- member prices ------------------------------------------------------------------------------

def test_member_price_replaces_the_shelf_price_and_takes_no_tier_discount():
    # shelf ¥100, gold member price ¥92: gold pays 92 (not 90 with the 9折 on top of it)
    r = quote([mp_line("A", 10000, {"gold": 9200}, "2"), line("B", 5000)], member("gold"))
    a, b = r.lines
    assert (a.shelf_amount, a.amount, a.member_price_saving, a.tier_discount) == (
        20000, 18400, 1600, 0)
    assert (b.shelf_amount, b.amount, b.tier_discount) == (5000, 5000, 500)
    assert r.subtotal == 23400 and r.member_price_saving == 1600 and r.total == 22900
    assert_consistent(r)


def test_a_tier_without_a_member_price_keeps_its_discount():
    r = quote([mp_line("A", 10000, {"gold": 9200})], member("silver"))
    assert (r.lines[0].amount, r.lines[0].tier_discount, r.member_price_saving) == (10000, 500, 0)
    r = quote([mp_line("A", 10000, {"gold": 9200})], None)
    assert (r.total, r.member_price_saving) == (10000, 0)


def test_at_the_tier_boundary_the_growth_before_the_sale_decides():
    # 5999 growth is silver: the silver price ¥96 applies, not gold's ¥92, though the sale
    # lifts the member to gold
    prices = {"silver": 9600, "gold": 9200}
    r = quote([mp_line("A", 10000, prices)], member("silver", growth=5999))
    assert r.lines[0].amount == 9600 and r.tier_before == "silver" and r.tier_after == "gold"
    r = quote([mp_line("A", 10000, prices)], member("gold", growth=6000))
    assert r.lines[0].amount == 9200


def test_best_mode_takes_the_lower_of_member_price_and_tier_discount():
    # gold 9折 on ¥100 = ¥90 beats a gold price of ¥92; a price of ¥88 beats the 9折
    r = quote([mp_line("A", 10000, {"gold": 9200})], member("gold"), rules=BEST)
    assert (r.lines[0].amount, r.lines[0].tier_discount, r.member_price_saving) == (
        10000, 1000, 0)
    r = quote([mp_line("A", 10000, {"gold": 8800})], member("gold"), rules=BEST)
    assert (r.lines[0].amount, r.lines[0].tier_discount, r.member_price_saving) == (
        8800, 0, 1200)
    # a tie keeps the tier discount
    r = quote([mp_line("A", 10000, {"gold": 9000})], member("gold"), rules=BEST)
    assert r.lines[0].tier_discount == 1000 and r.member_price_saving == 0
    # replace mode takes the member price even when the tier discount was better
    r = quote([mp_line("A", 10000, {"gold": 9200})], member("gold"))
    assert r.total == 9200


def test_coupon_threshold_is_judged_on_the_member_price():
    # 满100减10: shelf ¥100 but the regular member price is ¥95 -> threshold not met
    coupons = [amount_off("M100", 1000, threshold=10000)]
    r = quote([mp_line("A", 10000, {"regular": 9500})], member("regular"), coupons)
    assert applied(r) == {} and r.rejected[0].shortfall == 500
    r = quote([mp_line("A", 10000, {"regular": 9500}, "2")], member("regular"), coupons)
    assert applied(r) == {"M100": 1000} and r.total == 18000


def test_a_member_price_above_the_shelf_price_is_ignored():
    r = quote([mp_line("A", 10000, {"gold": 12000})], member("gold"))
    assert r.lines[0].amount == 10000 and r.lines[0].tier_discount == 1000


# -- member days by tier ------------------------------------------------------------------------

FRIDAY = datetime(2026, 11, 27, 12, 0, tzinfo=CST)
DAYS = DEFAULT_RULES.with_overrides({"member_days": [
    {"id": "fri", "name": "周五会员日", "weekdays": [5], "benefits": [
        {"tier": "regular", "coupon": {"value": "10.00", "title": "周五¥10券"}},
        {"tier": "silver", "points_multiplier": "2"},
        {"tier": "gold", "points_multiplier": "3", "discount_rate": "0.95"}]},
    {"id": "d18", "name": "18号会员日", "month_days": [18],
     "benefits": [{"tier": "silver", "discount_rate": "0.90"}]},
]})


def test_member_day_on_a_friday_rule():
    r = quote([line("A", 10000)], member("gold"), at=FRIDAY, rules=DAYS)
    # gold 9折 × member day 0.95 = 0.855: 1450 off; points floor(8550 × 3 / 1000) = 25
    assert r.tier_discount == 1450 and r.member_day_rate == Decimal("0.95")
    assert (r.multiplier, r.multiplier_source, r.multiplier_rule) == (3, "member_day", "fri")
    assert r.points_earned == 25
    assert hint(r, "member_day") == {"kind": "member_day", "multiplier": "3"}
    assert hint(r, "member_day_benefit")["discount_rate"] == "0.95"
    # Wednesday is no longer a member day under these rules
    r = quote([line("A", 10000)], member("gold"), at=WEDNESDAY, rules=DAYS)
    assert r.multiplier_source == "tier" and r.tier_discount == 1000


def test_member_day_on_a_day_of_the_month_and_its_extra_discount_before_coupons():
    on_18 = datetime(2026, 11, 18, 10, 0, tzinfo=CST)  # a Wednesday
    r = quote([line("A", 10000)], member("silver"), [amount_off("M90", 500, threshold=8600)],
              at=on_18, rules=DAYS)
    # 95折 × 9折 = 0.855 -> 8550 left, below the ¥86 threshold
    assert r.tier_discount == 1450 and applied(r) == {}
    assert r.multiplier_source == "tier"
    r = quote([line("A", 10000)], member("regular"), at=on_18, rules=DAYS)
    assert r.tier_discount == 0 and r.member_day_rate == 1


def test_member_day_coupon_is_offered_once_per_day():
    r = quote([line("A", 1000)], member("regular"), at=FRIDAY, rules=DAYS)
    (g,) = r.gifts
    assert (g.kind, g.gift, g.period, g.status) == ("member_day", "member_day:fri",
                                                   "2026-11-27", "claimable")
    assert g.gift_id == gift_id("m-1", "member_day:fri", "2026-11-27")
    again = quote([line("A", 1000)], member("regular", gifts_claimed=frozenset({g.gift_id})),
                  at=FRIDAY, rules=DAYS)
    assert again.gifts[0].status == "claimed" and hint(again, "gift_claimable") is None
    next_week = quote([line("A", 1000)], member("regular", gifts_claimed=frozenset({g.gift_id})),
                      at=datetime(2026, 12, 4, 12, 0, tzinfo=CST), rules=DAYS)
    assert next_week.gifts[0].status == "claimable" and next_week.gifts[0].gift_id != g.gift_id


def test_the_default_wednesday_rule_is_what_it_was():
    r = quote([line("A", 10000)], member("silver"), at=WEDNESDAY)
    assert (r.multiplier, r.multiplier_source, r.multiplier_rule) == (2, "member_day",
                                                                      "wednesday")
    assert quote([line("A", 10000)], member("silver"), at=TUESDAY).multiplier == 1


# -- gifts ---------------------------------------------------------------------------------------

GIFTS = DEFAULT_RULES.with_overrides({
    "birthday_gift": {"kind": "coupon", "value": "30.00", "title": "生日¥30券"},
    "upgrade_gifts": {"gold": {"kind": "product", "sku": "CAKE", "title": "升级礼 蛋糕"},
                      "silver": {"value": "20.00"}},
})


def test_upgrade_gift_issued_by_the_sale_that_crosses_6000():
    r = quote([line("A", 1100)], member("silver", growth=5990), rules=GIFTS)
    assert r.tier_after == "gold"
    (g,) = [g for g in r.gifts if g.kind == "upgrade"]
    assert (g.tier, g.status, g.gift_id) == ("gold", "issued",
                                            gift_id("m-1", "upgrade:gold", "once"))
    assert hint(r, "upgrade_gift") == {"kind": "upgrade_gift", "tier": "gold",
                                       "gift_id": g.gift_id, "title": "升级礼 蛋糕"}
    # ¥9 (8.55 paid, growth 5998) stays silver: no gift; the hint says what is left to spend
    r = quote([line("A", 900)], member("silver", growth=5990), rules=GIFTS)
    assert r.tier_after == "silver" and not r.gifts
    assert hint(r, "next_tier_gift") == {"kind": "next_tier_gift", "tier": "gold",
                                         "amount": "2.00", "title": "升级礼 蛋糕"}


def test_an_upgrade_gift_is_given_once_per_tier():
    gid = gift_id("m-1", "upgrade:gold", "once")
    r = quote([line("A", 1100)], member("silver", growth=5990, gifts_claimed=frozenset({gid})),
              rules=GIFTS)
    assert [g.status for g in r.gifts] == ["claimed"] and hint(r, "upgrade_gift") is None


def test_birthday_gift_claimable_in_the_birthday_month_once_a_year():
    m = member("gold", birthday=date(1990, 11, 2))
    r = quote([line("A", 1000)], m, rules=GIFTS)
    (g,) = r.gifts
    assert (g.kind, g.period, g.status) == ("birthday", "2026", "claimable")
    assert hint(r, "gift_claimable")["title"] == "生日¥30券"
    assert quote([line("A", 1000)], replace(m, birthday=date(1990, 12, 2)), rules=GIFTS).gifts == ()
    claimed = replace(m, gifts_claimed=frozenset({g.gift_id}))
    assert quote([line("A", 1000)], claimed, rules=GIFTS).gifts[0].status == "claimed"
    next_year = quote([line("A", 1000)], claimed, rules=GIFTS,
                      at=datetime(2027, 11, 3, 9, 0, tzinfo=CST))
    assert next_year.gifts[0].status == "claimable" and next_year.gifts[0].period == "2027"


def test_a_product_gift_becomes_a_coupon_for_one_unit():
    r = quote([line("A", 1100)], member("silver", growth=5990), rules=GIFTS)
    c = coupon_for(r.gifts[0], datetime(2026, 11, 24, 15, 30), unit_price=3800)
    assert (c.code, c.kind, c.rate, c.cap, c.skus) == (
        gift_coupon_code(r.gifts[0].gift_id), "percent_off", Decimal(0), 3800, ("CAKE",))
    assert (c.valid_to - c.valid_from).days == 30


def test_gift_rules_round_trip_through_json():
    from pos_member.domain.rules import Rules

    assert Rules.from_json(GIFTS.to_json()) == GIFTS
    assert Rules.from_json(DAYS.to_json()) == DAYS
    assert Rules.from_json(BEST.to_json()) == BEST


def test_bad_benefit_rules_are_refused_by_name():
    import pytest

    from pos_member.domain.rules import RulesError

    for doc, msg in [
        ({"member_price_mode": "cheapest"}, "member_price_mode"),
        ({"member_days": [{"id": "x", "benefits": []}]}, r"member_days\[0\]: a member day"),
        ({"member_days": [{"id": "x", "weekdays": [8]}]}, r"member_days\[0\]\.weekdays"),
        ({"member_days": [{"id": "x", "weekdays": [1], "benefits": [{"tier": "vip"}]}]},
         "unknown tier"),
        ({"upgrade_gifts": {"vip": {"value": "1.00"}}}, "unknown tier"),
        ({"birthday_gift": {"kind": "product"}}, r"birthday_gift\.sku"),
        ({"birthday_gift": {"value": 10}}, "amount string"),
    ]:
        with pytest.raises(RulesError, match=msg):
            DEFAULT_RULES.with_overrides(doc)


# -- properties ----------------------------------------------------------------------------------

@given(shelf=st.integers(1, 10**7), member_price=st.integers(0, 10**7),
       qty=st.sampled_from(["1", "2", "0.355", "3.5"]),
       tier=st.sampled_from(["regular", "silver", "gold"]),
       mode=st.sampled_from(["replace", "best"]), discountable=st.booleans())
def test_member_price_bookkeeping_and_best_is_never_worse(shelf, member_price, qty, tier, mode,
                                                          discountable):
    rules = DEFAULT_RULES.with_overrides({"member_price_mode": mode})
    ln = mp_line("A", shelf, {tier: member_price}, qty, discountable=discountable)
    r = quote([ln], member(tier), rules=rules)
    assert_consistent(r)
    x = r.lines[0]
    assert x.shelf_amount == x.amount + x.member_price_saving
    assert x.member_price_saving >= 0
    assert x.member_price_saving == 0 or x.tier_discount == 0
    plain = quote([line("A", shelf, qty, discountable=discountable)], member(tier))
    assert x.shelf_amount == plain.lines[0].amount
    if mode == "best":
        assert r.total <= plain.total
        replaced = quote([ln], member(tier))
        assert r.total <= replaced.total


@given(st.text(min_size=1, max_size=20), st.sampled_from(["birthday", "upgrade:gold"]),
       st.text(min_size=1, max_size=10))
def test_gift_ids_are_deterministic_and_coupon_codes_follow(mid, gift, period):
    assert gift_id(mid, gift, period) == gift_id(mid, gift, period)
    assert gift_id(mid, gift, period) != gift_id(mid + "x", gift, period)
    code = gift_coupon_code(gift_id(mid, gift, period))
    assert code.startswith("GF") and len(code) == 12


def test_gift_reward_labels():
    assert GiftReward(value=1000).label() == "¥10.00券"
    assert GiftReward(value=3000, threshold=20000).label() == "满200.00减30.00券"
    assert GiftReward(coupon_kind="percent_off", rate=Decimal("0.85")).label() == "8.5折券"


@given(day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
       birthday=st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 12, 31)),
       tier=st.sampled_from(["regular", "silver", "gold"]), claimed=st.booleans())
def test_offered_gifts_follow_the_calendar_and_the_claimed_ids(day, birthday, tier, claimed):
    at = datetime(day.year, day.month, day.day, 12, 0, tzinfo=CST)
    m = member(tier, birthday=birthday)
    r = quote([line("A", 1000)], m, at=at, rules=GIFTS)
    kinds = {g.kind for g in r.gifts}
    assert ("birthday" in kinds) == (birthday.month == day.month)
    assert ("member_day" in kinds) == (day.isoweekday() == 3 and tier == "regular")
    assert all(g.status == "claimable" for g in r.gifts if g.kind != "upgrade")
    if claimed and r.gifts:
        again = quote([line("A", 1000)],
                      replace(m, gifts_claimed=frozenset(g.gift_id for g in r.gifts)),
                      at=at, rules=GIFTS)
        assert [g.gift_id for g in again.gifts] == [g.gift_id for g in r.gifts]
        assert all(g.status == "claimed" for g in again.gifts)
        assert hint(again, "gift_claimable") is None


@given(rate=st.sampled_from(["0.80", "0.90", "0.95", "0.99", "1"]),
       prices=st.lists(st.integers(1, 10**6), min_size=1, max_size=6),
       tier=st.sampled_from(["regular", "silver", "gold"]))
def test_a_member_day_rate_never_raises_the_total(rate, prices, tier):
    rules = DEFAULT_RULES.with_overrides({"member_days": [
        {"id": "fri", "weekdays": [5], "benefits": [{"tier": tier, "discount_rate": rate}]}]})
    lines = [line(f"L{i}", p) for i, p in enumerate(prices)]
    on = quote(lines, member(tier), at=FRIDAY, rules=rules)
    off = quote(lines, member(tier), at=FRIDAY)
    assert_consistent(on)
    assert on.total <= off.total
    assert on.member_day_rate == Decimal(rate)
