"""积分抵现: 1 point = ¥1.00, whole points, ≤ 50 % of the payable, ≤ available points, offline
≤ 200 points per member per day on one till."""

import pytest

from pos_member.domain.rules import DEFAULT_RULES

from .support import amount_off, assert_consistent, line, member, quote


def test_redemption_within_every_limit():
    # regular, 10000 payable; 20 points of 100 -> ¥20.00 off; 10000 − 2000 = 8000
    r = quote([line("A", 10000)], member("regular", points=100), redeem_points=20)
    assert r.points_redeemed == 20
    assert r.points_value == 2000
    assert r.redeem_limited_by is None
    assert r.total == 8000
    assert_consistent(r)


def test_no_redemption_asked():
    r = quote([line("A", 10000)], member("regular", points=100))
    assert r.points_redeemed == 0 and r.points_value == 0 and r.redeem_limited_by is None


def test_non_member_cannot_redeem():
    r = quote([line("A", 10000)], None, redeem_points=10)
    assert r.points_redeemed == 0
    assert r.redeem_limited_by == "no_member"
    assert r.total == 10000


# --- each limit binding in turn (offline, ¥1000 basket unless said) -------------------------------


def test_balance_binds():
    # asked 400; balance 150 < 50 % (500) and < offline 200 -> 150
    r = quote([line("A", 100000)], member("regular", points=150), redeem_points=400,
              online=False)
    assert r.points_redeemed == 150
    assert r.redeem_limited_by == "balance"
    assert r.total == 100000 - 15000


def test_half_of_the_payable_binds():
    # ¥300 basket: 50 % = ¥150 = 150 points < offline 200 < balance 1000
    r = quote([line("A", 30000)], member("regular", points=1000), redeem_points=400,
              online=False)
    assert r.points_redeemed == 150
    assert r.redeem_limited_by == "max_ratio"
    assert r.total == 15000


def test_offline_daily_limit_binds():
    # ¥1000 basket: 50 % = 500 points; balance 1000; offline limit 200
    r = quote([line("A", 100000)], member("regular", points=1000), redeem_points=400,
              online=False)
    assert r.points_redeemed == 200
    assert r.redeem_limited_by == "offline_daily_limit"
    assert r.total == 100000 - 20000


def test_offline_daily_limit_minus_what_was_redeemed_offline_today():
    # 200 − 120 already redeemed offline today on this till = 80
    r = quote([line("A", 100000)], member("regular", points=1000, redeemed_today_offline=120),
              redeem_points=400, online=False)
    assert r.points_redeemed == 80
    assert r.redeem_limited_by == "offline_daily_limit"


def test_offline_daily_limit_used_up():
    r = quote([line("A", 100000)], member("regular", points=1000, redeemed_today_offline=250),
              redeem_points=10, online=False)
    assert r.points_redeemed == 0
    assert r.redeem_limited_by == "offline_daily_limit"
    assert r.total == 100000


def test_online_ignores_the_offline_limit():
    # online: balance 1000, 50 % = 500; asked 400 -> 400 (the offline 200 does not apply)
    r = quote([line("A", 100000)], member("regular", points=1000, redeemed_today_offline=250),
              redeem_points=400, online=True)
    assert r.points_redeemed == 400
    assert r.redeem_limited_by is None
    assert r.total == 60000


def test_offline_limit_is_a_rule_the_central_can_change():
    rules = DEFAULT_RULES.with_overrides({"offline_daily_redeem_limit": 50})
    r = quote([line("A", 100000)], member("regular", points=1000), redeem_points=400,
              online=False, rules=rules)
    assert r.points_redeemed == 50


# --- the balance --------------------------------------------------------------------------------


def test_available_points_subtract_pending_redemptions_on_this_till():
    # cached balance 100, 80 redeemed here and not yet confirmed -> 20 available
    r = quote([line("A", 10000)], member("regular", points=100, pending_redeemed=80),
              redeem_points=50)
    assert r.points_redeemed == 20
    assert r.redeem_limited_by == "balance"


