"""Settings: the store and this till (read only), the receipt printer with a test page and the
receipt preview, the central service's address and the enrolment code, the language, a scanner
test, and the customer display.

Anyone signed in may switch the language, test the scanner and print a test page; changing the
printer or enrolling the till is for a manager.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea,
    QVBoxLayout, QWidget,
)

from pos_member import __version__
from pos_member.services import sales_query, settings

from .cash_rounding_panel import CashRoundingPanel
from .figures import receipt_printer
from .i18n import LANGUAGES, error_text, scan_refusal
from .scanner import CodeKind, make_scan_field
from .screen import MessageBar, Screen, set_role
from .store_details_panel import StoreDetailsPanel
from .worker import Op

log = logging.getLogger(__name__)

ENCODING_CHOICES = ("gb18030", "big5", "utf8", "cp437", "cp850", "cp858", "cp1252", "cp866",
                    "raster")


# --- on the worker ------------------------------------------------------------------------------

def print_test_page(printer, at: datetime, tz: str) -> tuple[int | None, bytes]:
    """The same page as ``python -m pos_member print-test``, through the till's print queue."""
    from pos_member.printing.reports import layout_test_page

    doc = layout_test_page(printer.paper, str(printer.spec), at, tz, qr_mode=printer.settings.qr)
    job = printer.print_document(doc)
    try:
        png = printer.preview_png(doc)
    except Exception:
        log.exception("test page preview failed")
        png = b""
    return job, png


def sample_receipt(store: dict, terminal: str, at: datetime, tz: str, *, tiers):
    from pos_member.domain.money import round_half_up
    from pos_member.printing.model import (
        LineDiscount, MemberInfo, ReceiptData, ReceiptLine, Tender,
    )

    # a member of the brand's second tier (its own name and rate), growing to the next
    r = tiers.rules()
    tier = r.tiers[1] if len(r.tiers) > 1 else r.tiers[0]
    nxt = r.next_tier(tier.code)
    off = round_half_up(5600 * (1 - tier.discount_rate))
    discounts = (LineDiscount(f"{tier.name} {tier.discount_label()}", off),) if off else ()
    total = 5600 - off + 1225
    return ReceiptData(
        store_name=store.get("store_name") or store.get("brand_name") or "POS Member",
        store_address=store.get("store_address", ""), terminal=terminal,
        sale_number="000000-000000", sale_uuid="00000000-0000-0000-0000-000000000000",
        time=at, tz=tz, cashier="—",
        lines=(ReceiptLine("拿铁 Latte", "2", 2800, 5600, discounts),
               ReceiptLine("全麦面包 Whole-wheat bread", "0.350", 3500, 1225, (), "kg")),
        total_fen=total, tenders=(Tender("cash", total, 10000, 10000 - total),),
        member=MemberInfo("王小明", "138****1234", tier.paper_name(), 300, 306, 6, None,
                          nxt.paper_name() if nxt else None, 5000 if nxt else None),
        qr_payload="PMR.00000000-0000-0000-0000-000000000000")


def preview_receipt(printer, ctx, store: dict, *, tiers) -> bytes:
    """The newest sale's receipt as it would print now (a sample when there is none)."""
    data = None
    try:
        recent = sales_query.recent_sales(ctx, limit=1)
        if recent:
            from pos_member.services.receipts import sale_receipt

            data = sale_receipt(ctx, recent[0].id, reprint=True)
    except Exception:
        log.exception("the last sale's receipt could not be built; showing a sample")
    if data is None:
        data = sample_receipt(store, ctx.terminal_id[:8], ctx.now() - timedelta(minutes=1),
                              ctx.tz_name, tiers=tiers)
    return printer.preview_png(data)


# --- the screen ---------------------------------------------------------------------------------

def _panel(parent: QWidget) -> tuple[QFrame, QVBoxLayout, QLabel]:
    frame = QFrame(parent)
    set_role(frame, "panel")
    layout = QVBoxLayout(frame)
    title = QLabel(frame)
    title.setStyleSheet("font-size: 17px; font-weight: bold;")
    layout.addWidget(title)
    return frame, layout, title


