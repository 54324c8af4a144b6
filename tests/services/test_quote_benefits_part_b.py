"""The quote contract's benefits part (docs/quote.md, "Benefits and points mall"): a request
with balances and claims prices the covered lines down, reports the uses and the mall lines,
tells what is left; bad input names its field; a request without benefits answers as before."""

from __future__ import annotations

import json

import pytest

from pos_member.domain.benefits import demo_programme
from pos_member.services.quote import QuoteInputError, quote_text

PROG = demo_programme().to_dict()


def request(**benefits) -> dict:
    return {
        "at": "2026-11-24T12:00:00+08:00",
        "member": {"id": "m1", "tier": "silver", "growth": 4000, "points": 800},
        "lines": [{"sku": "C002", "unit_price": "28.00", "qty": 2, "category": "coffee"},
                  {"sku": "MALL-MUG", "unit_price": "0.00", "qty": 1, "discountable": False}],
        "benefits": {"programme": PROG, **benefits},
    }


def test_a_free_upsize_and_a_card_coffee_and_a_mall_mug():
    answer = quote_text(json.dumps(request(
        balances=[{"benefit": "UPSIZE", "source": "quota", "remaining": 1,
                   "period_key": "2026-11", "expires_on": "2026-11-30", "total": 1},
                  {"benefit": "COFFEE", "source": "card-1", "remaining": 4,
                   "expires_on": "2026-12-10", "total": 10}],
        redeem=[{"benefit": "UPSIZE", "line": 0}, {"benefit": "COFFEE", "line": 0}],
        mall=[{"reward": "MUG", "line": 1, "qty": 1}])))
    # 2 lattes 56.00: one free from the card (28.00), 3.00 off the other -> 25.00, silver 95折
    assert answer["benefit_discount"] == "31.00"
    assert answer["lines"][0]["amount"] == "25.00" and answer["lines"][0]["shelf_amount"] == "56.00"
    assert answer["lines"][0]["tier_discount"] == "1.25"
    assert [(u["benefit"], u["source"], u["discount"]) for u in answer["benefits_used"]] == [
        ("UPSIZE", "quota", "3.00"), ("COFFEE", "card-1", "28.00")]
    assert answer["mall_lines"] == [{"reward": "MUG", "line": 1, "qty": 1, "points": 500}]
    assert answer["mall_points"] == 500
    kinds = [(h["kind"], h.get("remaining")) for h in answer["hints"]
             if h["kind"] in ("benefit_left", "card_left", "card_expiring")]
    assert kinds == [("card_expiring", 3)]  # the upsize is spent; 3 cups left, expiring soon


def test_out_of_uses_and_not_enough_points_are_refusals_naming_the_field():
    with pytest.raises(QuoteInputError, match="no UPSIZE use left"):
        quote_text(json.dumps(request(
            balances=[{"benefit": "UPSIZE", "source": "quota", "remaining": 0}],
            redeem=[{"benefit": "UPSIZE", "line": 0}])))
    poor = request(mall=[{"reward": "MUG", "line": 1, "qty": 1}])
    poor["member"]["points"] = 100
    with pytest.raises(QuoteInputError, match="the rewards need 500 points; the member has 100"):
        quote_text(json.dumps(poor))
    with pytest.raises(QuoteInputError, match=r"benefits.redeem\[0\]"):
        quote_text(json.dumps(request(redeem=[{"benefit": "UPSIZE"}])))
    with pytest.raises(QuoteInputError, match="benefits.colour: unknown field"):
        quote_text(json.dumps(request(colour=1)))


def test_a_request_without_benefits_gets_empty_benefit_fields():
    plain = request()
    del plain["benefits"]
    answer = quote_text(json.dumps(plain))
    assert answer["benefits_used"] == [] and answer["mall_lines"] == []
    assert answer["benefit_discount"] == "0.00" and answer["mall_points"] == 0
    assert not any(h["kind"].startswith(("benefit", "card")) for h in answer["hints"])
