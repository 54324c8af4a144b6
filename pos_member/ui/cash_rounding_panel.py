"""The settings screen's 抹零 panel: the store chooses whether the till rounds every total
down to the jiao or to the yuan (``services.settings.save_cash_rounding``). The rounding is
recorded on the sale as its own amount (receipt, X/Z). Changing it is a manager's decision; a
cashier's change asks for a manager's approval."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from pos_member.services import settings

from .i18n import error_text
from .screen import set_role
from .worker import Op

MODES = ("none", "jiao", "yuan")


class CashRoundingPanel(QFrame):
    def __init__(self, env, parent, message):
        super().__init__(parent)
        self.env = env
        self.message = message  # the screen's MessageBar
        set_role(self, "panel")
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 17px; font-weight: bold;")
        self.hint = set_role(QLabel(self), "muted")
        self.hint.setWordWrap(True)
        self.choice = QComboBox(self)
        self.choice.setObjectName("cash_rounding")
        self.choice.setMinimumHeight(44)
        for mode in MODES:
            self.choice.addItem("", mode)
        self.save_button = set_role(QPushButton(self), "primary")
        self.save_button.setObjectName("cash_rounding_save")
        self.save_button.setMinimumHeight(44)
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        row = QHBoxLayout()
        row.addWidget(self.choice, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.retranslate()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Cash rounding (抹零)"))
        self.hint.setText(self.tr("Rounds every total down; the amount given away is its own "
                                  "line on the receipt and in the X/Z reports."))
        labels = {"none": self.tr("Off"), "jiao": self.tr("Down to the jiao (¥0.10)"),
                  "yuan": self.tr("Down to the yuan (¥1)")}
        for i, mode in enumerate(MODES):
            self.choice.setItemText(i, labels[mode])
        self.save_button.setText(self.tr("Save"))

    def show_mode(self, mode: str) -> None:
        self.choice.setCurrentIndex(max(0, self.choice.findData(mode)))

    def save(self) -> None:
        mode = self.choice.currentData()
        labels = self.choice.currentText()

        def saved(value: str) -> None:
            self.show_mode(value)
            self.env.changed.emit("settings")
            self.message.show_message(self.tr("Cash rounding: %1.").replace("%1", labels), "ok")

        Op(settings.save_cash_rounding, self.env.ctx, self.env.staff, mode) \
            .with_approval(self, self.tr("Change the cash rounding")) \
            .success(saved) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .run(self.env.worker)