class SettingsScreen(Screen):
    name = "settings"

    def __init__(self, env, window):
        super().__init__(env)
        self.window_ = window
        self.values: settings.TillSettings | None = None
        self.last_scan = None
        self.preview_png = b""
        self.heading = set_role(QLabel(self), "title")
        self.message = MessageBar(self)
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("settings_back")
        self.back_button.clicked.connect(self.back)

        # store and till
        self.store_panel, sl, self.store_title = _panel(self)
        self.info = QLabel(self.store_panel)
        self.info.setObjectName("settings_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sl.addWidget(self.info)

        self.rounding_panel = CashRoundingPanel(env, self, self.message)  # 抹零
        # the till's name, the store's address, phone and receipt footer
        self.store_details = StoreDetailsPanel(env, self, self.message)
        self.store_details.saved.connect(self.on_show)  # the store panel's till name too

        # language
        self.lang_panel, ll, self.lang_title = _panel(self)
        row = QHBoxLayout()
        self.lang_buttons: dict[str, QPushButton] = {}
        for code, label in LANGUAGES.items():
            b = set_role(QPushButton(label, self.lang_panel), "tab")
            b.setObjectName(f"lang_{code}")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.set_language(c))
            row.addWidget(b)
            self.lang_buttons[code] = b
        ll.addLayout(row)

        # scanner test
        self.scan_panel, scl, self.scan_title = _panel(self)
        self.scan_hint = set_role(QLabel(self.scan_panel), "muted")
        self.scan_hint.setWordWrap(True)
        self.scan_kind = QLabel(self.scan_panel)
        self.scan_kind.setObjectName("scan_kind")
        self.scan_kind.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.scan_text = QLabel(self.scan_panel)
        self.scan_text.setObjectName("scan_text")
        self.scan_text.setWordWrap(True)
        self.scan_detail = QLabel(self.scan_panel)
        self.scan_detail.setObjectName("scan_detail")
        self.scan_detail.setWordWrap(True)
        for w in (self.scan_hint, self.scan_kind, self.scan_text, self.scan_detail):
            scl.addWidget(w)

        from .scanner_settings_panel import ScannerSettingsPanel  # serial / camera (issue 15)

        self.scanner_settings = ScannerSettingsPanel(env, window, self, self.message)

        # customer display
        self.display_panel, dl, self.display_title = _panel(self)
        self.display_button = QPushButton(self.display_panel)
        self.display_button.setObjectName("customer_display_button")
        self.display_button.clicked.connect(self.toggle_customer_display)
        dl.addWidget(self.display_button)

        # printer
        self.printer_panel, pl, self.printer_title = _panel(self)
        from .printer_finder import PrinterFinder  # printers found, not typed (issue 15)

        self.printer_finder = PrinterFinder(self.printer_panel)
        self.printer_finder.chosen.connect(self.spec_chosen)
        pl.addWidget(self.printer_finder)
        grid = QGridLayout()
        self.spec_label, self.width_label, self.encoding_label = (QLabel(self.printer_panel)
                                                                  for _ in range(3))
        self.spec = QLineEdit(self.printer_panel)
        self.spec.setObjectName("printer_spec")
        self.spec.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.width = QComboBox(self.printer_panel)
        self.width.setObjectName("printer_width")
        self.width.addItem("80 mm (48)", 48)
        self.width.addItem("58 mm (32)", 32)
        self.encoding = QComboBox(self.printer_panel)
        self.encoding.setObjectName("printer_encoding")
        for e in ENCODING_CHOICES:
            self.encoding.addItem(e, e)
        grid.addWidget(self.spec_label, 0, 0)
        grid.addWidget(self.spec, 0, 1)
        grid.addWidget(self.width_label, 1, 0)
        grid.addWidget(self.width, 1, 1)
        grid.addWidget(self.encoding_label, 2, 0)
        grid.addWidget(self.encoding, 2, 1)
        grid.setColumnStretch(1, 1)
        pl.addLayout(grid)
        self.printer_hint = set_role(QLabel(self.printer_panel), "muted")
        self.printer_hint.setWordWrap(True)
        pl.addWidget(self.printer_hint)
        buttons = QHBoxLayout()
        self.save_printer_button = set_role(QPushButton(self.printer_panel), "primary")
        self.save_printer_button.setObjectName("printer_save")
        self.save_printer_button.clicked.connect(self.save_printer)
        self.test_button = QPushButton(self.printer_panel)
        self.test_button.setObjectName("printer_test")
        self.test_button.clicked.connect(self.test_page)
        self.preview_button = QPushButton(self.printer_panel)
        self.preview_button.setObjectName("printer_preview")
        self.preview_button.clicked.connect(self.show_preview)
        for b in (self.save_printer_button, self.test_button, self.preview_button):
            buttons.addWidget(b)
        pl.addLayout(buttons)

        # central service
        self.central_panel, cl, self.central_title = _panel(self)
        cgrid = QGridLayout()
        self.url_label, self.code_label = QLabel(self.central_panel), QLabel(self.central_panel)
        self.url = make_scan_field(QLineEdit(self.central_panel))
        self.url.setObjectName("central_url")
        self.code = make_scan_field(QLineEdit(self.central_panel))
        self.code.setObjectName("enrolment_code")
        self.code.setPlaceholderText("7KQ4-M2XD-9RTB")
        cgrid.addWidget(self.url_label, 0, 0)
        cgrid.addWidget(self.url, 0, 1)
        cgrid.addWidget(self.code_label, 1, 0)
        cgrid.addWidget(self.code, 1, 1)
        cgrid.setColumnStretch(1, 1)
        cl.addLayout(cgrid)
        self.enrol_button = set_role(QPushButton(self.central_panel), "primary")
        self.enrol_button.setObjectName("enrol_button")
        self.enrol_button.clicked.connect(self.enrol)
        cl.addWidget(self.enrol_button)
        self.enrolment_status = QLabel(self.central_panel)
        self.enrolment_status.setObjectName("enrolment_status")
        self.enrolment_status.setWordWrap(True)
        cl.addWidget(self.enrolment_status)

        # the receipt preview
        self.preview_panel, vl, self.preview_title = _panel(self)
        self.preview = QLabel()
        self.preview.setObjectName("receipt_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea(self.preview_panel)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.preview)
        scroll.setMinimumWidth(340)
        vl.addWidget(scroll, 1)

        col1 = QVBoxLayout()
        for w in (self.store_panel, self.rounding_panel, self.lang_panel, self.scan_panel,
                  self.scanner_settings, self.display_panel):
            col1.addWidget(w)
        col1.addStretch(1)
        col2 = QVBoxLayout()
        col2.addWidget(self.printer_panel)
        col2.addWidget(self.central_panel)
        col2.addStretch(1)
        col3 = QVBoxLayout()  # what the receipt says about the store, above its preview
        col3.addWidget(self.store_details)
        col3.addWidget(self.preview_panel, 1)
        # three columns; under 1200 px two, the third under the second (_arrange)
        body = QGridLayout()
        self._columns, self._narrow = (col1, col2, col3), None
        self._body = body
        self._arrange(False)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.back_button)
        # The panels scroll when the screen cannot show them all (1024×768: docs/ui.md)
        content = QWidget()
        content.setObjectName("settings_content")
        content.setLayout(body)
        body.setContentsMargins(0, 0, 0, 0)
        self.body_scroll = QScrollArea(self)
        self.body_scroll.setObjectName("settings_scroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.body_scroll, 1)
        self.retranslate()

    def _arrange(self, narrow: bool) -> None:
        if narrow == self._narrow:
            return
        self._narrow = narrow
        col1, col2, col3 = self._columns
        for col in self._columns:
            self._body.removeItem(col)
        for c in range(3):
            self._body.setColumnStretch(c, 0)
        if narrow:
            self._body.addLayout(col1, 0, 0, 2, 1)
            self._body.addLayout(col2, 0, 1)
            self._body.addLayout(col3, 1, 1)
            self._body.setColumnStretch(0, 1)
            self._body.setColumnStretch(1, 1)
        else:
            for c, (col, stretch) in enumerate(zip(self._columns, (4, 5, 4), strict=True)):
                self._body.addLayout(col, 0, c, 2, 1)
                self._body.setColumnStretch(c, stretch)

    def resizeEvent(self, event) -> None:
        self._arrange(event.size().width() < 1200)
        super().resizeEvent(event)

    # --- texts ----------------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Settings")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Settings"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self.store_title.setText(self.tr("Store and till"))
        self.lang_title.setText(self.tr("Language"))
        self.scan_title.setText(self.tr("Scanner test"))
        self.scan_hint.setText(self.tr("Scan any code: it shows here with what the till takes "
                                       "it for."))
        self.display_title.setText(self.tr("Customer display"))
        self.printer_title.setText(self.tr("Receipt printer"))
        self.spec_label.setText(self.tr("Printer"))
        self.spec.setPlaceholderText("network:192.168.1.50")
        self.width_label.setText(self.tr("Paper"))
        self.encoding_label.setText(self.tr("Encoding"))
        self.save_printer_button.setText(self.tr("Save"))
        self.test_button.setText(self.tr("Test page"))
        self.preview_button.setText(self.tr("Preview a receipt"))
        self.central_title.setText(self.tr("Central service"))
        self.url_label.setText(self.tr("Address"))
        self.url.setPlaceholderText("https://pos.example.com")
        self.code_label.setText(self.tr("Enrolment code"))
        self.enrol_button.setText(self.tr("Enrol this till"))
        self.preview_title.setText(self.tr("Receipt preview"))
        self._fill_info()
        self._show_scan()
        self._sync_buttons()

    def shortcuts(self) -> list:
        return [(QKeySequence(Qt.Key.Key_Escape), self.back, lambda: self.tr("Back"))]

    def back(self) -> None:
        self.window_.show_screen("checkout" if "checkout" in self.window_.screens else "menu")

    # --- loading --------------------------------------------------------------------------------

    def on_show(self) -> None:
        self._sync_buttons()
        Op(settings.till_settings, self.env.ctx).success(self._loaded).run(self.env.worker)

    def _loaded(self, values: settings.TillSettings) -> None:
        self.values = values
        printer = receipt_printer(self.env)
        spec = values.printer or (str(printer.settings.printer) if printer is not None else "")
        self.spec.setText(spec)
        self.width.setCurrentIndex(max(0, self.width.findData(values.printer_width)))
        self.encoding.setCurrentIndex(max(0, self.encoding.findData(values.printer_encoding)))
        self.url.setText(values.central_url)
        self.rounding_panel.show_mode(values.cash_rounding)
        self.store_details.show_values(values)
        self._fill_info()
        self._sync_buttons()

    def _fill_info(self) -> None:
        v = self.values
        if v is None:
            self.info.setText("")
            self.enrolment_status.setText("")
            return
        rows = [(self.tr("Store"), v.store_name or "—"), (self.tr("Store id"), v.store_id),
                (self.tr("Till id"), v.terminal_id), (self.tr("Till name"), v.terminal_name
                                                       or "—"),
                (self.tr("Time zone"), v.tz), (self.tr("Version"), __version__),
                # a zero-width space after each separator lets a long path wrap (1024 px)
                (self.tr("Data folder"), str(self.env.data_dir).replace("/", "/\u200b")
                 .replace("\\", "\\\u200b"))]
        self.info.setText("\n".join(f"{k}: {val}" for k, val in rows))
        states = {"not_enrolled": self.tr("Not enrolled: the till works offline."),
                  "pending": self.tr("Enrolment code recorded; the till enrols when the sync "
                                     "service runs."),
                  "enrolled": self.tr("Enrolled."),
                  "failed": self.tr("Enrolment failed: %1")}
        text = states.get(v.enrolment_state, v.enrolment_state).replace(
            "%1", v.enrolment_message)
        if v.enrolled_at:
            text += " " + v.enrolled_at
        self.enrolment_status.setText(text)

    def _sync_buttons(self) -> None:
        manager = self.env.is_manager
        for w in (self.spec, self.width, self.encoding, self.save_printer_button, self.url,
                  self.code, self.enrol_button, self.printer_finder):
            w.setEnabled(manager)
        self.store_details.set_editable(manager)
        self.printer_hint.setText("" if manager else
                                  self.tr("Only a manager can change the printer and the "
                                          "central service."))
        for code, b in self.lang_buttons.items():
            b.setChecked(code == self.env.language.language)
        display = getattr(self.window_, "customer_display", None)
        self.display_button.setEnabled(display is not None)
        self.display_button.setText(self.tr("Hide the customer display")
                                    if display is not None and display.isVisible()
                                    else self.tr("Show the customer display"))

    # --- language ---------------------------------------------------------------------------------

    def set_language(self, code: str) -> None:
        if not self.env.language.set_language(code):
            self.message.show_message(self.tr("This language's file is missing."), "error")
        self._sync_buttons()
        Op(settings.save_language, self.env.ctx, code) \
            .failure(lambda exc: log.warning("language not saved: %s", exc)) \
            .run(self.env.worker)

    # --- scanner test -------------------------------------------------------------------------

    def handle_scan(self, scan) -> bool:
        self.last_scan = scan
        self._show_scan()
        return True

    def _show_scan(self) -> None:
        s = self.last_scan
        if s is None:
            self.scan_kind.setText(self.tr("Waiting for a scan…"))
            self.scan_text.setText("")
            self.scan_detail.setText("")
            return
        kinds = {CodeKind.MEMBER: self.tr("Member code"),
                 CodeKind.PRODUCT: self.tr("Product barcode"),
                 CodeKind.RECEIPT: self.tr("Receipt code (for refunds)"),
                 CodeKind.PAYMENT: self.tr("Payment code"),
                 CodeKind.REFUSED: self.tr("Refused")}
        self.scan_kind.setText(kinds.get(s.kind, str(s.kind)))
        self.scan_kind.setStyleSheet("font-size: 18px; font-weight: bold; color: %s;" % (
            "#b42318" if s.kind is CodeKind.REFUSED else "#1a7f37"))
        text = s.text if len(s.text) <= 60 else s.text[:57] + "…"
        self.scan_text.setText(self.tr("Code: %1 (%2 characters, from the %3 scanner)")
                               .replace("%1", text).replace("%2", str(len(s.text)))
                               .replace("%3", {"wedge": self.tr("keyboard-wedge"),
                                               "serial": self.tr("serial"),
                                               "camera": self.tr("camera")}.get(s.source,
                                                                               s.source)))
        self.scan_detail.setText(scan_refusal(s.reason, s.message)
                                 if s.kind in (CodeKind.REFUSED, CodeKind.PAYMENT) else "")

    # --- printer ------------------------------------------------------------------------------

    def spec_chosen(self, spec: str) -> None:
        """A printer picked in the finder: into the field, to be saved and tested."""
        self.spec.setText(spec)
        self.message.show_message(self.tr("Printer %1 chosen: save it, then print a test "
                                          "page.").replace("%1", spec), "info")

    def save_printer(self) -> None:
        spec = self.spec.text().strip()
        width, encoding = self.width.currentData(), self.encoding.currentData()

        def saved(values: dict) -> None:
            self.env.store = {**self.env.store, **values}
            receipts = self.env.receipts
            if receipts is not None and hasattr(receipts, "configure"):
                receipts.configure(self.env.store)
            self.env.changed.emit("settings")
            self.message.show_message(self.tr("Printer settings saved."), "ok")

        Op(settings.save_printer, self.env.ctx, spec, width, encoding).success(saved) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .run(self.env.worker)

    def test_page(self) -> None:
        printer = receipt_printer(self.env)
        if printer is None:
            self.message.show_message(self.tr("No receipt printer is set up."), "warn")
            return

        def done(r) -> None:
            job, png = r
            self._set_preview(png)
            if job is None:
                self.message.show_message(self.tr("The test page could not be queued."),
                                          "error")
            else:
                self.message.show_message(self.tr("Test page sent to %1.").replace(
                    "%1", str(printer.spec)), "ok")

        Op(print_test_page, printer, self.env.ctx.now(), self.env.ctx.tz_name).success(done) \
            .run(self.env.worker)

    def show_preview(self) -> None:
        printer = receipt_printer(self.env)
        if printer is None:
            self.message.show_message(self.tr("No receipt printer is set up."), "warn")
            return
        Op(preview_receipt, printer, self.env.ctx, dict(self.env.store), tiers=self.env.tiers) \
            .success(self._set_preview) \
            .failure(lambda exc: self.message.show_message(
                self.tr("The preview could not be drawn: %1").replace("%1", str(exc)),
                "error")).run(self.env.worker)

    def _set_preview(self, png: bytes) -> None:
        self.preview_png = png
        pixmap = QPixmap()
        if png and pixmap.loadFromData(png, "PNG"):
            if pixmap.width() > 320:
                pixmap = pixmap.scaledToWidth(320, Qt.TransformationMode.SmoothTransformation)
            self.preview.setPixmap(pixmap)
        else:
            self.preview.setText(self.tr("No preview."))

    # --- central service ------------------------------------------------------------------------

    def enrol(self) -> None:
        url, code = self.url.text().strip(), self.code.text().strip()

        def done(status: settings.EnrolmentStatus) -> None:
            self.code.clear()
            self.message.show_message(
                self.tr("Enrolled with the central service.") if status.state == "enrolled"
                else self.tr("The enrolment code is recorded; the till enrols when the sync "
                             "service runs.") if status.state == "pending"
                else self.tr("Enrolment failed: %1").replace("%1", status.message),
                "ok" if status.state in ("enrolled", "pending") else "error", 0)
            Op(settings.till_settings, self.env.ctx).success(self._loaded).run(self.env.worker)

        Op(settings.enrol_terminal, self.env.ctx, url, code, enrol=self.env.enrol).success(done) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .run(self.env.worker)

    # --- customer display -----------------------------------------------------------------------

    def toggle_customer_display(self) -> None:
        display = getattr(self.window_, "customer_display", None)
        if display is None:
            return
        if display.isVisible():
            display.hide()
        elif not display.show_if_second_screen():
            display.show()
        self._sync_buttons()
