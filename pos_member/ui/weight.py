"""The weight prompt for weighed goods: kilograms with up to three decimals (0.350 = 350 g).

A weight is not money: the amount prompt reads yuan (two decimals), so weights typed there
stopped at 10 g and "0.350" was refused. This prompt reads kg through
:func:`pos_member.domain.scale.parse_weight` and reports ``entered(Decimal)``.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pos_member.domain.scale import ScaleError, parse_weight

from .dialogs import PinPad
from .screen import MessageBar, set_role


class WeightDialog(QDialog):
    """Ask for a weight in kg. ``entered(Decimal)`` with three decimals, e.g. Decimal("0.350")."""

    entered = Signal(object)

    def __init__(self, parent: QWidget | None, title: str, prompt: str,
                 initial: Decimal | None = None):
        super().__init__(parent)
        self.setObjectName("weight_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt, self)
        self.prompt.setWordWrap(True)
        self.message = MessageBar(self)
        self.pad = PinPad(self, masked=False, max_len=9)
        self.pad.field.setObjectName("weight_field")
        self.unit = QLabel("kg", self)
        self.dot = set_role(QPushButton(".", self), "key")
        self.dot.setObjectName("weight_dot")
        self.dot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.dot.clicked.connect(lambda: self.pad.field.insert("."))
        if initial is not None:
            self.pad.field.setText(f"{initial.quantize(Decimal('0.001'))}")
            self.pad.field.selectAll()
        self.pad.submitted.connect(self._done)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.message)
        layout.addWidget(self.pad)
        row = QHBoxLayout()
        row.addWidget(self.unit)
        row.addWidget(self.dot)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)

    def _done(self, text: str) -> None:
        try:
            weight = parse_weight(text)
        except ScaleError as exc:
            if exc.code == "too_precise":
                self.message.show_message(self.tr("Weigh to the gram: at most three decimals, "
                                                  "e.g. 0.350 kg."), "error")
            else:
                self.message.show_message(self.tr("Enter a weight in kg greater than zero, "
                                                  "e.g. 0.350."), "error")
            return
        self.entered.emit(weight)
        self.done(QDialog.DialogCode.Accepted)
