"""The member panel of the checkout screen and the totals box beside the Pay button."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QIntValidator, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_member.domain.money import format_fen

from .i18n import coupon_reason, hint_text, limit_reason, tier_name, translate
from .screen import set_role


def yuan(fen: int) -> str:
    return "¥" + format_fen(fen)


def coupon_description(c) -> str:
    """A coupon's figures in words (catalogue.CouponView)."""
    if c is None:
        return ""
    if c.kind == "percent_off" and c.rate:
        pays = int(Decimal(c.rate) * 100)  # 85 for 0.85: 15 % off, 85折 in Chinese
        off = 100 - pays
        zhe = str(pays // 10) if pays % 10 == 0 else str(pays)
        # %1 is the percentage off, %2 the Chinese 折 figure; a translation uses either
        text = translate("Coupons", "%1% off").replace("%1", str(off)).replace("%2", zhe)
        if c.cap_fen:
            text += " " + translate("Coupons", "(up to %1)").replace("%1", yuan(c.cap_fen))
    else:
        text = translate("Coupons", "%1 off").replace("%1", yuan(c.value_fen or 0))
    if c.threshold_fen:
        text += " " + translate("Coupons", "over %1").replace("%1", yuan(c.threshold_fen))
    if c.categories or c.skus:
        text += " · " + translate("Coupons", "selected items")
    if not c.with_tier_discount:
        text += " · " + translate("Coupons", "not with the member discount")
    return text


class PointsField(QLineEdit):
    """Whole points, typed or set; ``valueChanged(int)`` when the value changes (Enter, leaving
    the field, or ``setValue``). A line edit rather than a QSpinBox: a spin box without
    buttons draws no text under the style sheet, and the arrows are too small to touch."""

    valueChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setValidator(QIntValidator(0, 99_999_999, self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._value = 0
        self.setText("0")
        self.editingFinished.connect(lambda: self.setValue(int(self.text() or 0)))

    def value(self) -> int:
        return self._value

    def setValue(self, value: int) -> None:
        value = max(0, int(value))
        if self.text() != str(value):
            self.setText(str(value))
        if value != self._value:
            self._value = value
            if not self.signalsBlocked():
                self.valueChanged.emit(value)


class GrowthBar(QWidget):
    """A plain progress bar that schedules its repaint (QProgressBar.setValue repaints
    synchronously, which costs a millisecond or more on every member scan)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFixedHeight(14)
        self._max = 1
        self._value = 0
        self._empty = True

    def set_empty(self, empty: bool) -> None:
        """No member: draw nothing (the space stays, so nothing below moves)."""
        if empty != self._empty:
            self._empty = empty
            self.update()

    def setRange(self, _minimum: int, maximum: int) -> None:
        self._max = max(1, maximum)

    def setValue(self, value: int) -> None:
        if value != self._value:
            self._value = value
            self.update()

    def value(self) -> int:
        return self._value

    def maximum(self) -> int:
        return self._max

    def paintEvent(self, _event) -> None:
        if self._empty:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#eceef1"))
        r = self.rect()
        p.drawRoundedRect(r, 6, 6)
        w = int(r.width() * min(1.0, max(0.0, self._value / self._max)))
        if w > 0:
            p.setBrush(QColor("#c79a1e"))
            p.drawRoundedRect(r.adjusted(0, 0, w - r.width(), 0), 6, 6)
        p.end()


class MemberPanel(QFrame):
    """Who the member is, their tier and points, growth to the next tier, coupons, hints."""

    coupon_toggled = Signal(str, bool)      # code, wanted
    redeem_changed = Signal(int)            # points asked
    find_clicked = Signal()
    register_clicked = Signal()
    remove_clicked = Signal()
    history_clicked = Signal()
    recharge_clicked = Signal()  # stored value (储值): ui/recharge.py

    def __init__(self, parent: QWidget | None = None, *, tiers):
        super().__init__(parent)
        self.tier_book = tiers  # the window's TierBook: the brand's names for the tiers
        self.setObjectName("member_panel")
        set_role(self, "panel")
        self.member = None
        self._shows_member: bool | None = None
        self._note_kind: str | None = None
        self._badge_tier: str | None = None
        self.tiers: list[tuple[str, int]] = []
        self.coupon_views: dict[str, object] = {}
        self.pricing = None
        self.name = QLabel(self)
        self.name.setObjectName("member_name")
        set_role(self.name, "title")
        self.badge = QLabel(self)
        self.badge.setObjectName("member_tier")
        set_role(self.badge, "badge")
        self.phone = QLabel(self)
        self.phone.setObjectName("member_phone")
        self.points = QLabel(self)
        self.points.setObjectName("member_points")
        # "Points: 883 · 800 usable · 83 held until ..." is longer than the panel at 1024 px:
        # wrapped, it no longer widens the panel and squeezes the checkout's buttons
        self.points.setWordWrap(True)
        self.points.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.growth = GrowthBar(self)
        self.growth.setObjectName("member_growth")
        self.growth_text = QLabel(self)
        self.growth_text.setObjectName("member_growth_text")
        set_role(self.growth_text, "muted")
        self.hints = QLabel(self)
        self.hints.setObjectName("member_hints")
        self.hints.setWordWrap(True)
        self.coupons = QListWidget(self)
        self.coupons.setObjectName("member_coupons")
        self.coupons.setMinimumHeight(80)
        self.coupons.setWordWrap(True)
        self.coupons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.coupons.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.coupons.itemChanged.connect(self._item_changed)
        self.redeem_label = QLabel(self)
        self.redeem = PointsField(self)
        self.redeem.setObjectName("redeem_points")
        self.redeem.valueChanged.connect(self.redeem_changed)
        self.redeem_max = QPushButton(self)
        self.redeem_max.setObjectName("redeem_max")
        self.redeem_max.clicked.connect(self._redeem_max)
        self.redeem_note = QLabel(self)
        self.redeem_note.setObjectName("redeem_note")
        self.redeem_note.setWordWrap(True)
        self.find_button = QPushButton(self)
        self.find_button.setObjectName("find_member_button")
        self.find_button.clicked.connect(self.find_clicked)
        self.register_button = QPushButton(self)
        self.register_button.setObjectName("register_button")
        self.register_button.clicked.connect(self.register_clicked)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("remove_member_button")
        self.remove_button.clicked.connect(self.remove_clicked)
        self.history_button = QPushButton(self)
        self.history_button.setObjectName("member_history_button")
        self.history_button.clicked.connect(self.history_clicked)
        self.recharge_button = QPushButton(self)
        self.recharge_button.setObjectName("recharge_button")
        self.recharge_button.clicked.connect(self.recharge_clicked)
        self.stored = QLabel(self)
        self.stored.setObjectName("member_stored_value")
        from .gifts import GiftBar  # gifts to collect: ui/gifts.py

        self.gift_bar = GiftBar(self)

        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        top.addWidget(self.badge)
        # what only a member has lives in two boxes, shown or hidden in one call each
        self.member_box = QWidget(self)
        who = QHBoxLayout()
        who.addWidget(self.phone)
        who.addStretch(1)
        who.addWidget(self.points)
        box = QVBoxLayout(self.member_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addLayout(who)
        box.addWidget(self.stored)
        box.addWidget(self.growth)
        box.addWidget(self.growth_text)
        self.redeem_box = QWidget(self)
        redeem_row = QHBoxLayout(self.redeem_box)
        redeem_row.setContentsMargins(0, 0, 0, 0)
        redeem_row.addWidget(self.redeem_label)
        redeem_row.addWidget(self.redeem, 1)
        redeem_row.addWidget(self.redeem_max)
        buttons = QHBoxLayout()
        for b in (self.find_button, self.register_button, self.history_button,
                  self.recharge_button, self.remove_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.member_box)
        layout.addWidget(self.hints)
        layout.addWidget(self.gift_bar)
        layout.addWidget(self.coupons, 1)
        layout.addWidget(self.redeem_box)
        layout.addWidget(self.redeem_note)
        layout.addLayout(buttons)
        self.retranslate()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- state -------------------------------------------------------------------------------

    def set_member(self, member, coupon_views: dict[str, object] | None = None,
                   pricing=None) -> None:
        """Show a member (None: no member), their coupons and, when given, the basket's
        pricing for them, in one pass."""
        self.member = member
        self.coupon_views = dict(coupon_views or {})
        self.pricing = pricing
        self._max_asked = False
        self.gift_bar.set_gifts(getattr(pricing, "gifts", ()) if member is not None else ())
        self.redeem.blockSignals(True)
        self.redeem.setValue(0)
        self.redeem.blockSignals(False)
        self._set_note("", "")
        self.retranslate()

    def add_coupon_views(self, views: dict[str, object]) -> None:
        self.coupon_views.update(views)
        self._fill_coupons()

    def set_pricing(self, pricing, asked: int) -> None:
        self.pricing = pricing
        self.gift_bar.set_gifts(getattr(pricing, "gifts", ()) if self.member is not None else ())
        self._fill_coupons()
        self._fill_hints()
        self._fill_growth()
        if self._max_asked and pricing is not None:
            # Max asked for the whole balance: the engine cut it to what can be used (half of
            # the amount payable, the offline daily limit); that is what the field shows and
            # the sale asks for, with no "only N of M" warning.
            self._max_asked = False
            usable = pricing.points_redeemed
            self.redeem.blockSignals(True)
            self.redeem.setValue(usable)
            self.redeem.blockSignals(False)
            if usable != asked:
                self.redeem_changed.emit(usable)
            asked = usable
        if pricing is not None and asked and pricing.points_redeemed < asked:
            self._set_note("warn", self.tr("Only %1 of the %2 points asked can be redeemed: %3.")
                           .replace("%1", str(pricing.points_redeemed))
                           .replace("%2", str(asked))
                           .replace("%3", limit_reason(pricing.redeem_limited_by)))
        elif pricing is not None and pricing.points_redeemed:
            self._set_note("ok", self.tr("%1 points take %2 off.")
                           .replace("%1", str(pricing.points_redeemed))
                           .replace("%2", yuan(pricing.points_value)))
        else:
            self._set_note("", "")

    def _set_note(self, kind: str, text: str) -> None:
        note = self.redeem_note
        note.setText(text)
        # The state is kept in Python: QObject.property() of a property never set returns None
        # without a reference in PySide6 6.12, which wears None's refcount down and crashes
        # Python 3.11 (see docs/ui.md). Re-polishing is not free either: only on change.
        if self._note_kind != kind:
            self._note_kind = kind
            note.setProperty("kind", kind)
            note.style().unpolish(note)
            note.style().polish(note)


    # --- drawing -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        m = self.member
        self.redeem_label.setText(self.tr("Points to redeem"))
        self.redeem_max.setText(self.tr("Max"))
        self.find_button.setText(self.tr("Find (F2)"))
        self.register_button.setText(self.tr("Join (F4)"))
        self.remove_button.setText(self.tr("Remove (F11)"))
        self.history_button.setText(self.tr("History"))
        self.recharge_button.setText(self.tr("Recharge"))
        # Nothing is hidden or shown between customers (showing widgets relays out the whole
        # screen, milliseconds per scan): the layout stays put, texts go blank, controls that
        # need a member are disabled.
        if self._shows_member is not (m is not None):
            self._shows_member = m is not None
            self.redeem_box.setEnabled(m is not None)
            self.remove_button.setEnabled(m is not None)
            self.history_button.setEnabled(m is not None)
            self.recharge_button.setEnabled(m is not None)
        if m is None:
            self.name.setText(self.tr("No member"))
            self._set_badge("none", "")
            self.phone.setText("")
            self.points.setText("")
            self.stored.setText("")
            self.growth.set_empty(True)
            self.growth_text.setText(self.tr("Scan the member's code from their app, or press "
                                             "F2 to find them by phone number."))
            self.hints.setText("")
            self._fill_coupons()
            return
        self.name.setText(m.name or self.tr("(no name)"))
        self._set_badge(m.tier, tier_name(m.tier, self.tier_book))
        self.growth.set_empty(False)
        self.phone.setText(m.phone or "")
        held = m.points - m.available_points
        if held > 0:  # earned here, not yet confirmed by the central service: not spendable
            self.points.setText(self.tr("Points: %1 · %2 usable · %3 held until the central "
                                        "service confirms them")
                                .replace("%1", str(m.points))
                                .replace("%2", str(m.available_points)).replace("%3", str(held)))
        else:
            self.points.setText(self.tr("Points: %1 (available %2)")
                                .replace("%1", str(m.points))
                                .replace("%2", str(m.available_points)))
        stored = getattr(m, "stored_value", 0)
        self.stored.setText(self.tr("Stored value %1 (bonus %2)").replace(
            "%1", yuan(stored)).replace("%2", yuan(getattr(m, "stored_bonus", 0)))
            if stored or getattr(m, "stored_bonus", 0) else self.tr("Stored value %1").replace(
                "%1", yuan(0)))
        self._fill_growth()
        self._fill_hints()
        self._fill_coupons()

    def _set_badge(self, tier: str, text: str) -> None:
        self.badge.setText(text)
        if self._badge_tier != tier:  # not badge.property(): see _set_note
            self._badge_tier = tier
            self.badge.setProperty("tier", tier)
            self.badge.style().unpolish(self.badge)
            self.badge.style().polish(self.badge)

    def _fill_growth(self) -> None:
        """The bar from the member's tier to the next, filled with their growth and this sale's."""
        m = self.member
        if m is None:
            return
        earned = self.pricing.growth_earned if self.pricing is not None else 0
        current = max((g for c, g in self.tiers if g <= m.growth), default=0)
        nxt = next(((c, g) for c, g in self.tiers if g > m.growth), None)
        if nxt is None:
            self.growth.setRange(0, 1)
            self.growth.setValue(1)
            self.growth_text.setText(self.tr("Top tier · growth %1").replace("%1", str(m.growth)))
            return
        self.growth.setRange(0, max(1, nxt[1] - current))
        self.growth.setValue(min(nxt[1], m.growth + earned) - current)
        text = self.tr("Growth %1 / %2 to %3").replace("%1", str(m.growth)) \
            .replace("%2", str(nxt[1])).replace("%3", tier_name(nxt[0], self.tier_book))
        if earned:
            text += " · " + self.tr("this sale +%1").replace("%1", str(earned))
        self.growth_text.setText(text)

    def _fill_hints(self) -> None:
        if self.member is None:
            return
        hints = self.pricing.hints if self.pricing is not None else ()
        self.hints.setText("\n".join("• " + hint_text(h, self.tier_book) for h in hints))

    def _fill_coupons(self) -> None:
        p = self.pricing
        applied = {a.code: a for a in p.applied} if p is not None else {}
        rejected = {r.code: r for r in p.rejected} if p is not None else {}
        self.coupons.blockSignals(True)
        self.coupons.clear()
        for code, view in self.coupon_views.items():
            desc = coupon_description(view)
            # the brand's name for the coupon; its code only when it has none
            label = getattr(view, "title", "") or code
            if code in applied:
                text = self.tr("%1 · %2 · saves %3").replace("%1", label).replace("%2", desc) \
                    .replace("%3", yuan(applied[code].discount))
                state = Qt.CheckState.Checked
            elif code in rejected:
                r = rejected[code]
                shortfall = format_fen(r.shortfall) if r.shortfall else ""
                text = self.tr("%1 · %2 · not used: %3").replace("%1", label) \
                    .replace("%2", desc).replace("%3", coupon_reason(r.reason.value, shortfall))
                state = Qt.CheckState.Unchecked
            else:
                text = f"{label} · {desc}"
                state = Qt.CheckState.Unchecked
            valid_to = getattr(view, "valid_to", None)
            if valid_to is not None:  # exclusive: the last day it is valid is the day before
                last = valid_to - timedelta(microseconds=1)
                text += " · " + self.tr("until %1").replace("%1", f"{last:%Y-%m-%d}")
            item = QListWidgetItem(text)
            item.setToolTip(code)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(state)
            self.coupons.addItem(item)
        self.coupons.blockSignals(False)

    def coupon_item(self, code: str) -> QListWidgetItem | None:
        for i in range(self.coupons.count()):
            item = self.coupons.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == code:
                return item
        return None

    def _item_changed(self, item: QListWidgetItem) -> None:
        self.coupon_toggled.emit(item.data(Qt.ItemDataRole.UserRole),
                                 item.checkState() == Qt.CheckState.Checked)

    _max_asked = False  # Max was pressed: the next pricing says how many can be used

    def _redeem_max(self) -> None:
        """Ask for the whole balance once; the field then shows the usable maximum the
        pricing returns (never the whole balance followed by a warning)."""
        if self.member is not None:
            self._max_asked = True
            self.redeem_changed.emit(self.member.available_points)


class TotalsBox(QFrame):
    """Subtotal, tier discount, each coupon, points, rounding, and the total to pay."""

    MAX_ROWS = 10

    def __init__(self, parent: QWidget | None = None, *, tiers):
        super().__init__(parent)
        self.tier_book = tiers
        self.setObjectName("totals")
        set_role(self, "panel")
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(0, 1)
        self.grid.setVerticalSpacing(2)
        self.pricing = None
        self.rows: list[tuple[QLabel, QLabel]] = []
        for r in range(self.MAX_ROWS):  # a fixed pool of rows: shown or hidden, never rebuilt
            a, b = QLabel(self), QLabel(self)
            b.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(a, r, 0)
            self.grid.addWidget(b, r, 1)
            self.rows.append((a, b))
        self.total_label = QLabel(self)
        set_role(self.total_label, "subtitle")
        self.total = QLabel(self)
        self.total.setObjectName("total_amount")
        set_role(self.total, "total")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.grid.addWidget(self.total_label, self.MAX_ROWS, 0)
        self.grid.addWidget(self.total, self.MAX_ROWS, 1)
        self.texts: dict[str, str] = {}  # row key -> amount text (tests read these)
        self.retranslate()

    def set_pricing(self, pricing) -> None:
        self.pricing = pricing
        self.retranslate()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        p = self.pricing
        entries: list[tuple[str, str, str]] = []
        if p is None:
            entries.append(("subtotal", self.tr("Subtotal"), yuan(0)))
        else:
            entries.append(("subtotal", self.tr("Subtotal"), yuan(p.subtotal)))
            if p.tier_discount:
                entries.append(("tier", self.tr("%1 member discount")
                                .replace("%1", tier_name(p.tier_before, self.tier_book)),
                                "−" + yuan(p.tier_discount)))
            for a in p.applied:
                entries.append((f"coupon:{a.code}", self.tr("Coupon %1").replace("%1", a.code),
                                "−" + yuan(a.discount)))
            if p.points_redeemed:
                entries.append(("points", self.tr("%1 points").replace(
                    "%1", str(p.points_redeemed)), "−" + yuan(p.points_value)))
            if p.rounding:
                entries.append(("rounding", self.tr("Rounding"), "−" + yuan(p.rounding)))
        self.texts = {}
        for r, (a, b) in enumerate(self.rows):
            if r < len(entries):
                key, label, amount = entries[r]
                a.setText(label)
                b.setText(amount)
                self.texts[key] = amount
            if a.isVisibleTo(self) != (r < len(entries)):  # setVisible is not free
                a.setVisible(r < len(entries))
                b.setVisible(r < len(entries))
        self.total_label.setText(self.tr("Total"))
        self.total.setText(yuan(p.total if p is not None else 0))
        self.texts["total"] = self.total.text()
