"""Member codes: the public face of dynamic codes, plus printed card codes, phone numbers,
and classifying whatever the scanner (or the cashier) typed.

Dynamic codes (``PM1.<payload>.<signature>``, Ed25519) live in
:mod:`pos_member.security.dynamic_codes` and are re-exported here.

Static card code (printed card or sticker): ``PMC.<card number><Luhn check digit>``, the card
number being 6-18 digits. It identifies a member and earns points; spending points with it
needs the member's dynamic code or a manager's approval (Action.STATIC_CODE_POINTS_SPEND).
The same goes for a phone number, which anybody standing at the counter can say.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from pos_member.security.dynamic_codes import (
    DEFAULT_SKEW_SECONDS,
    DEFAULT_TTL_SECONDS,
    DYNAMIC_PREFIX,
    MAX_SCAN_LENGTH,
    NONCE_RETENTION,
    OTHER_VERSION,
    STATIC_PREFIX,
    CodeRefused,
    InMemoryNonceRegistry,
    NonceRegistry,
    RefusalReason,
    VerifiedCode,
    check_dynamic_structure,
    check_for_spending,
    issue_dynamic_code,
    verify_dynamic_code,
)

__all__ = [
    "CARD_NUMBER_DIGITS",
    "DEFAULT_SKEW_SECONDS",
    "DEFAULT_TTL_SECONDS",
    "DYNAMIC_PREFIX",
    "MAX_SCAN_LENGTH",
    "NONCE_RETENTION",
    "STATIC_PREFIX",
    "CodeRefused",
    "InMemoryNonceRegistry",
    "NonceRegistry",
    "RefusalReason",
    "ScanKind",
    "ScanResult",
    "StaticCardCode",
    "VerifiedCode",
    "check_dynamic_structure",
    "check_for_spending",
    "classify_scan",
    "issue_dynamic_code",
    "luhn_check_digit",
    "make_static_code",
    "mask_phone",
    "normalize_phone",
    "parse_static_code",
    "verify_dynamic_code",
]

CARD_NUMBER_DIGITS = (6, 18)  # without the check digit
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_LAST4 = re.compile(r"[0-9]{4}", re.ASCII)
# WeChat Pay (18 digits, 10-15...), Alipay (16-24 digits, 25-30...), UnionPay QR (19, 62...).
_PAYMENT_CODE = re.compile(r"(?:1[0-5][0-9]{16}|(?:2[5-9]|30)[0-9]{14,22}|62[0-9]{17})", re.ASCII)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,30}:(?://|[A-Za-z0-9])", re.ASCII)
_PHONE_SEPARATORS = re.compile(r"[\s()\-]")


# ---------------------------------------------------------------------------------------------
# Static card codes


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to the ASCII digit string ``digits``."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError("Luhn needs a non-empty string of digits 0-9")
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: every second digit from the right, check digit aside
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


@dataclass(frozen=True, slots=True)
class StaticCardCode:
    """A printed member card. It identifies and earns, but never spends points on its own."""

    card_number: str

    @property
    def code(self) -> str:
        return make_static_code(self.card_number)

    @property
    def spending_allowed(self) -> bool:
        return False


def make_static_code(card_number: str | int) -> str:
    """``PMC.`` + the card number (6-18 digits, leading zeros kept) + its Luhn check digit."""
    number = str(card_number)
    low, high = CARD_NUMBER_DIGITS
    if not (number.isascii() and number.isdigit() and low <= len(number) <= high):
        raise ValueError(f"a card number is {low} to {high} digits 0-9")
    return STATIC_PREFIX + number + luhn_check_digit(number)


def parse_static_code(text: str) -> StaticCardCode:
    """The card in a scanned static code, or :class:`CodeRefused` (foreign / malformed).

    The prefix is matched case-insensitively: a keyboard-wedge scanner with Caps Lock on
    swaps letter case, and the rest of a card code is digits.
    """
    if not isinstance(text, str) or not _has_static_prefix(text.strip()):
        raise CodeRefused(RefusalReason.FOREIGN, "This is not a member card code.")
    body = text.strip()[len(STATIC_PREFIX) :]
    low, high = CARD_NUMBER_DIGITS
    if not (body.isascii() and body.isdigit() and low + 1 <= len(body) <= high + 1):
        raise CodeRefused(RefusalReason.MALFORMED, "This member card code is damaged.")
    if luhn_check_digit(body[:-1]) != body[-1]:
        raise CodeRefused(
            RefusalReason.MALFORMED,
            "This member card code's check digit is wrong. Scan again or type the phone number.",
            detail="bad_check_digit",
        )
    return StaticCardCode(body[:-1])


def _has_static_prefix(text: str) -> bool:
    # Compare the first four characters only: str.upper() can change a string's length.
    return text[: len(STATIC_PREFIX)].upper() == STATIC_PREFIX


# ---------------------------------------------------------------------------------------------
# Phone numbers


def normalize_phone(text: str) -> str | None:
    """An 11-digit mainland mobile number from typed text, or None.

    Spaces, hyphens and brackets are ignored, full-width digits are accepted, and a +86 /
    0086 / 86 country prefix is dropped.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    for prefix in ("+86", "0086", "86"):
        if compact.startswith(prefix) and len(compact) == len(prefix) + 11:
            compact = compact[len(prefix) :]
            break
    return compact if _MOBILE.fullmatch(compact) else None


