"""The shift screen: open with a counted float, paid in and paid out with a reason, the no-sale
drawer opening (manager), the X report on screen and on paper, and closing with a blind count
by denomination, the manager's approval, the over/short and the Z report printed.

Blind count: the count dialog never shows what the till expects. A cashier's X report leaves
out the expected cash too (a manager sees it); the over/short appears once the shift is closed.

The dialogs (cash movement, blind count) are in :mod:`pos_member.ui.shift_dialogs`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pos_member.services import sales_query, shifts
from pos_member.services.errors import ShiftStateError

from .dialogs import AmountDialog
from .figures import (
    FigureTable, local_text, print_and_preview, printer_lang, receipt_printer,
    shift_rows, yuan,
)
from .i18n import error_text
from .report_data import report_from_shift
from .screen import MessageBar, Screen, set_role
from .shift_dialogs import (  # noqa: F401 - re-exported: the dialogs were defined here
    OTHER_TENDERS,
    BlindCountDialog,
    CashMovementDialog,
    denomination_label,
)
from .worker import Op

log = logging.getLogger(__name__)



# --- work done on the DB worker (services only) ------------------------------------------------

def load_shift_view(ctx, shift_id: str | None = None):
    """("x", figures, extras) for the open shift; else ("z", ...) for ``shift_id`` or the last
    closed one; ("none", None, None) on a till that never closed a shift."""
    if shift_id is None:
        try:
            f = shifts.x_report(ctx)
            return "x", f, sales_query.shift_extras(ctx, f.shift_id)
        except ShiftStateError:
            pass
    try:
        f = shifts.z_report(ctx, shift_id)
    except Exception as exc:  # NotFound: nothing closed yet
        if getattr(exc, "code", "") == "not_found":
            return "none", None, None
        raise
    return "z", f, sales_query.shift_extras(ctx, f.shift_id)


def print_shift_report(printer, kind, figures, extras, *, store_name: str, now, tz: str,
                       tiers, show_expected: bool = True):
    data = report_from_shift(
        figures, kind=kind, store_name=store_name or extras.store_name,
        terminal=extras.terminal, cashier=extras.opened_by_name, printed_at=now, tz=tz,
        manager=extras.approver_name, report_number=extras.z_number,
        tender_counts=extras.tender_counts, coupons=extras.coupons, voids_fen=extras.voids_fen,
        lang=printer_lang(printer), tiers=tiers)
    if not show_expected:
        from dataclasses import replace

        data = replace(data, tenders=tuple(replace(t, expected_fen=None) for t in data.tenders))
    return print_and_preview(printer, data)


# --- the screen ---------------------------------------------------------------------------------

class ShiftScreen(Screen):
    name = "shifts"

    def __init__(self, env, window):
        super().__init__(env)
        self.window_ = window
        self.kind = "none"         # x (open shift), z (a closed one), none
        self.figures = None
        self.extras = None
        self.last_preview = b""
        self.heading = set_role(QLabel(self), "title")
        self.status = set_role(QLabel(self), "subtitle")
        self.status.setObjectName("shift_status")
        self.status.setWordWrap(True)
        self.message = MessageBar(self)
        self.result = MessageBar(self)
        self.result.setObjectName("over_short_banner")

        def button(name: str, role: str = "") -> QPushButton:
            b = QPushButton(self)
            b.setObjectName(name)
            b.setMinimumHeight(60)
            if role:
                set_role(b, role)
            return b

        self.open_button = button("open_shift_button", "primary")
        self.open_button.clicked.connect(self.open_shift)
        self.paid_in_button = button("paid_in_button")
        self.paid_in_button.clicked.connect(lambda: self.movement("paid_in"))
        self.paid_out_button = button("paid_out_button")
        self.paid_out_button.clicked.connect(lambda: self.movement("paid_out"))
        self.no_sale_button = button("no_sale_button")
        self.no_sale_button.clicked.connect(lambda: self.movement("no_sale"))
        self.x_button = button("x_report_button")
        self.x_button.clicked.connect(self.show_x_report)
        self.print_button = button("print_report_button")
        self.print_button.clicked.connect(self.print_report)
        self.close_button = button("close_shift_button", "danger")
        self.close_button.clicked.connect(self.close_shift)
        self.back_button = button("shifts_back")
        self.back_button.clicked.connect(self.back)
        self.report_title = set_role(QLabel(self), "subtitle")
        self.report_title.setObjectName("report_title")
        self.table = FigureTable(self)
        self.table.setObjectName("shift_figures")
        self.table2 = FigureTable(self)  # the drawer, the count, tiers, points, sync
        self.table2.setObjectName("shift_figures_more")

        actions = QVBoxLayout()
        for b in (self.open_button, self.paid_in_button, self.paid_out_button,
                  self.no_sale_button, self.x_button, self.print_button, self.close_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.back_button)
        side = QWidget(self)
        side.setLayout(actions)
        side.setFixedWidth(300)
        right = QVBoxLayout()
        right.addWidget(self.result)
        right.addWidget(self.report_title)
        tables = QHBoxLayout()
        tables.addWidget(self.table, 1)
        tables.addWidget(self.table2, 1)
        right.addLayout(tables, 1)
        body = QHBoxLayout()
        body.addWidget(side)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addLayout(body, 1)
        self._set_enabled()
        self.retranslate()

    # --- texts ----------------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Shift")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Shift"))
        self.open_button.setText(self.tr("Open a shift"))
        self.paid_in_button.setText(self.tr("Paid in (F2)"))
        self.paid_out_button.setText(self.tr("Paid out (F3)"))
        self.no_sale_button.setText(self.tr("Open drawer, no sale (F4)"))
        self.x_button.setText(self.tr("X report (F5)"))
        self.print_button.setText(self.tr("Print the report (Ctrl+P)"))
        self.close_button.setText(self.tr("Close the shift (F9)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self._render()
        if self._closed_figures is not None and self.result.kind:
            self._show_over_short(self._closed_figures)

    def shortcuts(self) -> list:
        return [
            (QKeySequence("F2"), lambda: self.movement("paid_in"), lambda: self.tr("Paid in")),
            (QKeySequence("F3"), lambda: self.movement("paid_out"), lambda: self.tr("Paid out")),
            (QKeySequence("F4"), lambda: self.movement("no_sale"),
             lambda: self.tr("Open the drawer without a sale")),
            (QKeySequence("F5"), self.show_x_report, lambda: self.tr("X report")),
            (QKeySequence("Ctrl+P"), self.print_report, lambda: self.tr("Print the report")),
            (QKeySequence("F9"), self.close_shift, lambda: self.tr("Close the shift")),
            (QKeySequence(Qt.Key.Key_Escape), self.back, lambda: self.tr("Back")),
        ]

    # --- loading --------------------------------------------------------------------------------

    def on_show(self) -> None:
        self.refresh()

    def back(self) -> None:
        self.window_.show_screen("checkout" if "checkout" in self.window_.screens else "menu")

    def refresh(self, shift_id: str | None = None) -> None:
        Op(load_shift_view, self.env.ctx, shift_id).latest("shift_view") \
            .success(self._loaded).run(self.env.worker)

    def _loaded(self, view) -> None:
        self.kind, self.figures, self.extras = view
        self.env.shift_open = self.kind == "x"
        self._set_enabled()
        self._render()

    def _set_enabled(self) -> None:
        is_open = self.kind == "x"
        self.open_button.setVisible(not is_open)
        for b in (self.paid_in_button, self.paid_out_button, self.no_sale_button, self.x_button,
                  self.close_button):
            b.setEnabled(is_open)
        self.print_button.setEnabled(self.figures is not None)

    def show_expected(self) -> bool:
        return self.kind == "z" or self.env.is_manager

    def _render(self) -> None:
        f, tz = self.figures, self.env.ctx.tz
        if f is None:
            self.status.setText(self.tr("No shift is open on this till. Count the float and "
                                        "open a shift to start selling."))
            self.report_title.setText("")
            self.table.clear_rows()
            self.table2.clear_rows()
            return
        names = {}
        if self.extras is not None:
            names = {f.opened_by: self.extras.opened_by_name}
        if self.kind == "x":
            self.status.setText(self.tr("Shift open since %1 (%2), float %3").replace(
                "%1", local_text(f.opened_at, tz)).replace(
                "%2", names.get(f.opened_by, f.opened_by)).replace("%3", yuan(f.float_fen)))
            self.report_title.setText(self.tr("X report · %1").replace(
                "%1", local_text(self.env.ctx.now(), tz, "%H:%M")))
        else:
            self.status.setText(self.tr("No shift is open. The last shift closed at %1.")
                                .replace("%1", local_text(f.closed_at, tz)))
            number = self.extras.z_number if self.extras else ""
            self.report_title.setText(self.tr("Z report No. %1").replace("%1", number))
        rows = shift_rows(f, tz, tiers=self.env.tiers, staff_names=names,
                          show_expected=self.show_expected())
        cut = next(i for i, r in enumerate(rows) if r.key == "drawer")
        self.table.set_rows(rows[:cut])
        self.table2.set_rows(rows[cut:])

    @property
    def texts(self) -> dict[str, str]:
        """Every figure shown, by its key (both tables)."""
        return {**self.table.texts, **self.table2.texts}

    # --- opening ---------------------------------------------------------------------------------

    def open_shift(self) -> None:
        if self.kind == "x":
            return
        dialog = AmountDialog(self, self.tr("Open a shift"),
                              self.tr("Count the float in the drawer and enter it."), 50000)
        dialog.setObjectName("open_shift_dialog")
        dialog.entered.connect(self._open)
        dialog.open()

    def _open(self, fen: int) -> None:
        def opened(_shift_id) -> None:
            self.env.shift_open = True
            self.env.changed.emit("shift")
            self._closed_figures = None
            self.result.clear_message()
            self.message.show_message(self.tr("The shift is open with a float of %1.")
                                      .replace("%1", yuan(fen)), "ok")
            self.refresh()

        Op(shifts.open_shift, self.env.ctx, self.env.staff, fen).success(opened) \
            .run(self.env.worker)

    # --- cash movements ------------------------------------------------------------------------

    def movement(self, kind: str) -> None:
        if self.kind != "x":
            self.message.show_message(self.tr("Open a shift first."), "warn")
            return
        dialog = CashMovementDialog(self, kind)
        dialog.submitted.connect(lambda fen, reason: self._record_movement(kind, fen, reason))
        dialog.open()

    def _record_movement(self, kind: str, fen: int, reason: str) -> None:
        words = {"paid_in": self.tr("Paid in %1 recorded."),
                 "paid_out": self.tr("Paid out %1 recorded."),
                 "no_sale": self.tr("The drawer was opened (no sale); it is recorded.")}

        def done(_movement_id) -> None:
            self.message.show_message(words[kind].replace("%1", yuan(fen)), "ok")
            self.env.changed.emit("shift")
            printer = receipt_printer(self.env)
            if printer is not None:
                Op(printer.open_drawer).failure(lambda exc: log.warning("drawer: %s", exc)) \
                    .run(self.env.worker)
            self.refresh()

        op = Op(shifts.cash_movement, self.env.ctx, self.env.staff, kind, fen, reason)
        if kind == "no_sale":
            op = op.with_approval(self, self.tr("Open the drawer without a sale")) \
                .cancelled(lambda: self.message.show_message(
                    self.tr("The drawer stays closed."), "info"))
        op.success(done).run(self.env.worker)

    # --- reports --------------------------------------------------------------------------------

    def show_x_report(self) -> None:
        self._closed_figures = None
        self.result.clear_message()
        self.refresh()

    def print_report(self) -> None:
        if self.figures is None or self.extras is None:
            return
        printer = receipt_printer(self.env)
        if printer is None:
            self.message.show_message(self.tr("No receipt printer is set up."), "warn")
            return
        kind = "x" if self.kind == "x" else "z"
        self._print(printer, kind)

    def _print(self, printer, kind: str) -> None:
        ctx = self.env.ctx

        def printed(result) -> None:
            job, png = result
            self.last_preview = png
            if job is None:
                self.message.show_message(self.tr("The report could not be printed."), "error")
            else:
                self.message.show_message(
                    (self.tr("X report sent to the printer.") if kind == "x"
                     else self.tr("Z report sent to the printer.")), "ok")

        Op(print_shift_report, printer, kind, self.figures, self.extras,
           store_name=self.env.store.get("store_name", ""), now=ctx.now(), tz=ctx.tz_name,
           tiers=self.env.tiers, show_expected=self.show_expected()) \
            .success(printed).run(self.env.worker)

    # --- closing --------------------------------------------------------------------------------

    def close_shift(self) -> None:
        if self.kind != "x":
            self.message.show_message(self.tr("No shift is open."), "warn")
            return
        dialog = BlindCountDialog(self)
        dialog.counted.connect(self._close)
        dialog.open()
        self.count_dialog = dialog

    count_dialog = None

    def _close(self, denominations: dict, others: dict) -> None:
        self.close_button.setEnabled(False)
        Op(shifts.close_shift, self.env.ctx, self.env.staff, denominations, others) \
            .with_approval(self, self.tr("Close the shift")) \
            .success(self._closed) \
            .cancelled(lambda: self.message.show_message(
                self.tr("The shift is still open: a manager must approve the closing."), "warn")) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .finally_(self._set_enabled).run(self.env.worker)

    def _show_over_short(self, figures) -> None:
        """The over/short of the shift just closed (again after a language change)."""
        self._closed_figures = figures
        diff = (figures.over_short or {}).get("cash", 0)
        if diff < 0:
            text, kind = self.tr("Cash short by %1."), "error"
        elif diff > 0:
            text, kind = self.tr("Cash over by %1."), "warn"
        else:
            text, kind = self.tr("The cash balances exactly."), "ok"
        text = text.replace("%1", yuan(abs(diff)))
        text += " " + self.tr("Counted %1, expected %2.").replace(
            "%1", yuan((figures.counted or {}).get("cash", 0))).replace(
            "%2", yuan(figures.expected.get("cash", 0)))
        self.result.show_message(text, kind, 0)
        self.over_short = diff

    _closed_figures = None

    def _closed(self, figures) -> None:
        self.env.shift_open = False
        self.env.changed.emit("shift")
        self._show_over_short(figures)

        def loaded(view) -> None:
            self._loaded(view)
            printer = receipt_printer(self.env)
            if printer is None:
                self.message.show_message(self.tr("The shift is closed. No receipt printer is "
                                                  "set up for the Z report."), "warn")
                return
            self._print(printer, "z")

        Op(load_shift_view, self.env.ctx, figures.shift_id).success(loaded).run(self.env.worker)

    over_short: int | None = None
