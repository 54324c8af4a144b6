"""Benefits (权益次数/次卡) and the points mall (积分兑换) at the counter.

The checkout screen's Benefits button (Ctrl+B) opens :class:`BenefitsDialog` for the identified
member: the benefits they have left (this period's quota, count cards with their uses and
expiry) and the mall's rewards with their points and this store's stock. A reward that cannot
be offered (out of stock, not enough points) is listed greyed with the reason, so the cashier
knows before offering it. Redeeming a benefit puts a claim on the selected basket line (or the
first line it covers); redeeming a reward adds its line to the basket, paid with points. The
basket is then priced again (the claims travel with the quote and the sale).

Loading runs on the database worker (services/benefits.py); nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from pos_member.domain.benefits import QUOTA, Claim
from pos_member.domain.mall import MallClaim

from .message_bar import MessageBar
from .screen import set_role
from .worker import Op


@dataclass(frozen=True)
class Offers:
    programme: object  # domain.benefits.Programme
    balances: tuple  # domain.benefits.Balance
    rewards: list  # mall.offerable() rows


def load_offers(ctx, member_id: str, tier: str, available_points: int) -> Offers:
    """On the worker: the member's balances today and the mall's offer list."""
    from pos_member.services import benefits as svc

    with ctx.read_sessions() as s:
        prog = svc.programme(s)
        bals = svc.member_balances(s, member_id, tier, ctx.local().date(), prog)
        return Offers(prog, bals, svc.offer_list(s, available_points))


# -- the sale's claims ---------------------------------------------------------------------------

def claims_of(sale) -> tuple[tuple[Claim, ...], tuple[MallClaim, ...]]:
    """The sale's benefit claims and mall claims as the services take them (line indexes of
    the basket as it stands; a claim whose line was removed is dropped)."""
    items = sale.items
    claims = []
    for item, benefit, source in getattr(sale, "benefit_claims", ()):
        for i, x in enumerate(items):
            if x is item:
                claims.append(Claim(benefit, i, source))
                break
    mall = []
    for reward, sku in getattr(sale, "mall_claims", ()):
        for i, x in enumerate(items):
            if x.product.sku == sku:
                mall.append(MallClaim(reward, i, int(x.qty)))
                break
    return tuple(claims), tuple(mall)


class BenefitsDialog(QDialog):
    benefit_chosen = Signal(str, str)  # benefit code, source ("quota" or a card id)
    reward_chosen = Signal(str, str)  # reward code, its SKU

    def __init__(self, parent, env, member):
        super().__init__(parent)
        self.setObjectName("benefits_dialog")
        self.setModal(True)
        self.env = env
        self.member = member
        self.offers: Offers | None = None
        self.title = QLabel(self)
        self.benefit_label = QLabel(self)
        self.benefits = QListWidget(self)
        self.benefits.setObjectName("benefit_list")
        self.mall_label = QLabel(self)
        self.rewards = QListWidget(self)
        self.rewards.setObjectName("reward_list")
        self.message = MessageBar(self)
        self.use_button = set_role(QPushButton(self), "primary")
        self.use_button.setObjectName("redeem_benefit_button")
        self.use_button.clicked.connect(self._use)
        self.reward_button = set_role(QPushButton(self), "primary")
        self.reward_button.setObjectName("redeem_reward_button")
        self.reward_button.clicked.connect(self._reward)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("close_benefits_button")
        self.close_button.clicked.connect(self.reject)
        self.benefits.itemDoubleClicked.connect(lambda _i: self._use())
        self.rewards.itemDoubleClicked.connect(lambda _i: self._reward())

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.benefit_label)
        layout.addWidget(self.benefits, 1)
        layout.addWidget(self.use_button)
        layout.addWidget(self.mall_label)
        layout.addWidget(self.rewards, 1)
        row = QHBoxLayout()
        row.addWidget(self.reward_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.resize(560, 600)
        self.retranslate()
        Op(load_offers, env.ctx, member.id, member.tier, member.available_points) \
            .success(self._loaded).failure(self._failed).run(env.worker)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Benefits and points mall"))
        self.title.setText(self.tr("%1: %2 points").replace("%1", self.member.name or "")
                           .replace("%2", str(self.member.available_points)))
        self.benefit_label.setText(self.tr("Benefits left"))
        self.mall_label.setText(self.tr("Points mall"))
        self.use_button.setText(self.tr("Redeem a use on the selected line"))
        self.reward_button.setText(self.tr("Redeem the reward"))
        self.close_button.setText(self.tr("Close"))

    def _failed(self, exc) -> None:
        from .i18n import error_text

        self.message.show_message(lambda: error_text(exc), "error", 0)

    def _loaded(self, offers: Offers) -> None:
        self.offers = offers
        lang = "en" if self.env.language.language.startswith("en") else "zh"
        self.benefits.clear()
        for b in offers.balances:
            if not offers.programme.has_benefit(b.benefit):
                continue
            name = offers.programme.benefit(b.benefit).display_name(lang)
            left = (self.tr("unlimited") if b.remaining is None
                    else self.tr("%1 left").replace("%1", str(b.remaining)))
            if b.source == QUOTA:
                where = self.tr("this period (%1)").replace("%1", b.period_key or "")
            else:
                where = self.tr("count card, until %1").replace(
                    "%1", b.expires_on.isoformat() if b.expires_on else "")
            item = QListWidgetItem(f"{name} · {left} · {where}", self.benefits)
            item.setData(Qt.ItemDataRole.UserRole, (b.benefit, b.source))
            if not b.usable:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        if self.benefits.count() == 0:
            QListWidgetItem(self.tr("No benefits"), self.benefits).setFlags(Qt.ItemFlag.NoItemFlags)
        self.rewards.clear()
        for r in offers.rewards:
            reward = offers.programme.reward(r["reward"])
            text = self.tr("%1 · %2 points · stock %3").replace(
                "%1", reward.display_name(lang)).replace("%2", str(r["points"])).replace(
                "%3", str(r["stock"]))
            if not r["ok"]:
                reason = {"out_of_stock": self.tr("out of stock"),
                          "not_enough_points": self.tr("not enough points")}.get(
                    r["reason"], r["message"] or "")
                text = f"{text} · {reason}"
            item = QListWidgetItem(text, self.rewards)
            item.setData(Qt.ItemDataRole.UserRole, (reward.code, reward.sku, r["ok"],
                                                    r["reason"]))
            if not r["ok"]:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        for lst in (self.benefits, self.rewards):
            for i in range(lst.count()):
                if lst.item(i).flags() & Qt.ItemFlag.ItemIsEnabled:
                    lst.setCurrentRow(i)
                    break

    def _use(self) -> None:
        item = self.benefits.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not data or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.message.show_message(self.tr("Choose a benefit with a use left."), "error", 0)
            return
        self.benefit_chosen.emit(*data)
        self.accept()

    def _reward(self) -> None:
        item = self.rewards.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not data or not data[2]:
            self.message.show_message(self.tr("This reward cannot be offered now."), "error", 0)
            return
        self.reward_chosen.emit(data[0], data[1])
        self.accept()


class BenefitsHook:
    """What the checkout screen holds of this feature: its button and the claim handling."""

    def __init__(self, screen):
        self.screen = screen
        self.button = QPushButton(screen)
        self.button.setObjectName("benefits_button")
        self.button.clicked.connect(self.open)
        self.dialog: BenefitsDialog | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(QCoreApplication.translate("CheckoutScreen", "Benefits (Ctrl+B)"))

    def open(self) -> None:
        member = self.screen.sale.member
        if member is None:
            self.screen.message.show_message(
                QCoreApplication.translate(
                    "CheckoutScreen", "Identify the member first: benefits and the points "
                    "mall are for members."), "error", 0)
            return
        dialog = BenefitsDialog(self.screen, self.screen.env, member)
        dialog.benefit_chosen.connect(self._benefit)
        dialog.reward_chosen.connect(self._reward)
        dialog.open()
        self.dialog = dialog

    def _benefit(self, benefit: str, source: str) -> None:
        sale = self.screen.sale
        prog = self.dialog.offers.programme if self.dialog and self.dialog.offers else None
        index = self.screen.selected()
        items = sale.items
        if prog is not None and prog.has_benefit(benefit):
            b = prog.benefit(benefit)

            def covers(i: int) -> bool:
                p = items[i].product
                return b.covers(p.sku, p.category_id or "")
            if index is None or not covers(index):
                index = next((i for i in range(len(items)) if covers(i)), None)
        if index is None:
            self.screen.message.show_message(
                QCoreApplication.translate(
                    "CheckoutScreen", "No line in the basket is covered by this benefit."),
                "error", 0)
            return
        sale.benefit_claims.append((items[index], benefit, source))
        sale.touch()
        self.screen.requote()

    def _reward(self, reward: str, sku: str) -> None:
        sale = self.screen.sale
        if not any(r == reward for r, _ in sale.mall_claims):
            sale.mall_claims.append((reward, sku))
        self.screen.add_code(sku)  # the reward's line (priced by the quote with points)
