"""How a tier is named and its rate written, from the brand's rules alone."""

from decimal import Decimal as D

import pytest

from pos_member.domain.rules import DEFAULT_RULES, Rules, Tier, discount_label


@pytest.mark.parametrize("rate, zh, en", [
    ("0.88", "88折", "12% off"), ("0.90", "9折", "10% off"), ("0.9", "9折", "10% off"),
    ("0.95", "95折", "5% off"), ("0.875", "87.5折", "12.5% off"), ("0.50", "5折", "50% off"),
    ("0.85", "85折", "15% off"), ("1.00", "", ""),
])
def test_a_rate_is_written_from_the_rate(rate, zh, en):
    assert discount_label(D(rate)) == zh and discount_label(D(rate), "en") == en


def test_names_come_from_the_brand_in_the_language_it_wrote():
    gold = Tier("gold", "黑金卡", 6000, D("0.88"), name_en="Black Gold")
    assert gold.display_name("zh") == "黑金卡" and gold.display_name("en") == "Black Gold"
    assert gold.paper_name("zh_hans") == "黑金卡 Black Gold" and gold.paper_name("en") == \
        "Black Gold"
    only_zh = Tier("vip", "贵宾卡", 100, D("0.80"))
    assert only_zh.display_name("en") == "贵宾卡" and only_zh.paper_name("zh_hans") == "贵宾卡"


def test_reports_list_the_top_tier_first_and_non_members_last():
    rules = Rules(tiers=(*DEFAULT_RULES.tiers, Tier("supreme", "至尊卡", 20000, D("0.80"))))
    assert rules.report_order(["non_member", "silver", "retired", "supreme", "gold"]) == [
        "supreme", "gold", "silver", "retired", "non_member"]
    assert rules.tier_label("supreme", "en") == "至尊卡" and rules.tier_label("retired") == \
        "retired"
