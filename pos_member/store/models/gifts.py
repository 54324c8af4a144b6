"""Gifts issued by this till (migration 0006): birthday gifts, upgrade gifts (升级礼) and
member-day coupons, one row per gift id (``domain/gifts.py``: uuid5 of member, gift, period).

A row is written in the transaction that issues the gift: with the wallet coupon it becomes
and the outbox event (``gift_issued``) that tells the central service. ``status`` is
``issued``, or ``conflict`` when the central service answered that another till issued the
same gift first (the coupon is then the other till's, the one the feed carries).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import CODE_LEN, UUID_LEN, Base
from pos_member.store.types import UTCDateTime, utcnow


class GiftIssued(Base):
    __tablename__ = "gifts_issued"

    gift_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # birthday | upgrade | member_day
    gift: Mapped[str] = mapped_column(String(CODE_LEN))  # birthday, upgrade:gold, member_day:x
    period: Mapped[str] = mapped_column(String(32))  # 2026, once, 2026-12-02
    coupon_code: Mapped[str] = mapped_column(String(CODE_LEN))
    title: Mapped[str] = mapped_column(String(200), default="")
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN))  # the sale of an upgrade
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="issued")

    __table_args__ = (
        CheckConstraint("kind IN ('birthday', 'upgrade', 'member_day')", name="kind"),
        CheckConstraint("status IN ('issued', 'conflict')", name="status"),
    )
