"""Small dialogs of the checkout screen: a reason for removing a line, a coupon code, product
search, and the finished sale (change, receipt preview, next customer)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos_member.services import catalogue

from .i18n import error_text
from .member_panel import yuan
from .scanner import make_scan_field
from .screen import MessageBar, set_role
from .worker import Op


class ReasonDialog(QDialog):
    """Why a line is removed: big buttons with the usual reasons. ``chosen(code, text)``."""

    chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None, what: str):
        super().__init__(parent)
        self.setObjectName("reason_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(self.tr("Why?"))
        label = QLabel(what, self)
        label.setWordWrap(True)
        set_role(label, "subtitle")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.buttons = {}
        for code, text in (("changed_mind", self.tr("Customer changed their mind")),
                           ("mistake", self.tr("Scanned by mistake")),
                           ("damaged", self.tr("Damaged or wrong item")),
                           ("price_dispute", self.tr("Price dispute")),
                           ("other", self.tr("Other"))):
            b = QPushButton(text, self)
            b.setObjectName(f"reason_{code}")
            b.clicked.connect(lambda _=False, c=code, t=text: self._pick(c, t))
            layout.addWidget(b)
            self.buttons[code] = b
        cancel = QPushButton(self.tr("Cancel"), self)
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel)

    def _pick(self, code: str, text: str) -> None:
        self.chosen.emit(code, text)
        self.accept()


class CodeDialog(QDialog):
    """Type a coupon (or any) code. ``entered(text)``."""

    entered = Signal(str)

    def __init__(self, parent: QWidget | None, title: str, prompt: str):
        super().__init__(parent)
        self.setObjectName("code_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        self.field = make_scan_field(QLineEdit(self))
        self.field.setObjectName("code_field")
        self.field.returnPressed.connect(self._ok)
        ok = set_role(QPushButton(self.tr("OK"), self), "primary")
        ok.setObjectName("code_ok")
        ok.clicked.connect(self._ok)
        cancel = QPushButton(self.tr("Cancel"), self)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt, self))
        layout.addWidget(self.field)
        row = QHBoxLayout()
        row.addWidget(cancel)
        row.addWidget(ok, 1)
        layout.addLayout(row)
        self.resize(480, 200)

    def handle_scan(self, scan) -> bool:
        self.field.setText(scan.text)
        self._ok()
        return True

    def _ok(self) -> None:
        text = self.field.text().strip()
        if text:
            self.entered.emit(text)
            self.accept()


class ProductSearchDialog(QDialog):
    """Search products by name (Chinese or English), SKU or barcode. ``picked(ProductView)``."""

    picked = Signal(object)

    def __init__(self, parent: QWidget | None, env, text: str = ""):
        super().__init__(parent)
        self.env = env
        self.setObjectName("product_search_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(self.tr("Find a product"))
        self.field = QLineEdit(text, self)
        self.field.setObjectName("product_search_field")
        self.field.setPlaceholderText(self.tr("Name, SKU or barcode"))
        self.field.textChanged.connect(self.search)
        self.field.returnPressed.connect(self._take_first)
        self.message = MessageBar(self)
        self.results = QListWidget(self)
        self.results.setObjectName("product_results")
        self.results.itemClicked.connect(self._picked)
        self.results.itemActivated.connect(self._picked)
        cancel = QPushButton(self.tr("Close (Esc)"), self)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.message)
        layout.addWidget(self.results, 1)
        layout.addWidget(cancel)
        self.resize(720, 560)
        if text:
            self.search(text)

    def search(self, text: str) -> None:
        Op(catalogue.search_products, self.env.ctx, text).latest("product_search") \
            .success(self._show) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error")) \
            .run(self.env.worker)

    def _show(self, products) -> None:
        self.results.clear()
        lang = self.env.language.language
        for p in products:
            item = QListWidgetItem(f"{p.display_name(lang)}    {yuan(p.unit_price_fen)}"
                                   f"{'/kg' if p.unit == 'kg' else ''}    {p.sku}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.results.addItem(item)
        if not products and self.field.text().strip():
            self.message.show_message(self.tr("No product matches."), "info")
        else:
            self.message.clear_message()

    def _take_first(self) -> None:
        if self.results.count():
            self._picked(self.results.item(0))

    def _picked(self, item: QListWidgetItem) -> None:
        self.picked.emit(item.data(Qt.ItemDataRole.UserRole))
        self.accept()


class SaleDoneDialog(QDialog):
    """The sale is recorded: change to give, the receipt preview; Enter (or the next scan) starts
    the next customer."""

    def __init__(self, parent: QWidget | None, receipt_no: str, total: int, change: int,
                 upgraded: str = "", on_scan=None):
        super().__init__(parent)
        self.setObjectName("sale_done_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(self.tr("Sale complete"))
        self._on_scan = on_scan
        self.heading = QLabel(self.tr("Sale %1 complete").replace("%1", receipt_no), self)
        set_role(self.heading, "title")
        self.total = QLabel(self.tr("Paid %1").replace("%1", yuan(total)), self)
        set_role(self.total, "subtitle")
        self.change = QLabel(self.tr("Change %1").replace("%1", yuan(change)), self)
        self.change.setObjectName("done_change")
        set_role(self.change, "total")
        self.upgraded = QLabel(upgraded, self)
        self.upgraded.setProperty("kind", "ok")
        self.upgraded.setVisible(bool(upgraded))
        self.printing = QLabel(self.tr("Printing the receipt…"), self)
        self.printing.setObjectName("done_printing")
        set_role(self.printing, "muted")
        self.preview = QLabel(self)
        self.preview.setObjectName("receipt_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea(self)
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(360)
        self.next_button = set_role(QPushButton(self.tr("Next customer (Enter)"), self),
                                    "primary")
        self.next_button.setObjectName("next_customer")
        self.next_button.setMinimumHeight(72)
        self.next_button.clicked.connect(self.accept)
        self.next_button.setDefault(True)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.accept)
        left = QVBoxLayout()
        for w in (self.heading, self.total, self.change, self.upgraded, self.printing):
            left.addWidget(w)
        left.addStretch(1)
        left.addWidget(self.next_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addWidget(scroll, 1)
        self.resize(900, 620)

    def set_receipt(self, job_id, png: bytes) -> None:
        if png:
            image = QImage.fromData(png, "PNG")
            pix = QPixmap.fromImage(image)
            if pix.width() > 380:
                pix = pix.scaledToWidth(380, Qt.TransformationMode.SmoothTransformation)
            self.preview.setPixmap(pix)
        self.printing.setText(self.tr("Receipt sent to the printer.") if job_id is not None
                              else self.tr("The receipt could not be queued; reprint it from "
                                           "the sales list."))

    def handle_scan(self, scan) -> bool:
        self.accept()
        if self._on_scan is not None:
            self._on_scan(scan)
        return True