def mask_phone(phone: str) -> str:
    """``13812341234`` -> ``138****1234``. Never shows more than the first 3 and last 4 digits;
    short strings show at most their last 2 characters."""
    text = str(phone)
    if len(text) >= 8:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) >= 3:
        return "*" * (len(text) - 2) + text[-2:]
    return "*" * len(text)


# ---------------------------------------------------------------------------------------------
# Classifying a scan


class ScanKind(enum.StrEnum):
    DYNAMIC_CODE = "dynamic_code"  # still to be verified with verify_dynamic_code
    STATIC_CARD = "static_card"
    PHONE = "phone"  # full 11-digit mobile number
    PHONE_LAST4 = "phone_last4"  # last four digits: show a pick list
    INVALID = "invalid"  # one of our formats, but damaged or of an unknown version
    FOREIGN = "foreign"  # not a member code at all


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan or typed entry is. ``value`` is what to look up with: the code text for a
    dynamic code, the card number, the 11 phone digits, or the 4 digits; "" otherwise.
    ``reason`` is a stable code (e.g. ``payment_code``, ``url``, ``bad_check_digit``) and
    ``message`` a sentence for the cashier."""

    kind: ScanKind
    value: str = ""
    reason: str = ""
    message: str = ""

    @property
    def identifies(self) -> bool:
        return self.kind not in (ScanKind.INVALID, ScanKind.FOREIGN)

    @property
    def spending_allowed(self) -> bool:
        """Whether this way of identifying can authorise spending points without a manager.

        Only a dynamic code can, and only after verify_dynamic_code and check_for_spending.
        Cards and phone numbers need Action.STATIC_CODE_POINTS_SPEND approved by a manager.
        """
        return self.kind is ScanKind.DYNAMIC_CODE


def classify_scan(text: object) -> ScanResult:
    """Say what a scanned or typed string is. Never raises, whatever the input."""
    try:
        return _classify(text)
    except Exception:  # a last guard: a bad scan must give a message, never a crash
        return ScanResult(ScanKind.FOREIGN, "", "unrecognised", _NOT_OURS)


_NOT_OURS = "This is not a member code, phone number or the last four digits of one."


def _classify(text: object) -> ScanResult:
    if not isinstance(text, str):
        return ScanResult(ScanKind.FOREIGN, "", "not_text", _NOT_OURS)
    stripped = text.strip()
    if not stripped:
        return ScanResult(ScanKind.FOREIGN, "", "empty", "Nothing was scanned.")
    if len(stripped) > MAX_SCAN_LENGTH:
        return ScanResult(ScanKind.FOREIGN, "", "too_long", _NOT_OURS)
    norm = unicodedata.normalize("NFKC", stripped)
    if norm.startswith(DYNAMIC_PREFIX) or OTHER_VERSION.match(norm):
        try:
            check_dynamic_structure(norm)
        except CodeRefused as refused:
            reason = "malformed" if norm.startswith(DYNAMIC_PREFIX) else "unsupported_version"
            return ScanResult(ScanKind.INVALID, "", reason, refused.message)
        return ScanResult(ScanKind.DYNAMIC_CODE, norm, "", "Member code from the app.")
    if _has_static_prefix(norm):
        try:
            card = parse_static_code(norm)
        except CodeRefused as refused:
            return ScanResult(ScanKind.INVALID, "", refused.detail or "malformed", refused.message)
        return ScanResult(ScanKind.STATIC_CARD, card.card_number, "", "Printed member card.")
    phone = normalize_phone(norm)
    if phone is not None:
        return ScanResult(ScanKind.PHONE, phone, "", "Phone number.")
    if _LAST4.fullmatch(norm):
        return ScanResult(ScanKind.PHONE_LAST4, norm, "", "Last four digits of a phone number.")
    if _PAYMENT_CODE.fullmatch(norm):
        return ScanResult(
            ScanKind.FOREIGN, "", "payment_code",
            "This is a payment code (WeChat Pay, Alipay or UnionPay). "
            "Scan it at the payment step, not as a member code.",
        )
    if _URL.match(norm):
        return ScanResult(
            ScanKind.FOREIGN, "", "url",
            "This QR code is a link or an app code, not a member code. "
            "Ask the member to open the member code in the app.",
        )
    return ScanResult(ScanKind.FOREIGN, "", "unrecognised", _NOT_OURS)
