"""Money: integer fen inside, "12.30" strings at the edges, ROUND_HALF_UP, largest remainder."""

from decimal import Decimal

import pytest

from pos_member.domain.money import (
    allocate,
    allocate_capped,
    format_fen,
    parse_decimal,
    parse_yuan,
    round_half_up,
    times,
)

# --- parsing and formatting -------------------------------------------------------------------

@pytest.mark.parametrize("text, fen", [
    ("12.30", 1230),
    ("12.3", 1230),       # one decimal is tenths of a yuan: 12.3 yuan = 1230 fen
    ("12", 1200),
    ("0.05", 5),
    ("0.00", 0),
    ("-0.05", -5),
    ("-12.30", -1230),
    (" 7.00 ", 700),      # surrounding blanks tolerated
    ("999999999999.99", 99999999999999),
])
def test_parse_yuan_strings(text, fen):
    assert parse_yuan(text) == fen
    assert isinstance(parse_yuan(text), int)


def test_parse_yuan_int_is_whole_yuan_and_decimal_is_exact():
    assert parse_yuan(12) == 1200
    assert parse_yuan(Decimal("1.25")) == 125


@pytest.mark.parametrize("bad", [12.3, 0.1, True, None, "12.345", "abc", "", "1,000.00",
                                 "1e3", "¥12.30", "12.30.1"])
def test_parse_yuan_refuses_floats_and_non_amounts(bad):
    with pytest.raises(ValueError):
        parse_yuan(bad)


@pytest.mark.parametrize("fen, text", [
    (1230, "12.30"), (5, "0.05"), (0, "0.00"), (100, "1.00"), (-5, "-0.05"),
    (-1230, "-12.30"), (100000000, "1000000.00"), (99, "0.99"),
])
def test_format_fen(fen, text):
    assert format_fen(fen) == text


@pytest.mark.parametrize("fen", [0, 1, 9, 10, 99, 100, 101, 12345, -1, -99, -100, -12345])
def test_format_then_parse_round_trips(fen):
    assert parse_yuan(format_fen(fen)) == fen


def test_parse_decimal_is_exact_and_refuses_floats():
    assert parse_decimal("0.350") == Decimal("0.350")
    assert parse_decimal(3) == Decimal(3)
    assert parse_decimal(Decimal("0.95")) == Decimal("0.95")
    with pytest.raises(ValueError, match="qty"):
        parse_decimal(0.35, "qty")
    with pytest.raises(ValueError, match="qty"):
        parse_decimal("abc", "qty")
    with pytest.raises(ValueError):
        parse_decimal("0.1234567")  # more than six decimals


# --- rounding ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, fen", [
    ("1046.5", 1047),   # half goes up, not to even (banker's rounding would give 1046)
    ("2.5", 3),
    ("2.4999", 2),
    ("0.5", 1),
    ("-0.5", -1),       # halves go away from zero
    ("-2.5", -3),
    ("7", 7),
])
def test_round_half_up(value, fen):
    assert round_half_up(Decimal(value)) == fen


def test_times_rounds_half_up_to_the_fen():
    # ¥29.90/kg × 0.350 kg = 2990 × 0.350 = 1046.5 fen -> 1047 fen (¥10.47)
    assert times(2990, Decimal("0.350")) == 1047
    # 5 % of ¥0.10 = 10 × 0.05 = 0.5 fen -> 1 fen
    assert times(10, Decimal("0.05")) == 1
    # 5 % of ¥0.09 = 0.45 fen -> 0 fen
    assert times(9, Decimal("0.05")) == 0


# --- largest-remainder allocation ---------------------------------------------------------------

def test_allocate_even_weights_tie_goes_to_the_earlier_lines():
    # 100 / 3 = 33 r 1 each; the one spare fen goes to index 0 (tie -> earlier index)
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    # 7 / 4 = 1 r 3 each; the 3 spare fen go to indices 0, 1, 2
    assert allocate(7, [1, 1, 1, 1]) == [2, 2, 2, 1]
    assert allocate(1, [5, 5]) == [1, 0]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]


def test_allocate_gives_the_spare_fen_to_the_largest_remainder_not_the_first_line():
    # 100 over 3000 : 2000 : 1000 (sum 6000)
    #   100*3000/6000 = 50     r 0
    #   100*2000/6000 = 33.33  r 2000/6000
    #   100*1000/6000 = 16.67  r 4000/6000  <- largest remainder gets the spare fen
    assert allocate(100, [3000, 2000, 1000]) == [50, 33, 17]


def test_allocate_exact_proportions_need_no_remainder():
    # 10 over 1:2:3:4 (sum 10) divides exactly
    assert allocate(10, [1, 2, 3, 4]) == [1, 2, 3, 4]
    assert allocate(0, [1, 2, 3]) == [0, 0, 0]


def test_allocate_mixed_remainders():
    # 1000 over 333 : 333 : 334 (sum 1000) is exact: [333, 333, 334]
    assert allocate(1000, [333, 333, 334]) == [333, 333, 334]
    # 10 over 1 : 1 : 1 : 0: 3 r 1 each for the first three (10*1 = 10 = 3*3 + 1), the zero
    # weight gets 0; one spare fen goes to index 0
    assert allocate(10, [1, 1, 1, 0]) == [4, 3, 3, 0]
    # 3 over 2 : 1 (sum 3) is exact
    assert allocate(3, [2, 1]) == [2, 1]
    # 5 over 4 : 4 : 2 (sum 10): 2 r 0, 2 r 0, 1 r 0 -> exact [2, 2, 1]
    assert allocate(5, [4, 4, 2]) == [2, 2, 1]
    # 5 over 3 : 3 : 4 (sum 10): 15/10 = 1 r 5, 1 r 5, 20/10 = 2 r 0; 1 spare fen, tie between
    # indices 0 and 1 -> index 0: [2, 1, 2]
    assert allocate(5, [3, 3, 4]) == [2, 1, 2]


@pytest.mark.parametrize("total, weights", [
    (1, [1, 1, 1]), (99, [7, 13, 29, 51]), (12345, [1, 1]), (1, [10**9, 1]),
    (500, [333, 333, 334]), (10**12 + 7, [3, 5, 7, 11]), (7, [0, 0, 3]),
])
def test_allocate_parts_always_sum_to_the_whole(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    assert all(p >= 0 for p in parts)


def test_allocate_all_zero_weights_splits_evenly():
    # no weight anywhere: split 5 evenly over 2 -> 2 r 1, the odd fen to the earlier index
    assert allocate(5, [0, 0]) == [3, 2]
    assert allocate(5, [0, 10]) == [0, 5]


def test_allocate_negative_total_is_mirrored():
    assert allocate(-7, [1, 1, 1, 1]) == [-2, -2, -2, -1]
    assert allocate(-100, [3000, 2000, 1000]) == [-50, -33, -17]


def test_allocate_over_nothing():
    assert allocate(0, []) == []
    with pytest.raises(ValueError):
        allocate(1, [])


def test_allocate_refuses_negative_weights():
    with pytest.raises(ValueError):
        allocate(10, [5, -1])


def test_allocate_capped_keeps_every_part_within_its_cap():
    # 9 over caps 5 : 5 -> 4 r 1 each, the spare to index 0: [5, 4]; both within 5
    assert allocate_capped(9, [5, 5]) == [5, 4]
    assert allocate_capped(10, [5, 5]) == [5, 5]
    with pytest.raises(ValueError):
        allocate_capped(11, [5, 5])
    with pytest.raises(ValueError):
        allocate_capped(-1, [5, 5])
