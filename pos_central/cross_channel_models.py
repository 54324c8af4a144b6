"""Tables of the cross-channel features (issue 12, part B): group-buy voucher verifications,
imported online-store orders (order-number activation) and win-back campaigns for dormant
members. Migration: pos_central/migrations/versions/0006_cross_channel.py. Imported by
pos_central.models so that ``Base.metadata`` holds them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_central.db import UTCDateTime, utcnow
from pos_central.models import CODE_LEN, UUID_LEN, Base


class VoucherVerification(Base):
    """One attempt to use a group-buy voucher, keyed by the till's idempotency key: asking
    again with the same key answers this row (never a second verification). ``status``:
    ``prepared``, ``verified``, ``cancelled``; ``cancel_result`` records a refund's undo
    (``cancelled``, ``window_passed``, ``refused: ...``, ``platform_down``)."""

    __tablename__ = "voucher_verifications"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(CODE_LEN))
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    title: Mapped[str] = mapped_column(String(200), default="")
    value_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(128), default="")  # 抖音 verify_token
    raw: Mapped[str] = mapped_column(Text, default="{}")  # the prepare answer's certificate
    status: Mapped[str] = mapped_column(String(16))
    platform_verify_id: Mapped[str | None] = mapped_column(String(128))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_result: Mapped[str | None] = mapped_column(String(200))
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))

    __table_args__ = (Index("ix_voucher_verifications_code", "platform", "code"),)


class OnlineOrder(Base):
    """An order of the brand's online store, imported from CSV; activates one membership."""

    __tablename__ = "online_orders"
    order_no: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(32), default="online")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    terminal_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    coupon_code: Mapped[str | None] = mapped_column(String(CODE_LEN))
    created_member: Mapped[int] = mapped_column(Integer, default=0)  # 1: activation made it


class WinbackCampaign(Base):
    """A win-back offer issued to a dormant segment (no purchase for ``segment_days``)."""

    __tablename__ = "winback_campaigns"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    segment_days: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    threshold_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_days: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer, default=0)


class WinbackOffer(Base):
    """One member's offer of a campaign (the coupon code they were given)."""

    __tablename__ = "winback_offers"
    campaign_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    coupon_code: Mapped[str] = mapped_column(String(CODE_LEN))
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
