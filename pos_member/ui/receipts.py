"""Receipts: queue a receipt on the configured printer and render the on-screen preview. A
sale's receipt is built from the recorded sale by ``services.receipts.sale_receipt`` (the one
builder for the original, its preview and every reprint).

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
from pathlib import Path

from pos_member.printing.jobs import JobStore, JsonFileJobStore
from pos_member.printing.model import ReceiptData
from pos_member.printing.printer import ReceiptPrinter
from pos_member.printing.queue import QueueState
from pos_member.printing.settings import PrinterSettings

from .status import PrinterState

log = logging.getLogger(__name__)

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


def build_card_slip(member, coupon: str | None, store: dict[str, str], terminal: str,
                    at: datetime, tz: str, *, tiers):
    """The new member's card slip: their static card code as a QR code (``tiers``: the
    window's TierBook)."""
    from pos_member.printing.model import MemberCardData
    from pos_member.security.member_codes import make_static_code

    return MemberCardData(
        store_name=store.get("store_name") or store.get("brand_name") or "POS Member",
        member_name=member.name or "", masked_phone=member.phone or "",
        tier_name=tiers.receipt_name(member.tier),
        card_code=make_static_code(member.card_no) if member.card_no else "",
        joined_at=at, tz=tz, terminal=terminal, welcome_coupon=coupon or "")


def print_card_slip(service: ReceiptService | None, data) -> int | None:
    """On the worker thread: queue the card slip (None without a printer)."""
    if service is None or service.printer is None:
        return None
    return service.printer.print_member_card(data)
