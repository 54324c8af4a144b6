"""The checkout screen: the basket, product entry (scan, type, search, quick keys), the member
panel, the totals, payment and the receipt.

Keyboard (also in the F1 help):
  F2 find member · F3 product search · F4 register member · F5 points to redeem · F6 coupon code
  F7 quantity · F8 price override · Del remove line · Ctrl+Del void the sale · F9 pay
  F10 functions menu · F11 remove the member · Ctrl+Up / Ctrl+Down select a line
"""

from __future__ import annotations

import logging
from decimal import Decimal

from PySide6.QtCore import QEvent, Qt, QTimer
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
    QTableWidgetItem,
    QVBoxLayout,
)

from pos_member.security.roles import Action
from pos_member.services import catalogue, checkout
from pos_member.services import staff as staff_service

from . import checkout_ops
from . import gifts as gifts_ui
from .benefits_dialog import BenefitsHook, claims_of
from .checkout_dialogs import CodeDialog, ProductSearchDialog, ReasonDialog, SaleDoneDialog
from .dialogs import AmountDialog
from .held_orders import HeldOrders
from .i18n import error_text, scan_refusal
from .member_panel import MemberPanel, TotalsBox, yuan
from .members_ui import MemberLookupDialog, RegistrationDialog
from .payment import PaymentDialog
from .receipts import build_card_slip, print_card_slip
from .sale import SaleState
from .scanner import CodeKind, classify_code, make_scan_field
from .screen import MessageBar, Screen, alive, set_role
from .weight import WeightDialog
from .worker import Op

log = logging.getLogger(__name__)

COLUMNS = 5  # item, qty, price, amount, discount


