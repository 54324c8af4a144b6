from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pos_member.security import member_codes
from pos_member.security.keys import generate_key_pair
from pos_member.security.member_codes import (
    CodeRefused,
    RefusalReason,
    ScanKind,
    ScanResult,
    StaticCardCode,
    classify_scan,
    issue_dynamic_code,
    luhn_check_digit,
    make_static_code,
    mask_phone,
    normalize_phone,
    parse_static_code,
)

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
PRIVATE, _ = generate_key_pair()
DYNAMIC = issue_dynamic_code(PRIVATE, "k1", "member-1", NOW)


# --- static card codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, check",
    [("7992739871", "3"), ("12345678", "2"), ("000000", "0"), ("411111111111111", "1")],
)
def test_luhn_check_digit_known_values(number, check):
    assert luhn_check_digit(number) == check


def test_static_code_round_trip():
    code = make_static_code("00012345")
    assert code == "PMC.00012345" + luhn_check_digit("00012345")
    card = parse_static_code(code + "\r\n")
    assert card == StaticCardCode("00012345")
    assert card.code == code
    assert card.spending_allowed is False
    assert make_static_code(12345678) == "PMC.123456782"


def test_static_code_prefix_ignores_case():  # scanners with Caps Lock on swap case
    assert parse_static_code("pmc.123456782").card_number == "12345678"


@pytest.mark.parametrize("number", ["", "12345", "1" * 19, "1234567a", "١٢٣٤٥٦٧", "-123456"])
def test_make_static_code_refuses_bad_card_numbers(number):
    with pytest.raises(ValueError):
        make_static_code(number)


@pytest.mark.parametrize(
    "text, reason",
    [("PMC.123456783", RefusalReason.MALFORMED), ("PMC.12345", RefusalReason.MALFORMED),
     ("PMC.12345678x", RefusalReason.MALFORMED), ("PMC.", RefusalReason.MALFORMED),
     ("123456782", RefusalReason.FOREIGN), (DYNAMIC, RefusalReason.FOREIGN)],
)
def test_parse_static_code_refusals(text, reason):
    with pytest.raises(CodeRefused) as info:
        parse_static_code(text)
    assert info.value.reason is reason


@given(st.text(alphabet="0123456789", min_size=6, max_size=18),
       st.integers(min_value=0), st.integers(min_value=1, max_value=9))
def test_luhn_catches_every_single_digit_error(number, where, delta):
    code = make_static_code(number)
    body = code[4:]
    i = where % len(body)
    wrong = body[:i] + str((int(body[i]) + delta) % 10) + body[i + 1:]
    with pytest.raises(CodeRefused) as info:
        parse_static_code("PMC." + wrong)
    assert info.value.detail == "bad_check_digit"


# --- phone numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["13812341234", "138 1234 1234", "138-1234-1234", "+86 138 1234 1234",
             "008613812341234", "8613812341234", "１３８１２３４１２３４", "(+86)13812341234"],
)
def test_normalize_phone_accepts_common_spellings(text):
    assert normalize_phone(text) == "13812341234"


@pytest.mark.parametrize(
    "text", ["12812341234", "1381234123", "138123412345", "23812341234", "1381234123a", "",
             "+1 138 1234 1234", "١٣٨١٢٣٤١٢٣٤"],
)
def test_normalize_phone_refuses_non_mainland_mobiles(text):
    assert normalize_phone(text) is None


