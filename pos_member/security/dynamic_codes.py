"""Dynamic member codes: Ed25519-signed, short-lived, with a nonce against replay.

The member's app shows one line of ASCII, refreshed every minute::

    PM1.<base64url(payload)>.<base64url(signature)>

base64url without padding (and only the canonical encoding is accepted). The payload is
compact JSON ``{"v":1,"k":key_id,"m":member_id,"nb":not_before,"na":not_after,"n":nonce_hex}``
(unix seconds; the window is inclusive). The Ed25519 signature covers the ASCII bytes of
``"PM1." + <payload segment>``, so the version prefix is signed too. The central service signs;
a till verifies offline and only ever holds public keys.

Nonces: :func:`verify_dynamic_code` only identifies and consumes nothing, because a cashier
may scan the same code twice to look a member up (or scan, cancel, and scan again).
:func:`check_for_spending` is the step that refuses a nonce seen before and remembers it; call
it once, when points are actually spent, in the same transaction as the sale.

Import these names from :mod:`pos_member.security.member_codes` or :mod:`pos_member.security`.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import math
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pos_member.security.keys import load_private_key, load_public_key

__all__ = [
    "DEFAULT_SKEW_SECONDS",
    "DEFAULT_TTL_SECONDS",
    "DYNAMIC_PREFIX",
    "MAX_SCAN_LENGTH",
    "NONCE_RETENTION",
    "OTHER_VERSION",
    "STATIC_PREFIX",
    "CodeRefused",
    "InMemoryNonceRegistry",
    "NonceRegistry",
    "RefusalReason",
    "VerifiedCode",
    "check_dynamic_structure",
    "check_for_spending",
    "issue_dynamic_code",
    "verify_dynamic_code",
]

DYNAMIC_PREFIX = "PM1."
STATIC_PREFIX = "PMC."
DEFAULT_TTL_SECONDS = 60
DEFAULT_SKEW_SECONDS = 30
# How long a spent nonce is remembered after its code's not_after. Past not_after + skew the
# code is refused as expired anyway; the extra day covers a till clock that is set back.
NONCE_RETENTION = timedelta(days=1)
MAX_SCAN_LENGTH = 1024

_B64URL = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)
_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}", re.ASCII)
_NONCE = re.compile(r"(?:[0-9a-f]{2}){8,32}", re.ASCII)
OTHER_VERSION = re.compile(r"PM[0-9]+\.", re.ASCII)
_PAYLOAD_KEYS = frozenset({"v", "k", "m", "nb", "na", "n"})
_MAX_UNIX = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second datetime can hold


class RefusalReason(enum.StrEnum):
    FOREIGN = "foreign"  # not one of our codes at all
    MALFORMED = "malformed"  # looks like ours but is damaged, or of an unknown version
    UNKNOWN_KEY = "unknown_key"  # signed with a key this till does not have (yet)
    BAD_SIGNATURE = "bad_signature"  # forged or tampered with
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REPLAYED = "replayed"  # nonce already used to spend points on this till
    REVOKED = "revoked"  # signing key or member revoked by the central service


class CodeRefused(ValueError):
    """A member code was refused. ``reason`` is a stable :class:`RefusalReason`; ``message``
    is a sentence for the cashier; ``detail`` an optional finer stable code
    (e.g. ``bad_check_digit`` for a malformed card code)."""

    def __init__(self, reason: RefusalReason | str, message: str, *, detail: str = "") -> None:
        self.reason = RefusalReason(reason)
        self.message = message
        self.detail = detail
        super().__init__(message)


# ---------------------------------------------------------------------------------------------
# Dynamic codes


@dataclass(frozen=True, slots=True)
class VerifiedCode:
    """A dynamic code whose signature, key and validity window have been checked."""

    member_id: str
    nonce: str
    not_before: datetime
    not_after: datetime
    key_id: str


def issue_dynamic_code(
    private_key: Ed25519PrivateKey | bytes,
    key_id: str,
    member_id: str,
    now: datetime,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    nonce: str | None = None,
) -> str:
    """The central service's side: a signed code valid from ``now`` for ``ttl_seconds``."""
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ValueError("key_id must be 1-64 characters of A-Z a-z 0-9 . _ : -")
    if not _valid_member_id(member_id):
        raise ValueError("member_id must be 1-128 printable characters")
    if type(ttl_seconds) is not int or ttl_seconds < 1:
        raise ValueError("ttl_seconds must be a positive integer")
    nonce = secrets.token_hex(16) if nonce is None else nonce
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise ValueError("nonce must be 16-64 lowercase hex digits (8-32 bytes)")
    not_before = math.floor(_utc(now).timestamp())
    payload = {
        "v": 1,
        "k": key_id,
        "m": member_id,
        "nb": not_before,
        "na": not_before + ttl_seconds,
        "n": nonce,
    }
    segment = _b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    signature = load_private_key(private_key).sign((DYNAMIC_PREFIX + segment).encode("ascii"))
    return f"{DYNAMIC_PREFIX}{segment}.{_b64encode(signature)}"


