"""Group-buy vouchers (美团/抖音) the central service verified for this till (migration 0009).

One row per idempotency key: a verification asked again after a lost answer reuses its key, so
the platform never uses a second voucher. ``sale_id`` is set when the sale that the voucher
paid is recorded; a refund's undo is recorded in ``status`` (``verified``, ``cancelled``,
``cancel_failed``) and ``cancel_result``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import CODE_LEN, UUID_LEN, Base, non_negative, one_of
from pos_member.store.types import UTCDateTime

VOUCHER_PLATFORMS = ("meituan", "douyin")


class VoucherUse(Base):
    __tablename__ = "voucher_uses"

    key: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(CODE_LEN), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    value_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_result: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint(one_of("platform", VOUCHER_PLATFORMS), name="platform"),
        *non_negative("value_fen"),
    )