def test_pending_redemptions_above_the_balance_leave_nothing():
    r = quote([line("A", 10000)], member("regular", points=100, pending_redeemed=130),
              redeem_points=5)
    assert r.points_redeemed == 0
    assert r.redeem_limited_by == "balance"


def test_negative_balance_redeems_nothing():
    r = quote([line("A", 10000)], member("regular", points=-5), redeem_points=5)
    assert r.points_redeemed == 0
    assert r.total == 10000


# --- 50 % of what is payable after discounts, whole points -------------------------------------


def test_half_is_of_the_payable_after_tier_and_coupon_discounts():
    # gold 10000 -> 9000 after 9折; ¥10 coupon -> 8000; 50 % = 4000 = 40 points
    r = quote([line("A", 10000)], member("gold", points=1000),
              coupons=[amount_off("W10", 1000)], redeem_points=100)
    assert r.points_redeemed == 40
    assert r.redeem_limited_by == "max_ratio"
    assert r.total == 4000


def test_half_rounds_down_to_whole_points():
    # payable 9999: 50 % = 4999.5 fen = 49.995 points -> 49 points (¥49.00)
    r = quote([line("A", 9999)], member("regular", points=1000), redeem_points=100)
    assert r.points_redeemed == 49
    assert r.points_value == 4900
    assert r.total == 5099


def test_a_tiny_basket_allows_no_points():
    # payable 199: 50 % = 99.5 fen < ¥1 -> 0 points
    r = quote([line("A", 199)], member("regular", points=1000), redeem_points=1)
    assert r.points_redeemed == 0
    assert r.redeem_limited_by == "max_ratio"


def test_point_value_comes_from_the_rules():
    # 1 point = ¥0.50: 30 points = 1500; 50 % of 10000 = 5000 = 100 points
    rules = DEFAULT_RULES.with_overrides({"point_value": "0.50"})
    r = quote([line("A", 10000)], member("regular", points=1000), redeem_points=30,
              rules=rules)
    assert r.points_value == 1500
    assert r.total == 8500
    r = quote([line("A", 10000)], member("regular", points=1000), redeem_points=300,
              rules=rules)
    assert r.points_redeemed == 100 and r.redeem_limited_by == "max_ratio"


# --- spread over the lines ----------------------------------------------------------------------


def test_points_value_and_points_are_spread_over_lines():
    # 10 points = 1000 over 3000 : 1000 -> 750, 250
    # points 10 over 750 : 250 -> 7.5, 2.5: 7 r 500, 2 r 500 -> spare point to index 0: 8, 2
    r = quote([line("A", 3000), line("B", 1000)], member("regular", points=100),
              redeem_points=10)
    assert [x.points_value for x in r.lines] == [750, 250]
    assert [x.points_redeemed for x in r.lines] == [8, 2]
    assert [x.paid for x in r.lines] == [2250, 750]
    assert_consistent(r)


def test_points_skip_a_line_already_free():
    # A costs 1000 and its ¥10 sku coupon takes it all; B 4000. Payable 4000, 50 % = 20 points
    # the 2000 of points all land on B
    c = amount_off("FREE-A", 1000, skus=frozenset({"A"}))
    r = quote([line("A", 1000), line("B", 4000)], member("regular", points=100),
              coupons=[c], redeem_points=20)
    assert [x.points_value for x in r.lines] == [0, 2000]
    assert [x.points_redeemed for x in r.lines] == [0, 20]
    assert [x.paid for x in r.lines] == [0, 2000]


@pytest.mark.parametrize("online", [True, False])
def test_redemption_never_exceeds_what_was_asked(online):
    r = quote([line("A", 100000)], member("gold", points=10**6), redeem_points=7, online=online)
    assert r.points_redeemed == 7
