"""What the services layer calls: lay out, encode, queue, preview. Nothing here raises into
the caller once it is built: printing trouble is logged, shown in :attr:`ReceiptPrinter.state`,
and leaves the receipt waiting in the queue.

    printer = ReceiptPrinter(PrinterSettings("network:192.168.1.50"), store)
    printer.start()
    job_id = printer.print_receipt(receipt_data, sale_id=sale.id)   # kicks the drawer on cash
    image = printer.preview(receipt_data)                            # PIL image for the screen
    printer.stop()
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Callable

from PIL import Image

from pos_member.printing.document import Document
from pos_member.printing.encode import copy_banner, drawer_kick, encode_document, mark_as_copy
from pos_member.printing.jobs import Job, JobStore, MemoryJobStore
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.model import MemberCardData, ReceiptData, ReportData
from pos_member.printing.preview import preview_image
from pos_member.printing.queue import PrintQueue, QueueState, Sender, describe
from pos_member.printing.raster import RasterFont, load_font
from pos_member.printing.reports import layout_member_card, layout_report
from pos_member.printing.settings import PrinterSettings
from pos_member.printing.transport import parse_spec, send_job

log = logging.getLogger(__name__)


class ReceiptPrinter:
    def __init__(self, settings: PrinterSettings, store: JobStore | None = None, *,
                 send: Sender | None = None, backoff: tuple[float, float] = (1.0, 30.0),
                 on_change: Callable[[QueueState], None] | None = None):
        """Raises :class:`~pos_member.printing.raster.FontNotFound` when raster mode is set
        and no CJK font can be found: a setting to fix before the till opens."""
        self.settings = settings
        self.spec = parse_spec(settings.printer)
        self._font: RasterFont | None = None
        has_glyph = None
        if settings.encoding == "raster":
            self._font = load_font(settings.font)
            has_glyph = self._font.has_glyph
        self.paper = Paper.make(settings.width, settings.encoding, has_glyph)
        self.queue = PrintQueue(store if store is not None else MemoryJobStore(),
                                send or self._send, retry_window=settings.retry_window,
                                backoff=backoff, on_change=on_change)
        # The originals printed by this printer, per sale or refund: a second request for the
        # same one prints a copy and leaves the drawer shut (one side effect per sale).
        self._originals: OrderedDict[tuple[bool, str], None] = OrderedDict()
        self._originals_lock = threading.Lock()

    def _send(self, payload: bytes, on_open) -> object:
        s = self.settings
        return send_job(self.spec, payload, status_query=s.status_query,
                        connect_timeout=s.connect_timeout, io_timeout=s.io_timeout,
                        on_open=on_open)

    @property
    def font(self) -> RasterFont:
        if self._font is None:
            self._font = load_font(self.settings.font)
        return self._font

    def start(self) -> None:
        self.queue.start()

    def stop(self) -> None:
        self.queue.stop()

    @property
    def state(self) -> QueueState:
        return self.queue.state

    # --- layouts ------------------------------------------------------------------------------

    def document(self, data: ReceiptData | ReportData | MemberCardData) -> Document:
        if isinstance(data, ReceiptData):
            return layout_receipt(data, self.paper)
        if isinstance(data, ReportData):
            return layout_report(data, self.paper)
        if isinstance(data, MemberCardData):
            return layout_member_card(data, self.paper)
        raise TypeError(f"nothing to print for {type(data).__name__}")

    def encode(self, doc: Document) -> bytes:
        return encode_document(doc, self.settings, self._font)

    # --- printing -----------------------------------------------------------------------------

    def _submit(self, data, sale_id: str | None, copy: bool) -> int | None:
        try:
            doc = self.document(data)
            payload = self.encode(doc)
        except Exception:
            log.exception("could not lay out or encode %s", type(data).__name__)
            return None
        return self.queue.submit(doc.kind, payload, sale_id, copy=copy)

    def print_receipt(self, data: ReceiptData, sale_id: str | None = None,
                      open_drawer: bool | None = None) -> int | None:
        """Queue a sale or refund receipt (a copy when ``data.is_reprint``). The drawer opens
        first when ``open_drawer`` is true, or, when it is None, when cash changed hands and
        this is not a reprint. Returns the receipt's job id (None if it could not be queued).

        An original is printed once per sale (or refund) given by ``sale_id``: asked again, the
        printer prints it as a copy (marked 重印 COPY) and does not open the drawer."""
        if sale_id is not None and not data.is_reprint and not self._first_original(
                data, sale_id):
            log.warning("receipt %s asked again: printed as a copy, drawer left shut",
                        data.sale_number)
            data, open_drawer = replace(data, is_reprint=True), False
        if open_drawer is None:
            open_drawer = not data.is_reprint and any(t.kind == "cash" for t in data.tenders)
        if open_drawer:
            self.open_drawer(sale_id)
        return self._submit(data, sale_id, data.is_reprint)

    ORIGINALS_KEPT = 1000  # sales remembered; a till completes far fewer between restarts

    def _first_original(self, data: ReceiptData, sale_id: str) -> bool:
        # a refund's receipt carries the sale's id as sale_id and its own id as sale_uuid
        key = (True, data.sale_uuid or sale_id) if data.is_refund else (False, sale_id)
        with self._originals_lock:
            if key in self._originals:
                return False
            self._originals[key] = None
            while len(self._originals) > self.ORIGINALS_KEPT:
                self._originals.popitem(last=False)
            return True

    def print_report(self, data: ReportData) -> int | None:
        return self._submit(data, None, False)

    def print_member_card(self, data: MemberCardData) -> int | None:
        return self._submit(data, None, False)

    def print_document(self, doc: Document, sale_id: str | None = None) -> int | None:
        try:
            payload = self.encode(doc)
        except Exception:
            log.exception("could not encode %s", doc.kind)
            return None
        return self.queue.submit(doc.kind, payload, sale_id, copy=doc.copy)

    def open_drawer(self, sale_id: str | None = None) -> int | None:
        """Kick the cash drawer (a cash sale, or a manager's no-sale). Sent only within
        30 seconds; never retried later nor reprinted."""
        return self.queue.submit("drawer", drawer_kick(self.settings.drawer_pin), sale_id)

    def reprint(self, job_id: int) -> int | None:
        """Print a stored job again, marked as a copy."""
        def mark(payload: bytes) -> bytes:
            return mark_as_copy(payload, copy_banner(self.settings, self._font))
        return self.queue.reprint(job_id, mark)

    def retry(self, job_id: int) -> bool:
        return self.queue.retry(job_id)

    def recent_jobs(self, n: int = 20) -> list[tuple[Job, str]]:
        """The newest jobs with their status in words, for the reprint list."""
        try:
            jobs = self.queue.store.list_recent(n)
        except Exception:
            log.exception("print jobs could not be listed")
            return []
        state = self.queue.state
        out = []
        for j in jobs:
            text = describe(j, self.settings.retry_window)
            if text == "waiting" and state.message and state.printer != "online":
                text = f"waiting: {state.message}"
            out.append((j, text))
        return out

    # --- preview ------------------------------------------------------------------------------

    def preview(self, data: ReceiptData | ReportData | MemberCardData | Document
                ) -> Image.Image:
        """The printout as an image. Unlike printing this can raise: ``FontNotFound`` when
        no CJK font is set or installed, ``ValueError``/``TypeError`` on bad data."""
        doc = data if isinstance(data, Document) else self.document(data)
        return preview_image(doc, self.font)

    def preview_png(self, data) -> bytes:
        buf = io.BytesIO()
        self.preview(data).save(buf, "PNG")
        return buf.getvalue()
