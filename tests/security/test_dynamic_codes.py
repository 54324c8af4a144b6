import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_member.security.keys import (
    generate_key_pair,
    key_fingerprint,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    private_key_to_raw,
    public_key_to_pem,
    public_key_to_raw,
)
from pos_member.security.member_codes import (
    CodeRefused,
    InMemoryNonceRegistry,
    NonceRegistry,
    RefusalReason,
    VerifiedCode,
    check_for_spending,
    issue_dynamic_code,
    verify_dynamic_code,
)

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
MEMBER = "0f6c1a8e-3d2b-4c5e-9a7f-1234567890ab"
PRIVATE, PUBLIC = generate_key_pair()
OTHER_PRIVATE, _ = generate_key_pair()
KEYS = {"k1": PUBLIC}


def issue(**kwargs):
    args = {"private_key": PRIVATE, "key_id": "k1", "member_id": MEMBER, "now": NOW}
    args.update(kwargs)
    return issue_dynamic_code(**args)


def refused(text, keys=KEYS, now=NOW, **kwargs):
    with pytest.raises(CodeRefused) as info:
        verify_dynamic_code(text, keys, now, **kwargs)
    assert info.value.message  # always a sentence for the cashier
    return info.value.reason


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(payload_bytes: bytes, key=PRIVATE) -> str:
    """A code whose signature is genuine whatever the payload says."""
    segment = b64(payload_bytes)
    return f"PM1.{segment}.{b64(key.sign(f'PM1.{segment}'.encode()))}"


def payload(**changes):
    data = {"v": 1, "k": "k1", "m": MEMBER, "nb": 1714554000, "na": 1714554060,
            "n": "00112233445566778899aabbccddeeff"}
    data.update(changes)
    kept = {k: v for k, v in data.items() if v is not ...}  # ... removes a key
    return json.dumps(kept, separators=(",", ":")).encode()


# --- format and happy path ------------------------------------------------------------------


def test_issue_and_verify_round_trip():
    code = issue(nonce="00112233445566778899aabbccddeeff")
    assert code.startswith("PM1.") and code.count(".") == 2
    assert code.isascii() and len(code) < 300  # fits a small QR code
    prefix, segment, signature = code.split(".")
    assert json.loads(base64.urlsafe_b64decode(segment + "==")) == {
        "v": 1, "k": "k1", "m": MEMBER, "nb": int(NOW.timestamp()),
        "na": int(NOW.timestamp()) + 60, "n": "00112233445566778899aabbccddeeff"}
    assert len(base64.urlsafe_b64decode(signature + "==")) == 64

    verified = verify_dynamic_code(code, KEYS, NOW)
    assert verified == VerifiedCode(
        member_id=MEMBER, nonce="00112233445566778899aabbccddeeff", not_before=NOW,
        not_after=NOW + timedelta(seconds=60), key_id="k1")


def test_random_nonces_differ():
    first, second = (verify_dynamic_code(issue(), KEYS, NOW).nonce for _ in range(2))
    assert first != second and len(first) == 32


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r", "  \r\n"])
def test_keyboard_wedge_enter_is_ignored(ending):
    assert verify_dynamic_code(issue() + ending, KEYS, NOW).member_id == MEMBER


@pytest.mark.parametrize(
    "key", [PUBLIC, public_key_to_raw(PUBLIC), public_key_to_pem(PUBLIC),
            public_key_to_pem(PUBLIC).decode()],
    ids=["object", "raw", "pem-bytes", "pem-text"],  # stable ids: the key is random per run
)
def test_public_key_given_as_object_raw_or_pem(key):
    assert verify_dynamic_code(issue(), {"k1": load_public_key(key)}, NOW).member_id == MEMBER
    if isinstance(key, bytes) and len(key) == 32:
        assert verify_dynamic_code(issue(), {"k1": key}, NOW).member_id == MEMBER


def test_the_signing_key_may_be_given_raw():
    code = issue(private_key=private_key_to_raw(PRIVATE))
    assert verify_dynamic_code(code, KEYS, NOW).member_id == MEMBER


# --- every refusal reason --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx01", "wxp://f2f0abcdef",
     "https://qr.alipay.com/fkx12345", "13812341234", "", "   ", "hello", "pm1.abc.def",
     "PMC.123456782", "\x00" * 50, "😀" * 10_000],
)
def test_foreign_codes(text):
    assert refused(text) is RefusalReason.FOREIGN


def test_a_printed_card_code_is_foreign_here_with_a_helpful_message():
    with pytest.raises(CodeRefused, match="printed card"):
        verify_dynamic_code("PMC.123456782", KEYS, NOW)


