"""Seen member-code nonces in the ``seen_nonces`` table: the durable
:class:`pos_member.security.member_codes.NonceRegistry`.

A dynamic member code may spend points once on this till. The registry works in the caller's
Session, so the nonce is remembered in the same transaction as the sale that spends the points:
if the sale rolls back, the nonce is forgotten with it, and the code can be used again.

The nonce is the table's primary key and :meth:`SqliteNonceRegistry.remember` is a plain
INSERT. Two transactions that both see a nonce as new (say two checkouts racing) cannot both
remember it: the second INSERT fails on the key, and :class:`CodeRefused` (``replayed``) is
raised, so its sale cannot commit a second spend. (With the till's ``BEGIN IMMEDIATE`` write
transactions the two are serialised anyway; the key is the guarantee that does not depend on
it.) The failed INSERT runs inside a SAVEPOINT, so the caller's transaction stays usable.

::

    with transaction(sessions) as s:
        check_for_spending(verified, SqliteNonceRegistry(s), now)   # raises if replayed
        ... write the sale ...
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pos_member.security.member_codes import CodeRefused, RefusalReason
from pos_member.store.models import SeenNonce

MAX_NONCE_LENGTH = 64  # the column's width; dynamic codes carry 16 to 64 hex digits

REPLAYED_MESSAGE = (
    "This member code was already used to spend points. "
    "Ask the member to show a fresh code in the app."
)


def _nonce(nonce: object) -> str:
    if not isinstance(nonce, str) or not nonce:
        raise ValueError("a nonce is a non-empty string")
    if len(nonce) > MAX_NONCE_LENGTH:
        raise ValueError(f"a nonce is at most {MAX_NONCE_LENGTH} characters")
    return nonce


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime")
    if moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
    return moment.astimezone(UTC)


class SqliteNonceRegistry:
    """A :class:`~pos_member.security.member_codes.NonceRegistry` over ``seen_nonces``.

    Works inside the caller's transaction and never commits.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, nonce: str) -> bool:
        """True when ``nonce`` has been remembered (expired or not, until purged)."""
        stmt = select(exists().where(SeenNonce.nonce == _nonce(nonce)))
        return bool(self.session.scalar(stmt))

    def remember(self, nonce: str, expires_at: datetime) -> None:
        """Record ``nonce`` until ``expires_at`` (aware). A nonce already recorded, by this
        transaction or by one that committed first, raises :class:`CodeRefused` (replayed)."""
        nonce = _nonce(nonce)
        expires_at = _utc(expires_at, "expires_at")
        try:
            with self.session.begin_nested():
                self.session.execute(insert(SeenNonce).values(nonce=nonce, expires_at=expires_at))
        except IntegrityError:
            raise CodeRefused(
                RefusalReason.REPLAYED, REPLAYED_MESSAGE, detail="nonce_already_recorded"
            ) from None

    def purge_expired(self, now: datetime) -> int:
        """Forget nonces whose ``expires_at`` is at or before ``now``; how many went."""
        stmt = delete(SeenNonce).where(SeenNonce.expires_at <= _utc(now, "now"))
        result = self.session.execute(stmt)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(SeenNonce)) or 0)
