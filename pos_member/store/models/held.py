"""Orders a cashier put aside (挂单) to serve the next customer, recalled later (取单)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import STAFF_ID_LEN, UUID_LEN, Base, non_negative, uuid_pk
from pos_member.store.types import JSONText, UTCDateTime, utcnow


class HeldOrder(Base):
    """A basket on hold: its lines (SKU, quantity, price override), the member and the coupons
    chosen, the points asked. Nothing of it is a sale yet: no stock, points or outbox event.
    Recalling it deletes the row and prices the basket again with today's prices and rules."""

    __tablename__ = "held_orders"

    id: Mapped[str] = uuid_pk()
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    staff_id: Mapped[str] = mapped_column(String(STAFF_ID_LEN))
    member_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    label: Mapped[str] = mapped_column(String(100), default="")
    item_count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Integer)  # the total when it was held
    payload: Mapped[Any] = mapped_column(JSONText)

    __table_args__ = (
        CheckConstraint("item_count >= 1", name="item_count_positive"),
        *non_negative("total_fen"),
    )
