"""Low-level helpers over a Session that the services build their repositories on.

Each function takes the caller's Session and works inside the caller's transaction (use
:func:`pos_member.store.db.transaction`); none of them commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pos_member.domain.pinyin import query_key
from pos_member.store import member_reads
from pos_member.store.fastwrite import execute_sql, insert_rows
from pos_member.store.member_reads import MemberRecord
from pos_member.store.models import Member, OutboxEvent, SyncState
from pos_member.store.types import new_uuid, utcnow

NEXT_TERMINAL_SEQ_KEY = "next_terminal_seq"
# "<seq>:<hash>" of the audit head the central service acknowledged last (set by the sync
# engine from the push answer; `db check` holds the audit log to it).
AUDIT_ACK_KEY = "sync_audit_ack"

MAX_LAST4_MATCHES = 50
MAX_SEARCH_RESULTS = 100
MAX_SEARCH_TEXT = 64
LIKE_ESCAPE = "\\"


# ---------------------------------------------------------------------------------------------
# Settings (sync_state)


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    """The text stored under ``key`` in sync_state, or ``default``."""
    value = session.scalar(select(SyncState.value).where(SyncState.key == key))
    return default if value is None else value


def set_setting(session: Session, key: str, value: str) -> None:
    """Store ``value`` (text) under ``key``, replacing what was there."""
    if not isinstance(value, str):
        raise TypeError(f"settings are text; convert {type(value).__name__} first")
    stmt = sqlite_insert(SyncState).values(key=key, value=value)
    session.execute(
        stmt.on_conflict_do_update(index_elements=[SyncState.key], set_={"value": value})
    )


def get_audit_ack(session: Session) -> tuple[int, str] | None:
    """(seq, hash) of the audit head the central service acknowledged last, or None."""
    return parse_audit_ack(get_setting(session, AUDIT_ACK_KEY))


def parse_audit_ack(value: str | None) -> tuple[int, str] | None:
    seq, _, digest = (value or "").partition(":")
    if not seq.isdigit() or len(digest) != 64:
        return None
    return int(seq), digest


def set_audit_ack(session: Session, seq: int, digest: str) -> None:
    set_setting(session, AUDIT_ACK_KEY, f"{int(seq)}:{digest}")


# ---------------------------------------------------------------------------------------------
# Terminal sequence and outbox


def next_terminal_seq(session: Session) -> int:
    """Hand out the next per-terminal sequence number (1, 2, 3, ...), atomically.

    One statement (an upsert with RETURNING) inside the caller's ``BEGIN IMMEDIATE``
    transaction: two units of work never get the same number, and a rolled-back unit of work
    gives its number back. The counter lives in sync_state under ``next_terminal_seq`` (the
    value is the next number to hand out; enrolment may seed it with ``set_setting``).
    """
    # Plain SQL on the session's connection (store.fastwrite): a checkout takes one of these.
    # The session's pending objects go first, as the autoflush of a Core statement did.
    _autoflush(session)
    (after,), = execute_sql(session, _NEXT_SEQ_SQL, (NEXT_TERMINAL_SEQ_KEY,))
    return int(after) - 1


def _autoflush(session: Session) -> None:
    if session.autoflush:
        session.flush()


_NEXT_SEQ_SQL = (
    "INSERT INTO sync_state (key, value) VALUES (?, '2') ON CONFLICT (key) DO UPDATE SET "
    "value = CAST(CAST(sync_state.value AS INTEGER) + 1 AS VARCHAR) RETURNING value"
)
_NEXT_RECEIPT_SQL = (
    "INSERT INTO receipt_counters (series, day, last) VALUES (?, ?, 1) "
    "ON CONFLICT (series, day) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last"
)


def next_receipt_no(session: Session, series: str, day: str) -> int:
    """The next receipt number of ``series`` (``sale`` or ``refund``) on local ``day``
    (``YYMMDD``): 1, 2, 3, ... without gaps, atomically, in the caller's transaction.

    Like :func:`next_terminal_seq`, one upsert with RETURNING inside the sale's (or refund's)
    ``BEGIN IMMEDIATE`` transaction: a rolled-back or crashed sale gives its number back, two
    never get the same one. Numbers of past days stay in the table (a row a day).
    """
    _autoflush(session)
    (last,), = execute_sql(session, _NEXT_RECEIPT_SQL, (series, day))
    return int(last)


def add_outbox_event(
    session: Session,
    kind: str,
    payload: Mapping[str, Any],
    event_id: str | None = None,
    *,
    terminal_seq: int | None = None,
    created_at: datetime | None = None,
) -> str:
    """Queue an event for the central service in the caller's transaction; returns its id.

    ``terminal_seq`` defaults to a fresh :func:`next_terminal_seq`. A service that already
    took a number for the business record (``sales.terminal_seq``) passes the same number
    here, so the outbox sequence has no gaps the central service would read as lost events.
    """
    if not kind:
        raise ValueError("an outbox event needs a kind")
    event_id = event_id or new_uuid()
    seq = terminal_seq if terminal_seq is not None else next_terminal_seq(session)
    # The unit of work's pending objects first (the event comes after them, as it did when it
    # was an ORM object), then the event itself with one DBAPI insert (store.fastwrite): a
    # duplicate event id or sequence number raises here, not at commit.
    session.flush()
    insert_rows(session, OutboxEvent, [{
        "event_id": event_id, "terminal_seq": seq, "kind": kind, "payload": dict(payload),
        "created_at": created_at or utcnow(), "status": "pending", "attempts": 0}])
    return event_id


def pending_outbox(session: Session, limit: int = 100) -> list[OutboxEvent]:
    """Pending events in terminal sequence order, at most ``limit``."""
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.status == "pending")
        .order_by(OutboxEvent.terminal_seq)
        .limit(max(0, int(limit)))
    )
    return list(session.scalars(stmt))


def count_pending_outbox(session: Session) -> int:
    """How many events wait to be sent (for the UI's "waiting to sync")."""
    stmt = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.status == "pending")
    return int(session.scalar(stmt) or 0)


