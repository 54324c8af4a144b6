"""Sales with their lines, payments and coupon redemptions; refunds; the points ledger."""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos_member.store.models.base import (
    CODE_LEN,
    LEDGER_KINDS,
    STAFF_ID_LEN,
    TENDERS,
    TERMINAL_ID_LEN,
    TIER_LEN,
    TZ_LEN,
    UUID_LEN,
    Base,
    non_negative,
    one_of,
    uuid_pk,
)
from pos_member.store.types import JSONText, UTCDateTime, utcnow


class Sale(Base):
    __tablename__ = "sales"

    id: Mapped[str] = uuid_pk()
    terminal_id: Mapped[str] = mapped_column(String(TERMINAL_ID_LEN))
    terminal_seq: Mapped[int] = mapped_column(Integer)
    receipt_no: Mapped[str] = mapped_column(String(32), index=True)
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    staff_id: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    tz: Mapped[str] = mapped_column(String(TZ_LEN))
    status: Mapped[str] = mapped_column(String(16), default="completed")
    subtotal_fen: Mapped[int] = mapped_column(Integer)
    tier_discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    coupon_discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    points_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    rounding_fen: Mapped[int] = mapped_column(Integer, default=0)  # signed
    total_fen: Mapped[int] = mapped_column(Integer)
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    points_earned: Mapped[int] = mapped_column(Integer, default=0)
    growth_earned: Mapped[int] = mapped_column(Integer, default=0)
    tier_before: Mapped[str | None] = mapped_column(String(TIER_LEN))
    tier_after: Mapped[str | None] = mapped_column(String(TIER_LEN))
    multiplier: Mapped[str | None] = mapped_column(String(8))  # decimal text, e.g. "2"
    quote_json: Mapped[Any] = mapped_column(JSONText)  # the full pricing result
    # Revision 0002: who voided the sale, when and why (a void needs a manager).
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    void_approver_id: Mapped[str | None] = mapped_column(String(STAFF_ID_LEN))
    void_reason: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[SaleLine]] = relationship(
        back_populates="sale",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SaleLine.line_no",
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="sale",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Payment.id",
    )
    coupon_redemptions: Mapped[list[CouponRedemption]] = relationship(
        back_populates="sale", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("terminal_id", "terminal_seq"),
        UniqueConstraint("terminal_id", "receipt_no"),
        # A day's or a shift's window on this till (X/Z, the day's figures): without it the
        # planner walks every sale of the terminal through the unique index (issue 14, 0010).
        Index("ix_sales_terminal_id_created_at", "terminal_id", "created_at"),
        CheckConstraint(one_of("status", ("completed", "voided")), name="status"),
        CheckConstraint("status <> 'voided' OR voided_at IS NOT NULL", name="void_recorded"),
        CheckConstraint("terminal_seq >= 1", name="terminal_seq_positive"),
        *non_negative(
            "subtotal_fen",
            "tier_discount_fen",
            "coupon_discount_fen",
            "points_value_fen",
            "total_fen",
            "points_redeemed",
            "points_earned",
            "growth_earned",
        ),
    )


class SaleLine(Base):
    """A basket line as priced; ``qty_milli`` is thousandths (2 pcs = 2000, 0.350 kg = 350)."""

    __tablename__ = "sale_lines"

    sale_id: Mapped[str] = mapped_column(
        ForeignKey("sales.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(CODE_LEN))
    name: Mapped[str] = mapped_column(String(200))  # as printed, at the time of sale
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    qty_milli: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    tier_discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    coupon_discount_fen: Mapped[int] = mapped_column(Integer, default=0)
    points_value_fen: Mapped[int] = mapped_column(Integer, default=0)
    points_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    rounding_fen: Mapped[int] = mapped_column(Integer, default=0)  # signed
    paid_fen: Mapped[int] = mapped_column(Integer)
    discountable: Mapped[bool] = mapped_column(Boolean, default=True)
    points_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    category_id: Mapped[str | None] = mapped_column(String(CODE_LEN))

    sale: Mapped[Sale] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("line_no >= 1", name="line_no_positive"),
        CheckConstraint("qty_milli > 0", name="qty_milli_positive"),
        *non_negative(
            "unit_price_fen",
            "amount_fen",
            "tier_discount_fen",
            "coupon_discount_fen",
            "points_value_fen",
            "points_redeemed",
            "paid_fen",
        ),
    )


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), index=True)
    tender: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)  # what this tender covers of the total
    tendered_fen: Mapped[int | None] = mapped_column(Integer)  # cash handed over
    change_fen: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str | None] = mapped_column(String(128))  # voucher code, provider ref

    sale: Mapped[Sale] = relationship(back_populates="payments")

    __table_args__ = (
        CheckConstraint(one_of("tender", TENDERS), name="tender"),
        *non_negative("amount_fen", "tendered_fen", "change_fen"),
    )


