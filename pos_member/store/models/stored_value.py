"""Stored value (储值): the cached accounts, this till's ledger and its recharges.

``stored_value_accounts`` holds what the central service last said (principal and bonus, may
be negative); every movement made on this till is a ``stored_value_ledger`` row with its own
UUID, unconfirmed until the central service has applied the event that carried it. What a
member can spend is the cached account plus this till's unconfirmed rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import (
    CODE_LEN,
    STAFF_ID_LEN,
    TERMINAL_ID_LEN,
    TIER_LEN,
    TZ_LEN,
    UUID_LEN,
    Base,
    non_negative,
    one_of,
    uuid_pk,
)
from pos_member.store.types import UTCDateTime, utcnow

SV_KINDS = ("recharge", "spend", "spend_refund", "recharge_refund")
RECHARGE_TENDERS = ("cash", "wechat", "alipay", "card")


class StoredValueAccount(Base):
    __tablename__ = "stored_value_accounts"

    member_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    principal_fen: Mapped[int] = mapped_column(Integer, default=0)
    bonus_fen: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredValueEntry(Base):
    """A signed movement of a member's principal and bonus made on this till."""

    __tablename__ = "stored_value_ledger"

    id: Mapped[str] = uuid_pk()
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    kind: Mapped[str] = mapped_column(String(16))
    principal_fen: Mapped[int] = mapped_column(Integer)
    bonus_fen: Mapped[int] = mapped_column(Integer)
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    recharge_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)  # the outbox event
    shift_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_date: Mapped[date] = mapped_column(Date)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)  # made while offline
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(one_of("kind", SV_KINDS), name="kind"),
        CheckConstraint(
            "(kind IN ('recharge', 'spend_refund') AND principal_fen >= 0 AND bonus_fen >= 0)"
            " OR (kind IN ('spend', 'recharge_refund') AND principal_fen <= 0"
            " AND bonus_fen <= 0)", name="sign_matches_kind"),
        Index("ix_stored_value_ledger_member", "member_id", "confirmed"),
        Index("ix_stored_value_ledger_day", "member_id", "local_date"),
    )


class Recharge(Base):
    """A recharge taken at this till, and its refund when there is one."""

    __tablename__ = "stored_value_recharges"

    id: Mapped[str] = uuid_pk()
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    receipt_no: Mapped[str] = mapped_column(String(32))
    terminal_id: Mapped[str] = mapped_column(String(TERMINAL_ID_LEN))
    terminal_seq: Mapped[int] = mapped_column(Integer)
    shift_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    staff_id: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    tz: Mapped[str] = mapped_column(String(TZ_LEN))
    amount_fen: Mapped[int] = mapped_column(Integer)  # principal
    bonus_fen: Mapped[int] = mapped_column(Integer, default=0)
    rule_id: Mapped[str | None] = mapped_column(String(CODE_LEN))
    gift_coupon: Mapped[str | None] = mapped_column(String(CODE_LEN))
    tier_to: Mapped[str | None] = mapped_column(String(TIER_LEN))
    tender: Mapped[str] = mapped_column(String(16))
    tendered_fen: Mapped[int | None] = mapped_column(Integer)
    change_fen: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str | None] = mapped_column(String(128))
    # The refund (manager-approved): its id, when, how much went back, by which tender.
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN), unique=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_shift_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    refund_receipt_no: Mapped[str | None] = mapped_column(String(32))
    refund_cash_fen: Mapped[int | None] = mapped_column(Integer)
    refund_principal_fen: Mapped[int | None] = mapped_column(Integer)  # taken out (>= 0)
    refund_bonus_fen: Mapped[int | None] = mapped_column(Integer)  # bonus removed (>= 0)
    refund_tender: Mapped[str | None] = mapped_column(String(16))
    refund_staff_id: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    refund_approver_id: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    refund_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(one_of("tender", RECHARGE_TENDERS), name="tender"),
        CheckConstraint("refund_tender IS NULL OR " + one_of("refund_tender", RECHARGE_TENDERS),
                        name="refund_tender"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        *non_negative("bonus_fen", "change_fen", "refund_cash_fen", "refund_principal_fen",
                      "refund_bonus_fen"),
    )
