"""The service's Ed25519 signing key for dynamic member codes, and issuing codes.

The code format is the one of ``pos_member/security/dynamic_codes.py`` (the till verifies it):
``PM1.<base64url(payload)>.<base64url(signature)>``, unpadded base64url, the payload compact
JSON ``{"v":1,"k":key_id,"m":member_id,"nb":not_before,"na":not_after,"n":nonce_hex}`` in
unix seconds, the signature over the ASCII of ``"PM1." + payload segment``. It is written out
here rather than imported because pos_central may import only the wire protocol and the pure
domain of the till; tests/central check that the till's verifier accepts these codes.

The private key lives in the service's database (every worker shares it, and it is made once,
under the feed counter's lock, on first start). A production brand would keep it in a KMS/HSM.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import secrets
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


def issue_member_code(private_key: Ed25519PrivateKey, key_id: str, member_id: str,
                      now: datetime, ttl_seconds: int = DEFAULT_TTL_SECONDS,
                      nonce: str | None = None) -> str:
    """A signed dynamic member code valid from ``now`` (aware) for ``ttl_seconds``."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if ttl_seconds < 1:
        raise ValueError("ttl_seconds must be positive")
    not_before = math.floor(now.timestamp())
    payload = {"v": 1, "k": key_id, "m": member_id, "nb": not_before,
               "na": not_before + ttl_seconds, "n": nonce or secrets.token_hex(16)}
    segment = _b64url(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    signature = private_key.sign((PREFIX + segment).encode("ascii"))
    return f"{PREFIX}{segment}.{_b64url(signature)}"
