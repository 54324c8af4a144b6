"""Lean member reads for the scan-to-member lookups (issue 14, item 6).

A cashier's scan, phone number or last four digits end in one indexed SELECT on ``members``.
Through the ORM each found row became a ``Member`` object (identity map, instance state, one
type processor per column, the ``select()`` compiled against the session): five to eleven
times the cost of the SELECT itself among a million members (bench/lookup.py). These reads run
the same SELECTs as plain SQL on the DBAPI connection of the caller's session (so inside the
caller's transaction and its snapshot) and return :class:`MemberRecord`, an immutable row with
the member's columns, typed as the ORM would type them.

A record is a read model: it is not attached to the session, changing a member still goes
through the ORM (``session.get(Member, record.id)``), and its point lots are read with
:func:`point_lots`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pos_member.store.fastwrite import dbapi as _dbapi

# The member columns, in the order of the SELECTs below (the model's columns; the test
# tests/store/test_member_reads.py checks that none is missing).
MEMBER_COLUMNS: tuple[str, ...] = (
    "id", "phone", "phone_last4", "card_no", "name", "name_initials", "name_pinyin", "birthday",
    "tier", "growth", "points", "marketing_consent", "registered_at", "last_purchase_at",
    "origin", "updated_at", "central_version",
)
_COLS = ", ".join(MEMBER_COLUMNS)
# SQLite sorts NULL lowest, so DESC puts members who never bought last.
RECENT_FIRST = "last_purchase_at DESC, registered_at DESC, id"

BY_ID_SQL = f"SELECT {_COLS} FROM members WHERE id = ?"
BY_PHONE_SQL = f"SELECT {_COLS} FROM members WHERE phone = ?"
BY_CARD_SQL = f"SELECT {_COLS} FROM members WHERE card_no = ?"
BY_LAST4_SQL = (
    f"SELECT {_COLS} FROM members WHERE phone_last4 = ? ORDER BY {RECENT_FIRST} LIMIT ?"
)
LOTS_SQL = (
    "SELECT earned_on, points, expires_on FROM point_lots WHERE member_id = ? "
    "ORDER BY expires_on, id"
)


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One ``members`` row, typed as :class:`pos_member.store.models.Member` types it."""

    id: str
    phone: str | None
    phone_last4: str | None
    card_no: str | None
    name: str
    name_initials: str | None
    name_pinyin: str | None
    birthday: date | None
    tier: str
    growth: int
    points: int
    marketing_consent: bool
    registered_at: datetime | None
    last_purchase_at: datetime | None
    origin: str
    updated_at: datetime | None
    central_version: int | None


def _utc(value: str | None) -> datetime | None:
    # pos_member.store.types.UTCDateTime.process_result_value, without the per-call dispatch.
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # written by hand without a zone: it is UTC by contract
        return parsed.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def _record(row: tuple[Any, ...]) -> MemberRecord:
    (id_, phone, last4, card, name, initials, pinyin, birthday, tier, growth, points, consent,
     registered, last_purchase, origin, updated, version) = row
    return MemberRecord(
        id_, phone, last4, card, name, initials, pinyin,
        date.fromisoformat(birthday) if birthday else None,
        tier, growth, points, bool(consent), _utc(registered), _utc(last_purchase), origin,
        _utc(updated), version,
    )


record_of = _record  # a row of the MEMBER_COLUMNS, in their order, as a MemberRecord


def dbapi(session: Session) -> Any:
    """The sqlite3 connection under ``session``, its transaction begun (BEGIN has run)."""
    return _dbapi(session)


def _one(session: Session, sql: str, key: str) -> MemberRecord | None:
    row = dbapi(session).execute(sql, (key,)).fetchone()
    return None if row is None else _record(row)


def by_id(session: Session, member_id: str) -> MemberRecord | None:
    return _one(session, BY_ID_SQL, member_id)


def by_phone(session: Session, phone: str) -> MemberRecord | None:
    return _one(session, BY_PHONE_SQL, phone)


def by_card(session: Session, card_no: str) -> MemberRecord | None:
    return _one(session, BY_CARD_SQL, card_no)


def by_last4(session: Session, last4: str, limit: int) -> list[MemberRecord]:
    rows = dbapi(session).execute(BY_LAST4_SQL, (last4, limit)).fetchall()
    return [_record(row) for row in rows]


def point_lots(session: Session, member_id: str) -> list[tuple[date, int, date]]:
    """``(earned_on, points, expires_on)`` of the member's lots, soonest to expire first."""
    rows = dbapi(session).execute(LOTS_SQL, (member_id,)).fetchall()
    return [(date.fromisoformat(e), p, date.fromisoformat(x)) for e, p, x in rows]


def where(session: Session, condition: str, order_by: str, params: tuple[Any, ...],
          limit: int) -> list[MemberRecord]:
    """Members matching ``condition`` (SQL with ``?`` placeholders for ``params``; the caller's
    text, never user input, goes into the SQL), in ``order_by`` order, at most ``limit``."""
    sql = f"SELECT {_COLS} FROM members WHERE {condition} ORDER BY {order_by} LIMIT ?"
    return [_record(row) for row in dbapi(session).execute(sql, (*params, limit)).fetchall()]
