"""Benefits (权益次数/次卡) and the points mall (积分兑换) on the till (migration 0007).

``benefit_member_cache`` and ``mall_stock`` hold what the central service last said (a member's
quota uses per period and cards; this store's stock per reward). ``benefit_uses``,
``count_cards`` and ``mall_redemptions`` are what this till did, each row written in the sale's
(or refund's) transaction with the outbox event that carries it. What a member may spend is
the cache less this till's rows whose event is still waiting in the outbox
(services/benefits.py). The programme itself is a JSON setting (``benefit_programme``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import CODE_LEN, UUID_LEN, Base
from pos_member.store.types import JSONText, UTCDateTime, utcnow


class BenefitMemberCache(Base):
    __tablename__ = "benefit_member_cache"

    member_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    data: Mapped[Any] = mapped_column(JSONText)  # protocol MemberBenefitsData
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MallStockCache(Base):
    __tablename__ = "mall_stock"

    reward: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    stock: Mapped[int] = mapped_column(Integer, default=0)  # may be negative (an oversell)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BenefitUse(Base):
    __tablename__ = "benefit_uses"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN))
    benefit: Mapped[str] = mapped_column(String(CODE_LEN))
    source: Mapped[str] = mapped_column(String(CODE_LEN))  # quota, or a card id
    period_key: Mapped[str | None] = mapped_column(String(8))
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offline: Mapped[int] = mapped_column(Integer, default=0)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))  # given back by
    refund_event_id: Mapped[str | None] = mapped_column(String(UUID_LEN))

    __table_args__ = (
        CheckConstraint("discount_fen >= 0", name="discount_fen_non_negative"),
        Index("ix_benefit_uses_member", "member_id", "benefit"),
    )


class CountCardSold(Base):
    __tablename__ = "count_cards"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    sku: Mapped[str] = mapped_column(String(CODE_LEN))
    benefit: Mapped[str] = mapped_column(String(CODE_LEN))
    uses_total: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refund_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    uses_removed: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("uses_total >= 1", name="uses_total_positive"),)


class MallRedemption(Base):
    __tablename__ = "mall_redemptions"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    reward: Mapped[str] = mapped_column(String(CODE_LEN))
    qty: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    sale_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty_positive"),
        CheckConstraint("returned_qty >= 0 AND returned_qty <= qty", name="returned_bounded"),
    )