def mark_outbox_sent(
    session: Session, event_ids: Iterable[str], *, at: datetime | None = None
) -> int:
    """Mark events as accepted by the central service (applied or duplicate)."""
    ids = list(event_ids)
    if not ids:
        return 0
    # Plain SQL: Core's IN list of a push batch's 500 ids took milliseconds to build (each id
    # coerced as a literal, then expanded); the same UPDATE, the time as the column binds it.
    sent_at = OutboxEvent.__table__.c.sent_at.type.process_bind_param(at or utcnow(), None)
    session.flush()  # as the ORM's UPDATE would (autoflush)
    count = 0
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        cursor = session.connection().connection.driver_connection.cursor()
        try:
            cursor.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL "
                           f"WHERE event_id IN ({', '.join('?' for _ in chunk)})",
                           (sent_at, *chunk))
            count += cursor.rowcount
        except sqlite3.DatabaseError as exc:  # as Core raises it
            raise DBAPIError.instance("UPDATE outbox", chunk, exc, sqlite3.DatabaseError) from exc
        finally:
            cursor.close()
    if session.identity_map:  # outbox rows loaded in this session see the change, as with Core
        marked = set(ids)
        for obj in list(session.identity_map.values()):
            if isinstance(obj, OutboxEvent) and obj.event_id in marked:
                session.expire(obj)
    return count


def mark_outbox_conflict(session: Session, event_id: str, error: str) -> None:
    """The central service applied the event with a conflict; it is not retried."""
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.event_id == event_id)
        .values(status="conflict", sent_at=utcnow(), last_error=error[:2000])
    )


def record_outbox_failure(session: Session, event_ids: Iterable[str], error: str) -> None:
    """A push attempt failed (network, server error): count it and keep the events pending."""
    ids = list(event_ids)
    if ids:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.event_id.in_(ids))
            .values(attempts=OutboxEvent.attempts + 1, last_error=error[:2000])
        )


# ---------------------------------------------------------------------------------------------
# Member lookups


