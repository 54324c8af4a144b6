"""The service's stored-value (储值) tables, on the models' Base (migration 0005).

``stored_value_ledger`` is the truth: a member's principal and bonus are the sums of their
rows (one row per movement, keyed by the UUID the till made, so a movement is applied once).
``stored_value_recharges`` remembers each recharge for the check of its refund.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_central.db import UTCDateTime
from pos_central.models import CODE_LEN, UUID_LEN, Base


class StoredValueEntry(Base):
    __tablename__ = "stored_value_ledger"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)  # the till's entry_id
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    kind: Mapped[str] = mapped_column(String(16))  # recharge spend spend_refund recharge_refund
    principal_fen: Mapped[int] = mapped_column(BigInteger)  # signed
    bonus_fen: Mapped[int] = mapped_column(BigInteger)  # signed
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    recharge_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_stored_value_ledger_member", "member_id", "at"),)


class StoredValueRecharge(Base):
    __tablename__ = "stored_value_recharges"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    receipt_no: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger)
    rule_id: Mapped[str | None] = mapped_column(String(CODE_LEN))
    gift_coupon: Mapped[str | None] = mapped_column(String(CODE_LEN))  # the coupon issued
    tier_to: Mapped[str | None] = mapped_column(String(32))
    tenders: Mapped[Any] = mapped_column(JSON)
    recharged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN), unique=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_terminal_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    refund_cash_fen: Mapped[int | None] = mapped_column(BigInteger)
    refund_principal_fen: Mapped[int | None] = mapped_column(BigInteger)
    refund_bonus_fen: Mapped[int | None] = mapped_column(BigInteger)
    refund_tenders: Mapped[Any] = mapped_column(JSON)
