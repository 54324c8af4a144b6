"""Group-buy vouchers (美团/抖音) at the till: prepare, verify, record, undo on a refund.

The till never talks to a platform: it asks the central service (which holds the credentials)
through a :class:`VoucherGateway` (pos_member.sync.vouchers_gateway implements it over HTTP).
Each voucher scanned gets a new idempotency key; retrying a verification whose answer was lost
reuses it, so the platform uses the voucher once whatever happens on the network. A voucher
cannot be verified offline: the cashier is told so and takes another tender (never trusted).

Each verified voucher is kept in ``voucher_uses`` (the key, the sale it pays, and a refund's
undo) so that a refund can ask the central service to cancel it within the platform's window,
or record that it could not.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select

from pos_member.domain.vouchers import VOUCHER_TENDERS, points_after_vouchers, voucher_share
from pos_member.services.context import TillContext
from pos_member.services.errors import InvalidInput, ServiceError
from pos_member.store.db import transaction
from pos_member.store.models import VoucherUse

CODE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
RETRIES = 2  # further attempts of a verification whose answer did not arrive


@dataclass(frozen=True)
class VoucherInfo:
    key: str
    platform: str
    code: str
    title: str
    value_fen: int  # what the voucher covers
    paid_fen: int  # what the customer paid the platform
    status: str  # prepared, verified, cancelled
    expires_at: datetime | None = None
    cancel_result: str | None = None
    cancel_deadline: datetime | None = None


class VoucherOffline(ServiceError):
    """The central service (or the platform behind it) cannot be reached: refused, not
    trusted. ``transient``: the same request may be tried again."""

    def __init__(self, message: str, transient: bool = True) -> None:
        super().__init__(message, code="voucher_offline")
        self.transient = transient


class VoucherRefused(ServiceError):
    """The platform refused the voucher; ``reason``: unknown, expired, used, cancelled..."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, code="voucher_refused", reason=reason)
        self.reason = reason


class VoucherGateway(Protocol):
    def prepare(self, platform: str, code: str, key: str) -> VoucherInfo: ...

    def verify(self, key: str, member_id: str | None, sale_id: str | None) -> VoucherInfo: ...

    def cancel(self, key: str, refund_id: str | None) -> VoucherInfo: ...


def _gateway(gateway: VoucherGateway | None) -> VoucherGateway:
    if gateway is None:
        raise VoucherOffline("This till is not connected to the central service: a group-buy "
                             "voucher cannot be verified offline. Take another tender.", False)
    return gateway


def prepare_voucher(gateway: VoucherGateway | None, platform: str, code: str) -> VoucherInfo:
    """What the voucher covers (nothing is used yet). Raises VoucherOffline/VoucherRefused."""
    if platform not in VOUCHER_TENDERS:
        raise InvalidInput(f"unknown voucher platform {platform!r}", code="bad_platform")
    code = (code or "").strip()
    if not CODE.match(code):
        raise InvalidInput("A voucher code is 4 to 64 letters or digits: scan it again or "
                           "type it as printed.", code="bad_voucher_code")
    return _gateway(gateway).prepare(platform, code, str(uuid.uuid4()))


def verify_voucher(ctx: TillContext, gateway: VoucherGateway | None, prepared: VoucherInfo,
                   member_id: str | None, sale_id: str | None) -> VoucherInfo:
    """Use the prepared voucher (核销) for ``sale_id`` and keep it in ``voucher_uses``. A lost
    answer is asked again with the same key (at most one use); still no answer raises
    VoucherOffline and the cashier may press again (the same key again)."""
    gw = _gateway(gateway)
    last: VoucherOffline | None = None
    for _attempt in range(1 + RETRIES):
        try:
            done = gw.verify(prepared.key, member_id, sale_id)
            break
        except VoucherOffline as exc:
            last = exc
            if not exc.transient:
                raise
    else:
        raise last  # type: ignore[misc]
    now = ctx.now()
    with transaction(ctx.sessions) as s:
        row = s.get(VoucherUse, done.key)
        if row is None:
            s.add(VoucherUse(key=done.key, platform=done.platform, code=done.code,
                             title=done.title[:200], value_fen=done.value_fen, status="verified",
                             sale_id=sale_id, member_id=member_id, verified_at=now))
    return done


