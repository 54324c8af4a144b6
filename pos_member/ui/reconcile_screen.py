"""The manager's reconciliation of a day on this till: sales by tender and by tier, discounts
and coupons, points earned and redeemed, refunds and voids, cash movements and each shift's
over/short, what still waits to sync, and the conflicts the central service reported. Export
to CSV; print as the day's Z report.

Only a manager sees it: a cashier who opens it (its key works for anyone signed in) is asked
for a manager's code and PIN first.
"""

from __future__ import annotations

import csv
import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDateEdit, QFileDialog, QFrame, QHBoxLayout, QHeaderView, QLabel,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from pos_member.domain.money import format_fen
from pos_member.services import sales_query
from pos_member.services import staff as staff_service

from .dialogs import ApprovalDialog
from .figures import (
    MINUS, FigureTable, Row, local_text, print_and_preview, printer_lang, receipt_printer,
    section, signed_yuan, tier_or_none, yuan,
)
from .i18n import error_text, tender_name
from .report_data import report_from_day
from .screen import MessageBar, Screen, set_role
from .worker import Op

log = logging.getLogger(__name__)

TENDERS = ("cash", "wechat", "alipay", "card", "voucher", "stored_value", "points")


def print_day(printer, day, *, printed_at, manager: str, tiers):
    return print_and_preview(printer, report_from_day(day, printed_at=printed_at,
                                                      manager=manager,
                                                      lang=printer_lang(printer),
                                                      tiers=tiers))


