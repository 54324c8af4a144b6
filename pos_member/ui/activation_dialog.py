"""Join with an online-store order number (凭订单号激活), opened from the registration dialog.

The cashier types the order number and the customer's phone; the central service checks the
order (one activation per order), creates or links the member and issues the welcome coupon.
Online only: offline the dialog says so and nothing is recorded. On success it emits
``activated(MemberView, coupon code or None)``, the same as a registration, so the checkout
puts the member on the sale.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_member.services import activation as service
from pos_member.services.vouchers import VoucherOffline

from .i18n import error_text
from .scanner import make_scan_field
from .screen import MessageBar, set_role
from .voucher_panel import online_gateway
from .worker import Op


class ActivationDialog(QDialog):
    activated = Signal(object, object)  # MemberView, coupon code or None

    def __init__(self, parent: QWidget | None, env, phone: str = ""):
        super().__init__(parent)
        self.env = env
        self.setObjectName("activation_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.heading = QLabel(self)
        set_role(self.heading, "title")
        self.message = MessageBar(self)
        self.order = make_scan_field(QLineEdit(self))  # also scanned from the order's QR
        self.order.setObjectName("act_order")
        self.order.setMaxLength(64)
        self.phone = make_scan_field(QLineEdit(phone, self))
        self.phone.setObjectName("act_phone")
        self.phone.setMaxLength(20)
        self.name = QLineEdit(self)
        self.name.setObjectName("act_name")
        self.name.setMaxLength(100)
        self.consent = QCheckBox(self)
        self.consent.setObjectName("act_consent")
        self.labels = [QLabel(self) for _ in range(3)]
        form = QFormLayout()
        form.addRow(self.labels[0], self.order)
        form.addRow(self.labels[1], self.phone)
        form.addRow(self.labels[2], self.name)
        form.addRow("", self.consent)
        self.ok = set_role(QPushButton(self), "primary")
        self.ok.setObjectName("act_ok")
        self.ok.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.retranslate()
        self.resize(640, 380)
        self.order.setFocus()
        self.result = None

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Join with an online order"))
        self.heading.setText(self.tr("Bought in our online store? Join with the order number"))
        self.labels[0].setText(self.tr("Order number"))
        self.labels[1].setText(self.tr("Mobile number used for the order"))
        self.labels[2].setText(self.tr("Name"))
        self.consent.setText(self.tr("Agrees to receive offers (marketing consent)"))
        self.ok.setText(self.tr("Activate"))
        self.cancel_button.setText(self.tr("Cancel"))

    def submit(self) -> None:
        self.ok.setEnabled(False)
        self.message.show_message(self.tr("Checking the order with the central service…"),
                                  "info")
        Op(service.activate_order, self.env.ctx, online_gateway(self.env), self.order.text(),
           self.phone.text(), self.name.text(), self.consent.isChecked()) \
            .success(self._done).failure(self._failed) \
            .finally_(lambda: self.ok.setEnabled(True)).run(self.env.worker)

    def _failed(self, exc: BaseException) -> None:
        code = getattr(exc, "code", "")
        text = {
            "order_already_activated": self.tr("This order has already activated a "
                                               "membership: one order activates once."),
            "order_phone_mismatch": self.tr("This order was placed with another mobile "
                                            "number: ask for the number used for the order."),
            "not_found": self.tr("No online order with this number: check it on the order "
                                 "(orders reach the till a day after they are placed)."),
        }.get(code)
        if isinstance(exc, VoucherOffline):
            text = self.tr("The central service cannot be reached: an order number can only "
                           "be activated online. Register the member normally instead.")
        self.message.show_message(text or error_text(exc), "error", 0)

    def _done(self, result: service.Activated) -> None:
        self.result = result
        self.env.changed.emit("member")
        self.activated.emit(result.member, result.coupon_code)
        self.accept()