def verify_dynamic_code(
    text: str,
    public_keys: Mapping[str, Ed25519PublicKey | bytes],
    now: datetime,
    skew_seconds: int = DEFAULT_SKEW_SECONDS,
    *,
    revoked_key_ids: Collection[str] = (),
    revoked_member_ids: Collection[str] = (),
) -> VerifiedCode:
    """Check a scanned dynamic code offline, or raise :class:`CodeRefused`.

    Checks, in order: our format (foreign / malformed), key id known (unknown_key), signature
    (bad_signature), key or member revoked (revoked), then the window widened by
    ``skew_seconds`` on both sides (not_yet_valid / expired). Consumes no nonce: see
    :func:`check_for_spending`. A trailing CR/LF from a keyboard-wedge scanner is ignored.
    Only CodeRefused is raised for any text; a naive ``now`` or a public key that is not
    32 raw bytes or an Ed25519 key is a programming error (ValueError/TypeError).
    """
    now = _utc(now)
    segment, payload_bytes, signature = _split_dynamic(text)
    payload = _parse_payload(payload_bytes)
    key_id, member_id = payload["k"], payload["m"]
    if key_id not in public_keys:
        raise CodeRefused(
            RefusalReason.UNKNOWN_KEY,
            "This member code was signed with a key the till does not know yet. "
            "Sync the till, or identify the member by phone.",
        )
    try:
        load_public_key(public_keys[key_id]).verify(
            signature, (DYNAMIC_PREFIX + segment).encode("ascii")
        )
    except InvalidSignature:
        raise CodeRefused(
            RefusalReason.BAD_SIGNATURE, "This member code is not genuine (bad signature)."
        ) from None
    if key_id in revoked_key_ids or member_id in revoked_member_ids:
        raise CodeRefused(RefusalReason.REVOKED, "This member code has been revoked.")
    moment = now.timestamp()
    if moment < payload["nb"] - skew_seconds:
        raise CodeRefused(
            RefusalReason.NOT_YET_VALID,
            "This member code is not valid yet. Check the till's clock and the phone's clock.",
        )
    if moment > payload["na"] + skew_seconds:
        raise CodeRefused(
            RefusalReason.EXPIRED,
            "This member code has expired. Ask the member to refresh it in the app.",
        )
    return VerifiedCode(
        member_id=member_id,
        nonce=payload["n"],
        not_before=datetime.fromtimestamp(payload["nb"], UTC),
        not_after=datetime.fromtimestamp(payload["na"], UTC),
        key_id=key_id,
    )


def _split_dynamic(text: object) -> tuple[str, bytes, bytes]:
    """(payload segment, payload bytes, signature) of a structurally sound code."""
    if not isinstance(text, str):
        raise CodeRefused(RefusalReason.FOREIGN, "This is not a member code.")
    text = text.strip()
    if not text.startswith(DYNAMIC_PREFIX):
        if OTHER_VERSION.match(text):
            raise CodeRefused(
                RefusalReason.MALFORMED,
                "This member code has a version the till does not support. Update the till.",
            )
        if text[: len(STATIC_PREFIX)].upper() == STATIC_PREFIX:
            raise CodeRefused(
                RefusalReason.FOREIGN, "This is a printed card code, not the app's member code."
            )
        raise CodeRefused(RefusalReason.FOREIGN, "This is not a member code.")
    damaged = "This member code is damaged. Ask the member to refresh it and scan again."
    if len(text) > MAX_SCAN_LENGTH:
        raise CodeRefused(RefusalReason.MALFORMED, damaged)
    parts = text[len(DYNAMIC_PREFIX) :].split(".")
    if len(parts) != 2:
        raise CodeRefused(RefusalReason.MALFORMED, damaged)
    payload_bytes, signature = _b64decode(parts[0]), _b64decode(parts[1])
    if payload_bytes is None or signature is None or len(signature) != 64:
        raise CodeRefused(RefusalReason.MALFORMED, damaged)
    return parts[0], payload_bytes, signature