class CouponRedemption(Base):
    """A coupon used by a sale; at most one live (not reversed) redemption per coupon."""

    __tablename__ = "coupon_redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), index=True)
    coupon_code: Mapped[str] = mapped_column(String(CODE_LEN))
    discount_fen: Mapped[int] = mapped_column(Integer)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reversed_by_refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))

    sale: Mapped[Sale] = relationship(back_populates="coupon_redemptions")

    __table_args__ = (
        *non_negative("discount_fen"),
        Index(
            "uq_coupon_redemptions_live_coupon_code",
            "coupon_code",
            unique=True,
            sqlite_where=text("reversed_at IS NULL"),
        ),
    )


class PointsLedgerEntry(Base):
    """A signed change to a member's points and growth made on this till.

    ``confirmed`` turns true when the central service has applied it; available points are
    the cached balance plus the unconfirmed entries.
    """

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)
    refund_id: Mapped[str | None] = mapped_column(ForeignKey("refunds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer, default=0)
    growth: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(one_of("kind", LEDGER_KINDS), name="kind"),
        # The sign follows the kind; 'adjust' may go either way (unknown kinds fail ck_..._kind).
        CheckConstraint(
            "(kind IN ('earn', 'return_redeem') AND points >= 0 AND growth >= 0)"
            " OR (kind IN ('redeem', 'reverse_earn', 'expire') AND points <= 0 AND growth <= 0)"
            " OR kind NOT IN ('earn', 'return_redeem', 'redeem', 'reverse_earn', 'expire')",
            name="sign_matches_kind",
        ),
        Index("ix_points_ledger_member_id", "member_id", "at"),
        # Covering: the checkout's unconfirmed sums come from the index alone (revision 0011).
        Index("ix_points_ledger_unconfirmed", "member_id", "confirmed", "points", "growth",
              "kind", "at"),
    )


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[str] = uuid_pk()
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    terminal_id: Mapped[str] = mapped_column(String(TERMINAL_ID_LEN))
    terminal_seq: Mapped[int] = mapped_column(Integer)
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    tz: Mapped[str] = mapped_column(String(TZ_LEN))
    staff_id: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    approver_id: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    amount_fen: Mapped[int] = mapped_column(Integer)
    points_reversed: Mapped[int] = mapped_column(Integer, default=0)
    points_returned: Mapped[int] = mapped_column(Integer, default=0)
    growth_reversed: Mapped[int] = mapped_column(Integer, default=0)
    coupon_restored: Mapped[bool] = mapped_column(Boolean, default=False)
    tier_after: Mapped[str | None] = mapped_column(String(TIER_LEN))  # may drop on a refund
    reason: Mapped[str | None] = mapped_column(Text)
    # The refund's own receipt number ("R261202-000001": series ``refund`` of the receipt
    # counters); None for refunds recorded before revision 0003.
    receipt_no: Mapped[str | None] = mapped_column(String(32))

    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="RefundLine.line_no",
    )
    payments: Mapped[list[RefundPayment]] = relationship(
        back_populates="refund",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="RefundPayment.id",
    )

    __table_args__ = (
        UniqueConstraint("terminal_id", "terminal_seq"),
        Index("ix_refunds_terminal_id_created_at", "terminal_id", "created_at"),
        CheckConstraint("terminal_seq >= 1", name="terminal_seq_positive"),
        *non_negative("amount_fen", "points_reversed", "points_returned", "growth_reversed"),
    )


class RefundLine(Base):
    """How much of a sale line came back: ``line_no`` is the sale line's number."""

    __tablename__ = "refund_lines"

    refund_id: Mapped[str] = mapped_column(
        ForeignKey("refunds.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(CODE_LEN))
    qty_milli: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    points_returned: Mapped[int] = mapped_column(Integer, default=0)  # redeemed points back

    refund: Mapped[Refund] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("qty_milli > 0", name="qty_milli_positive"),
        *non_negative("amount_fen", "points_returned"),
    )


class RefundPayment(Base):
    """How the money went back, per tender (the shift's expected cash needs it)."""

    __tablename__ = "refund_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    refund_id: Mapped[str] = mapped_column(ForeignKey("refunds.id", ondelete="CASCADE"), index=True)
    tender: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(128))

    refund: Mapped[Refund] = relationship(back_populates="payments")

    __table_args__ = (
        CheckConstraint(one_of("tender", TENDERS), name="tender"),
        *non_negative("amount_fen"),
    )
