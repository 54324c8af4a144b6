"""The service's Ed25519 signing key for dynamic member codes, and issuing codes.

The code format is the one of ``pos_member/security/dynamic_codes.py`` (the till verifies it):
``PM1.<base64url(payload)>.<base64url(signature)>``, unpadded base64url, the payload compact
JSON ``{"v":1,"k":key_id,"m":member_id,"nb":not_before,"na":not_after,"n":nonce_hex}`` in
unix seconds, the signature over the ASCII of ``"PM1." + payload segment``. It is written out
here rather than imported because pos_central may import only the wire protocol and the pure
domain of the till; tests/central check that the till's verifier accepts these codes. The
nonce is made so that the service can read it back when a sale spends points with it (see
"nonces the service can read back" below): the till treats it as opaque.

The private key lives in the service's database (every worker shares it, and it is made once,
under the feed counter's lock, on first start). A production brand would keep it in a KMS/HSM.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pos_central import models as m
from pos_central.changes import record_change
from pos_central.db import utcnow

PREFIX = "PM1."
DEFAULT_TTL_SECONDS = 60


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def key_id_for(public_raw: bytes) -> str:
    """First 16 hex digits of SHA-256 over the raw public key (as the till's key_fingerprint)."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def ensure_signing_key(session: Session) -> m.SigningKey:
    """The active signing key, made now if there is none. Takes the feed counter's row lock
    first, so two workers starting together make one key, not two."""
    session.execute(update(m.ChangeCounter).where(m.ChangeCounter.id == 1)
                    .values(value=m.ChangeCounter.value))
    active = session.execute(
        select(m.SigningKey).where(m.SigningKey.active.is_(True))
        .order_by(m.SigningKey.created_at.desc())
    ).scalars().first()
    if active is not None:
        return active
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(serialization.Encoding.Raw,
                                        serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    raw_public = _raw_public(private)
    row = m.SigningKey(key_id=key_id_for(raw_public),
                       private_key=base64.b64encode(raw_private).decode("ascii"),
                       public_key=base64.b64encode(raw_public).decode("ascii"),
                       created_at=utcnow(), active=True)
    session.add(row)
    record_change(session, "signing_key", row.key_id)
    return row


def load_private(row: m.SigningKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(row.private_key))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# -- nonces the service can read back -----------------------------------------------------------
#
# A code's nonce travels alone in a sale (``member_code_nonce``), so the service makes nonces it
# can check without having kept them: 32 bytes, written as 64 hex digits (the till accepts 16 to
# 64), ``not_before`` (5 bytes) | ``not_after`` (5 bytes) | 6 random bytes | an 8-byte tag
# proving the service made it | an 8-byte tag binding it to the member id. The tags are
# HMAC-SHA256 under a key derived from the signing key, so only the service can make or check
# them; the till treats the nonce as opaque.

NONCE_BYTES = 32
_NONCE_LABEL = b"pos-member member-code nonce v1"


def nonce_key(private_key: Ed25519PrivateKey) -> bytes:
    raw = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    return hmac.new(raw, _NONCE_LABEL, hashlib.sha256).digest()


def _tag(key: bytes, kind: bytes, body: bytes, member_id: str = "") -> bytes:
    return hmac.new(key, kind + body + member_id.encode("utf-8"), hashlib.sha256).digest()[:8]


def make_nonce(key: bytes, member_id: str, not_before: int, not_after: int,
               random_part: bytes | None = None) -> str:
    body = (not_before.to_bytes(5, "big") + not_after.to_bytes(5, "big")
            + (random_part if random_part is not None else secrets.token_bytes(6)))
    return (body + _tag(key, b"i", body) + _tag(key, b"m", body, member_id)).hex()


@dataclass(frozen=True)
class NonceCheck:
    """What the service can tell about a nonce: made by it (under one of ``keys``)? for one of
    the member ids given? and the code's window (unix seconds) when it was made by it."""

    issued: bool
    member_ok: bool = False
    not_before: int = 0
    not_after: int = 0


def read_nonce(keys: list[bytes], nonce: str, member_ids: list[str]) -> NonceCheck:
    try:
        data = bytes.fromhex(nonce)
    except ValueError:
        return NonceCheck(False)
    if len(data) != NONCE_BYTES:
        return NonceCheck(False)
    body, issued, bound = data[:16], data[16:24], data[24:]
    for key in keys:
        if hmac.compare_digest(_tag(key, b"i", body), issued):
            member_ok = any(hmac.compare_digest(_tag(key, b"m", body, member_id), bound)
                            for member_id in member_ids)
            return NonceCheck(True, member_ok, int.from_bytes(body[:5], "big"),
                              int.from_bytes(body[5:10], "big"))
    return NonceCheck(False)


def nonce_keys(session: Session) -> list[bytes]:
    """The nonce keys of every signing key, active or not (a code outlives a rotation)."""
    return [nonce_key(load_private(row)) for row in session.execute(
        select(m.SigningKey).order_by(m.SigningKey.created_at.desc())).scalars()]


def issue_member_code(private_key: Ed25519PrivateKey, key_id: str, member_id: str,
                      now: datetime, ttl_seconds: int = DEFAULT_TTL_SECONDS,
                      nonce: str | None = None) -> str:
    """A signed dynamic member code valid from ``now`` (aware) for ``ttl_seconds``. Its nonce
    is one :func:`read_nonce` can check, unless ``nonce`` is given (tests)."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if ttl_seconds < 1:
        raise ValueError("ttl_seconds must be positive")
    not_before = math.floor(now.timestamp())
    not_after = not_before + ttl_seconds
    if nonce is None:
        nonce = make_nonce(nonce_key(private_key), member_id, not_before, not_after)
    payload = {"v": 1, "k": key_id, "m": member_id, "nb": not_before,
               "na": not_after, "n": nonce}
    segment = _b64url(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    signature = private_key.sign((PREFIX + segment).encode("ascii"))
    return f"{PREFIX}{segment}.{_b64url(signature)}"
