"""Presented and chosen coupons are sets by code (issue 10, item 8)."""

from __future__ import annotations

import pytest

from pos_member.domain import PricingError

from .support import amount_off, applied, line, member, quote


def test_a_chosen_code_repeated_applies_once():
    coupons = [amount_off("D", 1000, stackable=True), amount_off("E", 500, stackable=True)]
    once = quote([line("A", 10000)], member("regular"), coupons, chosen_coupons=("D",))
    thrice = quote([line("A", 10000)], member("regular"), coupons, chosen_coupons=("D", "D", "D"))
    assert applied(thrice) == {"D": 1000}
    assert thrice.coupon_discount == once.coupon_discount == 1000
    assert thrice.total == once.total == 9000
    assert [a.code for a in thrice.applied] == ["D"]


def test_repeated_chosen_codes_count_once_against_the_coupon_limit():
    coupons = [amount_off(c, 100, stackable=True) for c in "WXY"]
    r = quote([line("A", 10000)], coupons=coupons, chosen_coupons=("W", "X", "Y", "W", "X"))
    assert applied(r) == {"W": 100, "X": 100, "Y": 100}


def test_the_same_coupon_presented_twice_is_one_coupon():
    d = amount_off("D", 1000, stackable=True)
    r = quote([line("A", 10000)], coupons=[d, d, d])
    assert applied(r) == {"D": 1000}
    assert r.rejected == ()


def test_two_different_coupons_under_one_code_are_refused():
    with pytest.raises(PricingError, match="D"):
        quote([line("A", 10000)], coupons=[amount_off("D", 1000), amount_off("D", 2000)])
