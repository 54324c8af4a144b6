"""Point lots: expiry at the end of the calendar year after the one earned in, the points expiring
within 30 days, and redemption consuming the lots that expire first."""

from datetime import date

import pytest

from pos_member.domain.points import (
    PointLot,
    consume_lots,
    expire_lots,
    expiring_within,
    lot_expiry,
)
from pos_member.domain.rules import DEFAULT_RULES

R = DEFAULT_RULES


@pytest.mark.parametrize("earned, last_day", [
    (date(2025, 3, 10), date(2026, 12, 31)),
    (date(2025, 1, 1), date(2026, 12, 31)),
    (date(2025, 12, 31), date(2026, 12, 31)),   # earned on New Year's Eve: still a year later
    (date(2026, 1, 1), date(2027, 12, 31)),
    (date(2024, 2, 29), date(2025, 12, 31)),
])
def test_lot_lasts_to_the_end_of_the_year_after_it_was_earned(earned, last_day):
    assert lot_expiry(earned, R) == last_day
    assert PointLot(earned, 10).expiry(R) == last_day


def test_expiry_years_come_from_the_rules():
    rules = R.with_overrides({"points_expiry_years_after": 2})
    assert lot_expiry(date(2025, 3, 10), rules) == date(2027, 12, 31)


def test_an_explicit_expiry_date_wins():
    lot = PointLot(date(2025, 3, 10), 10, expires_on=date(2026, 6, 30))
    assert lot.expiry(R) == date(2026, 6, 30)


# --- expiring within 30 days ------------------------------------------------------------------

LOTS = (
    PointLot(date(2025, 5, 1), 120),   # last day 2026-12-31
    PointLot(date(2026, 2, 1), 300),   # last day 2027-12-31
)


def test_points_expiring_within_thirty_days():
    # 2026-12-05 + 30 days = 2027-01-04: the 2025 lot (2026-12-31) is inside, the 2026 lot not
    assert expiring_within(LOTS, date(2026, 12, 5), 30, R) == (120, date(2026, 12, 31))


def test_expiring_window_edges():
    # 2026-12-01 + 30 = 2026-12-31: the last day is inside (inclusive)
    assert expiring_within(LOTS, date(2026, 12, 1), 30, R) == (120, date(2026, 12, 31))
    # 2026-11-30 + 30 = 2026-12-30: the lot's last day is one day outside
    assert expiring_within(LOTS, date(2026, 11, 30), 30, R) == (0, None)
    # on the last day itself the points still count as expiring
    assert expiring_within(LOTS, date(2026, 12, 31), 30, R) == (120, date(2026, 12, 31))
    # the day after, the lot is gone, not "expiring"
    assert expiring_within(LOTS, date(2027, 1, 1), 30, R) == (0, None)


def test_expiring_sums_several_lots_and_gives_the_earliest_day():
    lots = (PointLot(date(2025, 5, 1), 40),
            PointLot(date(2025, 1, 1), 25, expires_on=date(2026, 12, 20)),
            PointLot(date(2025, 9, 1), 0),      # empty: ignored
            PointLot(date(2025, 9, 2), -5),     # negative (debt): not "expiring"
            PointLot(date(2026, 1, 1), 999))    # 2027-12-31: outside the window
    # 40 + 25 = 65, earliest 2026-12-20
    assert expiring_within(lots, date(2026, 12, 5), 30, R) == (65, date(2026, 12, 20))


# --- expiry ------------------------------------------------------------------------------------


def test_expire_lots_on_new_years_day():
    lots = [PointLot(date(2025, 5, 1), 120), PointLot(date(2025, 7, 1), 30),
            PointLot(date(2026, 2, 1), 300)]
    kept, expired = expire_lots(lots, date(2027, 1, 1), R)
    assert expired == 150  # 120 + 30
    assert kept == [PointLot(date(2026, 2, 1), 300)]


def test_lots_are_still_usable_on_their_last_day():
    kept, expired = expire_lots([PointLot(date(2025, 5, 1), 120)], date(2026, 12, 31), R)
    assert expired == 0
    assert kept == [PointLot(date(2025, 5, 1), 120)]


# --- FIFO consumption ----------------------------------------------------------------------------


def test_redemption_consumes_the_lots_that_expire_first():
    lots = [PointLot(date(2026, 3, 1), 60),    # last day 2027-12-31
            PointLot(date(2025, 11, 1), 30),   # last day 2026-12-31, earned later
            PointLot(date(2025, 5, 1), 50)]    # last day 2026-12-31, earned first
    # 70 points: all 50 of the 2025-05 lot, then 20 of the 2025-11 lot (10 left)
    left, shortfall = consume_lots(lots, 70, R)
    assert shortfall == 0
    assert left == [PointLot(date(2025, 11, 1), 10), PointLot(date(2026, 3, 1), 60)]


def test_an_explicitly_earlier_expiry_is_consumed_first():
    lots = [PointLot(date(2025, 5, 1), 50),
            PointLot(date(2026, 3, 1), 20, expires_on=date(2026, 6, 30))]
    left, shortfall = consume_lots(lots, 30, R)
    # the promo lot ending 2026-06-30 goes first (20), then 10 of the 2025 lot
    assert left == [PointLot(date(2025, 5, 1), 40)]
    assert shortfall == 0


def test_consuming_more_than_the_lots_hold_reports_the_shortfall():
    lots = [PointLot(date(2025, 5, 1), 50), PointLot(date(2026, 3, 1), 90)]
    left, shortfall = consume_lots(lots, 200, R)
    assert left == []
    assert shortfall == 60  # 200 − (50 + 90), recorded by the caller, never clamped


def test_consuming_exactly_everything():
    left, shortfall = consume_lots([PointLot(date(2025, 5, 1), 50)], 50, R)
    assert (left, shortfall) == ([], 0)


def test_consuming_nothing_changes_nothing():
    lots = [PointLot(date(2025, 5, 1), 50)]
    assert consume_lots(lots, 0, R) == (lots, 0)


def test_consuming_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        consume_lots([PointLot(date(2025, 5, 1), 50)], -1, R)
