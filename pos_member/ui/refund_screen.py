"""The refund screen: find the sale by scanning the receipt's QR code or its number (a scan
works without focusing anything), or by searching recent sales; choose lines and quantities or
the whole sale; a reason; the manager's approval; then the money back per tender, the points
taken back and returned, a restored coupon, a negative balance, and the refund receipt."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_member.services import refunds, sales_query

from .figures import local_text, print_and_preview, printer_lang, receipt_printer, yuan
from .i18n import error_text, tender_name, tier_name
from .report_data import refund_receipt_from
from .scanner import CodeKind, make_scan_field
from .screen import MessageBar, Screen, set_role
from .voucher_panel import undo_vouchers_after_refund
from .worker import Op

log = logging.getLogger(__name__)

_QTY = QRegularExpression(r"^\d{0,5}(\.\d{0,3})?$")


def _qty_text(q: Decimal, unit: str) -> str:
    if unit == "kg":
        return f"{q:.3f}"
    return str(int(q)) if q == q.to_integral_value() else str(q.normalize())


def print_refund(printer, detail, result, *, store: dict, cashier: str, terminal: str, at,
                 tz: str, tiers):
    """On the worker: the refund receipt, queued (the drawer opens for cash), and its preview."""
    data = refund_receipt_from(
        detail, result, store_name=store.get("store_name") or store.get("brand_name")
        or "POS Member", store_address=store.get("store_address", ""), terminal=terminal,
        cashier=cashier, at=at, tz=tz, lang=printer_lang(printer), tiers=tiers)
    cash = any(t == "cash" for t, _ in result.payments)
    return print_and_preview(printer, data, sale_id=detail.id, open_drawer=cash)


class RefundScreen(Screen):
    name = "refund"

    def __init__(self, env, window):
        super().__init__(env)
        self.window_ = window
        self.detail: sales_query.SaleDetail | None = None
        self.sales: list[sales_query.SaleSummary] = []
        self.qty_fields: dict[int, QLineEdit] = {}
        self.last_result = None
        self.last_preview = b""

        self.heading = set_role(QLabel(self), "title")
        self.hint = set_role(QLabel(self), "subtitle")
        self.hint.setWordWrap(True)
        self.message = MessageBar(self)
        self.search = make_scan_field(QLineEdit(self))
        self.search.setObjectName("refund_search")
        self.search.returnPressed.connect(self.run_search)
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("refund_search_button")
        self.search_button.clicked.connect(self.run_search)

        self.sales_table = QTableWidget(0, 5, self)
        self.sales_table.setObjectName("refund_sales")
        self.sales_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sales_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sales_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sales_table.verticalHeader().hide()
        sh = self.sales_table.horizontalHeader()
        sh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        sh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.sales_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sales_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.sales_table.cellClicked.connect(lambda r, _c: self.open_row(r))

        self.sale_header = QLabel(self)
        self.sale_header.setObjectName("refund_sale_header")
        self.sale_header.setWordWrap(True)
        set_role(self.sale_header, "subtitle")
        self.lines_table = QTableWidget(0, 5, self)
        self.lines_table.setObjectName("refund_lines")
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.lines_table.verticalHeader().hide()
        self.lines_table.verticalHeader().setDefaultSectionSize(48)
        h = self.lines_table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.all_button = QPushButton(self)
        self.all_button.setObjectName("refund_all")
        self.all_button.clicked.connect(self.select_all)
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("refund_clear")
        self.clear_button.clicked.connect(self.clear_quantities)
        self.reason_label = QLabel(self)
        self.reason = QComboBox(self)
        self.reason.setObjectName("refund_reason")
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.refund_button = set_role(QPushButton(self), "primary")
        self.refund_button.setObjectName("refund_button")
        self.refund_button.setMinimumHeight(60)
        self.refund_button.clicked.connect(self.refund)
        self.result = MessageBar(self)
        self.result.setObjectName("refund_result")
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("refund_back")
        self.back_button.clicked.connect(self.back)

        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.search_button)
        left = QVBoxLayout()
        left.addLayout(search_row)
        left.addWidget(self.sales_table, 1)
        left.addWidget(self.back_button)
        left_box = QWidget(self)
        left_box.setLayout(left)
        left_box.setMaximumWidth(520)
        qty_row = QHBoxLayout()
        qty_row.addWidget(self.all_button)
        qty_row.addWidget(self.clear_button)
        qty_row.addStretch(1)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason_label)
        reason_row.addWidget(self.reason, 1)
        right = QVBoxLayout()
        right.addWidget(self.sale_header)
        right.addWidget(self.lines_table, 1)
        right.addLayout(qty_row)
        right.addLayout(reason_row)
        right.addWidget(self.refund_button)
        right.addWidget(self.result)
        body = QHBoxLayout()
        body.addWidget(left_box, 2)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)
        self._enable()
        self.retranslate()

    # --- texts ----------------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Refund")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Refund"))
        self.hint.setText(self.tr("Scan the receipt's QR code or its number, or search the "
                                  "recent sales by receipt number, phone or name."))
        self.search.setPlaceholderText(self.tr("Receipt number, phone (last 4) or name"))
        self.search_button.setText(self.tr("Search"))
        self.sales_table.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Receipt"), self.tr("Member"), self.tr("Total"),
             self.tr("Refunded")])
        self.lines_table.setHorizontalHeaderLabels(
            [self.tr("Item"), self.tr("Sold"), self.tr("Refunded"), self.tr("Refund now"),
             self.tr("Paid")])
        self.all_button.setText(self.tr("Whole sale"))
        self.clear_button.setText(self.tr("Clear"))
        self.reason_label.setText(self.tr("Reason"))
        text = self.reason.currentText()
        self.reason.clear()
        self.reason.addItems([self.tr("Customer changed their mind"), self.tr("Faulty item"),
                              self.tr("Wrong item"), self.tr("Charged twice")])
        self.reason.setEditText(text)
        self.reason.lineEdit().setPlaceholderText(self.tr("Choose or type a reason"))
        self.refund_button.setText(self.tr("Refund the chosen items (F9)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self._fill_sales()
        self._fill_header()
        if self._shown_result is not None:
            self._show_result(*self._shown_result)

    _shown_result = None

    def shortcuts(self) -> list:
        return [
            (QKeySequence("F9"), self.refund, lambda: self.tr("Refund the chosen items")),
            (QKeySequence("Ctrl+A"), self.select_all, lambda: self.tr("Refund the whole sale")),
            (QKeySequence("Ctrl+F"), self.search.setFocus, lambda: self.tr("Search sales")),
            (QKeySequence(Qt.Key.Key_Escape), self.back, lambda: self.tr("Back")),
        ]

    def back(self) -> None:
        self.window_.show_screen("checkout" if "checkout" in self.window_.screens else "menu")

    # --- finding the sale ---------------------------------------------------------------------

    def on_show(self) -> None:
        self.load_recent()
        self.search.setFocus()

    def load_recent(self, text: str = "") -> None:
        Op(sales_query.recent_sales, self.env.ctx, text).latest("refund_recent") \
            .success(self._show_sales).run(self.env.worker)

    def run_search(self) -> None:
        text = self.search.text().strip()
        if not text:
            self.load_recent()
            return
        # A full receipt number or code opens the sale; anything else searches.
        Op(sales_query.find_sale, self.env.ctx, text) \
            .success(self.show_detail) \
            .failure(lambda _exc: None).run(self.env.worker)
        self.load_recent(text)

    def handle_scan(self, scan) -> bool:
        text = scan.text.strip()
        if scan.kind in (CodeKind.RECEIPT, CodeKind.PRODUCT) or \
                sales_query.receipt_sale_id(text):
            self.open_code(text)
            return True
        return False

    def open_code(self, code: str) -> None:
        self._clear_result()
        Op(sales_query.find_sale, self.env.ctx, code).success(self.show_detail) \
            .failure(lambda exc: self.message.show_message(
                self.tr("No sale on this till has the receipt code %1.").replace("%1", code)
                if getattr(exc, "code", "") == "unknown_sale" else error_text(exc), "warn")) \
            .run(self.env.worker)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.sales):
            self._clear_result()
            Op(sales_query.sale_detail, self.env.ctx, self.sales[row].id) \
                .success(self.show_detail).run(self.env.worker)

    def _show_sales(self, sales) -> None:
        self.sales = list(sales)
        self._fill_sales()

    def _fill_sales(self) -> None:
        tz = self.env.ctx.tz
        self.sales_table.setRowCount(len(self.sales))
        for r, s in enumerate(self.sales):
            member = s.member_name or ""
            if s.status == "voided":
                member = self.tr("(voided)") + " " + member
            cells = [local_text(s.created_at, tz, "%m-%d %H:%M"), s.receipt_no, member.strip(),
                     yuan(s.total_fen), yuan(s.refunded_fen) if s.refunded_fen else ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.sales_table.setItem(r, c, item)

    # --- the sale ---------------------------------------------------------------------------------

    def show_detail(self, detail) -> None:
        self.detail = detail
        self.message.clear_message()
        self._fill_header()
        self._fill_lines()
        self._enable()
        if getattr(detail, "archived", None):
            self.message.show_message(self.tr("This sale is older than the till keeps and was "
                                              "archived: it can be looked at, not refunded "
                                              "here. Ask head office."), "warn")
        elif detail.summary.status != "completed":
            self.message.show_message(self.tr("This sale was voided; there is nothing to "
                                              "refund."), "warn")
        elif detail.fully_refunded:
            self.message.show_message(self.tr("This sale has been refunded in full already."),
                                      "info")
        for r, s in enumerate(self.sales):
            if s.id == detail.id:
                self.sales_table.selectRow(r)

    def _fill_header(self) -> None:
        d = self.detail
        if d is None:
            self.sale_header.setText(self.tr("No sale chosen yet."))
            return
        s = d.summary
        parts = [self.tr("Receipt %1").replace("%1", s.receipt_no),
                 local_text(s.created_at, self.env.ctx.tz)]
        if s.member_id:
            parts.append(f"{s.member_name} {s.member_phone}".strip())
        else:
            parts.append(self.tr("No member"))
        paid = " + ".join(f"{tender_name(t)} {yuan(a)}" for t, a in d.payments)
        text = " · ".join(parts) + "\n" + self.tr("Total %1, paid by %2").replace(
            "%1", yuan(s.total_fen)).replace("%2", paid or "—")
        if s.refunded_fen:
            text += "\n" + self.tr("Already refunded: %1 (refunds: %2)").replace(
                "%1", yuan(s.refunded_fen)).replace("%2", str(s.refunds_count))
        if d.coupons:
            text += "\n" + self.tr("Coupons used: %1").replace(
                "%1", ", ".join(code for code, _ in d.coupons))
        self.sale_header.setText(text)

    def _fill_lines(self) -> None:
        d = self.detail
        self.qty_fields = {}
        lines = d.lines if d is not None else ()
        self.lines_table.setRowCount(len(lines))
        can = d is not None and d.refundable
        for r, line in enumerate(lines):
            cells = [line.name, _qty_text(line.qty, line.unit),
                     _qty_text(line.refunded_qty, line.unit) if line.refunded_qty else "",
                     None, yuan(line.paid_fen)]
            for c, text in enumerate(cells):
                if text is None:
                    continue
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.lines_table.setItem(r, c, item)
            field = QLineEdit(self.lines_table)
            field.setObjectName(f"refund_qty_{line.line_no}")
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setValidator(QRegularExpressionValidator(_QTY, field))
            field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            field.setPlaceholderText("0")
            field.setMinimumWidth(90)
            field.setEnabled(can and line.refundable_qty > 0)
            self.lines_table.setCellWidget(r, 3, field)
            self.qty_fields[line.line_no] = field

    def _enable(self) -> None:
        can = self.detail is not None and self.detail.refundable
        for w in (self.all_button, self.clear_button, self.refund_button, self.reason):
            w.setEnabled(can)

    def select_all(self) -> None:
        if self.detail is None:
            return
        for line in self.detail.lines:
            field = self.qty_fields.get(line.line_no)
            if field is not None and line.refundable_qty > 0:
                field.setText(_qty_text(line.refundable_qty, line.unit))

    def clear_quantities(self) -> None:
        for field in self.qty_fields.values():
            field.clear()

    def chosen_lines(self) -> dict[int, Decimal] | None:
        """line number -> quantity; None for everything still refundable. Raises ValueError
        with a sentence for the cashier."""
        d = self.detail
        assert d is not None
        chosen: dict[int, Decimal] = {}
        for line in d.lines:
            text = self.qty_fields[line.line_no].text().strip()
            if not text:
                continue
            try:
                qty = Decimal(text)
            except InvalidOperation:
                raise ValueError(self.tr("%1: enter a quantity.").replace("%1", line.name)) \
                    from None
            if qty <= 0:
                continue
            if qty > line.refundable_qty:
                raise ValueError(self.tr("%1: at most %2 can be refunded.").replace(
                    "%1", line.name).replace("%2", _qty_text(line.refundable_qty, line.unit)))
            if line.unit != "kg" and qty != qty.to_integral_value():
                raise ValueError(self.tr("%1 is sold by the piece.").replace("%1", line.name))
            chosen[line.line_no] = qty
        if not chosen:
            raise ValueError(self.tr("Enter how many of each item come back, or choose the "
                                     "whole sale."))
        if all(chosen.get(x.line_no) == x.refundable_qty for x in d.lines
               if x.refundable_qty > 0):
            return None
        return chosen

    # --- refunding ---------------------------------------------------------------------------

    def refund(self) -> None:
        d = self.detail
        if d is None or not d.refundable:
            self.message.show_message(self.tr("Scan or choose a sale first."), "info")
            return
        try:
            lines = self.chosen_lines()
        except ValueError as exc:
            self.message.show_message(str(exc), "error")
            return
        reason = self.reason.currentText().strip()
        if not reason:
            self.message.show_message(self.tr("Give a reason for the refund."), "error")
            self.reason.setFocus()
            return
        self.refund_button.setEnabled(False)
        Op(refunds.refund_sale, self.env.ctx, self.env.staff, d.id, lines, reason=reason) \
            .with_approval(self, self.tr("Approve the refund")) \
            .success(lambda result: self._refunded(d, result)) \
            .cancelled(lambda: self.message.show_message(
                self.tr("Nothing was refunded: the refund needs a manager."), "warn")) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .finally_(self._enable).run(self.env.worker)

    def _show_result(self, detail, result) -> None:
        """What came back, in words (again after a language change)."""
        self._shown_result = (detail, result)
        out = result.outcome
        money = ", ".join(f"{tender_name(t)} {yuan(a)}" for t, a in result.payments)
        lines = [self.tr("Refunded %1: %2.").replace("%1", yuan(out.money))
                 .replace("%2", money or self.tr("no money"))]
        kind = "ok"
        if detail.summary.member_id:
            lines.append(self.tr("Points taken back: %1 · points returned: %2 · balance now: "
                                 "%3").replace("%1", str(out.points_reversed))
                         .replace("%2", str(out.points_returned))
                         .replace("%3", str(out.member_points_after)))
            before = detail.summary.member_tier
            if before and out.tier_after != before:
                lines.append(self.tr("Member tier after the refund: %1 (was %2)")
                             .replace("%1", tier_name(out.tier_after, self.env.tiers))
                             .replace("%2", tier_name(before, self.env.tiers)))
        if out.coupons_restored:
            lines.append(self.tr("Coupon given back to the member: %1").replace(
                "%1", ", ".join(out.coupons_restored)))
        elif detail.coupons and out.full:
            lines.append(self.tr("The coupon is not given back: it is no longer valid."))
        if out.negative_balance:
            kind = "warn"
            lines.append(self.tr("Warning: the member had already spent these points; the "
                                 "balance is now negative (%1). It is recorded and reported to "
                                 "the manager.").replace("%1", str(out.member_points_after)))
        self.result.show_message("\n".join(lines), kind, 0)

    def _clear_result(self) -> None:
        self._shown_result = None
        self.result.clear_message()

    def _refunded(self, detail, result) -> None:
        self.last_result = result
        self._show_result(detail, result)
        self.env.changed.emit("refund")
        Op(sales_query.sale_detail, self.env.ctx, detail.id).success(self.show_detail) \
            .run(self.env.worker)
        self.load_recent(self.search.text().strip())
        undo_vouchers_after_refund(self, detail.id, result)  # 美团/抖音: cancel verifications
        printer = receipt_printer(self.env)
        if printer is None:
            return
        ctx = self.env.ctx

        def printed(r) -> None:
            job, png = r
            self.last_preview = png
            if job is None:
                self.message.show_message(self.tr("The refund receipt could not be printed."),
                                          "error")
            else:
                self.message.show_message(self.tr("Refund receipt sent to the printer."), "ok")

        Op(print_refund, printer, detail, result, store=dict(self.env.store),
           cashier=getattr(self.env.staff, "name", ""), terminal=ctx.terminal_id[:8],
           at=ctx.now(), tz=ctx.tz_name, tiers=self.env.tiers).success(printed) \
            .run(self.env.worker)
