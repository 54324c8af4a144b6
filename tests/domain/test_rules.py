"""Loyalty rules as data: DESIGN.md's defaults, JSON round-trip, overrides and clear errors."""

import json
from decimal import Decimal

import pytest

from pos_member.domain.rules import DEFAULT_RULES, Rules, RulesError, Tier


def test_default_tiers_are_designs_table():
    r = DEFAULT_RULES
    assert [t.code for t in r.tiers] == ["regular", "silver", "gold"]
    assert [t.name for t in r.tiers] == ["普卡", "银卡", "金卡"]
    assert [t.min_growth for t in r.tiers] == [0, 3000, 6000]
    assert [t.discount_rate for t in r.tiers] == [Decimal("1.00"), Decimal("0.95"),
                                                   Decimal("0.90")]
    assert [t.points_multiplier for t in r.tiers] == [1, 1, 1]


def test_default_earning_redemption_and_coupon_rules():
    r = DEFAULT_RULES
    assert r.earn_unit == 1000            # 1 point per ¥10
    assert r.growth_unit == 100           # 1 growth per yuan
    assert r.point_value == 100           # 1 point = ¥1.00
    assert r.redeem_max_ratio == Decimal("0.50")
    assert r.offline_daily_redeem_limit == 200
    assert r.member_day_weekdays == (3,)  # Wednesday
    assert set(r.member_day_tiers) == {"silver", "gold"}
    assert r.member_day_multiplier == 2
    assert r.birthday_multiplier == 2
    assert r.birthday_tiers == ()         # every tier
    assert r.max_coupons_per_order == 3
    assert r.cash_rounding == "none"      # 抹零 off by default
    assert r.points_expiry_years_after == 1
    assert r.expiring_soon_days == 30
    assert r.dormant_days == 90


@pytest.mark.parametrize("growth, code", [
    (0, "regular"), (2999, "regular"), (3000, "silver"), (5999, "silver"), (6000, "gold"),
    (10**9, "gold"),
])
def test_tier_for_growth_boundaries(growth, code):
    assert DEFAULT_RULES.tier_for_growth(growth).code == code


def test_next_tier_and_lookup():
    r = DEFAULT_RULES
    assert r.next_tier("regular").code == "silver"
    assert r.next_tier("silver").code == "gold"
    assert r.next_tier("gold") is None
    assert r.tier("silver").discount_rate == Decimal("0.95")
    assert r.has_tier("gold") and not r.has_tier("platinum")
    with pytest.raises(KeyError):
        r.tier("platinum")


def test_to_dict_uses_yuan_strings_and_decimal_strings():
    d = DEFAULT_RULES.to_dict()
    assert d["earn_unit"] == "10.00"
    assert d["point_value"] == "1.00"
    assert d["growth_unit"] == "1.00"
    assert d["coupon_nudge_max"] == "50.00"
    assert d["redeem_max_ratio"] == "0.50"
    assert d["member_day_multiplier"] == "2"
    assert d["member_day_weekdays"] == [3]
    assert d["tiers"][1] == {"code": "silver", "name": "银卡", "name_en": "Silver",
                             "min_growth": 3000, "discount_rate": "0.95",
                             "points_multiplier": "1"}
    # nothing in the JSON is a float
    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        else:
            assert not isinstance(v, float), v
    walk(json.loads(DEFAULT_RULES.to_json()))


def test_json_round_trip_of_the_defaults():
    assert Rules.from_json(DEFAULT_RULES.to_json()) == DEFAULT_RULES


def test_json_round_trip_of_changed_rules():
    changed = DEFAULT_RULES.with_overrides({
        "cash_rounding": "jiao",
        "earn_unit": "5.00",
        "member_day_weekdays": [3, 6],
        "member_day_multiplier": "3",
        "birthday_tiers": ["gold"],
        "max_coupons_per_order": 2,
        "tiers": [
            {"code": "regular", "name": "普卡", "min_growth": 0, "discount_rate": "1"},
            {"code": "vip", "name": "VIP", "min_growth": 1000, "discount_rate": "0.88",
             "points_multiplier": "1.5"},
        ],
    })
    assert changed.earn_unit == 500
    assert changed.member_day_weekdays == (3, 6)
    assert changed.tier("vip") == Tier("vip", "VIP", 1000, Decimal("0.88"), Decimal("1.5"))
    again = Rules.from_json(changed.to_json())
    assert again == changed
    assert again.to_json() == changed.to_json()


