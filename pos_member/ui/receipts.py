"""Receipts: build the printing package's ReceiptData from a finished sale, queue it on the
configured printer and render the on-screen preview.

The printer is ``env.store["printer"]`` (a spec such as ``network:192.168.1.50``) or, by
default, ``file:<data dir>/receipts.bin``. Printing never blocks or loses a sale: the print
queue (its own thread) keeps a receipt that cannot print, and the status bar shows why.
``print_sale`` is called on the DB worker thread (layout, encoding and the preview take a few
to a hundred milliseconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from pos_member.domain.pricing import PricingResult
from pos_member.printing.jobs import JobStore, JsonFileJobStore
from pos_member.printing.model import (
    CouponUse,
    MemberInfo,
    ReceiptData,
    ReceiptLine,
)
from pos_member.printing.model import (
    Tender as PrintTender,
)
from pos_member.printing.printer import ReceiptPrinter
from pos_member.printing.queue import QueueState
from pos_member.printing.settings import PrinterSettings

from .scanner import receipt_code
from .status import PrinterState
from .tiers import discount_note, receipt_name

log = logging.getLogger(__name__)

_TENDER = {"card": "unionpay"}


def default_spec(data_dir: Path) -> str:
    return f"file:{Path(data_dir) / 'receipts.bin'}"


class ReceiptService:
    def __init__(self, data_dir: Path, publish: Callable[[PrinterState], None] | None = None,
                 spec: str | None = None, width: int = 48, encoding: str = "gb18030",
                 job_store: JobStore | None = None):
        self.data_dir = Path(data_dir)
        self.job_store = job_store
        self.publish = publish or (lambda _s: None)
        self.spec = spec or default_spec(self.data_dir)
        self.printer: ReceiptPrinter | None = None
        self._build(width, encoding)

    def _build(self, width: int, encoding: str) -> None:
        if self.printer is not None:
            self.printer.stop()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        settings = PrinterSettings(self.spec, width=width, encoding=encoding)
        store = self.job_store or JsonFileJobStore(self.data_dir / "print-jobs.json")
        self.printer = ReceiptPrinter(settings, store, on_change=self._changed)
        self.printer.start()

    def configure(self, store: dict[str, str]) -> None:
        """Apply the store's printer settings (when they differ from the running ones)."""
        spec = store.get("printer") or default_spec(self.data_dir)
        width = int(store.get("printer_width") or 48)
        encoding = store.get("printer_encoding") or "gb18030"
        p = self.printer
        if p is not None and (spec, width, encoding) == (p.settings.printer, p.settings.width,
                                                         p.settings.encoding):
            return
        self.spec = spec
        try:
            self._build(width, encoding)
        except Exception:
            log.exception("printer settings refused; keeping %s", self.spec)

    def _changed(self, state: QueueState) -> None:  # the print queue's thread
        self.publish(PrinterState(state.printer, state.message, state.waiting))

    def stop(self) -> None:
        if self.printer is not None:
            self.printer.stop()

    # --- on the worker thread ----------------------------------------------------------------

    def print_sale(self, data: ReceiptData, sale_id: str) -> tuple[int | None, bytes]:
        """Queue the receipt and return (job id, preview PNG)."""
        assert self.printer is not None
        job = self.printer.print_receipt(data, sale_id=sale_id)
        try:
            png = self.printer.preview_png(data)
        except Exception:
            log.exception("receipt preview failed")
            png = b""
        return job, png

    def preview(self, data: ReceiptData) -> bytes:
        assert self.printer is not None
        return self.printer.preview_png(data)


def _name(item) -> str:
    p = item.product
    return f"{p.name} {p.name_en}" if p.name_en and p.name_en != p.name else p.name


def build_receipt(*, items, pricing: PricingResult, result, tenders, member, staff,
                  store: dict[str, str], terminal: str, at: datetime, tz: str) -> ReceiptData:
    """ReceiptData for a recorded sale (``result`` is the services' CheckoutResult)."""
    lines = []
    for item, lr in zip(items, pricing.lines):
        qty = item.qty
        lines.append(ReceiptLine(_name(item), _qty(qty), item.unit_price, lr.amount,
                                 unit="kg" if item.product.unit == "kg" else ""))
    print_tenders = []
    for t in tenders:
        change = (t.tendered - t.amount) if (t.kind == "cash" and t.tendered is not None) else 0
        print_tenders.append(PrintTender(_TENDER.get(t.kind, t.kind), t.amount,
                                         t.tendered if t.kind == "cash" else None, change,
                                         _mask(t.reference)))
    info = None
    if member is not None:
        nxt = next((h for h in pricing.hints if h.get("kind") == "next_tier"), None)
        upgraded = pricing.tier_after if pricing.tier_after != pricing.tier_before else None
        before = member.points
        info = MemberInfo(
            name=member.name or "", masked_phone=member.phone or "",
            tier_name=receipt_name(member.tier), points_before=before,
            points_after=before - pricing.points_redeemed + pricing.points_earned,
            points_earned=pricing.points_earned,
            upgraded_to=receipt_name(upgraded) if upgraded else None,
            next_tier_name=receipt_name(nxt["tier"]) if nxt else None,
            spend_to_next_tier_fen=int(Decimal(nxt["amount"]) * 100) if nxt else None)
    return ReceiptData(
        store_name=store.get("store_name") or store.get("brand_name") or "POS Member",
        store_address=store.get("store_address", ""), terminal=terminal,
        sale_number=result.receipt_no, sale_uuid=result.sale_id, time=at, tz=tz,
        cashier=getattr(staff, "name", ""), lines=tuple(lines), total_fen=pricing.total,
        tenders=tuple(print_tenders), member=info, tier_discount_fen=pricing.tier_discount,
        tier_discount_note=discount_note(pricing.tier_before) if pricing.tier_discount else "",
        coupons=tuple(CouponUse(a.code, a.code, a.discount) for a in pricing.applied),
        points_used=pricing.points_redeemed, points_value_fen=pricing.points_value,
        rounding_fen=pricing.rounding, qr_payload=receipt_code(result.sale_id))


def _qty(q: Decimal) -> str:
    return str(int(q)) if q == q.to_integral_value() else f"{q:.3f}"


def _mask(ref: str | None) -> str:
    if not ref:
        return ""
    return ref if len(ref) <= 8 else ref[:4] + "****" + ref[-4:]


def build_card_slip(member, coupon: str | None, store: dict[str, str], terminal: str,
                    at: datetime, tz: str):
    """The new member's card slip: their static card code as a QR code."""
    from pos_member.printing.model import MemberCardData
    from pos_member.security.member_codes import make_static_code

    return MemberCardData(
        store_name=store.get("store_name") or store.get("brand_name") or "POS Member",
        member_name=member.name or "", masked_phone=member.phone or "",
        tier_name=receipt_name(member.tier),
        card_code=make_static_code(member.card_no) if member.card_no else "",
        joined_at=at, tz=tz, terminal=terminal, welcome_coupon=coupon or "")


def print_card_slip(service: ReceiptService | None, data) -> int | None:
    """On the worker thread: queue the card slip (None without a printer)."""
    if service is None or service.printer is None:
        return None
    return service.printer.print_member_card(data)
