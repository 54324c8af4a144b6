"""The central service's tables (SQLAlchemy 2 declarative). Migrations: pos_central/migrations.

Money is integer fen in BigInteger columns; ids made on tills are UUID strings (36 chars).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pos_central.db import UTCDateTime, utcnow

UUID_LEN = 36
CODE_LEN = 64

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# -- bookkeeping --------------------------------------------------------------------------------


class Meta(Base):
    """Key/value: ``feed_id`` (a UUID made when the database is created)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ChangeCounter(Base):
    """One row: the last feed sequence number handed out. Taking it with a row lock at the end
    of a write transaction makes sequence order equal commit order, so a reader never skips a
    change that commits late."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


class ChangeRow(Base):
    """The feed: one row per entity at its latest sequence number (older ones are replaced)."""

    __tablename__ = "changes"
    entity: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(CODE_LEN + 8), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


# -- terminals ----------------------------------------------------------------------------------


class Terminal(Base):
    __tablename__ = "terminals"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_version: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    highest_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class EnrolCode(Base):
    __tablename__ = "enrol_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[str | None] = mapped_column(String(CODE_LEN))  # None: any store
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terminal_id: Mapped[str | None] = mapped_column(String(UUID_LEN))


# -- events and what they made ------------------------------------------------------------------


class EventRow(Base):
    """Every pushed event, once: the unique key on ``event_id`` makes a replay a duplicate."""

    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"))
    terminal_seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    payload_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the till
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[Any] = mapped_column(JSON)  # the EventResult, as first answered

    __table_args__ = (Index("ix_events_terminal_seq", "terminal_id", "terminal_seq"),)


class Sale(Base):
    __tablename__ = "sales"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    receipt_no: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)  # the survivor
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)
    tz: Mapped[str] = mapped_column(String(64))
    subtotal_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger)  # tier + coupon
    total_fen: Mapped[int] = mapped_column(BigInteger)
    points_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    growth_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon_codes: Mapped[Any] = mapped_column(JSON)
    # What a refund is bounded by (apply.refund_bounds): per line {"line_no", "sku", "qty"
    # (decimal text), "paid_fen", "points_redeemed"}, and money by tender ({"cash": 1800};
    # the points tender left out). NULL on sales stored before migration 0002: their refunds
    # are bounded by the sale's totals only.
    lines: Mapped[Any] = mapped_column(JSON, nullable=True)
    tenders: Mapped[Any] = mapped_column(JSON, nullable=True)


class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    points_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    growth_reversed: Mapped[int] = mapped_column(BigInteger, default=0)
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    # points_* and growth_reversed above are what moved on the member's account: at most what
    # the sale has left (a refund_exceeds_sale conflict names the rest). amount_fen, lines and
    # tenders are what the till paid out, as sent. NULL lines/tenders: stored before 0002.
    store_id: Mapped[str | None] = mapped_column(String(CODE_LEN))
    lines: Mapped[Any] = mapped_column(JSON, nullable=True)  # [{line_no, qty, amount_fen, ...}]
    tenders: Mapped[Any] = mapped_column(JSON, nullable=True)  # {"cash": 1800}


class Conflict(Base):
    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    coupon_code: Mapped[str | None] = mapped_column(String(CODE_LEN))
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    detail: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Shift(Base):
    __tablename__ = "shifts"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_float_fen: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing: Mapped[Any] = mapped_column(JSON, nullable=True)  # the shift_closed payload


class CashMovement(Base):
    __tablename__ = "cash_movements"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    shift_id: Mapped[str] = mapped_column(String(UUID_LEN))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditHead(Base):
    __tablename__ = "audit_heads"
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditAck(Base):
    """Per terminal, the audit head the service acknowledged last (in arrival order): the next
    head must extend it (see apply.apply_audit_head). ``broken_at``/``breaks`` flag a terminal
    whose chain broke at least once; the conflicts say where."""

    __tablename__ = "audit_acks"
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(UUID_LEN))  # None: from before 0002
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    breaks: Mapped[int] = mapped_column(Integer, default=0)
    broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last break


class MemberCodeNonce(Base):
    """Each dynamic member-code nonce that spent points, once: a second sale spending with the
    same nonce is a ``member_code_reused`` conflict naming this first sale."""

    __tablename__ = "member_code_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN))
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the sale's sold_at


# -- members and loyalty ------------------------------------------------------------------------


class Member(Base):
    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    card_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    birthday: Mapped[date | None] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(32), default="regular")
    growth: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)  # may be negative
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into: Mapped[str | None] = mapped_column(String(UUID_LEN))
    origin_terminal_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class PointLot(Base):
    __tablename__ = "point_lots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    earned_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_point_lots_member", "member_id", "expires_on"),)


class PointsLedger(Base):
    """Every movement of points and growth, with the event that caused it."""

    __tablename__ = "points_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    event_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # earn redeem reverse return expire merge adjust
    points: Mapped[int] = mapped_column(BigInteger, default=0)  # signed
    growth: Mapped[int] = mapped_column(BigInteger, default=0)  # signed
    balance_after: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberMergeRow(Base):
    __tablename__ = "member_merges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)  # merged away
    merged_into: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Coupon(Base):
    __tablename__ = "coupons"
    code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    rate: Mapped[str | None] = mapped_column(String(16))
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    threshold_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    categories: Mapped[Any] = mapped_column(JSON, default=list)
    skus: Mapped[Any] = mapped_column(JSON, default=list)
    valid_from: Mapped[str | None] = mapped_column(String(40))  # ISO text, naive = store-local
    valid_to: Mapped[str | None] = mapped_column(String(40))
    weekdays: Mapped[Any] = mapped_column(JSON, default=list)
    tiers: Mapped[Any] = mapped_column(JSON, default=list)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    with_tier_discount: Mapped[bool] = mapped_column(Boolean, default=True)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    status: Mapped[str] = mapped_column(String(16), default="available")
    used_by_sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    used_by_terminal_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# -- catalogue, rules, keys ---------------------------------------------------------------------


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Base):
    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[str | None] = mapped_column(String(CODE_LEN))
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(8), default="pcs")
    discountable: Mapped[bool] = mapped_column(Boolean, default=True)
    points_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 会员价 (migration 0003): {tier code: unit price in fen}; NULL = none
    member_prices: Mapped[Any] = mapped_column(JSON, nullable=True)


class Barcode(Base):
    __tablename__ = "barcodes"
    code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    sku: Mapped[str] = mapped_column(String(CODE_LEN), index=True)


class RulesVersion(Base):
    __tablename__ = "rules_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules: Mapped[Any] = mapped_column(JSON)  # Rules.to_dict()
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)


class Revocation(Base):
    __tablename__ = "revocations"
    id: Mapped[str] = mapped_column(String(CODE_LEN + 8), primary_key=True)  # key:... member:...
    key_id: Mapped[str | None] = mapped_column(String(CODE_LEN))
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class SigningKey(Base):
    """Ed25519 keys for dynamic member codes. The private half stays in this table."""

    __tablename__ = "signing_keys"
    key_id: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    private_key: Mapped[str] = mapped_column(Text)  # raw 32 bytes, base64
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# The operations console keeps its tables on this Base (migration 0007).
from pos_central.console import tables as _console_tables  # noqa: E402, F401
# Group-buy vouchers, online-order activation, win-back campaigns (migration 0006).
from pos_central import cross_channel_models as _cross_channel  # noqa: E402, F401
# Stored value (储值): ledger and recharges (migration 0005).
from pos_central import stored_value_tables as _stored_value  # noqa: E402, F401
# Gifts issued by the tills: birthday, upgrade, member-day coupon (migration 0003).
from pos_central import gifts as _gifts  # noqa: E402, F401
# Benefits with quotas, count cards, the points mall (migration 0004).
from pos_central import benefit_tables as _benefit_tables  # noqa: E402, F401
