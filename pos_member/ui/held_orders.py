"""Hold and recall an order (挂单/取单) on the checkout screen.

Ctrl+H (or the Hold button) puts the basket on hold, with its member, the coupons scanned or
typed, the cashier's coupon choice and the points asked, and clears the screen for the next
customer. Ctrl+R (or Recall) lists the orders on hold, oldest first; Enter, a double tap or
Recall takes the chosen one back, priced again with today's prices and rules: when the total
is not the one it was held with, or products are no longer sold, the cashier is told. Orders
on hold are in the till database (``services.held_orders``), so they survive a restart.
Everything runs on the DB worker.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout,
)

from pos_member.services import catalogue, held_orders

from .i18n import error_text
from .member_panel import yuan
from .sale import CartItem, SaleState
from .screen import MessageBar, alive, set_role
from .worker import Op

HOLD_KEY, RECALL_KEY = "Ctrl+H", "Ctrl+R"


# --- on the worker ------------------------------------------------------------------------------

def recall_with_coupons(ctx, held_id: str):
    """Recall an order and load the coupons the member panel shows for it (one round trip)."""
    rec = held_orders.recall(ctx, held_id)
    codes = tuple(dict.fromkeys([*rec.wallet, *rec.entered]))
    views = {c.code: c for c in catalogue.coupon_details(ctx, codes)} if codes else {}
    return rec, views


def held_error(exc) -> str:
    """The held-order services' refusals in the cashier's language (others: error_text)."""
    from PySide6.QtCore import QCoreApplication

    t = QCoreApplication.translate
    code = getattr(exc, "code", None)
    if code == "empty_basket":
        return t("HeldOrders", "The basket is empty: nothing to hold.")
    if code == "too_many_held":
        return t("HeldOrders", "Too many orders are on hold: recall or discard one first.")
    if code == "held_order_gone":
        return t("HeldOrders", "That order is no longer on hold.")
    return error_text(exc)


# --- the recall list ----------------------------------------------------------------------------

class RecallDialog(QDialog):
    chosen = Signal(str)  # the held order's id

    def __init__(self, parent, env):
        super().__init__(parent)
        self.env = env
        self.setObjectName("recall_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.orders: list[held_orders.HeldSummary] = []
        self.heading = set_role(QLabel(self), "title")
        self.message = MessageBar(self)
        self.list = QListWidget(self)
        self.list.setObjectName("held_list")
        self.list.setStyleSheet("QListWidget::item { min-height: 52px; padding: 4px 8px; }")
        self.list.itemActivated.connect(lambda _item: self._recall())
        self.list.itemDoubleClicked.connect(lambda _item: self._recall())
        self.recall_button = set_role(QPushButton(self), "primary")
        self.recall_button.setObjectName("held_recall")
        self.recall_button.setMinimumHeight(56)
        self.recall_button.clicked.connect(self._recall)
        self.discard_button = set_role(QPushButton(self), "danger")
        self.discard_button.setObjectName("held_discard")
        self.discard_button.setMinimumHeight(56)
        self.discard_button.clicked.connect(self._discard)
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("held_back")
        self.back_button.setMinimumHeight(56)
        self.back_button.clicked.connect(self.reject)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.discard_button)
        row.addWidget(self.back_button)
        row.addWidget(self.recall_button, 2)
        layout.addLayout(row)
        self.resize(720, 520)
        self.retranslate()
        self.load()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Orders on hold"))
        self.heading.setText(self.tr("Orders on hold"))
        self.recall_button.setText(self.tr("Recall (Enter)"))
        self.discard_button.setText(self.tr("Discard"))
        self.back_button.setText(self.tr("Back (Esc)"))
        self._fill()

    def load(self) -> None:
        Op(held_orders.list_held, self.env.ctx).success(self._loaded).run(self.env.worker)

    def _loaded(self, orders) -> None:
        if not alive(self):
            return
        self.orders = list(orders)
        self._fill()
        if self.orders:
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def _fill(self) -> None:
        self.list.clear()
        tz = ZoneInfo(self.env.ctx.tz_name) if self.env.ctx is not None else None
        for o in self.orders:
            at = o.held_at.astimezone(tz) if tz else o.held_at
            count = self.tr("Lines: %1").replace("%1", str(o.item_count))
            text = f"{at:%H:%M}   {o.label or '—'}   ·   {count}   ·   {yuan(o.total_fen)}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, o.id)
            self.list.addItem(item)
        empty = not self.orders
        self.recall_button.setEnabled(not empty)
        self.discard_button.setEnabled(not empty)
        if empty:
            self.message.show_message(self.tr("No orders are on hold."), "info", 0)

    def _selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _recall(self) -> None:
        held_id = self._selected()
        if held_id is None:
            return
        self.chosen.emit(held_id)
        self.accept()

    _discard_armed: str | None = None  # a first tap on Discard asks for a second one

    def _discard(self) -> None:
        held_id = self._selected()
        if held_id is None:
            return
        if self._discard_armed != held_id:
            self._discard_armed = held_id
            self.message.show_message(self.tr("Tap Discard again to drop this order: it cannot "
                                              "be recalled afterwards."), "warn", 0)
            return
        self._discard_armed = None
        Op(held_orders.discard, self.env.ctx, self.env.staff, held_id) \
            .success(lambda _r: (self.message.show_message(self.tr("Order discarded."), "ok"),
                                 self.load())) \
            .failure(lambda exc: self.message.show_message(held_error(exc), "error", 0)) \
            .run(self.env.worker)


# --- on the checkout screen ---------------------------------------------------------------------

class HeldOrders:
    """The checkout screen's Hold and Recall buttons and what they do."""

    def __init__(self, screen):
        self.screen = screen
        self.env = screen.env
        self.count = 0
        self.dialog: RecallDialog | None = None
        self.hold_button = QPushButton(screen)
        self.hold_button.setObjectName("hold_button")
        self.hold_button.clicked.connect(self.hold)
        self.recall_button = QPushButton(screen)
        self.recall_button.setObjectName("recall_button")
        self.recall_button.clicked.connect(self.open_recall)
        for b in (self.hold_button, self.recall_button):
            b.setMinimumHeight(44)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.retranslate()

    def tr(self, text: str) -> str:
        from PySide6.QtCore import QCoreApplication

        return QCoreApplication.translate("HeldOrders", text)

    def shortcuts(self) -> list:
        return [(QKeySequence(HOLD_KEY), self.hold, lambda: self.tr("Hold the order")),
                (QKeySequence(RECALL_KEY), self.open_recall, lambda: self.tr("Recall an order"))]

    def retranslate(self) -> None:
        self.hold_button.setText(self.tr("Hold (Ctrl+H)"))
        self.recall_button.setText(self.tr("Recall (Ctrl+R)") if not self.count else
                                   self.tr("Recall (Ctrl+R) · %1").replace("%1", str(self.count)))

    def refresh_count(self) -> None:
        if self.env.ctx is None:
            return
        Op(held_orders.count_held, self.env.ctx).success(self._set_count).run(self.env.worker)

    def _set_count(self, n: int) -> None:
        self.count = n
        self.retranslate()

    def _busy(self) -> bool:
        s = self.screen
        return s._pending_op is not None or s._recording is not None or (
            alive(s.payment_dialog) and s.payment_dialog.isVisible())

    def hold(self) -> None:
        s = self.screen
        if self._busy():
            s._focus_pending()
            return
        sale = s.sale
        if sale.empty:
            s.message.show_message(self.tr("The basket is empty: nothing to hold."), "info")
            return
        lang = s._lang()
        label = (getattr(sale.member, "name", "") or getattr(sale.member, "phone", "") or
                 sale.items[0].product.display_name(lang))
        total = sale.pricing.total if sale.pricing is not None else sum(
            int(i.unit_price * i.qty) for i in sale.items)

        def held(summary) -> None:
            s.new_sale()
            s.message.show_message(self.tr("Order held: %1, %2. Recall it with Ctrl+R.")
                                   .replace("%1", summary.label or "—")
                                   .replace("%2", yuan(summary.total_fen)), "ok")
            self.refresh_count()

        from .benefits_dialog import claims_of

        claims, mall = claims_of(sale)
        Op(held_orders.hold, self.env.ctx, self.env.staff, sale.cart(), member_id=sale.member_id,
           coupons=tuple(sale.entered), chosen=sale.chosen, redeem_points=sale.redeem_points,
           total_fen=total, label=label, claims=claims, mall=mall) \
            .success(held) \
            .failure(lambda exc: s.message.show_message(held_error(exc), "error", 0)) \
            .run(self.env.worker)

    def open_recall(self) -> None:
        s = self.screen
        if self._busy():
            s._focus_pending()
            return
        if alive(self.dialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return
        if not s.sale.empty:
            s.message.show_message(self.tr("Finish or hold (Ctrl+H) this sale first, then "
                                           "recall an order."), "warn")
            return
        dialog = RecallDialog(s, self.env)
        dialog.chosen.connect(self.recall)
        dialog.finished.connect(lambda _r: (s.entry.setFocus(), self.refresh_count()))
        self.dialog = dialog
        dialog.open()

    def recall(self, held_id: str) -> None:
        Op(recall_with_coupons, self.env.ctx, held_id).success(lambda r: self._recalled(*r)) \
            .failure(lambda exc: self.screen.message.show_message(held_error(exc), "error", 0)) \
            .run(self.env.worker)

    def _recalled(self, rec, views) -> None:
        s = self.screen
        if not s.sale.empty:  # something was scanned meanwhile: keep both, never lose one
            s.message.show_message(self.tr("A sale is on screen: the recalled order was held "
                                           "again."), "warn", 0)
            self._hold_again(rec)
            return
        s.new_sale()
        sale = SaleState()
        for ln in rec.lines:
            sale.items.append(CartItem(ln.product, ln.qty, ln.override))
        if rec.member is not None:
            sale.set_member(rec.member, "held", None, list(rec.wallet))
        sale.entered = list(rec.entered)
        sale.chosen = rec.chosen
        sale.redeem_points = rec.redeem_points
        sale.benefit_claims = [(sale.items[c.line], c.benefit, c.source) for c in rec.claims]
        sale.mall_claims = [(m.reward, sale.items[m.line].product.sku) for m in rec.mall]
        sale.touch()
        s.sale = sale
        panel = s.member_panel
        panel.set_member(rec.member, views, rec.pricing)
        if rec.redeem_points:
            panel.redeem.blockSignals(True)
            panel.redeem.setValue(rec.redeem_points)
            panel.redeem.blockSignals(False)
        s._show_pricing(rec.pricing, sale.version)
        s._fill_table(select=len(sale.items) - 1 if sale.items else None)
        notes = []
        if rec.total_changed:
            notes.append(self.tr("The total changed from %1 to %2: prices or offers changed "
                                 "while the order was on hold.")
                         .replace("%1", yuan(rec.old_total)).replace("%2", yuan(rec.new_total)))
        if rec.missing:
            notes.append(self.tr("No longer sold, left out: %1.").replace(
                "%1", ", ".join(rec.missing)))
        if rec.dropped_coupons:
            notes.append(self.tr("Coupons no longer valid, left out: %1.").replace(
                "%1", ", ".join(rec.dropped_coupons)))
        if rec.dropped_claims:
            notes.append(self.tr("Benefits or rewards no longer available, left out: %1.")
                         .replace("%1", ", ".join(rec.dropped_claims)))
        if notes:
            s.message.show_message(" ".join(notes), "warn", 0)
        else:
            s.message.show_message(self.tr("Order recalled: %1.").replace(
                "%1", yuan(rec.new_total if rec.new_total is not None else rec.old_total)), "ok")
        self.refresh_count()
        self.env.changed.emit("checkout_recalled")

    def _hold_again(self, rec) -> None:
        from pos_member.services.checkout import CartLine

        lines = tuple(CartLine(ln.product.sku, ln.qty, ln.override) for ln in rec.lines)
        if not lines:
            return
        Op(held_orders.hold, self.env.ctx, self.env.staff, lines,
           member_id=getattr(rec.member, "id", None), coupons=rec.entered, chosen=rec.chosen,
           redeem_points=rec.redeem_points, total_fen=rec.old_total,
           label=rec.summary.label, claims=rec.claims, mall=rec.mall).success(lambda _s: self.refresh_count()).run(self.env.worker)
