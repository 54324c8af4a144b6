"""Gifts at the counter (ui side of services/gifts.py): the member panel's row of gifts to
collect (birthday gift, member-day coupon), the collection run on the DB worker, and the words
the cashier reads after a sale that lifted the tier ("升级金卡：获得升级礼")."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .i18n import tier_name, translate


def gift_title(offer) -> str:
    """The gift as the cashier reads it: the brand's title, else its kind."""
    title = offer.reward.label() if hasattr(offer, "reward") else ""
    kind = {"birthday": translate("Gifts", "Birthday gift"),
            "member_day": translate("Gifts", "Member-day coupon"),
            "upgrade": translate("Gifts", "Upgrade gift")}.get(offer.kind, offer.kind)
    return f"{kind}: {title}" if title else kind


def upgrade_text(pricing, tiers) -> str:
    """After a sale: "" when the tier did not change; "Upgraded to 金卡!" when it did; with
    the gift the sale issued: "升级金卡：获得升级礼 <title>"."""
    if not (pricing.tier_after and pricing.tier_before
            and pricing.tier_after != pricing.tier_before):
        return ""
    tier = tier_name(pricing.tier_after, tiers)
    issued = [g for g in getattr(pricing, "gifts", ()) if g.kind == "upgrade"
              and g.status == "issued"]
    if issued:
        return translate("Gifts", "Upgraded to %1: upgrade gift %2").replace(
            "%1", tier).replace("%2", issued[0].reward.label())
    return translate("CheckoutScreen", "Upgraded to %1!").replace("%1", tier)


class GiftBar(QWidget):
    """One button per gift the member can collect now; hidden when there is none."""

    collect_requested = Signal(str)  # the gift (birthday, member_day:<id>)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gift_bar")
        self.offers: list = []
        self.buttons: dict[str, QPushButton] = {}
        self.title = QLabel(self)
        self.title.setObjectName("gift_bar_title")
        self.title.setWordWrap(True)
        self.rows = QVBoxLayout()
        self.rows.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addLayout(self.rows)
        self.setVisible(False)

    def set_gifts(self, offers) -> None:
        """``offers``: GiftOffer objects (a quote's ``gifts``); only claimable ones show."""
        claimable = [g for g in offers or () if g.status == "claimable" and g.kind != "upgrade"]
        if [g.gift_id for g in claimable] == [g.gift_id for g in self.offers]:
            return
        self.offers = claimable
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.layout() is not None:
                while item.layout().count():
                    w = item.layout().takeAt(0).widget()
                    if w is not None:
                        w.deleteLater()
        self.buttons.clear()
        for g in claimable:
            row = QHBoxLayout()
            label = QLabel(gift_title(g), self)
            label.setWordWrap(True)
            button = QPushButton(self)
            button.setObjectName(f"collect_gift_{g.kind}")
            button.clicked.connect(lambda _=False, gift=g.gift: self._collect(gift))
            row.addWidget(label, 1)
            row.addWidget(button)
            self.rows.addLayout(row)
            self.buttons[g.gift] = button
        self.retranslate()
        self.setVisible(bool(claimable))

    def set_busy(self, gift: str, busy: bool) -> None:
        button = self.buttons.get(gift)
        if button is not None:
            button.setEnabled(not busy)

    def _collect(self, gift: str) -> None:
        self.set_busy(gift, True)
        self.collect_requested.emit(gift)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.title.setText(translate("Gifts", "Gifts to collect"))
        for button in self.buttons.values():
            button.setText(translate("Gifts", "Collect"))


def collect(screen, gift: str) -> None:
    """Collect ``gift`` for the member on ``screen``'s sale (the checkout screen), on the
    worker; then the member is loaded again, so the new coupon is in the wallet and applies
    to this basket, and the cashier reads what was collected."""
    from pos_member.services.gifts import collect_gift

    from .worker import Op

    member = screen.sale.member
    if member is None or screen.env.staff is None:
        return

    def done(issued) -> None:
        screen.message.show_message(
            translate("Gifts", "Collected: %1 (coupon %2)").replace(
                "%1", issued.title).replace("%2", issued.coupon_code), "ok")
        screen._identify_id(member.id)

    def failed(exc) -> None:
        from .i18n import error_text

        screen.member_panel.gift_bar.set_busy(gift, False)
        screen.message.show_message(error_text(exc), "error")

    Op(collect_gift, screen.env.ctx, screen.env.staff, member.id, gift) \
        .success(done).failure(failed).run(screen.env.worker)


def refresh(screen, member_id: str) -> None:
    """The member's gifts today on the worker (when no basket is priced yet), into the panel
    if that member is still the sale's."""
    from pos_member.services.gifts import member_gifts

    from .worker import Op

    def show(offers) -> None:
        member = screen.sale.member
        if member is not None and member.id == member_id and screen.member_panel.pricing is None:
            screen.member_panel.gift_bar.set_gifts(offers)

    Op(member_gifts, screen.env.ctx, member_id).success(show).run(screen.env.worker)