def test_non_text_is_foreign():
    assert refused(b"PM1.x.y") is RefusalReason.FOREIGN  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "PM1.", "PM1.abc", "PM1.a.b.c", "PM1..", "PM2.abc.def", "PM10.x.y",
        "PM1.eyJ2IjoxfQ.AAAA",  # signature too short
        "PM1.eyJ2IjoxfQ==." + "A" * 86,  # padding is not allowed
        "PM1.eyJ2Ijox+Q." + "A" * 86,  # standard, not url-safe, alphabet
        "PM1." + "A" * 2000 + "." + "A" * 86,
    ],
)
def test_malformed_codes(text):
    assert refused(text) is RefusalReason.MALFORMED


@pytest.mark.parametrize(
    "body",
    [
        b"not json", b"[1,2]", b"\xff\xfe", payload(v=2), payload(v=True), payload(v=...),
        payload(extra=1), payload(k=""), payload(k="k 1"), payload(m=""), payload(m="a\nb"),
        payload(m=5), payload(nb=1714554061), payload(nb=-1), payload(na=True),
        payload(na=1714554060.5), payload(n="ABCDEF0123456789"), payload(n="abc"),
        payload(n="0" * 66), payload(na=10**12),
        b'{"v":1,"v":1,"k":"k1","m":"x","nb":1,"na":2,"n":"0011223344556677"}',
        b'{"v":1,"k":"k1","m":"x","nb":NaN,"na":2,"n":"0011223344556677"}',
    ],
)
def test_malformed_payloads_even_when_signed(body):
    assert refused(signed(body)) is RefusalReason.MALFORMED


def test_a_non_canonical_base64_signature_is_malformed():
    code = issue()
    prefix, segment, signature = code.split(".")
    # 64 bytes -> 86 chars whose last one carries 2 unused bits; flip them
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    twin = alphabet[last ^ 1]
    assert refused(f"{prefix}.{segment}.{signature[:-1]}{twin}") is RefusalReason.MALFORMED


def test_unknown_key():
    assert refused(issue(key_id="k2")) is RefusalReason.UNKNOWN_KEY
    assert refused(issue(), keys={}) is RefusalReason.UNKNOWN_KEY


def test_forged_signature_from_another_key():
    assert refused(issue(private_key=OTHER_PRIVATE)) is RefusalReason.BAD_SIGNATURE


def test_tampered_payload_keeps_the_old_signature():
    prefix, segment, signature = issue().split(".")
    data = json.loads(base64.urlsafe_b64decode(segment + "=="))
    data["m"] = "someone-else"
    forged = f"{prefix}.{b64(json.dumps(data, separators=(',', ':')).encode())}.{signature}"
    assert refused(forged) is RefusalReason.BAD_SIGNATURE


def test_tampered_signature():
    prefix, segment, signature = issue().split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    assert refused(f"{prefix}.{segment}.{b64(bytes(raw))}") is RefusalReason.BAD_SIGNATURE


def test_expired_and_the_skew_allowance_after_the_window():
    code = issue(ttl_seconds=60)
    end = NOW + timedelta(seconds=60)
    assert verify_dynamic_code(code, KEYS, end).member_id == MEMBER
    assert verify_dynamic_code(code, KEYS, end + timedelta(seconds=30)).member_id == MEMBER
    assert refused(code, now=end + timedelta(seconds=30, microseconds=1)) is RefusalReason.EXPIRED
    assert refused(code, now=end + timedelta(hours=1)) is RefusalReason.EXPIRED
    assert refused(code, now=end + timedelta(seconds=1), skew_seconds=0) is RefusalReason.EXPIRED


def test_future_codes_beyond_the_skew_are_refused_and_within_it_accepted():
    code = issue()  # valid from NOW
    assert verify_dynamic_code(code, KEYS, NOW - timedelta(seconds=30)).member_id == MEMBER
    assert verify_dynamic_code(code, KEYS, NOW - timedelta(seconds=29)).member_id == MEMBER
    assert refused(code, now=NOW - timedelta(seconds=31)) is RefusalReason.NOT_YET_VALID
    assert refused(code, now=NOW - timedelta(seconds=1), skew_seconds=0) is (
        RefusalReason.NOT_YET_VALID)


def test_revoked_key_or_member():
    code = issue()
    assert refused(code, revoked_key_ids={"k1"}) is RefusalReason.REVOKED
    assert refused(code, revoked_member_ids={MEMBER}) is RefusalReason.REVOKED
    other = verify_dynamic_code(code, KEYS, NOW, revoked_key_ids={"k0"},
                                revoked_member_ids={"someone"})
    assert other.member_id == MEMBER


def test_revocation_is_only_reported_for_genuine_codes():
    forged = issue(private_key=OTHER_PRIVATE)
    assert refused(forged, revoked_member_ids={MEMBER}) is RefusalReason.BAD_SIGNATURE


def test_naive_now_is_a_programming_error_not_a_refusal():
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_dynamic_code(issue(), KEYS, datetime(2024, 5, 1, 9, 0))


# --- nonces: spending -------------------------------------------------------------------------


