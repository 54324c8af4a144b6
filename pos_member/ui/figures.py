"""What the shift, refund and reconciliation screens share: money in words, a two-column
figures table with sections, a touch number pad that types into the focused field, the
translated rows of a shift's X/Z figures, and the receipt printer the main window set up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QGridLayout, QHeaderView, QLineEdit, QPushButton, QTableWidget,
    QTableWidgetItem, QWidget,
)

from pos_member.domain.money import format_fen

from .i18n import tender_name, tier_name, translate
from .screen import set_role

log = logging.getLogger(__name__)

MINUS = "−"  # U+2212, as the checkout screen shows discounts
TENDER_ORDER = ("cash", "wechat", "alipay", "card", "voucher", "points")


def yuan(fen: int) -> str:
    return ("−" if fen < 0 else "") + "¥" + format_fen(abs(fen))


def minus_yuan(fen: int) -> str:
    """A reduction: 1690 -> "−¥16.90"; nothing taken off shows as ¥0.00."""
    return MINUS + yuan(fen) if fen else yuan(0)


def signed_yuan(fen: int) -> str:
    return ("+" if fen > 0 else "") + yuan(fen)


def local_text(at: datetime | None, tz, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if at is None:
        return ""
    return at.astimezone(tz).strftime(fmt) if tz is not None else at.strftime(fmt)


def tier_or_none(code: str, tiers) -> str:
    """A tier's name on screen, or "Non-member" (``tiers``: the window's TierBook)."""
    return translate("Figures", "Non-member") if code == "non_member" \
        else tier_name(code, tiers)


@dataclass(frozen=True)
class Row:
    key: str           # stable, for tests and the CSV export
    label: str         # translated
    value: str = ""
    style: str = ""    # section, total, bad, good, muted

    @property
    def is_section(self) -> bool:
        return self.style == "section"


def section(key: str, label: str) -> Row:
    return Row(key, label, "", "section")


class FigureTable(QTableWidget):
    """Label / value rows with bold section headings; ``texts[key]`` is the value shown."""

    COLOURS = {"bad": "#b42318", "good": "#1a7f37", "muted": "#6e7781"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 2, parent)
        self.horizontalHeader().hide()
        self.verticalHeader().hide()
        self.setShowGrid(False)
        self.setAlternatingRowColors(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(30)
        self.rows: list[Row] = []
        self.texts: dict[str, str] = {}

    def set_rows(self, rows: list[Row]) -> None:
        self.clearSpans()
        self.rows = list(rows)
        self.texts = {r.key: r.value for r in rows if not r.is_section}
        self.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for i, r in enumerate(rows):
            label = QTableWidgetItem(r.label)
            value = QTableWidgetItem(r.value)
            value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if r.is_section:
                label.setFont(bold)
                label.setBackground(QBrush(QColor("#eceef1")))
                self.setSpan(i, 0, 1, 2)
            elif r.style == "total":
                label.setFont(bold)
                value.setFont(bold)
            colour = self.COLOURS.get(r.style)
            if colour:
                value.setForeground(QBrush(QColor(colour)))
                if r.style == "bad":
                    value.setFont(bold)
            label.setData(Qt.ItemDataRole.UserRole, r.key)
            self.setItem(i, 0, label)
            self.setItem(i, 1, value)

    def clear_rows(self) -> None:
        self.set_rows([])


class KeyPad(QWidget):
    """A touch number pad that types into the field that last had the focus (among those
    given to :meth:`attach`), so a form of several amounts or counts needs no keyboard."""

    def __init__(self, parent: QWidget | None = None, decimal: bool = True):
        super().__init__(parent)
        self.target: QLineEdit | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        labels = ["7", "8", "9", "4", "5", "6", "1", "2", "3", "." if decimal else "C",
                  "0", "⌫"]
        self.keys: dict[str, QPushButton] = {}
        for i, label in enumerate(labels):
            b = set_role(QPushButton(label, self), "key")
            b.setObjectName("keypad_" + {".": "dot", "⌫": "back", "C": "clear"}.get(label, label))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, k=label: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[label] = b

    def attach(self, *fields: QLineEdit) -> None:
        for f in fields:
            f.installEventFilter(self)
        if self.target is None and fields:
            self.target = fields[0]

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.FocusIn and isinstance(obj, QLineEdit):
            self.target = obj
        return False

    def press(self, key: str) -> None:
        f = self.target
        if f is None or not f.isEnabled():
            return
        if key == "⌫":
            f.backspace()
        elif key == "C":
            f.clear()
        else:
            f.insert(key)
        f.setFocus()


# --- the rows of a shift's figures ---------------------------------------------------------------

def shift_rows(f, tz, *, tiers, staff_names: dict[str, str] | None = None,
               show_expected: bool = True) -> list[Row]:
    """The X/Z figures (services.shifts.ShiftFigures) as translated rows. ``show_expected``
    False leaves out what the drawer should hold (a cashier's view before the blind count)."""
    names = staff_names or {}
    rows = [
        section("shift", translate("Figures", "Shift")),
        Row("status", translate("Figures", "Status"),
            translate("Figures", "Open") if f.status == "open"
            else translate("Figures", "Closed")),
        Row("opened_at", translate("Figures", "Opened"), local_text(f.opened_at, tz)),
        Row("opened_by", translate("Figures", "Opened by"), names.get(f.opened_by, f.opened_by)),
    ]
    if f.closed_at is not None:
        rows.append(Row("closed_at", translate("Figures", "Closed at"),
                        local_text(f.closed_at, tz)))
    gross = f.gross_sales
    rows += [
        section("sales", translate("Figures", "Sales")),
        Row("sales_count", translate("Figures", "Number of sales"), str(f.sales_count)),
        Row("gross", translate("Figures", "Sales before discounts"), yuan(gross)),
        Row("tier_discount", translate("Figures", "Member discounts"),
            minus_yuan(f.tier_discount)),
        Row("coupon_discount", translate("Figures", "Coupons (%1 used)").replace(
            "%1", str(f.coupons_used)), minus_yuan(f.coupon_discount)),
        Row("points_value", translate("Figures", "Points redeemed (%1 points)").replace(
            "%1", str(getattr(f, "points_used", f.points_redeemed))), minus_yuan(f.points_value)),
    ]
    if f.rounding:
        rows.append(Row("rounding", translate("Figures", "Rounding"), minus_yuan(f.rounding)))
    rows += [
        Row("sales_total", translate("Figures", "Paid with money"), yuan(f.sales_total), "total"),
        Row("refunds", translate("Figures", "Refunds (%1)").replace("%1", str(f.refunds_count)),
            minus_yuan(f.refunds_total)),
        Row("voids", translate("Figures", "Voided lines and baskets"), str(f.voids)),
        Row("net", translate("Figures", "Net takings"), yuan(f.sales_total - f.refunds_total),
            "total"),
        section("tenders", translate("Figures", "By tender")),
    ]
    for kind in TENDER_ORDER:
        amount = f.points_value if kind == "points" else f.by_tender.get(kind, 0)
        refunds = f.refunds_by_tender.get(kind, 0)
        if kind != "cash" and not amount and not refunds:
            continue
        rows.append(Row(f"tender_{kind}", tender_name(kind), yuan(amount)))
        if refunds:
            rows.append(Row(f"refunds_{kind}", "    " + translate("Figures", "of which refunded"),
                            minus_yuan(refunds)))
    rows += [
        section("drawer", translate("Figures", "Cash drawer")),
        Row("float", translate("Figures", "Opening float"), yuan(f.float_fen)),
        Row("paid_in", translate("Figures", "Paid in"), yuan(f.paid_in)),
        Row("paid_out", translate("Figures", "Paid out"), minus_yuan(f.paid_out)),
        Row("no_sales", translate("Figures", "Drawer opened without a sale"), str(f.no_sales)),
    ]
    if show_expected:
        rows.append(Row("expected_cash", translate("Figures", "Cash expected in the drawer"),
                        yuan(f.expected.get("cash", 0)), "total"))
    if f.counted:
        rows.append(section("count", translate("Figures", "Count at closing")))
        for kind in TENDER_ORDER:
            if kind == "points" or kind not in f.counted:
                continue
            exp, cnt = f.expected.get(kind, 0), f.counted.get(kind, 0)
            diff = (f.over_short or {}).get(kind, cnt - exp)
            if kind != "cash" and not exp and not cnt:
                continue
            name = tender_name(kind) + " · "
            rows.append(Row(f"expected_{kind}", name + translate("Figures", "expected"),
                            yuan(exp)))
            rows.append(Row(f"counted_{kind}", name + translate("Figures", "counted"),
                            yuan(cnt)))
            rows.append(Row(f"over_short_{kind}", name + translate("Figures", "over/short"),
                            signed_yuan(diff), "bad" if diff < 0 else "good" if diff > 0
                            else "total"))
    if f.sales_by_tier:
        rows.append(section("tiers", translate("Figures", "By member tier")))
        for code in tiers.rules().report_order(f.sales_by_tier):
            count, total = f.sales_by_tier[code]
            rows.append(Row(f"tier_{code}", f"{tier_or_none(code, tiers)} ({count})",
                            yuan(total)))
    rows += [
        section("points", translate("Figures", "Points")),
    ]
    # net of the shift's refunds; what the refunds took back is shown when there is any
    reversed_, returned = getattr(f, "points_reversed", 0), getattr(f, "points_returned", 0)
    rows.append(Row("points_earned", translate("Figures", "Points earned, net of refunds"),
                    str(f.points_earned)))
    if reversed_:
        rows.append(Row("points_reversed", "    " + translate(
            "Figures", "taken back by refunds"), str(reversed_)))
    rows.append(Row("points_redeemed", translate("Figures", "Points redeemed, net of refunds"),
                    str(f.points_redeemed)))
    if returned:
        rows.append(Row("points_returned", "    " + translate(
            "Figures", "given back by refunds"), str(returned)))
    rows += [
        section("sync", translate("Figures", "Sync")),
        Row("unsynced", translate("Figures", "Events waiting to sync"), str(f.unsynced_events),
            "bad" if f.unsynced_events and f.status == "closed" else ""),
        Row("conflicts", translate("Figures", "Open conflicts"), str(f.open_conflicts),
            "bad" if f.open_conflicts else ""),
    ]
    return rows


# --- the printer -------------------------------------------------------------------------------

def receipt_printer(env):
    """The main window's receipt printer (printing.ReceiptPrinter), or None."""
    return getattr(env.receipts, "printer", None) if env.receipts is not None else None


def print_and_preview(printer, data, *, sale_id: str | None = None,
                      open_drawer: bool | None = None) -> tuple[int | None, bytes]:
    """On the worker thread: queue ``data`` (a ReportData or ReceiptData) on the printer and
    return (job id, preview PNG). A preview that fails (no CJK font) leaves the PNG empty."""
    from pos_member.printing.model import ReceiptData

    if isinstance(data, ReceiptData):
        job = printer.print_receipt(data, sale_id=sale_id, open_drawer=open_drawer)
    else:
        job = printer.print_report(data)
    try:
        png = printer.preview_png(data)
    except Exception:
        log.exception("print preview failed")
        png = b""
    return job, png


def printer_lang(printer) -> str:
    """The label language the printer's encoding can print (zh_hans, zh_hant or en)."""
    try:
        return printer.paper.labels.lang
    except AttributeError:
        return "zh_hans"
