"""Refunds: money, earned points and growth reversed in proportion, redeemed points returned per
line, exactly to zero at the end; coupons back only on a full refund while still valid."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pos_member.domain import PricingRequest, price
from pos_member.domain.refunds import (
    RefundError,
    SoldLine,
    SoldSale,
    refund,
    sold_sale_from_quote,
)

from .support import CST, WEDNESDAY, amount_off, line, member

D = Decimal
AT = datetime(2026, 12, 1, 10, 0, tzinfo=CST)
M300 = amount_off("M300", 3000, threshold=30000, valid_to=datetime(2027, 1, 1, tzinfo=CST))

# The sale (a member-day sale, ×2):
#   line 1: 3 units, paid 10000, 5 redeemed points on it, points-eligible
#   line 2: 1 unit, paid 20001, 2 redeemed points on it, points-eligible
#   line 3: 0.350 kg, paid 995, not points-eligible
#   eligible paid 30001 -> points floor(30001 × 2 / 1000) = 60, growth floor(300.01) = 300
SALE = SoldSale(
    lines=(SoldLine(1, D(3), 10000, 5, True),
           SoldLine(2, D(1), 20001, 2, True),
           SoldLine(3, D("0.350"), 995, 0, False)),
    points_earned=60,
    growth_earned=300,
    coupons=(M300,),
)


def do(request, before=None, at=AT, points=1000, growth=6100):
    return refund(SALE, before or {}, request, at, points, growth)


def test_whole_sale_refund():
    out = do(None)
    assert out.money == 10000 + 20001 + 995 == 30996
    assert out.points_reversed == 60
    assert out.growth_reversed == 300
    assert out.points_returned == 5 + 2
    assert out.full is True
    assert out.coupons_restored == ("M300",)
    assert out.lines == {1: (D(3), 10000), 2: (D(1), 20001), 3: (D("0.350"), 995)}
    # balance 1000 − 60 reversed + 7 returned = 947; growth 6100 − 300 = 5800
    assert out.member_points_after == 947
    assert out.member_growth_after == 5800
    assert out.negative_balance is False


def test_refund_line_by_line_nets_exactly_to_zero():
    # line 2 first: money 20001
    #   points round(60 × 20001 / 30001) = round(40.0006) = 40
    #   growth round(300 × 20001 / 30001) = round(200.003) = 200
    first = do({2: D(1)})
    assert (first.money, first.points_reversed, first.growth_reversed, first.points_returned) \
        == (20001, 40, 200, 2)
    assert first.full is False
    assert first.coupons_restored == ()
    # then line 1: every eligible line now refunded -> exactly what is left: 60 − 40, 300 − 200
    second = do({1: D(3)}, before={2: D(1)})
    assert (second.money, second.points_reversed, second.growth_reversed,
            second.points_returned) == (10000, 20, 100, 5)
    assert second.full is False
    # last, the non-eligible line: money only; now the whole sale is refunded
    third = do({3: D("0.350")}, before={1: D(3), 2: D(1)})
    assert (third.money, third.points_reversed, third.growth_reversed, third.points_returned) \
        == (995, 0, 0, 0)
    assert third.full is True
    assert third.coupons_restored == ("M300",)


def test_refund_partial_quantities_of_one_line():
    # line 1: 3 units for 10000; cumulative shares, each refund the difference
    #   after 1: money round(10000/3) = 3333;  redeemed round(5/3) = 2
    #            points round(60 × 3333.33/30001) = round(6.666) = 7
    #            growth round(300 × 3333.33/30001) = round(33.33) = 33
    #   after 2: money round(20000/3) = 6667 -> 3334; redeemed round(10/3) = 3 -> 1
    #            points round(13.333) = 13 -> 6; growth round(66.66) = 67 -> 34
    #   after 3: money 10000 -> 3333; redeemed 5 -> 2
    #            points round(19.9993) = 20 -> 7; growth round(99.997) = 100 -> 33
    steps = []
    before: dict[int, Decimal] = {}
    for _ in range(3):
        out = do({1: D(1)}, before=dict(before))
        steps.append((out.money, out.points_returned, out.points_reversed, out.growth_reversed))
        before = dict(out.refunded_after)
    assert steps == [(3333, 2, 7, 33), (3334, 1, 6, 34), (3333, 2, 7, 33)]
    assert before == {1: D(3), 2: D(0), 3: D(0)}
    # line 2 last: every eligible line refunded -> what is left: 60 − 20 = 40, 300 − 100 = 200
    out = do({2: D(1)}, before=before)
    assert (out.money, out.points_reversed, out.growth_reversed, out.points_returned) \
        == (20001, 40, 200, 2)


def test_refund_part_of_a_weighed_line():
    # 0.100 of 0.350 kg: round(995 × 0.100 / 0.350) = round(284.29) = 284; the rest 711
    first = do({3: D("0.100")})
    assert first.money == 284
    assert (first.points_reversed, first.growth_reversed) == (0, 0)  # not points-eligible
    second = do({3: D("0.250")}, before={3: D("0.100")})
    assert second.money == 711


@pytest.mark.parametrize("order", [
    [{1: D(1)}, {2: D(1)}, {1: D(2)}, {3: D("0.350")}],
    [{3: D("0.2")}, {1: D(2), 2: D(1)}, {3: D("0.15")}, {1: D(1)}],
    [{2: D(1)}, {1: D(1)}, {1: D(1)}, {1: D(1), 3: D("0.350")}],
    [None],
    [{1: D(1)}, None],
])
def test_refunds_in_any_order_add_up_to_the_whole_sale(order):
    before: dict[int, Decimal] = {}
    money = points = growth = returned = 0
    outs = []
    for request in order:
        out = do(request, before=dict(before))
        outs.append(out)
        money += out.money
        points += out.points_reversed
        growth += out.growth_reversed
        returned += out.points_returned
        before = dict(out.refunded_after)
    assert money == 30996
    assert points == 60
    assert growth == 300
    assert returned == 7
    assert outs[-1].full is True
    assert all(not o.full for o in outs[:-1])
    assert [o.coupons_restored for o in outs] == [()] * (len(outs) - 1) + [("M300",)]


def test_refund_of_the_rest_when_request_is_none():
    out = do(None, before={1: D(2)})
    assert out.lines == {1: (D(1), 3333), 2: (D(1), 20001), 3: (D("0.350"), 995)}
    assert out.full is True


# --- coupons -------------------------------------------------------------------------------------


def test_coupon_restored_only_on_a_full_refund():
    assert do({1: D(3), 2: D(1)}).coupons_restored == ()  # line 3 still sold


def test_coupon_not_restored_once_expired():
    # M300 ran to 2027-01-01 00:00 (exclusive)
    assert do(None, at=datetime(2027, 1, 1, 0, 0, tzinfo=CST)).coupons_restored == ()
    assert do(None, at=datetime(2026, 12, 31, 23, 59, tzinfo=CST)).coupons_restored == ("M300",)


def test_coupon_validity_on_refund_is_judged_in_store_time():
    # 2026-12-31 16:30 UTC is 2027-01-01 00:30 in the store: the coupon has expired
    at_utc = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    assert do(None, at=at_utc.astimezone(CST)).coupons_restored == ()


# --- balances --------------------------------------------------------------------------------


def test_negative_balance_is_recorded_not_clamped():
    # member has 10 points left (spent the rest): 10 − 60 + 7 = −43
    out = do(None, points=10)
    assert out.member_points_after == -43
    assert out.negative_balance is True


def test_returned_points_can_keep_the_balance_at_zero():
    # 53 − 60 + 7 = 0: not negative
    out = do(None, points=53)
    assert out.member_points_after == 0
    assert out.negative_balance is False


@pytest.mark.parametrize("growth, tier", [
    (6100, "silver"),    # 6100 − 300 = 5800 < 6000: gold drops to silver
    (6300, "gold"),      # 6300 − 300 = 6000: still gold
    (3100, "regular"),   # 3100 − 300 = 2800: silver drops to regular
])
def test_tier_may_drop_after_a_refund(growth, tier):
    out = do(None, growth=growth)
    assert out.member_growth_after == growth - 300
    assert out.tier_after == tier


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_, before, message", [
    ({1: D(4)}, {}, "exceeds"),                       # more than sold
    ({1: D(2)}, {1: D(2)}, "exceeds"),                # more than is left
    ({3: D("0.351")}, {}, "exceeds"),
    ({1: D(0)}, {}, "greater than zero"),
    ({1: D(-1)}, {}, "greater than zero"),
    ({1: 1}, {}, "greater than zero"),                # quantities are Decimal
    ({9: D(1)}, {}, "no such line"),
    ({}, {}, "at least one line"),
    (None, {1: D(3), 2: D(1), 3: D("0.350")}, "already fully refunded"),
])
def test_refusals(request_, before, message):
    with pytest.raises(RefundError, match=message):
        do(request_, before=before)


def test_a_refused_refund_changes_nothing():
    # the refused request leaves the caller's record of earlier refunds untouched
    before = {1: D(1)}
    with pytest.raises(RefundError):
        do({1: D(1), 2: D(2)}, before=before)
    assert before == {1: D(1)}


# --- from a priced sale --------------------------------------------------------------------------


def test_full_refund_of_a_priced_sale_reverses_it_exactly():
    # gold member on a Wednesday: tea 20000 + coffee 13334 + gift card 5000 (not discountable,
    # not points-eligible)
    lines = (line("T", 20000, category="tea"), line("C", 6667, "2", category="coffee"),
             line("G", 5000, discountable=False, points_eligible=False))
    req = PricingRequest(at=WEDNESDAY, lines=lines, member=member("gold", points=500),
                         coupons=(M300,), redeem_points=37)
    result = price(req)
    # tier 9折: T 2000, C 13334 × 0.10 = 1333.4 -> 1333, G none; left 18000, 12001, 5000 = 35001
    # M300 (35001 >= 30000) 3000 over 18000 : 12001 : 5000 -> 1542.8, 1028.6, 428.6
    #   -> 1542, 1028, 428 + 2 spare fen to the largest remainders (T, C): 1543, 1029, 428
    # left 16457, 10972, 4572 = 32001; 37 points = 3700 (50 % allows 160 points)
    #   3700 over them -> 1902.8, 1268.6, 528.6 -> 1902, 1268, 528 + 2 fen to T and G
    #   -> 1903, 1268, 529; points 37 over those -> 19.03, 12.68, 5.29 -> 19, 13, 5
    # paid 14554, 9704, 4043 = 28301; eligible 14554 + 9704 = 24258
    # Wednesday ×2: floor(24258 × 2 / 1000) = 48 points; growth floor(242.58) = 242
    assert [x.paid for x in result.lines] == [14554, 9704, 4043]
    assert [x.points_redeemed for x in result.lines] == [19, 13, 5]
    assert (result.total, result.points_earned, result.growth_earned) == (28301, 48, 242)
    sale = sold_sale_from_quote(req, result)
    assert [x.line_no for x in sale.lines] == [1, 2, 3]
    assert sale.coupons == (M300,)
    out = refund(sale, {}, None, AT, member_points=1000, member_growth=9000)
    assert out.money == result.total
    assert out.points_returned == result.points_redeemed == 37
    assert out.points_reversed == result.points_earned
    assert out.growth_reversed == result.growth_earned
    assert out.coupons_restored == ("M300",)
    assert out.member_points_after == 1000 - result.points_earned + 37


def test_refund_of_one_line_of_a_priced_sale():
    lines = (line("T", 20000, category="tea"), line("C", 6667, "2", category="coffee"),
             line("G", 5000, discountable=False, points_eligible=False))
    req = PricingRequest(at=WEDNESDAY, lines=lines, member=member("gold", points=500),
                         coupons=(M300,), redeem_points=37)
    sale = sold_sale_from_quote(req, price(req))
    # the tea line (see above): paid 14554, 19 points redeemed on it
    #   points reversed round(48 × 14554 / 24258) = round(28.80) = 29
    #   growth reversed round(242 × 14554 / 24258) = round(145.19) = 145
    out = refund(sale, {}, {1: D(1)}, AT, member_points=100, member_growth=6300)
    assert (out.money, out.points_returned, out.points_reversed, out.growth_reversed) == (
        14554, 19, 29, 145)
    assert out.coupons_restored == ()
    assert out.member_points_after == 100 - 29 + 19
    assert (out.member_growth_after, out.tier_after) == (6155, "gold")