@pytest.mark.parametrize(
    "phone, masked",
    [("13812341234", "138****1234"), ("19912345678", "199****5678"), ("02112345678", "021****5678"),
     ("12345678", "123*5678"), ("1234567", "*****67"), ("123", "*23"), ("12", "**"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


# --- classify_scan ----------------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["", "\r\n", "\n", "\r", "\r\n\r\n", " \t"])
def test_classify_each_kind_with_scanner_line_endings(ending):
    assert classify_scan(DYNAMIC + ending) == ScanResult(
        ScanKind.DYNAMIC_CODE, DYNAMIC, "", "Member code from the app.")
    static = classify_scan("PMC.123456782" + ending)
    assert (static.kind, static.value) == (ScanKind.STATIC_CARD, "12345678")
    phone = classify_scan("138 1234 1234" + ending)
    assert (phone.kind, phone.value) == (ScanKind.PHONE, "13812341234")
    last4 = classify_scan("1234" + ending)
    assert (last4.kind, last4.value) == (ScanKind.PHONE_LAST4, "1234")


def test_full_width_digits_typed_with_a_chinese_ime():
    assert classify_scan("１２３４") == ScanResult(
        ScanKind.PHONE_LAST4, "1234", "", "Last four digits of a phone number.")


def test_only_a_dynamic_code_can_authorise_spending():
    assert classify_scan(DYNAMIC).spending_allowed
    for text in ("PMC.123456782", "13812341234", "1234", "wxp://x", "PMC.123456783"):
        assert not classify_scan(text).spending_allowed
    assert classify_scan("PMC.123456782").identifies
    assert not classify_scan("wxp://x").identifies


@pytest.mark.parametrize(
    "text, reason",
    [
        ("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx0123", "url"),
        ("wxp://f2f0Cr8gd1QeS3Y9CnSgMqcFYpTzLDKe0Zxx", "url"),
        ("weixin://wxpay/bizpayurl?pr=AbCdEfG", "url"),
        ("https://qr.alipay.com/bax01234abcd", "url"),
        ("134567890123456789", "payment_code"),  # WeChat Pay payment code
        ("2845678901234567890", "payment_code"),  # Alipay
        ("6212345678901234567", "payment_code"),  # UnionPay QR
        ("", "empty"),
        ("\r\n", "empty"),
        ("1" * 2000, "too_long"),
        ("hello world", "unrecognised"),
        ("123456", "unrecognised"),
        ("6901234567892", "unrecognised"),  # an EAN-13 product barcode
    ],
)
def test_foreign_scans_get_a_reason_and_a_message(text, reason):
    result = classify_scan(text)
    assert result.kind is ScanKind.FOREIGN
    assert result.reason == reason
    assert result.message and result.value == ""
    assert "1234" not in result.message  # the scanned content is never echoed


@pytest.mark.parametrize(
    "text, reason",
    [("PM1.garbage", "malformed"), ("PM1." + "A" * 20 + "." + "A" * 86, "malformed"),
     ("PM2.abc.def", "unsupported_version"), ("PMC.123456783", "bad_check_digit"),
     ("PMC.12", "malformed")],
)
def test_damaged_codes_of_ours_are_invalid_not_foreign(text, reason):
    result = classify_scan(text)
    assert (result.kind, result.reason) == (ScanKind.INVALID, reason)
    assert result.message


@pytest.mark.parametrize("value", [None, b"PMC.123456782", 13812341234, ["1234"]])
def test_non_text_input_is_foreign(value):
    assert classify_scan(value).kind is ScanKind.FOREIGN


# --- never raises -----------------------------------------------------------------------------

nasty_text = st.one_of(
    st.text(max_size=200),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()),
            max_size=300),
    # long inputs: a short random piece repeated up to 10,000 characters
    st.tuples(st.text(min_size=1, max_size=50), st.integers(min_value=1_000, max_value=10_000))
    .map(lambda piece_size: (piece_size[0] * piece_size[1])[: piece_size[1]]),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.tuples(st.sampled_from(["PM1.", "PMC.", "pmc.", "PM9.", "+86", "138", "https://", ""]),
              st.text(max_size=1100), st.sampled_from(["", "\r\n", "\n", "\x00"])).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(nasty_text)
@example("\x00")
@example("😀" * 10_000)
@example('"\'`;--<script>\\')
@example("PM1." + "\x00" * 9_996)
@example("PMC." + "9" * 19)
@example("\u202e1234")
@example("\ud800PM1.")
def test_classify_scan_never_raises(text):
    # The unguarded classifier must cope on its own; classify_scan's catch-all is a last resort.
    result = member_codes._classify(text)
    assert isinstance(result, ScanResult)
    assert isinstance(result.kind, ScanKind)
    assert isinstance(result.message, str) and result.message
    assert classify_scan(text) == result
    if result.kind is ScanKind.FOREIGN or result.kind is ScanKind.INVALID:
        assert result.value == ""


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       st.sampled_from(["", "\r\n", "\n"]))
def test_every_mainland_mobile_number_is_recognised(phone, ending):
    assert classify_scan(phone + ending) == ScanResult(ScanKind.PHONE, phone, "", "Phone number.")


@given(st.text(alphabet="0123456789", min_size=6, max_size=18))
def test_every_card_code_is_recognised(number):
    result = classify_scan(make_static_code(number) + "\r\n")
    assert (result.kind, result.value) == (ScanKind.STATIC_CARD, number)
