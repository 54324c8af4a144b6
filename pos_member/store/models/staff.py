"""Staff, shifts, cash movements and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_member.store.models.base import (
    STAFF_ID_LEN,
    TERMINAL_ID_LEN,
    TZ_LEN,
    Base,
    non_negative,
    one_of,
    uuid_pk,
)
from pos_member.store.types import JSONText, UTCDateTime, new_uuid, utcnow


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(String(STAFF_ID_LEN), primary_key=True, default=new_uuid)
    # What a cashier types before the PIN (a PIN alone cannot be looked up: it is hashed).
    login_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(255))  # argon2id encoded hash
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lockout_count: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint(one_of("role", ("cashier", "manager")), name="role"),
        *non_negative("failed_count", "lockout_count"),
    )


class Shift(Base):
    __tablename__ = "shifts"

    id: Mapped[str] = uuid_pk()
    terminal_id: Mapped[str] = mapped_column(String(TERMINAL_ID_LEN))
    tz: Mapped[str] = mapped_column(String(TZ_LEN))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    float_fen: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    approver_id: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    # Blind count by tender and denomination; expected amounts by tender (set at closing).
    counted_json: Mapped[Any | None] = mapped_column(JSONText, nullable=True)
    expected_json: Mapped[Any | None] = mapped_column(JSONText, nullable=True)
    over_short_fen: Mapped[int | None] = mapped_column(Integer)  # signed: + over, - short
    status: Mapped[str] = mapped_column(String(8), default="open")
    # The Z figures (ShiftFigures.to_dict()), stored when db prune archives any of the shift's
    # sales or refunds (revision 0012); NULL while they are all on the till.
    z_json: Mapped[Any | None] = mapped_column(JSONText, nullable=True)

    cash_movements: Mapped[list[CashMovement]] = relationship(back_populates="shift")

    __table_args__ = (
        CheckConstraint(one_of("status", ("open", "closed")), name="status"),
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
        *non_negative("float_fen"),
        # At most one open shift per terminal.
        Index(
            "uq_shifts_open_per_terminal",
            "terminal_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
        ),
    )


class CashMovement(Base):
    __tablename__ = "cash_movements"

    id: Mapped[str] = uuid_pk()
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    approver_id: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="cash_movements")

    __table_args__ = (
        CheckConstraint(one_of("kind", ("paid_in", "paid_out", "no_sale")), name="kind"),
        *non_negative("amount_fen"),
    )


class AuditLogEntry(Base):
    """One link of the hash chain: ``hash`` covers ``prev_hash`` and this entry's fields.

    ``details`` is the exact JSON text that was hashed (kept as written, not re-serialised),
    so the chain can be re-verified byte for byte.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    approver: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(128))
    hash: Mapped[str] = mapped_column(String(128), unique=True)

    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)
