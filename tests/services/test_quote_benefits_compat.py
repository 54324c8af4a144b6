"""Old quote requests keep their old answers (issue 11, item 6): answers recorded before member
prices, member days by tier and gifts existed; every field they had keeps its value, new fields
come on top, and the hints they had keep their order (new kinds only after them)."""

import json
from pathlib import Path

from pos_member.services.quote import quote_text

CASES = json.loads((Path(__file__).parent / "fixtures" /
                    "quote_answers_before_benefits.json").read_text(encoding="utf-8"))


def test_every_recorded_request_gets_its_old_answer():
    assert len(CASES) == 5
    for case in CASES:
        now = quote_text(json.dumps(case["request"]))
        old = case["answer"]
        for key, value in old.items():
            if key == "lines":
                assert [{k: line[k] for k in value[0]} for line in now["lines"]] == value
            elif key == "hints":
                # each old hint in its place with its figures (a hint may gain a figure)
                assert [{k: h[k] for k in old_h if k in h}
                        for h, old_h in zip(now["hints"], value)] == value
                # a hint added after them is of a new kind only
                assert {h["kind"] for h in now["hints"][len(value):]} <= {
                    "gift_claimable", "member_day_benefit", "next_tier_gift", "upgrade_gift"}
            else:
                assert now[key] == value, key
        assert now["member_price_saving"] == "0.00"
        assert all(x["shelf_amount"] == x["amount"] for x in now["lines"])


def test_an_old_rules_document_keeps_its_friday_member_day():
    case = CASES[2]  # gold on a Friday with member_day_weekdays [5] ×3
    now = quote_text(json.dumps(case["request"]))
    assert now["multiplier"] == "3" and now["multiplier_source"] == "member_day"
    assert now["multiplier_rule"] == "member_day"


def test_a_regular_member_on_wednesday_may_collect_the_default_coupon():
    case = CASES[1]  # regular member, Wednesday 2026-11-25
    now = quote_text(json.dumps(case["request"]))
    (gift,) = now["gifts"]
    assert gift["kind"] == "member_day" and gift["status"] == "claimable"
    assert gift["period"] == "2026-11-25" and gift["reward"]["value"] == "10.00"
    assert now["hints"][-1] == {"kind": "gift_claimable", "gift": "member_day:wednesday",
                                "gift_id": gift["gift_id"], "title": "会员日¥10券"}
    claimed = dict(case["request"])
    claimed["member"] = {**claimed["member"], "gifts_claimed": [gift["gift_id"]]}
    again = quote_text(json.dumps(claimed))
    assert again["gifts"][0]["status"] == "claimed"
    assert again["hints"] == case["answer"]["hints"]