def test_replayed_code_is_refused_for_spending():
    registry = InMemoryNonceRegistry()
    code = issue()
    check_for_spending(verify_dynamic_code(code, KEYS, NOW), registry, NOW)
    screenshot = verify_dynamic_code(code, KEYS, NOW + timedelta(seconds=20))  # still identifies
    with pytest.raises(CodeRefused) as info:
        check_for_spending(screenshot, registry, NOW + timedelta(seconds=20))
    assert info.value.reason is RefusalReason.REPLAYED
    # a fresh code from the app spends fine
    check_for_spending(verify_dynamic_code(issue(), KEYS, NOW), registry, NOW)
    assert len(registry) == 2


def test_scanning_twice_to_look_a_member_up_consumes_nothing():
    registry = InMemoryNonceRegistry()
    code = issue()
    first = verify_dynamic_code(code, KEYS, NOW)
    second = verify_dynamic_code(code, KEYS, NOW + timedelta(seconds=5))
    assert first == second and len(registry) == 0
    check_for_spending(second, registry, NOW + timedelta(seconds=5))
    assert registry.seen(first.nonce)


def test_spent_nonces_are_kept_a_day_past_the_code_then_purged():
    registry = InMemoryNonceRegistry()
    verified = verify_dynamic_code(issue(), KEYS, NOW)
    check_for_spending(verified, registry, NOW)
    assert registry.purge_expired(verified.not_after + timedelta(hours=23)) == 0
    assert registry.seen(verified.nonce)
    assert registry.purge_expired(verified.not_after + timedelta(days=1)) == 1
    assert not registry.seen(verified.nonce) and len(registry) == 0


def test_in_memory_registry_satisfies_the_protocol():
    assert isinstance(InMemoryNonceRegistry(), NonceRegistry)


# --- issuing and keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"key_id": ""}, {"key_id": "k 1"}, {"member_id": ""}, {"member_id": "a\x00"},
     {"ttl_seconds": 0}, {"ttl_seconds": 1.5}, {"nonce": "xyz"}, {"nonce": "ABCDEF0123456789"}],
)
def test_issue_refuses_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        issue(**kwargs)


def test_key_serialization_round_trips():
    raw = public_key_to_raw(PUBLIC)
    assert len(raw) == 32
    assert public_key_to_raw(load_public_key(raw)) == raw
    assert public_key_to_raw(load_public_key(public_key_to_pem(PUBLIC))) == raw
    for data in (private_key_to_raw(PRIVATE), private_key_to_pem(PRIVATE)):
        assert private_key_to_raw(load_private_key(data)) == private_key_to_raw(PRIVATE)
    encrypted = private_key_to_pem(PRIVATE, password=b"secret")
    assert b"ENCRYPTED" in encrypted
    assert private_key_to_raw(load_private_key(encrypted, b"secret")) == private_key_to_raw(PRIVATE)
    assert len(key_fingerprint(PUBLIC)) == 16
    assert key_fingerprint(PUBLIC) == key_fingerprint(public_key_to_pem(PUBLIC))
    assert key_fingerprint(PUBLIC) != key_fingerprint(OTHER_PRIVATE.public_key())


def test_keys_of_the_wrong_size_or_algorithm_are_refused():
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_key(ec_pem)
    with pytest.raises(ValueError, match="32 bytes"):
        load_public_key(b"\x01" * 31)
    with pytest.raises(ValueError, match="32 bytes"):
        load_private_key(b"\x01" * 33)
    with pytest.raises(ValueError):
        verify_dynamic_code(issue(), {"k1": b"\x01" * 31}, NOW)


# --- properties -------------------------------------------------------------------------------

member_ids = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn")),
    min_size=1, max_size=128,
).filter(str.isprintable)


@settings(max_examples=100)
@given(member_ids, st.integers(min_value=1, max_value=86_400),
       st.integers(min_value=0, max_value=4_000_000_000))
def test_any_issued_code_verifies_inside_its_window(member_id, ttl, unix):
    now = datetime.fromtimestamp(unix, UTC)
    code = issue(member_id=member_id, ttl_seconds=ttl, now=now)
    verified = verify_dynamic_code(code, KEYS, now + timedelta(seconds=ttl))
    assert verified.member_id == member_id
    assert verified.not_after - verified.not_before == timedelta(seconds=ttl)


CODE = issue()


@settings(max_examples=500)
@given(st.integers(min_value=0, max_value=len(CODE) - 1),
       st.characters(blacklist_categories=("Cs",)))
def test_any_single_character_change_is_refused(position, char):
    if CODE[position] == char:
        return
    mutated = CODE[:position] + char + CODE[position + 1:]
    with pytest.raises(CodeRefused):
        verify_dynamic_code(mutated, KEYS, NOW)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=400), st.text(max_size=400).map(lambda s: "PM1." + s),
                 st.binary(max_size=300).map(lambda b: "PM1." + b64(b) + "." + b64(b[::-1]))))
def test_arbitrary_text_is_only_ever_refused(text):
    with pytest.raises(CodeRefused):
        verify_dynamic_code(text, KEYS, NOW)
