"""The shift screen's dialogs: a cash movement (paid in / paid out with a reason) and the blind
count by denomination (it never shows what the till expects). Used by
:class:`pos_member.ui.shifts_screen.ShiftScreen`, which re-exports them.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QIntValidator, QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from pos_member.domain.money import parse_yuan
from pos_member.services import shifts

from .figures import KeyPad, yuan
from .i18n import tender_name
from .screen import MessageBar, set_role

OTHER_TENDERS = ("wechat", "alipay", "card", "voucher")
_AMOUNT = QRegularExpression(r"^\d{0,7}(\.\d{0,2})?$")


class CashMovementDialog(QDialog):
    """Paid in, paid out (an amount and a reason) or a no-sale opening (a reason)."""

    submitted = Signal(int, str)  # fen, reason

    def __init__(self, parent: QWidget | None, kind: str):
        super().__init__(parent)
        self.setObjectName("cash_movement_dialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.kind = kind
        self.heading = set_role(QLabel(self), "title")
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.message = MessageBar(self)
        self.amount_label = QLabel(self)
        self.amount = QLineEdit(self)
        self.amount.setObjectName("movement_amount")
        self.amount.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.amount.setValidator(QRegularExpressionValidator(_AMOUNT, self.amount))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.reason_label = QLabel(self)
        self.reason = QComboBox(self)
        self.reason.setObjectName("movement_reason")
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.pad = KeyPad(self)
        self.pad.attach(self.amount)
        self.ok = set_role(QPushButton(self), "primary")
        self.ok.setObjectName("movement_ok")
        self.ok.clicked.connect(self._submit)
        self.cancel = QPushButton(self)
        self.cancel.setObjectName("movement_cancel")
        self.cancel.clicked.connect(self.reject)
        self.amount.returnPressed.connect(lambda: self.reason.setFocus())
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.explain)
        layout.addWidget(self.message)
        form = QGridLayout()
        form.addWidget(self.amount_label, 0, 0)
        form.addWidget(self.amount, 0, 1)
        form.addWidget(self.reason_label, 1, 0)
        form.addWidget(self.reason, 1, 1)
        form.setColumnStretch(1, 1)
        layout.addLayout(form)
        layout.addWidget(self.pad)
        row = QHBoxLayout()
        row.addWidget(self.cancel)
        row.addWidget(self.ok, 1)
        layout.addLayout(row)
        no_amount = kind == "no_sale"
        for w in (self.amount_label, self.amount, self.pad):
            w.setVisible(not no_amount)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.setMinimumWidth(460)
        self.retranslate()
        (self.reason if no_amount else self.amount).setFocus()

    def changeEvent(self, event) -> None:  # noqa: N802
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        titles = {"paid_in": self.tr("Paid in"), "paid_out": self.tr("Paid out"),
                  "no_sale": self.tr("Open the drawer (no sale)")}
        explains = {
            "paid_in": self.tr("Cash put into the drawer that is not a sale, such as change "
                               "from the bank."),
            "paid_out": self.tr("Cash taken out of the drawer to pay for something. Keep the "
                                "receipt with the drawer."),
            "no_sale": self.tr("Opening the drawer without a sale needs a manager's approval "
                               "and is recorded."),
        }
        presets = {
            "paid_in": [self.tr("Change from the bank"), self.tr("Float top-up")],
            "paid_out": [self.tr("Supplier paid in cash"), self.tr("Shop supplies"),
                         self.tr("Cash taken to the safe")],
            "no_sale": [self.tr("Change for a customer"), self.tr("Check the drawer")],
        }
        self.setWindowTitle(titles[self.kind])
        self.heading.setText(titles[self.kind])
        self.explain.setText(explains[self.kind])
        self.amount_label.setText(self.tr("Amount (¥)"))
        self.amount.setPlaceholderText("0.00")
        self.reason_label.setText(self.tr("Reason"))
        text = self.reason.currentText()
        self.reason.clear()
        self.reason.addItems(presets[self.kind])
        self.reason.setEditText(text)
        self.reason.lineEdit().setPlaceholderText(self.tr("Choose or type a reason"))
        self.ok.setText(self.tr("Record") if self.kind != "no_sale" else self.tr("Open drawer"))
        self.cancel.setText(self.tr("Cancel"))

    def _submit(self) -> None:
        fen = 0
        if self.kind != "no_sale":
            try:
                fen = parse_yuan(self.amount.text().strip() or "0")
            except ValueError:
                fen = -1
            if fen <= 0:
                self.message.show_message(self.tr("Enter an amount greater than zero."), "error")
                self.amount.setFocus()
                return
        reason = self.reason.currentText().strip()
        if not reason:
            self.message.show_message(self.tr("Give a reason."), "error")
            self.reason.setFocus()
            return
        self.submitted.emit(fen, reason)
        self.accept()


def denomination_label(fen: int) -> str:
    from .i18n import translate

    if fen >= 100:
        return translate("BlindCountDialog", "¥%1").replace("%1", str(fen // 100))
    return translate("BlindCountDialog", "%1 jiao").replace("%1", str(fen // 10))


class BlindCountDialog(QDialog):
    """Count the drawer note by note without seeing what the till expects."""

    counted = Signal(object, object)  # {denomination fen: count}, {tender: fen}

    def __init__(self, parent: QWidget | None):
        super().__init__(parent)
        self.setObjectName("blind_count_dialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.heading = set_role(QLabel(self), "title")
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.message = MessageBar(self)
        self.counts: dict[int, QLineEdit] = {}
        self.amounts: dict[int, QLabel] = {}
        self.denom_labels: dict[int, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.count_header = set_role(QLabel(self), "muted")
        self.amount_header = set_role(QLabel(self), "muted")
        grid.addWidget(self.count_header, 0, 1)
        grid.addWidget(self.amount_header, 0, 2)
        for i, d in enumerate(shifts.DENOMINATIONS, start=1):
            label = QLabel(self)
            field = QLineEdit(self)
            field.setObjectName(f"count_{d}")
            field.setValidator(QIntValidator(0, 99999, field))
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setPlaceholderText("0")
            field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            field.textChanged.connect(self._update_total)
            amount = QLabel(yuan(0), self)
            amount.setObjectName(f"amount_{d}")
            amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            amount.setMinimumWidth(110)
            grid.addWidget(label, i, 0)
            grid.addWidget(field, i, 1)
            grid.addWidget(amount, i, 2)
            self.counts[d], self.amounts[d], self.denom_labels[d] = field, amount, label
        self.total = set_role(QLabel(self), "subtitle")
        self.total.setObjectName("count_total")
        self.others_heading = QLabel(self)
        self.others_heading.setWordWrap(True)
        self.others: dict[str, QLineEdit] = {}
        self.other_labels: dict[str, QLabel] = {}
        others = QGridLayout()
        for i, t in enumerate(OTHER_TENDERS):
            label = QLabel(self)
            field = QLineEdit(self)
            field.setObjectName(f"other_{t}")
            field.setValidator(QRegularExpressionValidator(_AMOUNT, field))
            field.setAlignment(Qt.AlignmentFlag.AlignRight)
            field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            others.addWidget(label, i // 2, (i % 2) * 2)
            others.addWidget(field, i // 2, (i % 2) * 2 + 1)
            self.others[t], self.other_labels[t] = field, label
        self.pad = KeyPad(self, decimal=True)
        self.pad.attach(*self.counts.values(), *self.others.values())
        self.confirm = set_role(QPushButton(self), "primary")
        self.confirm.setObjectName("count_confirm")
        self.confirm.clicked.connect(self._confirm)
        self.cancel = QPushButton(self)
        self.cancel.setObjectName("count_cancel")
        self.cancel.clicked.connect(self.reject)

        left = QVBoxLayout()
        left.addLayout(grid)
        left.addWidget(self.total)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.pad)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addSpacing(16)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.explain)
        layout.addWidget(self.message)
        layout.addLayout(body)
        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(rule)
        layout.addWidget(self.others_heading)
        layout.addLayout(others)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.confirm, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.setMinimumWidth(760)
        self.retranslate()
        self.counts[shifts.DENOMINATIONS[0]].setFocus()

    def changeEvent(self, event) -> None:  # noqa: N802
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Close the shift"))
        self.heading.setText(self.tr("Count the drawer"))
        self.explain.setText(self.tr(
            "Count every note and coin in the drawer and enter how many there are of each. "
            "The till shows what it expected only after the shift is closed."))
        self.count_header.setText(self.tr("How many"))
        self.amount_header.setText(self.tr("Amount"))
        for d, label in self.denom_labels.items():
            label.setText(denomination_label(d))
        self.others_heading.setText(self.tr(
            "Other tenders, from the payment terminals' settlement slips (leave empty to take "
            "the till's figures):"))
        for t, label in self.other_labels.items():
            label.setText(tender_name(t))
            self.others[t].setPlaceholderText(self.tr("as recorded"))
        self.confirm.setText(self.tr("Confirm the count and close the shift"))
        self.cancel.setText(self.tr("Cancel"))
        self._update_total()

    def denominations(self) -> dict[int, int]:
        out = {}
        for d, field in self.counts.items():
            text = field.text().strip()
            if text:
                out[d] = int(text)
        return out

    def other_tenders(self) -> dict[str, int]:
        out = {}
        for t, field in self.others.items():
            text = field.text().strip()
            if text:
                out[t] = parse_yuan(text)
        return out

    def counted_cash(self) -> int:
        return sum(d * c for d, c in self.denominations().items())

    def _update_total(self) -> None:
        counts = self.denominations()
        for d, label in self.amounts.items():
            label.setText(yuan(d * counts.get(d, 0)))
        self.total.setText(self.tr("Counted cash: %1").replace("%1", yuan(self.counted_cash())))

    def _confirm(self) -> None:
        try:
            others = self.other_tenders()
        except ValueError:
            self.message.show_message(self.tr("Enter amounts like 12.50."), "error")
            return
        if not any(f.text().strip() for f in self.counts.values()):
            self.message.show_message(self.tr("Enter the count of each note and coin (0 when "
                                              "there is none)."), "error")
            self.counts[shifts.DENOMINATIONS[0]].setFocus()
            return
        self.counted.emit(self.denominations(), others)
        self.accept()
