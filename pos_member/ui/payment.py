"""Taking payment: split tenders, cash with change, payment codes scanned at this step.

The dialog only collects tenders; the checkout screen records the sale (``checkout``) when
``paid(list[Tender])`` is emitted, so a manager's approval or a retry never loses them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_member.domain.money import format_fen, parse_yuan
from pos_member.domain.stored_value import Balance, spendable

from .dialogs import PinPad
from .i18n import tender_name
from .member_panel import yuan
from .quick_cash import QuickCashRow
from .sale import Payment
from .scanner import CodeKind, make_scan_field
from .voucher_panel import PLATFORM_KEYS, VoucherPanel
from .screen import MessageBar, set_role

TENDER_KEYS = (("cash", "F1"), ("wechat", "F2"), ("alipay", "F3"), ("card", "F4"),
               ("voucher", "F5"))


class PaymentDialog(QDialog):
    paid = Signal(object)  # list[Tender]

    def __init__(self, parent: QWidget | None, total: int):
        super().__init__(parent)
        self.setObjectName("payment_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.payment = Payment(total)
        self.heading = QLabel(self)
        set_role(self.heading, "title")
        self.due = QLabel(self)
        self.due.setObjectName("pay_due")
        set_role(self.due, "total")
        self.change = QLabel(self)
        self.change.setObjectName("pay_change")
        set_role(self.change, "total")
        self.message = MessageBar(self)
        self.pad = PinPad(self, masked=False, max_len=12)
        self.pad.field.setObjectName("pay_amount")
        self.pad.ok.hide()
        self.pad.submitted.connect(self._enter)
        dot = set_role(QPushButton(".", self), "key")
        dot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        dot.clicked.connect(lambda: self.pad.field.insert("."))
        self.quick_cash = QuickCashRow(self)  # exact, next round amounts, ¥50, ¥100
        self.quick_cash.chosen.connect(lambda fen: self.take("cash", fen))
        self.reference = make_scan_field(QLineEdit(self))
        self.reference.setObjectName("pay_reference")
        self.tender_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, (kind, key) in enumerate(TENDER_KEYS):
            b = set_role(QPushButton(self), "quick")
            b.setObjectName(f"tender_{kind}")
            b.clicked.connect(lambda _=False, k=kind: self.take(k))
            QShortcut(QKeySequence(key), self, lambda k=kind: self.take(k))
            grid.addWidget(b, i // 3, i % 3)
            self.tender_buttons[kind] = b
        self.taken = QListWidget(self)
        self.taken.setObjectName("pay_tenders")
        self.undo = QPushButton(self)
        self.undo.setObjectName("pay_undo")
        self.undo.clicked.connect(self._undo)
        self.finish = set_role(QPushButton(self), "primary")
        self.finish.setObjectName("pay_finish")
        self.finish.setMinimumHeight(64)
        self.finish.clicked.connect(self._finish)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("pay_cancel")
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        QShortcut(QKeySequence("F9"), self, self._finish)

        left = QVBoxLayout()
        left.addWidget(self.heading)
        left.addWidget(self.due)
        left.addWidget(self.message)
        left.addWidget(self.pad)
        left.addWidget(dot)
        right = QVBoxLayout()
        right.addLayout(grid)
        # Stored value (储值): the member's balance as a tender, alone or split (F6)
        member = getattr(getattr(parent, "sale", None), "member", None)
        self.stored_value = spendable(Balance(getattr(member, "stored_principal", 0),
                                              getattr(member, "stored_bonus", 0)))
        self.stored_button = set_role(QPushButton(self), "quick")
        self.stored_button.setObjectName("tender_stored_value")
        self.stored_button.clicked.connect(lambda: self.take("stored_value"))
        self.stored_button.setVisible(member is not None)
        QShortcut(QKeySequence("F6"), self, lambda: self.take("stored_value"))
        right.addWidget(self.stored_button)
        right.addWidget(self.quick_cash)
        self.ref_label = QLabel(self)
        right.addWidget(self.ref_label)
        right.addWidget(self.reference)
        # 美团/抖音 vouchers verified through the central service (ui/voucher_panel.py): the
        # code goes into the reference field above, then the platform's key (F7, F8)
        self.vouchers = VoucherPanel(self, getattr(parent, "env", None),
                                     getattr(parent, "sale", None))
        right.addWidget(self.vouchers)
        right.addWidget(self.taken, 1)
        right.addWidget(self.change)
        row = QHBoxLayout()
        row.addWidget(self.undo)
        row.addWidget(self.cancel_button)
        right.addLayout(row)
        right.addWidget(self.finish)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        self.resize(980, 640)
        self.retranslate()
        self.pad.field.setFocus()

    # --- tenders -----------------------------------------------------------------------------

    def amount(self) -> int | None:
        text = self.pad.field.text().strip()
        if not text:
            return self.payment.remaining
        try:
            return parse_yuan(text)
        except ValueError:
            self.message.show_message(self.tr("Enter an amount like 12.50."), "error")
            return None

    def take(self, kind: str, amount: int | None = None, reference: str | None = None) -> None:
        if self.payment.remaining <= 0:
            self.message.show_message(self.tr("Everything is paid: press Finish (Enter)."), "info")
            return
        amount = self.amount() if amount is None else amount
        if amount is None:
            return
        if amount <= 0:
            self.message.show_message(self.tr("Enter an amount greater than zero."), "error")
            return
        if reference is None:
            reference = self.reference.text().strip() or None
        if kind == "stored_value":
            left = self.stored_value - sum(t.amount for t in self.payment.tenders
                                           if t.kind == "stored_value")
            if left <= 0:
                self.message.show_message(self.tr("No stored-value balance left to pay with."),
                                          "error")
                return
            if amount > left:
                self.message.show_message(self.tr("The balance covers %1.").replace(
                    "%1", yuan(left)), "info")
                amount = left
        if kind == "voucher" and not reference:
            self.message.show_message(self.tr("Enter or scan the voucher's code first."),
                                      "error")
            self.reference.setFocus()
            return
        if kind != "cash" and amount > self.payment.remaining:
            self.message.show_message(self.tr("Only cash can be more than what is due; "
                                              "%1 taken.").replace(
                "%1", yuan(self.payment.remaining)), "info")
        self.payment.add(kind, amount, reference)
        self.pad.field.clear()
        self.reference.clear()
        self.retranslate()

    def handle_scan(self, scan) -> bool:
        """A payment code scanned here pays what is left with that wallet."""
        if scan.kind is CodeKind.PAYMENT:
            kind = "wechat" if scan.text.startswith("1") else \
                "card" if scan.text.startswith("62") else "alipay"
            self.take(kind, self.payment.remaining, scan.text)
            return True
        if scan.kind is CodeKind.PRODUCT and len(scan.text) >= 8:
            self.reference.setText(scan.text)  # a voucher code
            return True
        return False

    def _enter(self, _text: str) -> None:
        if self.payment.remaining == 0:
            self._finish()
        else:
            self.take("cash")

    def _undo(self) -> None:
        last = self.payment.tenders[-1] if self.payment.tenders else None
        self.payment.remove_last()
        if last is not None and last.kind in dict(PLATFORM_KEYS):
            self.vouchers.release(last.reference or "")  # cancel its verification
        self.retranslate()

    _paid = False  # ``paid`` is emitted once: Enter reaches both the field and the dialog

    def _finish(self) -> None:
        if self._paid:
            return
        if self.payment.remaining > 0:
            self.message.show_message(self.tr("%1 is still due.").replace(
                "%1", yuan(self.payment.remaining)), "error")
            return
        self._paid = True
        self.paid.emit(list(self.payment.tenders))
        self.accept()

    def reject(self) -> None:
        if not self._paid:
            self.vouchers.release_all()  # vouchers verified for a sale that did not happen
        super().reject()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.payment.remaining == 0:
            self._finish()
            return
        super().keyPressEvent(event)

    # --- drawing -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        p = self.payment
        self.setWindowTitle(self.tr("Payment"))
        self.heading.setText(self.tr("Total %1").replace("%1", yuan(p.total)))
        self.due.setText(self.tr("Due %1").replace("%1", yuan(p.remaining)))
        self.change.setText(self.tr("Change %1").replace("%1", yuan(p.change)))
        self.change.setVisible(p.change > 0)
        for kind, key in TENDER_KEYS:
            self.tender_buttons[kind].setText(f"{tender_name(kind)} ({key})")
        self.ref_label.setText(self.tr("Voucher or payment reference"))
        used = sum(t.amount for t in p.tenders if t.kind == "stored_value")
        self.stored_button.setText(self.tr("Balance %1 (F6)").replace(
            "%1", yuan(max(0, self.stored_value - used))))
        self.stored_button.setEnabled(self.stored_value - used > 0)
        self.vouchers.retranslate()
        self.pad.field.setPlaceholderText(format_fen(p.remaining))
        self.quick_cash.set_due(p.remaining)
        self.taken.clear()
        for t in p.tenders:
            line = f"{tender_name(t.kind)}  {yuan(t.amount)}"
            if t.kind == "cash" and t.tendered is not None and t.tendered != t.amount:
                line += "  " + self.tr("(handed %1)").replace("%1", yuan(t.tendered))
            if t.reference:
                line += f"  · {t.reference}"
            self.taken.addItem(line)
        self.undo.setText(self.tr("Undo last"))
        self.cancel_button.setText(self.tr("Back (Esc)"))
        self.finish.setText(self.tr("Finish (Enter)"))
        self.finish.setEnabled(p.remaining == 0)
