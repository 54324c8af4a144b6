"""The customer-facing window for a second screen: the basket lines and totals, the member's
tier and benefits (points, what would help them), and for a non-member a QR code to join.

The checkout screen feeds it; it never reads the database itself::

    display = window.customer_display                  # made by manager_screens.install
    display.update_from_sale(self.sale)                # after every repricing (SaleState)
    display.show_paid(pricing.total, result.change, pricing.points_earned)   # after payment
    display.show_idle()                                # ready for the next customer

or with a :class:`BasketView` built elsewhere: ``display.basket_changed.emit(view)`` (a queued
signal, so any thread may emit it). The window shows itself full screen on the second monitor
when there is one (:meth:`CustomerDisplay.show_if_second_screen`); the settings screen can show
it in a window for a look.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from .figures import MINUS, yuan
from .i18n import current_language, hint_text, tier_name
from .screen import set_role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DisplayLine:
    name: str
    qty: str
    amount_fen: int          # unit price x quantity, before discounts
    discount_fen: int = 0    # tier discount and coupons on this line


@dataclass(frozen=True)
class DisplayMember:
    name: str
    tier: str                # tier code: regular, silver, gold
    points: int              # the balance before this sale
    hints: tuple[dict, ...] = ()   # pricing hints (next tier, points expiring, member day ...)


@dataclass(frozen=True)
class BasketView:
    """What the customer sees. ``state`` is idle (welcome), basket, or paid (thank you)."""

    state: str = "idle"
    lines: tuple[DisplayLine, ...] = ()
    subtotal_fen: int = 0
    tier_discount_fen: int = 0
    coupon_discount_fen: int = 0
    points_redeemed: int = 0
    points_value_fen: int = 0
    rounding_fen: int = 0
    total_fen: int = 0
    points_earned: int = 0
    member: DisplayMember | None = None
    change_fen: int = 0
    coupons: tuple[tuple[str, int], ...] = field(default_factory=tuple)  # (code, discount)

    @property
    def saved_fen(self) -> int:
        return self.tier_discount_fen + self.coupon_discount_fen


def _qty(q) -> str:
    q = Decimal(q)
    return str(int(q)) if q == q.to_integral_value() else f"{q:.3f}"


def basket_view_from_sale(sale, language: str | None = None) -> BasketView:
    """A BasketView from the checkout screen's ``SaleState`` (items, member, pricing)."""
    language = language or current_language()
    items = list(getattr(sale, "items", []) or [])
    pricing = getattr(sale, "pricing", None)
    priced = pricing.lines if pricing is not None and len(pricing.lines) == len(items) else None
    lines = []
    for i, item in enumerate(items):
        p = item.product
        name = p.display_name(language) if hasattr(p, "display_name") else p.name
        unit = " kg" if getattr(p, "unit", "") == "kg" else ""
        if priced:
            amount, disc = priced[i].amount, priced[i].tier_discount + priced[i].coupon_discount
        else:
            amount, disc = int(Decimal(item.unit_price) * Decimal(item.qty)), 0
        lines.append(DisplayLine(name, _qty(item.qty) + unit, amount, disc))
    m = getattr(sale, "member", None)
    member = None
    if m is not None:
        member = DisplayMember(m.name or "", m.tier, m.points,
                               tuple(pricing.hints) if pricing is not None else ())
    if not lines and member is None:
        return BasketView()
    if pricing is None:
        total = sum(x.amount_fen for x in lines)
        return BasketView("basket", tuple(lines), total, total_fen=total, member=member)
    return BasketView(
        "basket", tuple(lines), pricing.subtotal, pricing.tier_discount,
        pricing.coupon_discount, pricing.points_redeemed, pricing.points_value,
        pricing.rounding, pricing.total, pricing.points_earned, member,
        coupons=tuple((a.code, a.discount) for a in pricing.applied))


def qr_pixmap(text: str, size: int = 240) -> QPixmap:
    """A QR code as a pixmap (the qrcode package draws it with Pillow)."""
    import qrcode

    qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image()
    buf = io.BytesIO()
    image.save(buf, "PNG")
    pixmap = QPixmap()
    pixmap.loadFromData(buf.getvalue(), "PNG")
    return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.FastTransformation)