def _parse_payload(data: bytes) -> dict[str, Any]:
    damaged = CodeRefused(RefusalReason.MALFORMED, "This member code's content is damaged.")
    try:
        payload = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise damaged from None
    if not isinstance(payload, dict) or set(payload) != _PAYLOAD_KEYS:
        raise damaged
    if type(payload["v"]) is not int or payload["v"] != 1:
        raise CodeRefused(
            RefusalReason.MALFORMED,
            "This member code has a version the till does not support. Update the till.",
        )
    nb, na = payload["nb"], payload["na"]
    if not (
        isinstance(payload["k"], str)
        and _KEY_ID.fullmatch(payload["k"])
        and _valid_member_id(payload["m"])
        and isinstance(payload["n"], str)
        and _NONCE.fullmatch(payload["n"])
        and type(nb) is int
        and type(na) is int
        and 0 <= nb <= na <= _MAX_UNIX
    ):
        raise damaged
    return payload


def check_dynamic_structure(text: str) -> str:
    """The stripped code if ``text`` has the shape of a dynamic code (prefix, base64url
    segments, 64-byte signature, well-formed v1 payload), else :class:`CodeRefused`. Checks no
    key, signature or time: that is :func:`verify_dynamic_code`'s job."""
    _, payload_bytes, _ = _split_dynamic(text)
    _parse_payload(payload_bytes)
    return text.strip()


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _valid_member_id(member_id: object) -> bool:
    return isinstance(member_id, str) and 0 < len(member_id) <= 128 and member_id.isprintable()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(segment: str) -> bytes | None:
    """Strict unpadded base64url; None unless ``segment`` is the canonical encoding."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64encode(data) == segment else None


# ---------------------------------------------------------------------------------------------
# Nonces: a code spends points once per till


@runtime_checkable
class NonceRegistry(Protocol):
    """Nonces of dynamic codes already used to spend points. A store implements it durably
    (a table with the nonce as unique key), inside the sale's transaction."""

    def seen(self, nonce: str) -> bool: ...

    def remember(self, nonce: str, expires_at: datetime) -> None: ...


class InMemoryNonceRegistry:
    """A :class:`NonceRegistry` in a dict, for tests and as a reference implementation."""

    def __init__(self) -> None:
        self._expires: dict[str, datetime] = {}

    def seen(self, nonce: str) -> bool:
        return nonce in self._expires

    def remember(self, nonce: str, expires_at: datetime) -> None:
        expires_at = _utc(expires_at)
        previous = self._expires.get(nonce)
        self._expires[nonce] = expires_at if previous is None else max(previous, expires_at)

    def purge_expired(self, now: datetime) -> int:
        """Forget nonces whose ``expires_at`` has passed; returns how many were forgotten."""
        now = _utc(now)
        stale = [nonce for nonce, expires in self._expires.items() if expires <= now]
        for nonce in stale:
            del self._expires[nonce]
        return len(stale)

    def __len__(self) -> int:
        return len(self._expires)


def check_for_spending(verified: VerifiedCode, registry: NonceRegistry, now: datetime) -> None:
    """Allow spending points with ``verified`` once: refuse a nonce seen before (``replayed``),
    otherwise remember it until ``max(not_after, now) + NONCE_RETENTION``.

    Call it only when points are really spent, not when a member is merely looked up.
    """
    if registry.seen(verified.nonce):
        raise CodeRefused(
            RefusalReason.REPLAYED,
            "This member code was already used to spend points. "
            "Ask the member to show a fresh code in the app.",
        )
    registry.remember(verified.nonce, max(verified.not_after, _utc(now)) + NONCE_RETENTION)


def _utc(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError("expected a datetime")
    if moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return moment.astimezone(UTC)