def find_member_by_id(session: Session, member_id: str) -> Member | None:
    return session.get(Member, member_id)


# The scan-to-member lookups are the till's hottest queries (and the search box's): they
# return lean MemberRecord rows read with plain SQL on the session's connection (store.member_reads),
# not ORM objects, which cost five to eleven times the SELECT itself (bench/lookup.py).


def find_member_by_phone(session: Session, phone: str) -> MemberRecord | None:
    """Exact phone match (the caller normalises the number; spaces are stripped here)."""
    phone = "".join(phone.split())
    if not phone:
        return None
    return member_reads.by_phone(session, phone)


def find_member_by_card(session: Session, card_no: str) -> MemberRecord | None:
    card_no = card_no.strip()
    if not card_no:
        return None
    return member_reads.by_card(session, card_no)


def find_member_by_last4(
    session: Session, last4: str, limit: int = 20
) -> list[MemberRecord]:
    """Members whose phone ends in ``last4``, most recent purchase first (never-bought last).

    ``limit`` is capped at 50: a pick list longer than that is of no use to a cashier.
    """
    last4 = last4.strip()
    if len(last4) != 4 or not last4.isdigit():
        return []
    limit = max(0, min(int(limit), MAX_LAST4_MATCHES))
    return member_reads.by_last4(session, last4, limit)


def escape_like(text: str, escape: str = LIKE_ESCAPE) -> str:
    """``text`` with LIKE wildcards (``%``, ``_``) and the escape character escaped."""
    return (
        text.replace(escape, escape + escape).replace("%", escape + "%").replace("_", escape + "_")
    )


def search_members(session: Session, text: str, limit: int = 20) -> list[MemberRecord]:
    """Free-text member search for the cashier's search box; at most 100 results.

    The text is cut to 64 characters and taken literally (quotes, ``%``, ``_`` and ``\\``
    are ordinary characters). Results come in groups, each from an index where possible:

    - four digits: members whose phone ends in them, most recent purchase first;
    - digits: phone numbers starting with them, in phone order;
    - any text: card numbers starting with it, in card order;
    - letters: names whose pinyin initials (张三 "zs"), then full pinyin ("zhangsan"),
      start with them (spaces and case ignored), in that order;
    - other text: names containing it (a full scan), most recent purchase first.

    Prefix groups are in index order rather than by recency so that a short prefix among a
    million members stays an index range scan; the cashier types more to narrow it.
    """
    text = " ".join(text.split())[:MAX_SEARCH_TEXT]
    limit = max(0, min(int(limit), MAX_SEARCH_RESULTS))
    if not text or limit == 0:
        return []
    compact = text.replace(" ", "").replace("-", "")
    # (WHERE, ORDER BY, parameters) per group, run as lean reads (store.member_reads).
    recent = member_reads.RECENT_FIRST
    top = "\U0010ffff"  # a prefix p matches p <= col < p || U+10FFFF: an index range scan
    queries: list[tuple[str, str, tuple[Any, ...]]] = []
    if compact.isdigit():
        if len(compact) == 4:
            queries.append(("phone_last4 = ?", recent, (compact,)))
        queries.append(("phone >= ? AND phone < ?", "phone", (compact, compact + top)))
    queries.append(("card_no >= ? AND card_no < ?", "card_no", (text, text + top)))
    key = query_key(text)
    if key and key.isascii() and key.isalpha():
        queries.append(("name_initials >= ? AND name_initials < ?", "name_initials",
                        (key, key + top)))
        queries.append(("name_pinyin >= ? AND name_pinyin < ?", "name_pinyin",
                        (key, key + top)))
    if not compact.isdigit():
        queries.append((f"name LIKE ? ESCAPE '{LIKE_ESCAPE}'", recent,
                        (f"%{escape_like(text)}%",)))

    found: dict[str, MemberRecord] = {}
    for where, order_by, params in queries:
        for member in member_reads.where(session, where, order_by, params, limit):
            found.setdefault(member.id, member)
        if len(found) >= limit:
            break
    return list(found.values())[:limit]