def voucher_amount(info: VoucherInfo, due: int) -> int:
    """What the voucher pays of ``due``: its value, at most what is due (no change)."""
    return max(0, min(info.value_fen, due))


def uses_of_sale(ctx: TillContext, sale_id: str) -> list[VoucherUse]:
    with ctx.read_sessions() as s:
        rows = s.execute(select(VoucherUse).where(VoucherUse.sale_id == sale_id)
                         .order_by(VoucherUse.verified_at)).scalars().all()
        s.expunge_all()
        return list(rows)


@dataclass(frozen=True)
class UndoResult:
    code: str
    platform: str
    undone: bool
    result: str  # cancelled, window_passed, refused: ..., offline


def undo_for_refund(ctx: TillContext, gateway: VoucherGateway | None, sale_id: str,
                    refund_id: str | None) -> list[UndoResult]:
    """Ask the central service to cancel the sale's verified vouchers (a refund); record each
    answer. Never raises for a voucher that cannot be undone: the result says why."""
    out = []
    for use in uses_of_sale(ctx, sale_id):
        if use.status != "verified":
            continue
        try:
            info = _gateway(gateway).cancel(use.key, refund_id)
            result = info.cancel_result or ("cancelled" if info.status == "cancelled"
                                            else "not undone")
            undone = info.status == "cancelled"
        except VoucherOffline:
            result, undone = "offline", False
        except VoucherRefused as exc:
            result, undone = f"refused: {exc.message}"[:200], False
        with transaction(ctx.sessions) as s:
            row = s.get(VoucherUse, use.key)
            row.cancel_result = result
            if undone:
                row.status = "cancelled"
                row.cancelled_at = ctx.now()
            elif result != "offline":
                row.status = "cancel_failed"
        out.append(UndoResult(use.code, use.platform, undone, result))
    return out


def apply_points_rule(result, tenders: Iterable, points_on_vouchers: bool = False):
    """The pricing result with points only on the money part (growth unchanged): the brand's
    default rule for 美团/抖音 vouchers (docs/cross-channel.md)."""
    share = voucher_share((t.kind, t.amount) for t in tenders)
    if not share:
        return result
    points = points_after_vouchers(result.points_earned, result.total, share, points_on_vouchers)
    return dataclasses.replace(result, points_earned=points) if points != result.points_earned \
        else result


def release_voucher(ctx: TillContext, gateway: VoucherGateway | None, key: str) -> bool:
    """Undo a verification whose sale was not completed (the cashier took the voucher off, or
    left the payment screen): asks the central service to cancel it. True when undone; False
    (recorded in ``voucher_uses``) when it could not be, e.g. offline."""
    try:
        info = _gateway(gateway).cancel(key, None)
        undone, result = info.status == "cancelled", info.cancel_result or info.status
    except (VoucherOffline, VoucherRefused) as exc:
        undone, result = False, f"not undone: {exc.message}"[:200]
    with transaction(ctx.sessions) as s:
        row = s.get(VoucherUse, key)
        if row is not None and row.status == "verified":
            row.cancel_result = result
            if undone:
                row.status = "cancelled"
                row.cancelled_at = ctx.now()
    return undone


def unrecorded_uses(ctx: TillContext, sale_id: str) -> list[VoucherInfo]:
    """Vouchers verified for ``sale_id`` whose sale was not recorded (its checkout failed after
    the payment screen closed): the next payment screen of the same sale takes them again
    instead of asking the customer for a voucher the platform already counts as used."""
    from pos_member.store.models import Sale

    with ctx.read_sessions() as s:
        if s.get(Sale, sale_id) is not None:
            return []
        rows = s.execute(select(VoucherUse).where(VoucherUse.sale_id == sale_id,
                                                  VoucherUse.status == "verified")
                         .order_by(VoucherUse.verified_at)).scalars().all()
        return [VoucherInfo(r.key, r.platform, r.code, r.title, r.value_fen, r.value_fen,
                            "verified") for r in rows]