class CheckoutScreen(Screen):
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

    # --- products ----------------------------------------------------------------------------

    def add_code(self, code: str, search_if_missing: bool = False) -> None:
        def done(res) -> None:
            if res.kind == "product":
                self.add_product(res.value)
            elif res.kind == "weighed":
                self._add_weighed(res.value)
            else:
                self._add_coupon_view(res.value)

        def failed(exc) -> None:
            if search_if_missing and getattr(exc, "code", "") == "unknown_code":
                self.open_search(code)
            elif getattr(exc, "code", "") in ("unknown_plu", "not_weighed", "bad_weight",
                                              "bad_price"):
                self.message.show_message(lambda: error_text(exc), "error", 0)
            else:
                self.message.show_message(self.tr("Unknown code %1: not a product or a coupon "
                                                  "of this till.").replace("%1", code), "error", 0)

        Op(checkout_ops.resolve_code, self.env.ctx, code).success(done).failure(failed) \
            .run(self.env.worker)

    def add_product(self, product, qty: Decimal | None = None) -> None:
        if product.unit == "kg" and qty is None:
            dialog = WeightDialog(self, self.tr("Weight"), self.tr("Weight of %1 in kg (e.g. "
                                  "0.350)").replace("%1", product.display_name(self._lang())))
            dialog.entered.connect(lambda kg: self.add_product(product, kg))
            dialog.open()
            return
        index = self.sale.add(product, qty or Decimal(1))
        self.message.clear_message()
        self._fill_table(select=index)
        self.requote()

    def _add_weighed(self, item) -> None:
        """A scale label: its product at its weight, one line per label."""
        self.add_product(item.product, item.weight_kg)
        if item.label_price_fen is not None and not item.exact:
            self.message.show_message(self.tr(
                "The label says %1 but %2 kg at this till's price is %3: check the scale's "
                "price.").replace("%1", yuan(item.label_price_fen)).replace(
                "%2", str(item.weight_kg)).replace("%3", yuan(item.amount_fen)), "warn", 0)

    def _lang(self) -> str:
        return self.env.language.language

    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        return len(self.sale.items) - 1 if self.sale.items else None

    def move_selection(self, step: int) -> None:
        i = self.selected()
        if i is not None and self.sale.items:
            self.table.selectRow(max(0, min(len(self.sale.items) - 1, i + step)))

    def change_qty(self, step: int) -> None:
        i = self.selected()
        if i is None:
            return
        item = self.sale.items[i]
        new = item.qty + step
        if step > 0:
            self.sale.set_qty(i, new)
            self._fill_table(select=i)
            self.requote()
        elif new <= 0:
            self.remove_line()
        else:
            self._reduce(i, new)

    def ask_qty(self) -> None:
        i = self.selected()
        if i is None:
            return
        item = self.sale.items[i]
        name = item.product.display_name(self._lang())
        if item.product.unit == "kg":
            dialog = WeightDialog(self, self.tr("Weight"), self.tr(
                "New weight of %1 in kg (e.g. 0.350)").replace("%1", name), item.qty)
        else:
            dialog = AmountDialog(self, self.tr("Quantity"), self.tr(
                "New quantity of %1").replace("%1", name), int(item.qty) * 100,
                allow_zero=False)
        dialog.setObjectName("qty_dialog")

        def entered(value) -> None:
            qty = value if item.product.unit == "kg" else Decimal(value) / 100
            if item.product.unit != "kg" and qty != qty.to_integral_value():
                self.message.show_message(self.tr("This item is sold by the piece."), "error")
                return
            qty = qty.quantize(Decimal(1)) if item.product.unit != "kg" else qty
            if qty >= item.qty:
                self.sale.set_qty(i, qty)
                self._fill_table(select=i)
                self.requote()
            else:
                self._reduce(i, qty)

        dialog.entered.connect(entered)
        dialog.open()

    def _reduce(self, i: int, qty: Decimal) -> None:
        """Fewer of a line than scanned: a void of the difference, with a reason and approval."""
        item = self.sale.items[i]
        self._void_line(i, {"sku": item.product.sku, "qty_before": str(item.qty),
                            "qty_after": str(qty)}, lambda: self._apply_qty(i, item, qty))

    def _apply_qty(self, i, item, qty) -> None:
        if i < len(self.sale.items) and self.sale.items[i] is item:
            self.sale.set_qty(i, qty)
            self._fill_table(select=i)
            self.requote()

    def remove_line(self) -> None:
        i = self.selected()
        if i is None:
            return
        item = self.sale.items[i]

        def apply() -> None:
            if i < len(self.sale.items) and self.sale.items[i] is item:
                self.sale.remove(i)
                self._fill_table()
                self.requote()

        self._void_line(i, {"sku": item.product.sku, "qty_before": str(item.qty),
                            "qty_after": "0"}, apply)

    def _void_line(self, i: int, details: dict, apply) -> None:
        item = self.sale.items[i]
        name = item.product.display_name(self._lang())
        dialog = ReasonDialog(self, self.tr("Remove %1: why?").replace("%1", name))

        def chosen(code: str, _text: str) -> None:
            Op(checkout.void, self.env.ctx, self.env.staff, "line",
               {**details, "reason": code, "sale_id": self.sale.sale_id,
                "amount_fen": item.unit_price}) \
                .with_approval(self, self.tr("Remove a line")) \
                .success(lambda _approver: apply()).run(self.env.worker)

        dialog.chosen.connect(chosen)
        dialog.open()

    def override_price(self) -> None:
        i = self.selected()
        if i is None:
            return
        item = self.sale.items[i]
        dialog = AmountDialog(self, self.tr("Price override"), self.tr(
            "New unit price of %1 (a manager approves it)").replace(
            "%1", item.product.display_name(self._lang())), item.unit_price)
        dialog.setObjectName("price_dialog")

        def entered(fen: int) -> None:
            def check(approval=None):
                staff_service.authorize_action(self.env.ctx, self.env.staff,
                                               Action.PRICE_OVERRIDE, approval)
                return approval

            def approved(approval) -> None:
                if approval is not None:
                    self.sale_approval = approval
                item.override = fen
                self.sale.touch()
                self._fill_table(select=i)
                self.requote()

            Op(check).with_approval(self, self.tr("Price override")).success(approved) \
                .run(self.env.worker)

        dialog.entered.connect(entered)
        dialog.open()

    sale_approval = None  # a manager's approval given during this sale (price override)

    def void_sale(self) -> None:
        if self.sale.empty and self.sale.member is None:
            return
        details = {"sale_id": self.sale.sale_id, "lines": len(self.sale.items),
                   "subtotal_fen": getattr(self.sale.pricing, "subtotal", 0)}
        Op(checkout.void, self.env.ctx, self.env.staff, "basket", details) \
            .with_approval(self, self.tr("Void the whole sale")) \
            .success(lambda _a: (self.new_sale(), self.message.show_message(
                self.tr("The sale was voided."), "info"))).run(self.env.worker)

    def open_search(self, text: str = "") -> None:
        dialog = ProductSearchDialog(self, self.env, text if isinstance(text, str) else "")
        dialog.picked.connect(self.add_product)
        dialog.open()

    # --- quick keys --------------------------------------------------------------------------

    def _set_quick_keys(self, categories) -> None:
        self.categories = categories
        for b in self.category_group.buttons():
            self.category_group.removeButton(b)
            b.deleteLater()
        for i, _c in enumerate(categories):
            b = set_role(QPushButton(self), "tab")
            b.setObjectName(f"category_{i}")
            b.setCheckable(True)
            b.setChecked(i == self.current_category)
            b.clicked.connect(lambda _=False, n=i: self._show_category(n))
            self.category_group.addButton(b, i)
            self.category_row.addWidget(b)
        self._fill_quick_keys()

    def _show_category(self, n: int) -> None:
        self.current_category = n
        self._fill_quick_keys()

    def _fill_quick_keys(self) -> None:
        lang = self._lang()
        for i, b in enumerate(self.category_group.buttons()):
            if i < len(self.categories):
                b.setText(self.categories[i].display_name(lang))
        for b in self.quick_buttons:
            self.quick_grid.removeWidget(b)
            b.deleteLater()
        self.quick_buttons = []
        if not self.categories:
            return
        cat = self.categories[min(self.current_category, len(self.categories) - 1)]
        for n, p in enumerate(cat.products):
            price = yuan(p.unit_price_fen) + ("/kg" if p.unit == "kg" else "")
            b = set_role(QPushButton(f"{p.display_name(lang)}\n{price}", self), "quick")
            b.setObjectName(f"quick_{p.sku}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, prod=p: self.add_product(prod))
            self.quick_grid.addWidget(b, n // 4, n % 4)
            self.quick_buttons.append(b)

    # --- members -----------------------------------------------------------------------------

    def identify(self, text: str, member_id: str | None = None, lookup=None) -> None:
        self.message.clear_message()
        Op(checkout_ops.load_member, self.env.ctx, text, member_id, self.sale.cart(),
           tuple(self.sale.entered), lookup) \
            .success(self._member_loaded).failure(self._member_failed).run(self.env.worker)

    def _member_loaded(self, loaded) -> None:
        if loaded.member is None:
            # several members share these digits: show the pick list
            dialog = MemberLookupDialog(self, self.env)
            dialog._show(loaded.lookup)
            dialog.found.connect(lambda res, m: self.identify("", m.id, res))
            dialog.open()
            return
        via = loaded.lookup.via
        code = loaded.lookup.code if via == "dynamic_code" else None
        self.sale.set_member(loaded.member, via, code, loaded.wallet,
                             code_text=loaded.lookup.code_text if code is not None else None)
        # one pass over the panel: the member, their coupons and the basket priced for them
        self.member_panel.set_member(loaded.member, loaded.coupons, loaded.pricing)
        if loaded.pricing is None:
            gifts_ui.refresh(self, loaded.member.id)  # an empty basket: the gifts all the same
        if loaded.pricing is not None or self.sale.empty:
            self._show_pricing(loaded.pricing, self.sale.version, panel=False)
        else:
            self.requote()
        self.env.changed.emit("checkout_member")

    def _member_failed(self, exc) -> None:
        self.message.show_message(lambda: error_text(exc), "error", 0)

    def open_lookup(self) -> None:
        dialog = MemberLookupDialog(self, self.env)
        dialog.found.connect(lambda res, m: self.identify("", m.id, res))
        dialog.open()

    def open_member_history(self) -> None:
        from .member_history import MemberHistoryDialog

        if self.sale.member is not None:
            dialog = MemberHistoryDialog(self, self.env, self.sale.member)
            dialog.member_changed.connect(self._member_edited)
            dialog.open()

    def open_recharge(self) -> None:
        """Stored value (储值): recharge, or refund a recharge (ui/recharge.py); the panel then
        shows the new balance (the member stays identified as before)."""
        from pos_member.services.members import get_member

        from .recharge import RechargeDialog

        member = self.sale.member
        if member is None:
            return
        dialog = RechargeDialog(self, self.env, member)

        def reload(_result) -> None:
            Op(get_member, self.env.ctx, member.id).success(self._member_edited).run(
                self.env.worker)

        dialog.recharged.connect(reload)
        dialog.refunded.connect(reload)
        dialog.open()
        self.recharge_dialog = dialog

    def _member_edited(self, view) -> None:
        """The member's details were corrected: the panel shows them at once (points, coupons
        and the basket's pricing are unchanged)."""
        if self.sale.member is not None and self.sale.member.id == view.id:
            self.sale.member = view
            self.member_panel.member = view
            self.member_panel.retranslate()

    def open_registration(self) -> None:
        dialog = RegistrationDialog(self, self.env)
        dialog.registered.connect(self._registered)
        dialog.open()

    def _registered(self, member, coupon) -> None:
        text = self.tr("Welcome, %1! The member is on this sale.").replace("%1", member.name or
                                                                            member.phone or "")
        if coupon:
            text += " " + self.tr("First-order coupon %1 added.").replace("%1", coupon)
        self.message.show_message(text, "ok")
        self._identify_id(member.id)
        receipts = self.env.receipts
        if receipts is not None:
            ctx = self.env.ctx
            data = build_card_slip(member, coupon, self.env.store, ctx.terminal_id[:8],
                                   ctx.now(), ctx.tz_name, tiers=self.env.tiers)
            Op(print_card_slip, receipts, data).failure(
                lambda exc: log.warning("card slip: %s", exc)).run(self.env.worker)

    def _identify_id(self, member_id: str) -> None:
        from pos_member.services.members import LookupResult

        def lookup_by_id(ctx, mid, cart, entered):
            from pos_member.services import members

            m = members.get_member(ctx, mid)
            return checkout_ops.load_member(ctx, None, None, cart, entered,
                                            LookupResult((m,), "id"))

        Op(lookup_by_id, self.env.ctx, member_id, self.sale.cart(), tuple(self.sale.entered)) \
            .success(self._member_loaded).failure(self._member_failed).run(self.env.worker)

    def remove_member(self) -> None:
        if self.sale.member is None:
            return
        self.sale.clear_member()
        self.member_panel.set_member(None, {c: v for c, v in self.member_panel.coupon_views.items()
                                            if c in self.sale.entered})
        self.requote()

    def focus_points(self) -> None:
        if self.sale.member is not None:
            self.member_panel.redeem.setFocus()
            self.member_panel.redeem.selectAll()

    def _redeem_changed(self, points: int) -> None:
        self.sale.redeem_points = points
        self.sale.touch()
        self.requote()

    # --- coupons -----------------------------------------------------------------------------

    def ask_coupon(self) -> None:
        dialog = CodeDialog(self, self.tr("Coupon"), self.tr("Type or scan the coupon's code"))

        def entered(code: str) -> None:
            def found(res) -> None:
                if res.kind == "coupon":
                    self._add_coupon_view(res.value)
                else:
                    self.add_product(res.value)

            Op(checkout_ops.resolve_code, self.env.ctx, code).success(found) \
                .failure(lambda exc: self.message.show_message(
                    self.tr("No coupon %1 on this till.").replace("%1", code), "error", 0)) \
                .run(self.env.worker)

        dialog.entered.connect(entered)
        dialog.open()

    def _add_coupon_view(self, view) -> None:
        if not self.sale.add_coupon(view.code):
            self.message.show_message(self.tr("Coupon %1 is already on this sale.")
                                      .replace("%1", view.code), "info")
            return
        self.member_panel.add_coupon_views({view.code: view})
        if self.sale.member is None:
            self.member_panel.retranslate()
        self.requote()

    def _coupon_toggled(self, code: str, wanted: bool) -> None:
        p = self.sale.pricing
        current = [a.code for a in p.applied] if p is not None else []
        chosen = [c for c in current if c != code]
        if wanted:
            chosen.append(code)
        self.sale.chosen = tuple(chosen)
        self.sale.touch()
        self.requote()

    # --- pricing -----------------------------------------------------------------------------

    def requote(self) -> None:
        """Reprice the basket on the worker; bursts of changes price it once (latest)."""
        version = self.sale.version
        if self.sale.empty:
            self._show_pricing(None, version)
            return
        Op(checkout.quote_basket, self.env.ctx, self.sale.cart(), self.sale.member_id,
           self.sale.coupons(), self.sale.chosen, self.sale.redeem_points,
           *claims_of(self.sale)) \
            .latest("quote").success(lambda p: self._show_pricing(p, version)) \
            .failure(lambda exc: self._quote_failed(exc, version)).run(self.env.worker)

    def _show_pricing(self, pricing, version: int, panel: bool = True) -> None:
        if version != self.sale.version:
            return  # a newer change is being priced
        self.sale.pricing = pricing
        self.totals.set_pricing(pricing)
        if panel:
            self.member_panel.set_pricing(pricing, self.sale.redeem_points)
        self._fill_table()
        if self.pay_button.isEnabled() == self.sale.empty:
            self.pay_button.setEnabled(not self.sale.empty)
        self.quoted_version = version
        self._feed_customer_display(lambda d: d.update_from_sale(self.sale))

    def _feed_customer_display(self, update) -> None:
        """The second screen follows the basket; a display fault never stops a sale."""
        display = getattr(self.window_, "customer_display", None)
        if display is not None:
            try:
                update(display)
            except Exception:
                log.exception("the customer display could not be updated")

    quoted_version = -1

    def _quote_failed(self, exc, version: int) -> None:
        code = getattr(exc, "code", "")
        if code == "pricing" and self.sale.chosen is not None:
            self.sale.chosen = None
            self.sale.touch()
            self.message.show_message(self.tr("That coupon combination is not possible; the "
                                              "best one is applied."), "warn")
            self.requote()
            return
        if code == "unknown_coupon":
            for c in list(self.sale.entered):
                if c in str(exc):
                    self.sale.drop_coupon(c)
            self.requote()
        self.message.show_message(lambda: error_text(exc), "error", 0)

    # --- the basket table --------------------------------------------------------------------

    def _fill_table(self, select: int | None = None) -> None:
        lang = self._lang()
        items = self.sale.items
        p = self.sale.pricing
        lines = p.lines if p is not None and len(p.lines) == len(items) else None
        if self.table.rowCount() != len(items):
            self.table.setRowCount(len(items))
        for r, item in enumerate(items):
            name = item.product.display_name(lang)
            if item.override is not None:
                name += "  " + self.tr("(price changed)")
            qty = str(item.qty) + (" kg" if item.product.unit == "kg" else "")
            amount = lines[r].amount if lines else int(item.unit_price * item.qty)
            disc = (lines[r].tier_discount + lines[r].coupon_discount) if lines else 0
            cells = [name, qty, yuan(item.unit_price), yuan(amount), ("−" + yuan(disc)) if disc
                     else ""]
            for c, text in enumerate(cells):
                cell = self.table.item(r, c)
                if cell is None:  # items are made once per row and then only re-texted
                    cell = QTableWidgetItem(text)
                    if c:
                        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(r, c, cell)
                elif cell.text() != text:
                    cell.setText(text)
        if select is not None and 0 <= select < len(items):
            self.table.selectRow(select)

    # --- payment -----------------------------------------------------------------------------

    # The payment request under way (an approval asked, the payment screen open, the sale being
    # recorded): one at a time, so a second F9 or Enter focuses it instead of asking again.
    _pending_op: Op | None = None
    _recording: str | None = None
    payment_dialog = None

    def _focus_pending(self) -> bool:
        """True (and the open dialog raised) when a payment request is already under way."""
        op = self._pending_op
        dialog = op.dialog if op is not None else None
        if dialog is None and alive(self.payment_dialog) and self.payment_dialog.isVisible():
            dialog = self.payment_dialog
        if dialog is not None:
            dialog.raise_()
            dialog.activateWindow()
            return True
        return op is not None or self._recording is not None

    def _commit_redeem(self) -> None:
        """Points typed in the redeem field and not yet confirmed (F9 pressed right after the
        digits) count: the basket is priced with them before anything is paid."""
        field = self.member_panel.redeem
        text = field.text().strip()
        if self.sale.member is not None and text.isdigit() and int(text) != field.value():
            field.setValue(int(text))

    def _points_need_approval(self) -> bool:
        p = self.sale.pricing
        return (p is not None and (p.points_redeemed > 0 or p.mall_points > 0)
                and self.sale.code_text is None
                and self.sale_approval is None and not self.points_approved)

    def pay(self) -> None:
        if self._focus_pending():
            return
        self._commit_redeem()
        if self.sale.empty:
            self.message.show_message(self.tr("Scan an item first."), "info")
            return
        if self.sale.pricing is None or self.quoted_version != self.sale.version:
            self.message.show_message(self.tr("Still pricing the basket…"), "info")
            QTimer.singleShot(100, self._pay_when_priced)
            return
        if self._points_need_approval():
            self._approve_points()
            return
        self._open_payment()

    def _approve_points(self) -> None:
        """Spending points without the member's app code needs a manager: asked now, before
        the payment screen, so no money has changed hands when a manager says no."""
        version = self.sale.version
        ctx, staff = self.env.ctx, self.env.staff

        def check(approval=None):
            staff_service.authorize_action(ctx, staff, Action.STATIC_CODE_POINTS_SPEND,
                                           approval)
            return approval

        def approved(approval) -> None:
            self._pending_op = None
            self.sale_approval = approval  # None for a manager at the till: nobody else asked
            self.points_approved = approval is None
            if version == self.sale.version:
                self._open_payment()

        def ended() -> None:
            if self._pending_op is op:
                self._pending_op = None

        op = Op(check).with_approval(self, self.tr("Spend points without the app code"))
        op.success(approved).cancelled(lambda: self.message.show_message(
            self.tr("No points are spent without a manager's approval: set the points to 0 "
                    "or ask a manager."), "warn")).finally_(ended)
        self._pending_op = op
        op.run(self.env.worker)

    points_approved = False  # a manager signed in: points spend without another approval

    def _open_payment(self) -> None:
        dialog = PaymentDialog(self, self.sale.pricing.total)
        dialog.paid.connect(self._record)
        dialog.open()
        self.payment_dialog = dialog

    def _pay_when_priced(self) -> None:
        if self.quoted_version == self.sale.version and self.sale.pricing is not None:
            self.message.clear_message()
            self.pay()
        elif self.env.worker.pending:
            QTimer.singleShot(100, self._pay_when_priced)

    def _record(self, tenders) -> None:
        sale = self.sale
        if self._recording == sale.sale_id or sale.sale_id in self._completed:
            self._focus_pending()  # one request per sale: the first one is under way
            return
        pricing = sale.pricing
        req = {"sale_id": sale.sale_id, "staff": self.env.staff, "lines": sale.cart(),
               "tenders": tuple(tenders), "member_id": sale.member_id,
               "coupon_codes": sale.coupons(), "chosen_coupons": sale.chosen,
               "redeem_points": pricing.points_redeemed if pricing else 0,
               "member_code": sale.code_text}
        req["benefit_claims"], req["mall_claims"] = claims_of(sale)

        def run(approval=None):
            return checkout.checkout(self.env.ctx, checkout.CheckoutRequest(**req,
                                                                            approval=approval))

        def ended() -> None:
            if self._recording == sale.sale_id:
                self._recording = None
            if self._pending_op is op:
                self._pending_op = None
            self.pay_button.setEnabled(not self.sale.empty)

        self.pay_button.setEnabled(False)
        self._recording = sale.sale_id
        op = Op(run).with_approval(self, self.tr("Approve this sale"),
                                   initial=self.sale_approval) \
            .success(lambda result: self._sold(sale, tenders, result)) \
            .failure(self._sale_failed).finally_(ended)
        self._pending_op = op
        op.run(self.env.worker)

    def _sale_failed(self, exc) -> None:
        self.message.show_message(lambda: error_text(exc), "error", 0)
        if getattr(exc, "code", "") == "shift_state":
            self.window_.ask_open_shift()

    def _sold(self, sale: SaleState, tenders, result) -> None:
        if result.sale_id in self._completed:
            # Completed already (a repeated request): no second dialog, drawer kick or receipt.
            log.warning("sale %s completed twice; side effects skipped", result.receipt_no)
            return
        self._completed[result.sale_id] = None
        while len(self._completed) > 100:
            del self._completed[next(iter(self._completed))]
        pricing = result.pricing
        upgraded = gifts_ui.upgrade_text(pricing, self.env.tiers)  # with its 升级礼
        self.last_sale = result
        self.new_sale()
        self._feed_customer_display(
            lambda d: d.show_paid(pricing.total, result.change, pricing.points_earned))
        done = SaleDoneDialog(self, result.receipt_no, pricing.total, result.change, upgraded,
                              on_scan=self.handle_scan)
        self.last_done = done
        done.finished.connect(lambda _r: self.entry.setFocus())

        def show_receipt(job_id, png) -> None:
            if alive(done):  # the cashier may already be serving the next customer
                done.set_receipt(job_id, png)

        done.open()
        self.env.changed.emit("sale")
        receipts = self.env.receipts
        if receipts is None:
            show_receipt(None, b"")
            return
        # The receipt is read back from the recorded sale (services.receipts.sale_receipt):
        # the original, its preview and every reprint come from one builder.
        Op(checkout_ops.print_recorded_sale, self.env.ctx, receipts, result.sale_id) \
            .success(lambda r: show_receipt(*r)) \
            .failure(lambda exc: (log.error("receipt: %s", exc), show_receipt(None, b""))) \
            .run(self.env.worker)

    last_sale = None

    def new_sale(self) -> None:
        self.message.clear_message()  # the last sale's notices end with it
        self.sale = SaleState()
        self.sale_approval = None
        self.points_approved = False
        self.member_panel.set_member(None, {})
        self._show_pricing(None, self.sale.version)
        self._fill_table()
        self.entry.setFocus()