def test_overrides_leave_other_fields_at_their_defaults_and_do_not_mutate():
    r = DEFAULT_RULES.with_overrides({"offline_daily_redeem_limit": 100})
    assert r.offline_daily_redeem_limit == 100
    assert r.redeem_max_ratio == Decimal("0.50")
    assert DEFAULT_RULES.offline_daily_redeem_limit == 200
    assert Rules.from_dict({}) == DEFAULT_RULES


@pytest.mark.parametrize("override, field", [
    ({"nope": 1}, "nope"),
    ({"earn_unit": "abc"}, "earn_unit"),
    ({"earn_unit": "0.00"}, "earn_unit"),
    ({"redeem_max_ratio": "1.5"}, "redeem_max_ratio"),
    ({"redeem_max_ratio": "abc"}, "redeem_max_ratio"),
    ({"max_coupons_per_order": 0}, "max_coupons_per_order"),
    ({"max_coupons_per_order": "3"}, "max_coupons_per_order"),
    ({"offline_daily_redeem_limit": True}, "offline_daily_redeem_limit"),
    ({"offline_daily_redeem_limit": -1}, "offline_daily_redeem_limit"),
    ({"cash_rounding": "fen"}, "cash_rounding"),
    ({"cash_rounding": 5}, "cash_rounding"),
    ({"member_day_weekdays": [8]}, "member_day_weekdays"),
    ({"member_day_weekdays": "3"}, "member_day_weekdays"),
    ({"member_day_tiers": [1]}, "member_day_tiers"),
    ({"tiers": []}, "tiers"),
    ({"tiers": [{"code": "a", "min_growth": 5}]}, "tier"),        # first tier must start at 0
    ({"tiers": [{"name": "x"}]}, "tiers[0].code"),
    ({"tiers": [{"code": "a"}, {"code": "b", "min_growth": 10, "discount_rate": "1.5"}]},
     "tiers[1].discount_rate"),
    ({"tiers": [{"code": "a"}, {"code": "b", "min_growth": -1}]}, "tiers[1].min_growth"),
    ({"tiers": [{"code": "a"}, {"code": "a", "min_growth": 3}]}, "tier codes"),
    ({"tiers": "gold"}, "tiers"),
])
def test_bad_overrides_raise_an_error_naming_the_field(override, field):
    with pytest.raises(RulesError) as info:
        DEFAULT_RULES.with_overrides(override)
    message = str(info.value)
    assert field in message
    assert "\n" not in message


def test_from_json_refuses_malformed_json_and_non_objects():
    with pytest.raises(RulesError, match="malformed JSON"):
        Rules.from_json("{")
    with pytest.raises(RulesError, match="object"):
        Rules.from_json("[]")
    with pytest.raises(RulesError, match="object"):
        DEFAULT_RULES.with_overrides(["cash_rounding"])  # type: ignore[arg-type]


@pytest.mark.parametrize("override, field", [
    ({"earn_unit": 10.5}, "earn_unit"),
    ({"member_day_multiplier": 2.5}, "member_day_multiplier"),
])
def test_rules_refuse_floats_for_money_and_rates(override, field):
    # money in rules JSON is a yuan string, rates decimal strings; a float cannot carry them
    # exactly (parse_yuan and parse_decimal refuse floats for this reason)
    with pytest.raises(RulesError, match=field):
        DEFAULT_RULES.with_overrides(override)


def test_rules_money_fields_accept_yuan_strings():
    assert DEFAULT_RULES.with_overrides({"earn_unit": "10.50"}).earn_unit == 1050


def test_constructor_validates_too():
    with pytest.raises(RulesError):
        Rules(tiers=())
    with pytest.raises(RulesError):
        Rules(cash_rounding="cents")
    with pytest.raises(RulesError):
        Rules(tiers=(Tier("b", "B", 10, Decimal(1)), Tier("a", "A", 0, Decimal(1))))
