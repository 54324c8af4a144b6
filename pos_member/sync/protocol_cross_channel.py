"""Wire models of the cross-channel endpoints (docs/sync-api.md, "Cross-channel"): group-buy
vouchers verified through the central service, and order-number activation. One definition
for both sides, like :mod:`pos_member.sync.protocol` (whose base models these use).

These calls are online only: a voucher cannot be verified, nor an order activated, offline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from pos_member.sync.protocol import (
    CouponData,
    FenAmount,
    MemberData,
    Phone,
    WireIn,
    WireOut,
)

Platform = Literal["meituan", "douyin"]
VoucherCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{4,64}$",
                                   examples=["MT0000000001"])]
OrderNo = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{4,64}$", examples=["TB20261203001"])]


class VoucherPrepareRequest(WireIn):
    """Ask the platform what a code is, without using it. ``key`` (made by the till, one per
    voucher scanned) is the idempotency key of the verification that may follow."""

    platform: Platform
    code: VoucherCode
    key: UUID


class VoucherVerifyRequest(WireIn):
    """Use (核销) the voucher prepared under ``key``. Asking again with the same key (after a
    lost answer) answers the same verification; it never uses a second voucher."""

    key: UUID
    member_id: UUID | None = None  # the member the sale is bound to, when identified
    sale_id: UUID | None = None  # the sale being paid (the till's sale id)


class VoucherCancelRequest(WireIn):
    """Undo a verification because its sale was refunded (within the platform's window)."""

    key: UUID
    refund_id: UUID | None = None


class VoucherData(WireOut):
    key: UUID
    platform: Platform
    code: str
    title: str = ""
    value_fen: int  # what the voucher covers at the till (券面值)
    paid_fen: int  # what the customer paid the platform
    # prepared, verified, cancelled
    status: Literal["prepared", "verified", "cancelled"]
    expires_at: datetime | None = None
    verified_at: datetime | None = None
    cancelled_at: datetime | None = None
    # a refund's undo: cancelled, window_passed, refused: ..., platform_down
    cancel_result: str | None = None
    cancel_deadline: datetime | None = None  # until when a refund can undo it


class ActivationRequest(WireIn):
    """Join (or link an existing membership) with an online-store order number."""

    order_no: OrderNo
    phone: Phone
    name: Annotated[str, Field(max_length=100)] = ""
    marketing_consent: bool = False


class ActivationResponse(WireOut):
    order_no: str
    member: MemberData
    created: bool  # True: a new member; False: the phone's existing member was linked
    coupon: CouponData | None = None  # the welcome coupon issued
    amount_fen: FenAmount = 0  # the order's amount
