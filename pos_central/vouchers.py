"""Group-buy vouchers (团购券核销) verified for tills: prepare, verify, cancel, and the check a
pushed sale's voucher tender must pass.

The central service holds the platform credentials; a till asks here, with an idempotency key
it makes per voucher scanned (``VoucherVerification.key``). Rules (docs/cross-channel.md):

* A verification is asked of the platform at most once per key: asking again (the till's retry
  after a lost answer) answers the stored row. When the platform's own answer is lost, the
  same call is retried with the same platform idempotency (美团 ``requestId`` = key, 抖音 the
  same ``verify_token``); if it still does not answer, the platform is asked about the code and
  a verification made with our key is recognised. Exactly one voucher use either way.
* A refund undoes the verification while the window allows (default one hour after it,
  ``POS_CENTRAL_VOUCHER_CANCEL_WINDOW`` seconds); after that, or when the platform refuses,
  the row records that it could not (``cancel_result``), and the answer says so.
* A pushed sale with a ``meituan``/``douyin`` tender must name (reference) a voucher this
  service verified for the sale's store, not cancelled, not bound to another sale, worth at
  least the amount; otherwise the sale is kept and a ``voucher_unverified`` conflict recorded.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from pos_central import models as m
from pos_central.cross_channel_models import VoucherVerification as VV
from pos_central.db import Database, utcnow
from pos_central.errors import ApiError, not_found
from pos_central.platforms.adapter import (
    PLATFORMS,
    PlatformAdapter,
    PlatformDown,
    PlatformRefused,
    PreparedVoucher,
    Verification,
    adapter_for,
)
from pos_member.sync import protocol as p
from pos_member.sync import protocol_cross_channel as pc

log = logging.getLogger(__name__)
WINDOW_ENV = "POS_CENTRAL_VOUCHER_CANCEL_WINDOW"
DEFAULT_WINDOW = timedelta(hours=1)
RETRIES = 2  # further attempts of a verify whose answer was lost, before asking about the code
RETRY_PAUSE = 0.3

AdapterFactory = Callable[[str, str], PlatformAdapter]

REFUSAL_TEXT = {
    "unknown": "The platform does not know this voucher code.",
    "expired": "This voucher has expired.",
    "used": "This voucher has been used already.",
    "cancelled": "This voucher's verification was cancelled.",
    "window_passed": "The platform's window for undoing this verification has passed.",
    "not_verified": "This voucher is not verified.",
    "not_configured": "Vouchers of this platform are not set up for this brand yet.",
}


def cancel_window() -> timedelta:
    raw = os.environ.get(WINDOW_ENV, "")
    return timedelta(seconds=int(raw)) if raw.isdigit() else DEFAULT_WINDOW


def _refused(exc: PlatformRefused) -> ApiError:
    text = REFUSAL_TEXT.get(exc.code, "")
    message = f"{text} ({exc.message})" if text else exc.message
    return ApiError(409, p.ErrorCode.VOUCHER_REFUSED, message,
                    details=[p.ErrorItem(loc=["body", "code"], message=exc.message,
                                         type=exc.code)])


def _down(exc: PlatformDown) -> ApiError:
    return ApiError(503, p.ErrorCode.PLATFORM_UNAVAILABLE,
                    f"The voucher platform did not answer ({exc.message}); try again: the "
                    "same voucher is never used twice.", headers={"Retry-After": "2"})


def voucher_data(row: VV) -> pc.VoucherData:
    deadline = row.verified_at + cancel_window() if row.verified_at else None
    raw = json.loads(row.raw or "{}")
    expires = raw.get("_expires_at")
    return pc.VoucherData(
        key=row.key, platform=row.platform, code=row.code, title=row.title,
        value_fen=row.value_fen, paid_fen=row.paid_fen, status=row.status,
        expires_at=datetime.fromisoformat(expires) if expires else None,
        verified_at=row.verified_at, cancelled_at=row.cancelled_at,
        cancel_result=row.cancel_result, cancel_deadline=deadline)


def _prepared(row: VV) -> PreparedVoucher:
    raw = json.loads(row.raw or "{}")
    return PreparedVoucher(row.platform, row.code, row.title, row.value_fen, row.paid_fen, 1,
                           None, row.token, raw)


def _store_of(db: Database, terminal_id: str) -> str:
    with db.read() as s:
        terminal = s.get(m.Terminal, terminal_id)
        return terminal.store_id if terminal is not None else ""


def prepare(db: Database, terminal_id: str, req: pc.VoucherPrepareRequest,
            adapters: AdapterFactory = adapter_for) -> pc.VoucherData:
    key = str(req.key)
    store_id = _store_of(db, terminal_id)
    with db.read() as s:
        row = s.get(VV, key)
        if row is not None:
            if (row.platform, row.code, row.store_id) != (req.platform, req.code, store_id):
                raise ApiError(409, p.ErrorCode.INVALID_REQUEST,
                               "This key was used for another voucher; make a new key for "
                               "each voucher scanned.")
            return voucher_data(row)
        taken = s.execute(select(VV).where(VV.platform == req.platform, VV.code == req.code,
                                           VV.status == "verified")).scalars().first()
        if taken is not None:
            raise _refused(PlatformRefused("used", f"verified here at "
                                           f"{taken.verified_at:%Y-%m-%d %H:%M} UTC"))
    try:
        voucher = adapters(req.platform, store_id).prepare(req.code)
    except PlatformRefused as exc:
        raise _refused(exc) from None
    except PlatformDown as exc:
        raise _down(exc) from None
    now = utcnow()
    if voucher.expires_at is not None and voucher.expires_at <= now:
        raise _refused(PlatformRefused("expired", f"expired {voucher.expires_at:%Y-%m-%d}"))
    if voucher.uses_left < 1:
        raise _refused(PlatformRefused("used", "no uses left"))
    raw = dict(voucher.raw)
    if voucher.expires_at is not None:
        raw["_expires_at"] = voucher.expires_at.isoformat()
    with db.write() as s:
        row = s.get(VV, key)
        if row is None:
            row = VV(key=key, platform=req.platform, code=req.code, terminal_id=terminal_id,
                     store_id=store_id, title=voucher.title[:200], value_fen=voucher.value_fen,
                     paid_fen=voucher.paid_fen, token=voucher.token,
                     raw=json.dumps(raw, ensure_ascii=False), status="prepared",
                     prepared_at=now)
            s.add(row)
            s.flush()
        return voucher_data(row)


def verify(db: Database, terminal_id: str, req: pc.VoucherVerifyRequest,
           adapters: AdapterFactory = adapter_for,
           pause: Callable[[float], None] = time.sleep) -> pc.VoucherData:
    key = str(req.key)
    store_id = _store_of(db, terminal_id)
    with db.read() as s:
        row = s.get(VV, key)
        if row is None or row.store_id != store_id:
            raise not_found("No voucher was prepared with this key; scan the voucher again.")
        if row.status == "verified":
            return voucher_data(row)  # asked again: the same verification
        if row.status == "cancelled":
            raise _refused(PlatformRefused("cancelled", "cancelled by a refund"))
        prepared = _prepared(row)
        platform = row.platform
    try:
        adapter = adapters(platform, store_id)
    except PlatformRefused as exc:
        raise _refused(exc) from None
    done = _verify_once(adapter, prepared, key, pause)
    with db.write() as s:
        row = s.get(VV, key, with_for_update=True)
        if row.status != "verified":
            row.status = "verified"
            row.platform_verify_id = done.verify_id
            row.verified_at = utcnow()  # our clock: the cancel window is counted here
            row.member_id = str(req.member_id) if req.member_id else None
            row.sale_id = str(req.sale_id) if req.sale_id else row.sale_id
            if done.value_fen and done.value_fen != row.value_fen:
                log.warning("voucher %s: verified value %s differs from prepared %s",
                            row.code, done.value_fen, row.value_fen)
        return voucher_data(row)


def _verify_once(adapter: PlatformAdapter, prepared: PreparedVoucher, key: str,
                 pause: Callable[[float], None]) -> Verification:
    """One verification for ``key``, whatever answers get lost on the way."""
    last: PlatformDown | None = None
    for attempt in range(1 + RETRIES):
        try:
            return adapter.verify(prepared, key)
        except PlatformRefused as exc:
            if exc.code == "used":  # perhaps by us, with an answer lost earlier
                found = _lookup(adapter, prepared, key)
                if found is not None:
                    return found
            raise _refused(exc) from None
        except PlatformDown as exc:
            last = exc
            log.warning("voucher %s: verify attempt %d got no answer: %s", prepared.code,
                        attempt + 1, exc.message)
            pause(RETRY_PAUSE * (attempt + 1))
    found = _lookup(adapter, prepared, key)
    if found is not None:
        return found
    raise _down(last or PlatformDown("no_answer", "no answer"))


def _lookup(adapter: PlatformAdapter, prepared: PreparedVoucher, key: str) -> Verification | None:
    try:
        return adapter.lookup(prepared, key)
    except (PlatformDown, PlatformRefused) as exc:
        log.warning("voucher %s: query after a lost answer failed: %s", prepared.code,
                    exc.message)
        return None


def cancel(db: Database, terminal_id: str, req: pc.VoucherCancelRequest,
           adapters: AdapterFactory = adapter_for) -> pc.VoucherData:
    """Undo a verification for a refund; the answer says whether it was undone
    (``status == "cancelled"``) or why not (``cancel_result``)."""
    key = str(req.key)
    store_id = _store_of(db, terminal_id)
    with db.read() as s:
        row = s.get(VV, key)
        if row is None or row.store_id != store_id:
            raise not_found("This store has no voucher verification with this key.")
        if row.status != "verified":
            return voucher_data(row)  # cancelled already (or never verified): nothing to undo
        if row.sale_id is not None and s.get(m.Sale, row.sale_id) is not None:
            # Bound to a pushed sale: only a refund of that sale gives the voucher back (a
            # tender taken off before its sale was completed and pushed needs no refund).
            refund = s.get(m.Refund, str(req.refund_id)) if req.refund_id else None
            if req.refund_id is None or (refund is not None and refund.sale_id != row.sale_id):
                raise ApiError(409, p.ErrorCode.VOUCHER_REFUSED,
                               f"This voucher paid sale {row.sale_id}: only a refund of that "
                               "sale (refund_id) can undo its verification.",
                               details=[p.ErrorItem(loc=["body", "refund_id"],
                                                    message="a refund of the voucher's sale",
                                                    type="refund_required")])
        verification = Verification(row.platform, row.code, row.platform_verify_id or "",
                                    row.value_fen, row.verified_at)
        verified_at = row.verified_at
    now = utcnow()
    result = "cancelled"
    if verified_at is not None and now > verified_at + cancel_window():
        result = "window_passed"
    else:
        try:
            adapters(verification.platform, store_id).cancel(verification)
        except PlatformRefused as exc:
            result = "window_passed" if exc.code == "window_passed" else \
                f"refused: {exc.message}"[:200]
        except PlatformDown as exc:
            _record_cancel(db, key, "platform_down", req)
            raise _down(exc) from None
    return _record_cancel(db, key, result, req)


def _record_cancel(db: Database, key: str, result: str,
                   req: pc.VoucherCancelRequest) -> pc.VoucherData:
    with db.write() as s:
        row = s.get(VV, key, with_for_update=True)
        if row.status == "verified":
            row.cancel_result = result
            row.refund_id = str(req.refund_id) if req.refund_id else row.refund_id
            if result == "cancelled":
                row.status = "cancelled"
                row.cancelled_at = utcnow()
        return voucher_data(row)


# -- a pushed sale's voucher tenders ------------------------------------------------------------


def check_sale_vouchers(ctx: Any, sale: p.SalePayload, member_id: str | None) -> None:
    """Bind each 美团/抖音 tender of ``sale`` to the verification it names, or record a
    ``voucher_unverified`` conflict (the sale is kept). ``ctx`` is an apply.Context."""
    sale_id = str(sale.sale_id)
    owed: dict[tuple[str, str], int] = {}  # two tenders of one code: their sum is covered
    for pay in sale.payments:
        if pay.tender in PLATFORMS:
            key = (pay.tender, (pay.reference or "").strip())
            owed[key] = owed.get(key, 0) + pay.amount_fen
    for (tender, code), amount in sorted(owed.items()):
        pay = SimpleNamespace(tender=tender, amount_fen=amount)
        rows = ctx.session.execute(  # locked: two tills' sales cannot bind one verification
            select(VV).where(VV.platform == pay.tender, VV.code == code)
            .order_by(VV.prepared_at.desc(), VV.key).with_for_update()).scalars().all()
        mine = [r for r in rows if r.store_id == sale.store_id]
        live = [r for r in mine if r.status == "verified" and r.sale_id in (None, sale_id)]
        reason = None
        if not rows:
            reason = "not_verified"
        elif not mine:
            reason = "other_store"
        elif not live:
            reason = "cancelled" if any(r.status == "cancelled" for r in mine) else \
                "other_sale" if any(r.status == "verified" for r in mine) else "not_verified"
        elif live[0].value_fen < pay.amount_fen:
            reason = "amount_exceeds_value"
        if reason is None:
            row = live[0]
            row.sale_id = sale_id
            row.member_id = member_id or row.member_id
            continue
        ctx.conflict(
            p.ConflictKind.VOUCHER_UNVERIFIED,
            f"Sale {sale.receipt_no} took a {pay.tender} voucher {code or '(no code)'} for "
            f"¥{_yuan(pay.amount_fen)} that this service did not verify for it "
            f"({reason.replace('_', ' ')}).", member_id=member_id, sale_id=sale_id,
            reason=reason, tender=pay.tender, code=code, amount_fen=pay.amount_fen)


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


# -- reconciliation (对账) -----------------------------------------------------------------------


def voucher_report(session: Any, since: datetime, until: datetime,
                   store_id: str | None = None) -> list[dict[str, Any]]:
    """Per store and platform, the verifications made in [since, until): how many and what
    they covered, how many a refund undid, how many stayed used after a refund asked (window
    passed, refused), and how many are verified without a sale having arrived (a sale still
    on its way from an offline till, or a payment screen left in a way the till could not
    release: the ones to check against the platform's settlement)."""
    query = select(VV).where(VV.verified_at.is_not(None), VV.verified_at >= since,
                             VV.verified_at < until)
    if store_id is not None:
        query = query.where(VV.store_id == store_id)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in session.execute(query).scalars():
        r = out.setdefault((row.store_id, row.platform), {
            "store_id": row.store_id, "platform": row.platform, "verified": 0,
            "verified_fen": 0, "cancelled": 0, "cancelled_fen": 0, "not_undone": 0,
            "without_sale": 0, "without_sale_codes": []})
        r["verified"] += 1
        r["verified_fen"] += row.value_fen
        if row.status == "cancelled":
            r["cancelled"] += 1
            r["cancelled_fen"] += row.value_fen
        elif row.cancel_result:
            r["not_undone"] += 1
        if row.status == "verified" and (row.sale_id is None
                                         or session.get(m.Sale, row.sale_id) is None):
            r["without_sale"] += 1
            r["without_sale_codes"].append(row.code)
    return [out[k] for k in sorted(out)]
