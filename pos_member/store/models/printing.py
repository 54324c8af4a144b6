"""The receipt print queue (revision 0002)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pos_member.store.models.base import Base, non_negative, one_of
from pos_member.store.types import UTCDateTime, utcnow


class ReceiptPrintJob(Base):
    """The print queue (revision 0002): a receipt waits here until the printer takes it.

    ``payload`` is what the printing layer needs to print again (encoded bytes or a layout);
    ``copy`` marks a reprint so the receipt says so.
    """

    __tablename__ = "receipt_print_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[str | None] = mapped_column(ForeignKey("sales.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. receipt, refund, z_report, card_slip
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    copy: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(one_of("status", ("pending", "printed", "failed")), name="status"),
        *non_negative("attempts"),
        Index("ix_receipt_print_jobs_status", "status", "id"),
    )