def _table(parent: QWidget, name: str, columns: int) -> QTableWidget:
    t = QTableWidget(0, columns, parent)
    t.setObjectName(name)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setWordWrap(True)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    h.setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]], right_from: int = 99) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if c >= right_from:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class ReconcileScreen(Screen):
    name = "reconcile"

    def __init__(self, env, window):
        super().__init__(env)
        self.window_ = window
        self.day_figures: sales_query.DayFigures | None = None
        self.unlocked_by: str | None = None   # a manager who approved a cashier's look
        self.csv_rows: list[tuple[str, str, str, str]] = []
        self.last_preview = b""

        self.heading = set_role(QLabel(self), "title")
        self.message = MessageBar(self)
        self.date = QDateEdit(self)
        self.date.setObjectName("recon_date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.dateChanged.connect(lambda _d: self.refresh())
        self.prev_button = QPushButton(self)
        self.prev_button.setObjectName("recon_prev")
        self.prev_button.clicked.connect(lambda: self.date.setDate(self.date.date().addDays(-1)))
        self.next_button = QPushButton(self)
        self.next_button.setObjectName("recon_next")
        self.next_button.clicked.connect(lambda: self.date.setDate(self.date.date().addDays(1)))
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("recon_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("recon_export")
        self.export_button.clicked.connect(self.export)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("recon_print")
        self.print_button.clicked.connect(self.print_day)
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("recon_back")
        self.back_button.clicked.connect(self.back)

        # the gate a cashier meets
        self.gate = QFrame(self)
        set_role(self.gate, "panel")
        self.gate_text = set_role(QLabel(self.gate), "subtitle")
        self.gate_text.setWordWrap(True)
        self.gate_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unlock_button = set_role(QPushButton(self.gate), "primary")
        self.unlock_button.setObjectName("recon_unlock")
        self.unlock_button.clicked.connect(self.ask_manager)
        g = QVBoxLayout(self.gate)
        g.addStretch(1)
        g.addWidget(self.gate_text)
        g.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignCenter)
        g.addStretch(1)

        # the figures
        self.content = QWidget(self)
        self.table = FigureTable(self.content)
        self.table.setObjectName("recon_figures")
        self.table2 = FigureTable(self.content)  # points, voids, cash, sync
        self.table2.setObjectName("recon_figures_more")
        self.shifts_label = set_role(QLabel(self.content), "subtitle")
        self.shifts = _table(self.content, "recon_shifts", 6)
        self.conflicts_label = set_role(QLabel(self.content), "subtitle")
        self.conflicts = _table(self.content, "recon_conflicts", 3)
        right = QVBoxLayout()
        right.addWidget(self.shifts_label)
        right.addWidget(self.shifts, 2)
        right.addWidget(self.conflicts_label)
        right.addWidget(self.conflicts, 3)
        body = QHBoxLayout(self.content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.table, 3)
        body.addWidget(self.table2, 3)
        body.addLayout(right, 4)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addStretch(1)
        for w in (self.prev_button, self.date, self.next_button, self.refresh_button,
                  self.export_button, self.print_button, self.back_button):
            top.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.gate, 1)
        layout.addWidget(self.content, 1)
        self.retranslate()

    # --- texts ----------------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Reconciliation")

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Reconciliation"))
        self.prev_button.setText(self.tr("Previous day"))
        self.next_button.setText(self.tr("Next day"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.export_button.setText(self.tr("Export CSV"))
        self.print_button.setText(self.tr("Print (Ctrl+P)"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self.gate_text.setText(self.tr("The day's figures are for managers. A manager enters "
                                       "their code and PIN to show them."))
        self.unlock_button.setText(self.tr("Manager approval"))
        self.shifts_label.setText(self.tr("Shifts"))
        self.shifts.setHorizontalHeaderLabels([
            self.tr("Opened"), self.tr("Closed"), self.tr("By"), self.tr("Expected cash"),
            self.tr("Counted"), self.tr("Over/short")])
        self.conflicts_label.setText(self.tr("Conflicts reported by the central service"))
        self.conflicts.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Kind"),
                                                  self.tr("What happened")])
        self._render()

    def shortcuts(self) -> list:
        return [
            (QKeySequence("Ctrl+P"), self.print_day, lambda: self.tr("Print the day")),
            (QKeySequence("Ctrl+E"), self.export, lambda: self.tr("Export CSV")),
            (QKeySequence("F5"), self.refresh, lambda: self.tr("Refresh")),
            (QKeySequence(Qt.Key.Key_Escape), self.back, lambda: self.tr("Back")),
        ]

    def back(self) -> None:
        self.window_.show_screen("checkout" if "checkout" in self.window_.screens else "menu")

    # --- who may look ----------------------------------------------------------------------------

    def allowed(self) -> bool:
        return self.env.is_manager or self.unlocked_by is not None

    def on_show(self) -> None:
        if self.date.date() != self._today():
            self.date.blockSignals(True)
            self.date.setDate(self._today())
            self.date.blockSignals(False)
        self._gate()
        if self.allowed():
            self.refresh()

    def on_hide(self) -> None:
        self.unlocked_by = None

    def _today(self) -> QDate:
        d = self.env.ctx.local().date()
        return QDate(d.year, d.month, d.day)

    def _gate(self) -> None:
        ok = self.allowed()
        self.gate.setVisible(not ok)
        self.content.setVisible(ok)
        for b in (self.export_button, self.print_button, self.refresh_button, self.date,
                  self.prev_button, self.next_button):
            b.setEnabled(ok)

    def ask_manager(self) -> None:
        dialog = ApprovalDialog(self, title=self.tr("Show the day's figures"))
        dialog.approved.connect(self._check_manager)
        dialog.open()

    def _check_manager(self, approval) -> None:
        def checked(member) -> None:
            if str(member.role) != "manager":
                self.message.show_message(self.tr("Only a manager can show the day's "
                                                  "figures."), "error")
                return
            self.unlocked_by = member.name
            self.message.clear_message()
            self._gate()
            self.refresh()

        Op(staff_service.login, self.env.ctx, approval.login_code, approval.pin) \
            .success(checked) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error")) \
            .run(self.env.worker)

    # --- the figures -----------------------------------------------------------------------------

    def selected_day(self) -> date:
        q = self.date.date()
        return date(q.year(), q.month(), q.day())

    def refresh(self) -> None:
        if not self.allowed():
            return
        Op(sales_query.day_figures, self.env.ctx, self.selected_day()).latest("day_figures") \
            .success(self._loaded).run(self.env.worker)

    def _loaded(self, figures) -> None:
        self.day_figures = figures
        self._render()

    def _render(self) -> None:
        d = self.day_figures
        if d is None:
            self.table.clear_rows()
            self.table2.clear_rows()
            self.csv_rows = []
            return
        rows, self.csv_rows = self._rows(d)
        cut = next(i for i, r in enumerate(rows) if r.key == "points")
        self.table.set_rows(rows[:cut])
        self.table2.set_rows(rows[cut:])
        tz = self.env.ctx.tz
        def when(at) -> str:  # the time alone on the day shown
            same = at.astimezone(tz).date() == d.day
            return local_text(at, tz, "%H:%M" if same else "%m-%d %H:%M")

        _fill(self.shifts, [[
            when(s.opened_at), when(s.closed_at) if s.closed_at else self.tr("open"),
            s.opened_by,
            yuan(s.expected_cash) if s.expected_cash is not None else "",
            yuan(s.counted_cash) if s.counted_cash is not None else "",
            signed_yuan(s.over_short_cash) if s.over_short_cash is not None else ""]
            for s in d.shifts], right_from=3)
        _fill(self.conflicts, [[local_text(c.created_at, tz, "%m-%d %H:%M"),
                                self.conflict_kind(c.kind), c.message]
                               for c in d.conflicts])
        for r, s in enumerate(d.shifts):
            if s.approver:
                self.shifts.item(r, 2).setToolTip(self.tr("Closing approved by %1")
                                                  .replace("%1", s.approver))
        self.shifts.resizeRowsToContents()
        self.conflicts.resizeRowsToContents()

    @property
    def texts(self) -> dict[str, str]:
        """Every figure shown, by its key (both tables)."""
        return {**self.table.texts, **self.table2.texts}

    def event_kind(self, kind: str) -> str:
        return {
            "sale": self.tr("Sales"), "refund": self.tr("Refunds"),
            "shift_opened": self.tr("Shifts opened"), "shift_closed": self.tr("Shifts closed"),
            "cash_movement": self.tr("Cash movements"),
            "member_registered": self.tr("Members registered"),
            "audit_head": self.tr("Audit log"),
            "recharge": self.tr("Stored-value recharges"),
            "recharge_refund": self.tr("Recharge refunds"),
            "member_updated": self.tr("Member changes"),
            "gift_issued": self.tr("Gifts issued"),
        }.get(kind, kind)

    def conflict_kind(self, kind: str) -> str:
        return {
            "coupon_already_used": self.tr("Coupon already used elsewhere"),
            "coupon_unknown": self.tr("Coupon unknown to the service"),
            "coupon_void": self.tr("Coupon withdrawn"),
            "coupon_invalid": self.tr("Coupon of another member or outside its dates"),
            "gift_already_issued": self.tr("Gift already issued (another till)"),
            "gift_mismatch": self.tr("Gift the service disputes"),
            "voucher_unverified": self.tr("Group-buy voucher the service did not verify"),
            "points_overdrawn": self.tr("Points overdrawn"),
            "negative_balance": self.tr("Negative points balance"),
            "unknown_member": self.tr("Member unknown to the service"),
            "unknown_sale": self.tr("Refund of a sale the service lacks"),
            "duplicate_sale": self.tr("Sale sent twice"),
            "duplicate_refund": self.tr("Refund sent twice"),
            "card_no_taken": self.tr("Card number already taken"),
            "sequence_reused": self.tr("Sequence number reused"),
            "audit_chain_mismatch": self.tr("Audit log mismatch"),
            "audit_chain_broken": self.tr("Audit log cut short or rewritten"),
            "member_code_reused": self.tr("Member code used twice for points"),
            "member_code_invalid": self.tr("Member code not valid for points"),
            "member_merged": self.tr("Members merged"),
            "refund_exceeds_sale": self.tr("Refund beyond its sale"),
            "stored_value_overdrawn": self.tr("Stored value overdrawn (spent at two tills)"),
            "stored_value_mismatch": self.tr("Stored-value figures the service disputes"),
            "benefit_overdrawn": self.tr("Benefit used beyond its quota or card (two tills)"),
            "benefit_mismatch": self.tr("Benefit figures the service disputes"),
            "mall_out_of_stock": self.tr("Points-mall reward beyond the store's stock"),
            "event_rejected": self.tr("Rejected by the service (not applied)"),
        }.get(kind, kind)

    def _rows(self, d) -> tuple[list[Row], list[tuple[str, str, str, str]]]:
        rows: list[Row] = []
        out: list[tuple[str, str, str, str]] = []
        current = [""]

        def head(key: str, label: str) -> None:
            current[0] = key
            rows.append(section(key, label))

        def money(key: str, label: str, fen: int, style: str = "", negative: bool = False):
            shown = (MINUS + yuan(fen)) if negative and fen else yuan(fen)
            rows.append(Row(f"{current[0]}.{key}", label, shown, style))
            out.append((current[0], key, label, format_fen(-fen if negative else fen)))

        def count(key: str, label: str, n: int, style: str = ""):
            rows.append(Row(f"{current[0]}.{key}", label, str(n), style))
            out.append((current[0], key, label, str(n)))

        head("sales", self.tr("Sales"))
        count("count", self.tr("Number of sales"), d.sales_count)
        money("gross", self.tr("Sales before discounts"), d.gross_fen)
        money("tier_discount", self.tr("Member discounts"), d.tier_discount_fen,
              negative=True)
        money("coupon_discount", self.tr("Coupons"), d.coupon_discount_fen, negative=True)
        money("points_value", self.tr("Points redeemed (%1 points)").replace(
            "%1", str(d.points_redeemed)), d.points_value_fen, negative=True)
        if d.rounding_fen:
            money("rounding", self.tr("Rounding"), d.rounding_fen, negative=True)
        money("paid", self.tr("Paid with money"), d.sales_total_fen, "total")
        money("refunds", self.tr("Refunds (%1)").replace("%1", str(d.refunds_count)),
              d.refunds_total_fen, negative=True)
        money("net", self.tr("Net takings"), d.net_fen, "total")

        head("tender", self.tr("By tender"))
        for t in TENDERS:
            n, amount = d.by_tender.get(t, (0, 0))
            refunded = d.refunds_by_tender.get(t, 0)
            if not n and not refunded and t != "cash":
                continue
            money(t, f"{tender_name(t)} ({n})", amount)
            if refunded:
                money(f"{t}_refunds", "    " + self.tr("%1 refunded").replace(
                    "%1", tender_name(t)), refunded, negative=True)

        head("tier", self.tr("By member tier"))
        for code in self.env.tiers.rules().report_order(d.by_tier):
            n, total = d.by_tier[code]
            money(code, f"{tier_or_none(code, self.env.tiers)} ({n})", total)

        head("coupons", self.tr("Coupons"))
        for code, n, discount in d.coupons:
            money(code, f"{code} × {n}", discount, negative=True)
        count("restored", self.tr("Coupons given back by refunds"), d.coupons_restored)

        head("points", self.tr("Points"))
        count("earned", self.tr("Points earned"), d.points_earned)
        count("redeemed", self.tr("Points redeemed"), d.points_redeemed)
        count("reversed", self.tr("Points taken back by refunds"), d.points_reversed)
        count("returned", self.tr("Points returned by refunds"), d.points_returned)

        sv = getattr(d, "stored_value", None) or {}
        if sv.get("recharges") or sv.get("spent") or sv.get("liability") or sv.get("refunds"):
            head("stored_value", self.tr("Stored value"))
            money("recharged", self.tr("Recharges (%1)").replace("%1", str(sv["recharges"])),
                  sv["recharged"])
            for t, fen in sorted(sv["recharged_by_tender"].items()):
                money(f"recharged_{t}", "    " + tender_name(t), fen)
            money("bonus_given", self.tr("Bonus given"), sv["bonus_given"])
            if sv["refunds"]:
                money("recharge_refunds", self.tr("Recharges refunded (%1)").replace(
                    "%1", str(sv["refunds"])), sum(sv["refunded_by_tender"].values()),
                    negative=True)
                money("bonus_removed", self.tr("Bonus removed by refunds"),
                      sv["bonus_removed"], negative=True)
            money("spent", self.tr("Paid with stored value"), sv["spent"])
            money("returned", self.tr("Returned to balances by refunds"), sv["returned"])
            money("liability", self.tr("Stored-value liability (balances known here)"),
                  sv["liability"], "total")
            money("liability_bonus", "    " + self.tr("of which bonus"), sv["liability_bonus"])

        head("voids", self.tr("Refunds and voids"))
        count("refunds", self.tr("Refunds"), d.refunds_count)
        count("voided_sales", self.tr("Voided sales"), d.voided_sales)
        if d.voided_fen:
            money("voided_fen", self.tr("Voided sales' amount"), d.voided_fen)
        count("void_actions", self.tr("Voided before payment"),
              d.void_actions)

        head("cash", self.tr("Cash"))
        money("float", self.tr("Opening floats"), sum(s.float_fen for s in d.shifts))
        money("paid_in", self.tr("Paid in"), d.paid_in_fen)
        money("paid_out", self.tr("Paid out"), d.paid_out_fen, negative=True)
        count("no_sales", self.tr("Drawer opened without a sale"), d.no_sales)
        diff = d.over_short_cash
        rows.append(Row("cash.over_short", self.tr("Over/short (closed shifts)"),
                        signed_yuan(diff), "bad" if diff < 0 else "good" if diff > 0
                        else "total"))
        out.append(("cash", "over_short", self.tr("Over/short (closed shifts)"),
                    format_fen(diff)))

        head("sync", self.tr("Sync"))
        count("waiting", self.tr("Events waiting to sync"), d.unsynced_events,
              "bad" if d.unsynced_events else "good")
        for kind, n in sorted(d.unsynced_by_kind.items()):
            count(f"waiting_{kind}", "    " + self.event_kind(kind), n)
        if d.oldest_unsynced is not None:
            text = local_text(d.oldest_unsynced, self.env.ctx.tz)
            rows.append(Row("sync.oldest", self.tr("Oldest waiting since"), text))
            out.append(("sync", "oldest", self.tr("Oldest waiting since"), text))
        count("conflicts", self.tr("Open conflicts"), len(d.conflicts),
              "bad" if d.conflicts else "")
        return rows, out

    # --- export and print -----------------------------------------------------------------------

    def export(self) -> None:
        if self.day_figures is None or not self.allowed():
            return
        default = str(Path(self.env.data_dir) / f"reconciliation-{self.day_figures.day}.csv")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export CSV"), default,
                                              self.tr("CSV files (*.csv)"))
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> Path:
        """Write the day's figures, shifts and conflicts to ``path`` (UTF-8 with a BOM, so
        spreadsheet programs read the Chinese right)."""
        d = self.day_figures
        if d is None:
            raise RuntimeError("no figures loaded")
        path = Path(path)
        tz = self.env.ctx.tz
        try:
            with path.open("w", newline="", encoding="utf-8-sig") as fh:
                w = csv.writer(fh)
                w.writerow(["section", "figure", "label", "value"])
                w.writerow(["day", "date", self.tr("Day"), d.day.isoformat()])
                w.writerow(["day", "store", self.tr("Store"), d.store_name])
                w.writerow(["day", "terminal", self.tr("Till"), d.terminal])
                w.writerows(self.csv_rows)
                for i, s in enumerate(d.shifts, start=1):
                    w.writerow(["shift", f"{i}.opened", self.tr("Opened"),
                                local_text(s.opened_at, tz)])
                    w.writerow(["shift", f"{i}.closed", self.tr("Closed"),
                                local_text(s.closed_at, tz) if s.closed_at else ""])
                    w.writerow(["shift", f"{i}.float", self.tr("Opening float"),
                                format_fen(s.float_fen)])
                    for key, label, value in (
                            ("expected_cash", self.tr("Expected cash"), s.expected_cash),
                            ("counted_cash", self.tr("Counted"), s.counted_cash),
                            ("over_short", self.tr("Over/short"), s.over_short_cash)):
                        w.writerow(["shift", f"{i}.{key}", label,
                                    format_fen(value) if value is not None else ""])
                for c in d.conflicts:
                    w.writerow(["conflict", c.kind, self.conflict_kind(c.kind),
                                f"{local_text(c.created_at, tz)} {c.message}".strip()])
        except OSError as exc:
            self.message.show_message(self.tr("The file could not be written: %1")
                                      .replace("%1", str(exc)), "error")
            raise
        self.message.show_message(self.tr("Exported to %1").replace("%1", str(path)), "ok")
        return path

    def print_day(self) -> None:
        if self.day_figures is None or not self.allowed():
            return
        printer = receipt_printer(self.env)
        if printer is None:
            self.message.show_message(self.tr("No receipt printer is set up."), "warn")
            return
        manager = self.unlocked_by or getattr(self.env.staff, "name", "")

        def printed(r) -> None:
            job, png = r
            self.last_preview = png
            self.message.show_message(self.tr("The day's report was sent to the printer.")
                                      if job is not None else
                                      self.tr("The day's report could not be printed."),
                                      "ok" if job is not None else "error")

        Op(print_day, printer, self.day_figures, printed_at=self.env.ctx.now(),
           manager=manager, tiers=self.env.tiers).success(printed).run(self.env.worker)
