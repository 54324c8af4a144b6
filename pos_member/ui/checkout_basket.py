"""The checkout screen's basket: product entry (a scanned or typed code, the product search,
the quick keys), the lines (quantity, weight, price override, removing a line or voiding the
sale, each with its reason and approval) and the basket table. ``CheckoutBasket`` is a mixin of
``ui.checkout.CheckoutScreen``: its methods use the screen's widgets and its ``SaleState``, and
call the screen's ``requote`` (``ui.checkout_payment``) after every change of the basket.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTableWidgetItem

from pos_member.security.roles import Action
from pos_member.services import checkout
from pos_member.services import staff as staff_service

from . import checkout_ops
from .checkout_dialogs import ProductSearchDialog, ReasonDialog
from .dialogs import AmountDialog
from .i18n import error_text
from .member_panel import yuan
from .screen import set_role
from .weight import WeightDialog
from .worker import Op


class CheckoutBasket:
    """Product entry, the basket's lines and the quick keys of the checkout screen."""

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

