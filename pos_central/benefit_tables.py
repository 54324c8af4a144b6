"""The service's benefit (权益次数/次卡) and points-mall (积分兑换) tables (migration 0004).

- ``benefit_programmes``: versions of the brand's programme (domain.benefits.Programme as
  JSON); the highest version is current and goes to every till through the feed.
- ``benefit_uses``: one row per use a till sent (keyed by the till's use id: applied once);
  a quota's use counts against its member, benefit and period until it is returned.
- ``count_cards``: cards sold (keyed by the till's card id); ``uses_used`` counts the uses not
  returned, so ``uses_total - uses_used`` is what is left (negative after an overspend).
- ``mall_stock``: what each store holds of each reward (negative after an oversell).
- ``mall_redemptions``: one row per redemption (keyed by the till's id), with what came back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_central.db import UTCDateTime, utcnow
from pos_central.models import CODE_LEN, UUID_LEN, Base


class BenefitProgramme(Base):
    __tablename__ = "benefit_programmes"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    programme: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BenefitUseRow(Base):
    __tablename__ = "benefit_uses"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)  # the till's use_id
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    benefit: Mapped[str] = mapped_column(String(CODE_LEN))
    source: Mapped[str] = mapped_column(String(CODE_LEN))  # quota, or a card id
    period_key: Mapped[str | None] = mapped_column(String(8))
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(BigInteger)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))

    __table_args__ = (
        Index("ix_benefit_uses_member", "member_id", "benefit", "period_key"),
        Index("ix_benefit_uses_source", "source"),
    )


class CountCard(Base):
    __tablename__ = "count_cards"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)  # the till's card_id
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    sku: Mapped[str] = mapped_column(String(CODE_LEN))
    benefit: Mapped[str] = mapped_column(String(CODE_LEN))
    uses_total: Mapped[int] = mapped_column(Integer)
    uses_used: Mapped[int] = mapped_column(Integer, default=0)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, refunded
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    uses_removed: Mapped[int | None] = mapped_column(Integer)


class MallStock(Base):
    __tablename__ = "mall_stock"
    store_id: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    reward: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MallRedemptionRow(Base):
    __tablename__ = "mall_redemptions"
    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    reward: Mapped[str] = mapped_column(String(CODE_LEN))
    qty: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(BigInteger)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    coupon_code: Mapped[str | None] = mapped_column(String(CODE_LEN))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