class CustomerDisplay(QWidget):
    basket_changed = Signal(object)  # BasketView
    shown_changed = Signal(bool)     # shown or hidden, also by its window's close button

    def __init__(self, env, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("customer_display")
        self.env = env
        self.view = BasketView()
        self.join_url = ""
        self._qr_for = ""
        self.basket_changed.connect(self.show_basket, Qt.ConnectionType.QueuedConnection)
        from .display_placement import DisplayPlacement

        self.placement = DisplayPlacement(self, parent)  # the second monitor, followed

        self.store = set_role(QLabel(self), "title")
        self.store.setObjectName("cd_store")
        self.welcome = set_role(QLabel(self), "subtitle")
        self.welcome.setObjectName("cd_welcome")
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("cd_lines")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultSectionSize(40)
        self.totals = QLabel(self)
        self.totals.setObjectName("cd_totals")
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.totals.setStyleSheet("font-size: 20px;")
        self.total = set_role(QLabel(self), "total")
        self.total.setObjectName("cd_total")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.total.setStyleSheet("font-size: 40px; font-weight: bold;")

        self.side = QFrame(self)
        set_role(self.side, "panel")
        self.side.setMinimumWidth(360)
        self.member_name = set_role(QLabel(self.side), "title")
        self.member_name.setObjectName("cd_member")
        self.badge = set_role(QLabel(self.side), "badge")
        self.badge.setObjectName("cd_tier")
        self.points = QLabel(self.side)
        self.points.setObjectName("cd_points")
        self.points.setStyleSheet("font-size: 18px;")
        self.benefits = QLabel(self.side)
        self.benefits.setObjectName("cd_benefits")
        self.benefits.setWordWrap(True)
        self.benefits.setStyleSheet("font-size: 18px;")
        self.qr = QLabel(self.side)
        self.qr.setObjectName("cd_join_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(240, 240)  # never squashed: a 1024x600 display squeezed it flat
        self.join_text = QLabel(self.side)
        self.join_text.setObjectName("cd_join_text")
        self.join_text.setWordWrap(True)
        self.join_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.join_text.setStyleSheet("font-size: 18px;")
        side = QVBoxLayout(self.side)
        head = QHBoxLayout()
        head.addWidget(self.member_name, 1)
        head.addWidget(self.badge)
        side.addLayout(head)
        side.addWidget(self.points)
        side.addWidget(self.benefits)
        side.addStretch(1)
        side.addWidget(self.qr)
        side.addWidget(self.join_text)
        side.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addWidget(self.totals)
        left.addWidget(self.total)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addWidget(self.side, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.store)
        layout.addWidget(self.welcome)
        layout.addLayout(body, 1)
        self.resize(1024, 600)
        self.retranslate()

    # --- feeding it --------------------------------------------------------------------------

    def show_basket(self, view: BasketView) -> None:
        self.view = view
        self._render()

    def update_from_sale(self, sale, language: str | None = None) -> None:
        self.show_basket(basket_view_from_sale(sale, language))

    def show_paid(self, total_fen: int, change_fen: int = 0, points_earned: int = 0) -> None:
        self.show_basket(BasketView("paid", self.view.lines, self.view.subtotal_fen,
                                    self.view.tier_discount_fen, self.view.coupon_discount_fen,
                                    self.view.points_redeemed, self.view.points_value_fen,
                                    self.view.rounding_fen, total_fen, points_earned,
                                    self.view.member, change_fen, self.view.coupons))

    def show_idle(self) -> None:
        self.show_basket(BasketView())

    def set_join_url(self, url: str) -> None:
        self.join_url = url
        self._render()

    def show_if_second_screen(self) -> bool:
        """Full screen on the second monitor, when there is one (and from then on following
        monitors plugged in or out: :mod:`.display_placement`)."""
        return self.placement.place()

    # --- drawing -----------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._render_side()
        if not event.spontaneous():
            self.shown_changed.emit(True)

    def hideEvent(self, event) -> None:  # noqa: N802 - closing with the window's X hides it
        super().hideEvent(event)
        if not event.spontaneous():
            self.shown_changed.emit(False)

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Customer display"))
        self.table.setHorizontalHeaderLabels([self.tr("Item"), self.tr("Qty"),
                                              self.tr("Amount")])
        self._render()

    def _render(self) -> None:
        v = self.view
        store = self.env.store.get("store_name") or self.env.store.get("brand_name") or ""
        self.store.setText(store or self.tr("Welcome"))
        self.table.setRowCount(len(v.lines))
        for r, line in enumerate(v.lines):
            amount = yuan(line.amount_fen)
            if line.discount_fen:
                amount += f"  ({MINUS}{yuan(line.discount_fen)})"
            for c, text in enumerate((line.name, line.qty, amount)):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        totals = []
        if v.lines:
            totals.append(self.tr("Subtotal %1").replace("%1", yuan(v.subtotal_fen)))
        if v.tier_discount_fen:
            totals.append(self.tr("Member discount %1").replace(
                "%1", MINUS + yuan(v.tier_discount_fen)))
        for code, discount in v.coupons:
            totals.append(self.tr("Coupon %1 %2").replace("%1", code).replace(
                "%2", MINUS + yuan(discount)))
        if v.points_value_fen:
            totals.append(self.tr("%1 points %2").replace("%1", str(v.points_redeemed))
                          .replace("%2", MINUS + yuan(v.points_value_fen)))
        if v.rounding_fen:
            totals.append(self.tr("Rounding %1").replace("%1", MINUS + yuan(v.rounding_fen)))
        self.totals.setText("\n".join(totals))
        if v.state == "idle":
            self.welcome.setText(self.tr("Welcome!"))
            self.total.setText("")
        elif v.state == "paid":
            text = self.tr("Thank you!")
            if v.change_fen:
                text += "  " + self.tr("Your change: %1").replace("%1", yuan(v.change_fen))
            self.welcome.setText(text)
            self.total.setText(self.tr("Paid %1").replace("%1", yuan(v.total_fen)))
        else:
            saved = v.saved_fen + v.points_value_fen
            self.welcome.setText(self.tr("You save %1 today").replace("%1", yuan(saved))
                                 if saved else "")
            self.total.setText(self.tr("To pay %1").replace("%1", yuan(v.total_fen)))
        self._render_side()

    def _render_side(self) -> None:
        v, m = self.view, self.view.member
        is_member = m is not None
        for w in (self.member_name, self.badge, self.points, self.benefits):
            w.setVisible(is_member)
        self.qr.setVisible(not is_member)
        self.join_text.setVisible(not is_member)
        if m is not None:
            self.member_name.setText(m.name)
            self.badge.setText(tier_name(m.tier, self.env.tiers))
            self.badge.setProperty("tier", m.tier)
            self.badge.style().unpolish(self.badge)
            self.badge.style().polish(self.badge)
            points = self.tr("Points: %1").replace("%1", str(m.points))
            if v.points_earned:
                points += "  " + self.tr("(+%1 with this order)").replace(
                    "%1", str(v.points_earned))
            self.points.setText(points)
            benefits = [hint_text(h, self.env.tiers) for h in m.hints]
            if v.tier_discount_fen:
                benefits.insert(0, self.tr("%1 price: you save %2 on this order").replace(
                    "%1", tier_name(m.tier, self.env.tiers)).replace(
                    "%2", yuan(v.tier_discount_fen)))
            self.benefits.setText("\n".join(f"• {b}" for b in benefits))
            return
        # Drawn when first seen (the qrcode package is not loaded at start-up for nothing).
        if self.join_url and self._qr_for != self.join_url and self.isVisible():
            try:
                self.qr.setPixmap(qr_pixmap(self.join_url))
                self._qr_for = self.join_url
            except Exception:
                log.exception("join QR code could not be drawn")
        self.join_text.setText(self.tr("Not a member yet? Scan to join and collect points "
                                       "on this order."))
