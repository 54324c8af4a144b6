"""The settings screen's store-details panel: the till's name and what every receipt prints
about the store (its address, phone and own last line), saved with
``services.settings.save_store_details``. A manager's setting: a cashier sees it read-only."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout

from pos_member.services import settings

from .i18n import error_text
from .screen import set_role
from .worker import Op


class StoreDetailsPanel(QFrame):
    saved = Signal()

    def __init__(self, env, parent, message):
        super().__init__(parent)
        self.env = env
        self.message = message  # the screen's MessageBar
        set_role(self, "panel")
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 17px; font-weight: bold;")
        self.terminal_name = QLineEdit(self)
        self.terminal_name.setObjectName("store_terminal_name")
        self.terminal_name.setMaxLength(settings.NAME_MAX)
        self.address = QLineEdit(self)
        self.address.setObjectName("store_address")
        self.address.setMaxLength(settings.ADDRESS_MAX)
        self.phone = QLineEdit(self)
        self.phone.setObjectName("store_phone")
        self.phone.setMaxLength(settings.PHONE_MAX)
        self.footer = QLineEdit(self)
        self.footer.setObjectName("receipt_footer")
        self.footer.setMaxLength(settings.FOOTER_MAX)
        self.labels = [QLabel(self) for _ in range(4)]
        form = QFormLayout()
        for label, field in zip(self.labels, (self.terminal_name, self.address, self.phone,
                                              self.footer)):
            field.setMinimumHeight(40)
            form.addRow(label, field)
        self.save_button = set_role(QPushButton(self), "primary")
        self.save_button.setObjectName("store_details_save")
        self.save_button.setMinimumHeight(44)
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        self.retranslate()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(self.tr("On the receipt"))
        for label, text in zip(self.labels, (self.tr("Till name"), self.tr("Store address"),
                                             self.tr("Store phone"), self.tr("Last line"))):
            label.setText(text)
        self.terminal_name.setPlaceholderText(self.tr("Till 1"))
        self.footer.setPlaceholderText(self.tr("Thank you! (the default when empty)"))
        self.save_button.setText(self.tr("Save"))

    def show_values(self, values: settings.TillSettings) -> None:
        self.terminal_name.setText(values.terminal_name)
        self.address.setText(values.store_address)
        self.phone.setText(values.store_phone)
        self.footer.setText(values.receipt_footer)

    def set_editable(self, manager: bool) -> None:
        for w in (self.terminal_name, self.address, self.phone, self.footer, self.save_button):
            w.setEnabled(manager)

    def save(self) -> None:
        def saved(values: dict) -> None:
            self.env.store.update({k: v for k, v in values.items()})
            self.env.changed.emit("settings")
            self.message.show_message(self.tr("Saved: the next receipt prints these details."),
                                      "ok")
            self.saved.emit()

        Op(settings.save_store_details, self.env.ctx, self.env.staff,
           terminal_name=self.terminal_name.text(), address=self.address.text(),
           phone=self.phone.text(), footer=self.footer.text()) \
            .success(saved) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error", 0)) \
            .run(self.env.worker)
