"""The checkout screen: the basket, product entry (scan, type, search, quick keys), the member
panel, the totals, payment and the receipt.

Keyboard (also in the F1 help):
  F2 find member · F3 product search · F4 register member · F5 points to redeem · F6 coupon code
  F7 quantity · F8 price override · Del remove line · Ctrl+Del void the sale · F9 pay
  F10 functions menu · F11 remove the member · Ctrl+Up / Ctrl+Down select a line

This module builds the screen (its widgets and layout, keys, texts) and routes scans and typed
codes; the features are mixins beside it: the basket (``checkout_basket``: product entry, lines,
quick keys), the member and coupons (``checkout_member``) and the total and payment
(``checkout_payment``). Their worker functions are in ``checkout_ops``, their dialogs in
``checkout_dialogs``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
)

from pos_member.services import catalogue

from . import gifts as gifts_ui
from .benefits_dialog import BenefitsHook
from .checkout_basket import CheckoutBasket
from .checkout_dialogs import SaleDoneDialog
from .checkout_member import CheckoutMember
from .checkout_payment import CheckoutPayment
from .held_orders import HeldOrders
from .i18n import scan_refusal
from .member_panel import MemberPanel, TotalsBox
from .sale import SaleState
from .scanner import CodeKind, classify_code, make_scan_field
from .screen import MessageBar, Screen, set_role
from .worker import Op

COLUMNS = 5  # item, qty, price, amount, discount


class CheckoutScreen(CheckoutBasket, CheckoutMember, CheckoutPayment, Screen):
    name = "checkout"

    def __init__(self, env, window):
        super().__init__(env)
        self.window_ = window
        self.sale = SaleState()
        self.categories: list = []
        self.current_category = 0
        self.last_done: SaleDoneDialog | None = None
        self._completed: dict[str, None] = {}  # sale ids completed here (newest last)

        # product entry
        self.entry = make_scan_field(QLineEdit(self))
        self.entry.setObjectName("entry")
        self.entry.returnPressed.connect(self._entry_submitted)
        self.entry.installEventFilter(self)  # Del on an empty field removes the line
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("search_button")
        self.search_button.clicked.connect(self.open_search)
        self.menu_button = QPushButton(self)
        self.menu_button.setObjectName("menu_button")
        self.menu_button.clicked.connect(lambda: window.show_screen("menu"))
        self.message = MessageBar(self)
        self.held = HeldOrders(self)  # hold / recall an order (Ctrl+H, Ctrl+R)

        # basket
        self.table = QTableWidget(0, COLUMNS, self)
        self.table.setObjectName("basket")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, COLUMNS):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.line_buttons: dict[str, QPushButton] = {}
        line_row = QHBoxLayout()
        for key, slot in (("minus", lambda: self.change_qty(-1)), ("plus", lambda: self.change_qty(1)),
                          ("qty", self.ask_qty), ("remove", self.remove_line),
                          ("price", self.override_price), ("void", self.void_sale)):
            b = QPushButton(self)
            b.setObjectName(f"line_{key}")
            b.clicked.connect(slot)
            if key == "void":
                set_role(b, "danger")
            line_row.addWidget(b)
            self.line_buttons[key] = b

        # quick keys
        self.category_row = QHBoxLayout()
        self.category_group = QButtonGroup(self)
        self.category_group.setExclusive(True)
        self.quick_grid = QGridLayout()
        self.quick_grid.setSpacing(6)
        self.quick_buttons: list[QPushButton] = []

        # right side
        self.member_panel = MemberPanel(self, tiers=env.tiers)
        self.member_panel.find_clicked.connect(self.open_lookup)
        self.member_panel.register_clicked.connect(self.open_registration)
        self.member_panel.remove_clicked.connect(self.remove_member)
        self.member_panel.history_clicked.connect(self.open_member_history)
        self.member_panel.recharge_clicked.connect(self.open_recharge)
        self.member_panel.gift_bar.collect_requested.connect(
            lambda gift: gifts_ui.collect(self, gift))  # birthday gift, member-day coupon
        self.member_panel.coupon_toggled.connect(self._coupon_toggled)
        self.member_panel.redeem_changed.connect(self._redeem_changed)
        self.totals = TotalsBox(self, tiers=env.tiers)
        self.coupon_button = QPushButton(self)
        self.coupon_button.setObjectName("coupon_button")
        self.coupon_button.clicked.connect(self.ask_coupon)
        self.benefits = BenefitsHook(self)  # 权益/次卡/积分兑换 (ui/benefits_dialog.py)
        self.pay_button = set_role(QPushButton(self), "primary")
        self.pay_button.setObjectName("pay_button")
        self.pay_button.setMinimumHeight(72)
        self.pay_button.clicked.connect(self.pay)

        top = QHBoxLayout()
        top.addWidget(self.entry, 1)
        top.addWidget(self.search_button)
        top.addWidget(self.held.hold_button)
        top.addWidget(self.held.recall_button)
        top.addWidget(self.menu_button)
        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.message)
        left.addWidget(self.table, 3)
        left.addLayout(line_row)
        left.addLayout(self.category_row)
        left.addLayout(self.quick_grid)
        right = QVBoxLayout()
        right.addWidget(self.member_panel, 1)
        right.addWidget(self.totals)
        row = QHBoxLayout()
        row.addWidget(self.coupon_button)
        row.addWidget(self.benefits.button)
        row.addWidget(self.pay_button, 2)
        right.addLayout(row)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.retranslate()
        self._loaded = False

    def eventFilter(self, obj, event) -> bool:
        if obj is self.entry and event.type() == QEvent.Type.ShortcutOverride \
                and event.key() == Qt.Key.Key_Delete and not self.entry.text():
            event.ignore()  # an empty field has nothing to delete: let Del / Ctrl+Del act
            return True
        return super().eventFilter(obj, event)

    # --- screen hooks ------------------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Checkout")

    def on_show(self) -> None:
        if not self._loaded:
            self._loaded = True
            Op(catalogue.quick_keys, self.env.ctx).success(self._set_quick_keys) \
                .run(self.env.worker)
            Op(catalogue.loyalty_tiers, self.env.ctx) \
                .success(lambda t: setattr(self.member_panel, "tiers", t)).run(self.env.worker)
            self.held.refresh_count()  # orders held before a restart
        self.entry.setFocus()

    def shortcuts(self) -> list:
        t = self.tr
        return [
            (QKeySequence("F2"), self.open_lookup, lambda: t("Find a member")),
            (QKeySequence("F3"), self.open_search, lambda: t("Find a product")),
            (QKeySequence("F4"), self.open_registration, lambda: t("Register a member")),
            (QKeySequence("F5"), self.focus_points, lambda: t("Points to redeem")),
            (QKeySequence("F6"), self.ask_coupon, lambda: t("Enter a coupon code")),
            (QKeySequence("F7"), self.ask_qty, lambda: t("Quantity of the selected line")),
            (QKeySequence("F8"), self.override_price, lambda: t("Price override (manager)")),
            (QKeySequence("Del"), self.remove_line, lambda: t("Remove the selected line")),
            (QKeySequence("Ctrl+Del"), self.void_sale, lambda: t("Void the whole sale")),
            (QKeySequence("F9"), self.pay, lambda: t("Pay")),
            (QKeySequence("F10"), lambda: self.window_.show_screen("menu"),
             lambda: t("Functions menu")),
            (QKeySequence("F11"), self.remove_member, lambda: t("Remove the member")),
            (QKeySequence("Ctrl+B"), self.benefits.open,
             lambda: t("Benefits and points mall")),
            (QKeySequence("Ctrl+Up"), lambda: self.move_selection(-1), lambda: t("Previous line")),
            (QKeySequence("Ctrl+Down"), lambda: self.move_selection(1), lambda: t("Next line")),
            *self.held.shortcuts(),
        ]

    def retranslate(self) -> None:
        self.entry.setPlaceholderText(self.tr("Scan or type a barcode, SKU or product name"))
        self.search_button.setText(self.tr("Search (F3)"))
        self.menu_button.setText(self.tr("Functions (F10)"))
        if hasattr(self, "benefits"):
            self.benefits.retranslate()
        self.table.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Qty"), self.tr("Price"),
                                              self.tr("Amount"), self.tr("Discount")])
        labels = {"minus": "−", "plus": "+", "qty": self.tr("Qty (F7)"),
                  "remove": self.tr("Remove (Del)"), "price": self.tr("Price (F8)"),
                  "void": self.tr("Void sale")}
        for key, b in self.line_buttons.items():
            b.setText(labels[key])
        self.coupon_button.setText(self.tr("Coupon (F6)"))
        self.pay_button.setText(self.tr("Pay (F9)"))
        self.held.retranslate()
        self._fill_quick_keys()
        self._fill_table()

    # --- scans and typed entry ---------------------------------------------------------------

    def handle_scan(self, scan) -> bool:
        if self.env.staff is None:
            return False
        kind = scan.kind
        if kind is CodeKind.MEMBER:
            self.identify(scan.text)
        elif kind is CodeKind.PRODUCT:
            self.add_code(scan.text)
        elif kind is CodeKind.RECEIPT:
            refund = self.window_.screens.get("refund")
            if refund is not None:
                self.window_.show_screen("refund")
                refund.handle_scan(scan)
            else:
                self.message.show_message(self.tr("This is a receipt's code. Refunds are made "
                                                  "from the functions menu (F10)."), "warn")
        elif kind is CodeKind.PAYMENT:
            self.message.show_message(self.tr("This is a payment code: press Pay (F9) first, "
                                              "then scan it."), "warn")
        else:
            self.message.show_message(lambda: scan_refusal(scan.reason, scan.message), "error", 0)
        return True

    def _entry_submitted(self) -> None:
        text = self.entry.text().strip()
        self.entry.clear()
        if not text:
            return
        scan = classify_code(text, "typed")
        if scan.kind is CodeKind.MEMBER:
            self.identify(text)
        elif scan.kind in (CodeKind.PRODUCT,):
            self.add_code(text, search_if_missing=True)
        elif scan.kind is CodeKind.REFUSED and scan.reason in ("url", "malformed",
                                                               "bad_check_digit"):
            self.message.show_message(lambda: scan_refusal(scan.reason, scan.message), "error", 0)
        else:
            self.open_search(text)

    def _lang(self) -> str:
        return self.env.language.language

