"""The outbox, sync bookkeeping, seen member-code nonces and sync conflicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import STAFF_ID_LEN, UUID_LEN, Base, non_negative, one_of
from pos_member.store.types import JSONText, UTCDateTime, utcnow


class OutboxEvent(Base):
    """A business event waiting to be pushed, written in the same transaction as the event."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    terminal_seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[Any] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(one_of("status", ("pending", "sent", "conflict")), name="status"),
        CheckConstraint("terminal_seq >= 1", name="terminal_seq_positive"),
        *non_negative("attempts"),
        # Pending events in push order.
        Index("ix_outbox_status", "status", "terminal_seq"),
        {"sqlite_autoincrement": True},  # ids are never reused, even after pruning sent rows
    )


class SyncState(Base):
    """Key/value bookkeeping: cursors, terminal id, last success, next terminal sequence."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ReceiptCounter(Base):
    """The last receipt number handed out per series (``sale``, ``refund``) and local day
    (``YYMMDD``): receipt numbers run 1, 2, 3, ... per till and day without gaps, apart from
    the terminal sequence of events (which shifts, refunds and registrations also use)."""

    __tablename__ = "receipt_counters"

    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SeenNonce(Base):
    """Nonces of dynamic member codes already presented (refuses replayed screenshots)."""

    __tablename__ = "seen_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SyncConflict(Base):
    """Something the central service applied differently (a coupon used elsewhere first...)."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[Any] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
