"""Scale barcodes (variable-measure EAN-13) and weights typed in kg."""

from decimal import Decimal as D

import pytest

from pos_member.domain import scale


def label(first12: str) -> str:
    return first12 + str(scale.ean13_check_digit(first12))


def test_check_digit_of_a_known_ean():
    assert scale.ean13_check_digit("400638133393") == 1  # 4006381333931


def test_default_layout_reads_plu_and_grams():
    r = scale.read_scale_code(label("210090100350"))
    assert r == scale.ScaleReading(label("210090100350"), "00901", weight_kg=D("0.350"))
    assert r.weight_kg.as_tuple().exponent == -3


def test_wrong_check_digit_foreign_prefix_or_length_is_not_a_scale_code():
    good = label("210090100350")
    bad = good[:12] + str((int(good[12]) + 1) % 10)
    assert scale.read_scale_code(bad) is None
    assert scale.read_scale_code(label("690090100350")) is None  # a shop EAN, not 20-29
    assert scale.read_scale_code(good[:12]) is None
    assert scale.read_scale_code("21009010035x7") is None


def test_configured_price_layout():
    layouts = scale.parse_layouts("20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC")
    assert scale.read_scale_code(label("220090101225"), layouts).price_fen == 1225
    assert scale.read_scale_code(label("210090101225"), layouts).weight_kg == D("1.225")
    assert scale.format_layouts(layouts) == "20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC"


def test_layout_with_a_price_check_digit_and_a_four_digit_plu():
    layouts = scale.parse_layouts("28=FFIIIIXPPPPPC")
    r = scale.read_scale_code(label("280901712345"), layouts)
    assert (r.item, r.price_fen) == ("0901", 12345)


@pytest.mark.parametrize("text", [
    "19=FFIIIIIWWWWWC", "20=FFIIIIIWWWWW", "20=FFIIIIIWWWWPC", "20=FFIIWIIIWWWWC",
    "20=FFWWWWWWWWWWC", "20FFIIIIIWWWWWC", "20=FFIIIIIWWWWWC;20=FFIIIIIPPPPPC",
])
def test_malformed_layouts_are_refused(text):
    with pytest.raises(scale.ScaleError):
        scale.parse_layouts(text)


def test_amount_is_rounded_half_up_to_the_fen():
    # 32000 fen/kg x 0.350 kg = 11200; 1999 fen/kg x 0.350 = 699.65 -> 700; x 0.005 = 9.995 -> 10
    assert scale.amount_for(32000, D("0.350")) == 11200
    assert scale.amount_for(1999, D("0.350")) == 700
    assert scale.amount_for(1999, D("0.005")) == 10
    assert scale.amount_for(1990, D("0.125")) == 249  # 248.75


def test_weight_for_a_label_price():
    assert scale.weight_for_price(1225, 3500) == (D("0.350"), True)
    # 3500 fen/kg moves in 3.5 fen steps: 1226 fen is no weight to the gram; nearest is 0.350
    assert scale.weight_for_price(1226, 3500) == (D("0.350"), False)
    w, exact = scale.weight_for_price(700, 1999)
    assert exact and scale.amount_for(1999, w) == 700


@pytest.mark.parametrize("text,kg", [("0.350", "0.350"), ("1.2", "1.200"), ("2", "2.000"),
                                     ("0,005", "0.005"), (" 12.345 ", "12.345")])
def test_parse_weight(text, kg):
    assert scale.parse_weight(text) == D(kg)
    assert str(scale.parse_weight(text)) == kg


@pytest.mark.parametrize("text", ["0.3505", "0", "-1", "abc", "", "1000", "NaN", "inf"])
def test_parse_weight_refuses(text):
    with pytest.raises(scale.ScaleError):
        scale.parse_weight(text)
