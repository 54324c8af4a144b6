"""Sales history: the open shift's sales on this till, newest first (time, receipt number,
member, total, state: refunded, partly refunded, voided), with a reprint of the chosen sale's
receipt (always marked as a copy: ``services.receipts.sale_receipt(reprint=True)``, the same
builder as the original) and a refund (the refund screen opened on that sale).

Reached from the functions menu (F10) or Ctrl+F5. Keys on this screen: Ctrl+P reprint, F7
refund, Esc back. Everything is loaded and printed on the DB worker.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout,
)

from pos_member.services import sales_history
from pos_member.services.receipts import sale_receipt

from .i18n import error_text
from .member_panel import yuan
from .screen import MessageBar, Screen, set_role
from .worker import Op

log = logging.getLogger(__name__)

COLUMNS = 5  # time, receipt, member, total, state


def reprint_copy(ctx, receipts, sale_id: str):
    """On the worker: the recorded sale's receipt, marked as a copy, to the printer.
    Returns (job id, receipt number)."""
    data = sale_receipt(ctx, sale_id, reprint=True)
    if receipts is None or getattr(receipts, "printer", None) is None:
        raise RuntimeError("no receipt printer is configured")
    job, _png = receipts.print_sale(data, sale_id)
    return job, data.sale_number


class SalesHistoryScreen(Screen):
    name = "sales_history"

    def __init__(self, env, window):
        super().__init__(env)
        self.window_ = window
        self.history: sales_history.ShiftSales | None = None
        self.heading = set_role(QLabel(self), "title")
        self.summary = set_role(QLabel(self), "muted")
        self.summary.setObjectName("history_summary")
        self.message = MessageBar(self)
        self.table = QTableWidget(0, COLUMNS, self)
        self.table.setObjectName("history_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(48)  # a finger's row
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for c in (0, 1, 3, 4):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._enable)
        self.reprint_button = set_role(QPushButton(self), "primary")
        self.reprint_button.setObjectName("history_reprint")
        self.reprint_button.clicked.connect(self.reprint)
        self.refund_button = QPushButton(self)
        self.refund_button.setObjectName("history_refund")
        self.refund_button.clicked.connect(self.refund)
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("history_back")
        self.back_button.clicked.connect(self.back)
        for b in (self.reprint_button, self.refund_button, self.back_button):
            b.setMinimumHeight(56)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.back_button)
        row = QHBoxLayout()
        row.addWidget(self.refund_button)
        row.addWidget(self.reprint_button, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.retranslate()

    # --- screen hooks ---------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Sales this shift")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Sales this shift"))
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Receipt"),
                                              self.tr("Member"), self.tr("Total"),
                                              self.tr("State")])
        self.reprint_button.setText(self.tr("Reprint (copy) (Ctrl+P)"))
        self.refund_button.setText(self.tr("Refund (F7)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self._fill()

    def shortcuts(self) -> list:
        return [(QKeySequence("Ctrl+P"), self.reprint, lambda: self.tr("Reprint the receipt")),
                (QKeySequence("F7"), self.refund, lambda: self.tr("Refund this sale")),
                (QKeySequence(Qt.Key.Key_Escape), self.back, lambda: self.tr("Back"))]

    def on_show(self) -> None:
        self.load()
        self.table.setFocus()

    def back(self) -> None:
        self.window_.show_screen("checkout" if "checkout" in self.window_.screens else "menu")

    # --- the list -------------------------------------------------------------------------------

    def load(self) -> None:
        Op(sales_history.shift_sales, self.env.ctx).latest("sales_history") \
            .success(self._loaded).run(self.env.worker)

    def _loaded(self, history) -> None:
        self.history = history
        self._fill()
        if history.rows and not self.table.selectedItems():
            self.table.selectRow(0)
        self._enable()

    def _state_text(self, state: str) -> str:
        return {sales_history.COMPLETED: self.tr("Paid"),
                sales_history.PARTLY_REFUNDED: self.tr("Partly refunded"),
                sales_history.REFUNDED: self.tr("Refunded"),
                sales_history.VOIDED: self.tr("Voided")}.get(state, state)

    def _fill(self) -> None:
        h = self.history
        rows = h.rows if h is not None else ()
        if h is None:
            self.summary.setText("")
        elif h.shift_id is None:
            self.summary.setText(self.tr("No shift is open: open one to sell."))
        else:
            tz = ZoneInfo(self.env.ctx.tz_name)
            self.summary.setText(self.tr("Shift opened %1 · %2 sales · %3 taken after refunds")
                                 .replace("%1", f"{h.opened_at.astimezone(tz):%H:%M}")
                                 .replace("%2", str(len(rows)))
                                 .replace("%3", yuan(h.total_fen)))
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            s = row.sale
            at = s.created_at.astimezone(ZoneInfo(s.tz or self.env.ctx.tz_name))
            member = " ".join(x for x in (s.member_name, s.member_phone) if x) or "—"
            state = self._state_text(row.state)
            if row.state == sales_history.PARTLY_REFUNDED:
                state += " (−" + yuan(s.refunded_fen) + ")"
            for c, text in enumerate((f"{at:%H:%M}", s.receipt_no, member, yuan(s.total_fen),
                                      state)):
                item = QTableWidgetItem(text)
                if c == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        if not rows and h is not None and h.shift_id is not None:
            self.message.show_message(self.tr("No sales in this shift yet."), "info", 0)
        self._enable()

    def selected(self) -> sales_history.HistoryRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        h = self.history
        if not rows or h is None or not (0 <= rows[0].row() < len(h.rows)):
            return None
        return h.rows[rows[0].row()]

    def _enable(self) -> None:
        row = self.selected()
        self.reprint_button.setEnabled(row is not None)
        self.refund_button.setEnabled(row is not None and row.state in (
            sales_history.COMPLETED, sales_history.PARTLY_REFUNDED))

    # --- actions --------------------------------------------------------------------------------

    def reprint(self) -> None:
        row = self.selected()
        if row is None:
            return

        def done(result) -> None:
            _job, number = result
            self.message.show_message(self.tr("A copy of receipt %1 is printing.")
                                      .replace("%1", number), "ok")

        Op(reprint_copy, self.env.ctx, self.env.receipts, row.id).success(done) \
            .failure(lambda exc: self.message.show_message(
                error_text(exc) if hasattr(exc, "code") else
                self.tr("The copy could not be printed: %1").replace("%1", str(exc)),
                "error", 0)) \
            .run(self.env.worker)

    def refund(self) -> None:
        row = self.selected()
        if row is None or not self.refund_button.isEnabled():
            if row is not None:
                self.message.show_message(self.tr("Nothing is left to refund on this sale."),
                                          "info")
            return
        screen = self.window_.screens.get("refund")
        if screen is None:
            return
        self.window_.show_screen("refund")
        screen.open_code(row.id)
