"""Recharge a member's stored value (储值充值) at the counter, and refund a recharge.

Preset amounts (the brand's, from the rules) or a typed amount; the bonus the brand's recharge
rules give is shown before the cashier takes the money (cash with change, WeChat Pay, Alipay,
card). The recharge runs on the database worker; its slip is printed when a printer is set.
The refund of a recharge needs a manager (the approval dialog of the op opens on its own):
the principal less the bonus already spent goes back, what is left of the bonus is removed.
"""

from __future__ import annotations

import logging
import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
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

from pos_member.domain import stored_value as sv
from pos_member.domain.money import parse_yuan
from pos_member.services import stored_value as svs

from .i18n import error_text, tender_name
from .member_panel import yuan
from .message_bar import MessageBar
from .screen import set_role
from .worker import Op

log = logging.getLogger(__name__)

RECHARGE_TENDERS = (("cash", "F1"), ("wechat", "F2"), ("alipay", "F3"), ("card", "F4"))


def _slip(env, member, *, result=None, refund=None, tendered=None):
    """The slip's data, built on the GUI thread from what the op returned."""
    from pos_member.printing.recharge_slip import RechargeSlipData

    store = env.store or {}
    ctx = env.ctx
    staff = env.staff
    if refund is not None:
        f = refund.figures
        return RechargeSlipData(
            store_name=store.get("store_name") or store.get("brand_name") or "POS Member",
            slip_no=refund.receipt_no, at=ctx.now(), tz=ctx.tz_name,
            member_name=member.name or "", masked_phone=member.phone or "",
            tender=refund.tender, principal_after=refund.balance.principal,
            bonus_after=refund.balance.bonus, refund=True, cash_back=f.cash_back,
            principal_out=-f.movement.principal, bonus_out=-f.movement.bonus,
            bonus_spent=f.bonus_spent, cashier=getattr(staff, "name", "") or "",
            terminal=ctx.terminal_id[:8], offline=not ctx.online())
    rule = result.rule
    return RechargeSlipData(
        store_name=store.get("store_name") or store.get("brand_name") or "POS Member",
        slip_no=result.receipt_no, at=ctx.now(), tz=ctx.tz_name,
        member_name=member.name or "", masked_phone=member.phone or "",
        tender=result_tender(result, tendered), principal_after=result.balance.principal,
        bonus_after=result.balance.bonus, amount=result.amount, bonus=result.bonus,
        rule_title=(rule.title or rule.id) if rule else "",
        gift_coupon=rule.coupon if rule else "",
        tier_name=env.tiers.receipt_name(rule.tier) if rule and rule.tier else "",
        tendered=tendered[1] if tendered and tendered[0] == "cash" else None,
        change=result.change, cashier=getattr(staff, "name", "") or "",
        terminal=ctx.terminal_id[:8], offline=not ctx.online())


def result_tender(result, tendered) -> str:
    return tendered[0] if tendered else "cash"


def print_slip(receipts, data) -> int | None:
    """On the worker thread: queue the slip (None without a printer)."""
    if receipts is None or receipts.printer is None:
        return None
    from pos_member.printing.recharge_slip import print_recharge_slip

    return print_recharge_slip(receipts.printer, data)


class RechargeDialog(QDialog):
    """Recharge ``member`` (services.members.MemberView), or refund one of their recharges."""

    recharged = Signal(object)  # RechargeResult
    refunded = Signal(object)  # RechargeRefundResult

    def __init__(self, parent: QWidget | None, env, member):
        super().__init__(parent)
        self.setObjectName("recharge_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.env = env
        self.member = member
        self.rules: sv.StoredValueRules | None = None
        self.recharge_id = str(uuid.uuid4())  # one per dialog: a retry never charges twice
        self.busy = False
        self.heading = set_role(QLabel(self), "title")
        self.balance = QLabel(self)
        self.balance.setObjectName("recharge_balance")
        self.message = MessageBar(self)
        self.message.setObjectName("recharge_message")
        self.presets = QGridLayout()
        self.preset_buttons: list[QPushButton] = []
        self.amount = QLineEdit(self)
        self.amount.setObjectName("recharge_amount")
        self.amount.textChanged.connect(self._preview)
        self.amount.returnPressed.connect(lambda: self.take("cash"))
        self.bonus = QLabel(self)
        self.bonus.setObjectName("recharge_bonus")
        set_role(self.bonus, "total")
        self.handed_label = QLabel(self)
        self.handed = QLineEdit(self)
        self.handed.setObjectName("recharge_handed")
        self.tender_buttons: dict[str, QPushButton] = {}
        tenders = QGridLayout()  # two by two: "UnionPay card (F4)" fits (screen-fit walk)
        for kind, key in RECHARGE_TENDERS:
            b = set_role(QPushButton(self), "quick")
            b.setObjectName(f"recharge_{kind}")
            b.clicked.connect(lambda _=False, k=kind: self.take(k))
            QShortcut(QKeySequence(key), self, lambda k=kind: self.take(k))
            tenders.addWidget(b, len(self.tender_buttons) // 2, len(self.tender_buttons) % 2)
            self.tender_buttons[kind] = b
        self.history_label = QLabel(self)
        self.history = QListWidget(self)
        self.history.setObjectName("recharge_history")
        self.refund_button = QPushButton(self)
        self.refund_button.setObjectName("recharge_refund")
        self.refund_button.clicked.connect(self.refund_selected)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("recharge_close")
        self.close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)

        left = QVBoxLayout()
        left.addWidget(self.heading)
        left.addWidget(self.balance)
        left.addWidget(self.message)
        left.addLayout(self.presets)
        left.addWidget(self.amount)
        left.addWidget(self.bonus)
        row = QHBoxLayout()
        row.addWidget(self.handed_label)
        row.addWidget(self.handed, 1)
        left.addLayout(row)
        left.addLayout(tenders)
        right = QVBoxLayout()
        right.addWidget(self.history_label)
        right.addWidget(self.history, 1)
        right.addWidget(self.refund_button)
        right.addWidget(self.close_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.resize(900, 560)
        self.retranslate()
        self.amount.setFocus()
        self._load()

    # --- loading -----------------------------------------------------------------------------

    def _load(self) -> None:
        ctx, member_id = self.env.ctx, self.member.id

        def load():
            return (svs.stored_value_rules(ctx), svs.member_stored_value(ctx, member_id),
                    svs.member_recharges(ctx, member_id))

        Op(load).success(self._loaded).failure(self._failed).run(self.env.worker)

    def _loaded(self, loaded) -> None:
        self.rules, self.view, recharges = loaded
        for b in self.preset_buttons:
            self.presets.removeWidget(b)
            b.deleteLater()
        self.preset_buttons = []
        for i, fen in enumerate(self.rules.presets):
            b = set_role(QPushButton(yuan(fen), self), "quick")
            b.setObjectName(f"recharge_preset_{i}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, f=fen: self._preset(f))
            self.presets.addWidget(b, i // 4, i % 4)
            self.preset_buttons.append(b)
        self.history.clear()
        for r in recharges:
            text = f"{r.receipt_no}  {yuan(r.amount)}"
            if r.bonus:
                text += "  " + self.tr("bonus %1").replace("%1", yuan(r.bonus))
            text += f"  {tender_name(r.tender)}"
            if r.refunded:
                text += "  " + self.tr("(refunded %1)").replace("%1", yuan(r.refund_cash or 0))
            item = QListWidgetItem(text, self.history)
            item.setData(Qt.ItemDataRole.UserRole, r.recharge_id)
            if r.refunded:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        self.retranslate()
        self._preview()

    def _failed(self, exc) -> None:
        self.busy = False
        self.message.show_message(lambda: self._error(exc), "error", 0)

    def _error(self, exc) -> str:
        code = getattr(exc, "code", "")
        details = getattr(exc, "details", {}) or {}
        if code == "sv_below_minimum":
            return self.tr("A recharge is at least %1.").replace(
                "%1", yuan(details.get("minimum", 0)))
        if code == "sv_above_maximum":
            return self.tr("A recharge is at most %1.").replace(
                "%1", yuan(details.get("maximum", 0)))
        if code == "sv_bonus_spent_exceeds_principal":
            return self.tr("This recharge cannot be refunded: %1 of its bonus was spent and "
                           "only %2 of its principal is left.").replace(
                "%1", yuan(details.get("bonus_spent", 0))).replace(
                "%2", yuan(details.get("principal_left", 0)))
        if code == "recharge_refunded":
            return self.tr("This recharge was refunded already.")
        return error_text(exc)

    # --- recharging --------------------------------------------------------------------------

    def _preset(self, fen: int) -> None:
        self.amount.setText(f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}")
        self.handed.setFocus()

    def entered(self) -> int | None:
        text = self.amount.text().strip()
        if not text:
            return None
        try:
            return parse_yuan(text)
        except ValueError:
            return -1

    def _preview(self) -> None:
        amount = self.entered()
        if amount is None or self.rules is None:
            self.bonus.setText("")
            return
        if amount < 0:
            self.bonus.setText(self.tr("Enter an amount like 300 or 300.00."))
            return
        try:
            grant = sv.recharge(amount, self.rules)
        except sv.StoredValueError:
            self.bonus.setText(self.tr("Allowed: %1 to %2.").replace(
                "%1", yuan(self.rules.min_recharge)).replace("%2", yuan(self.rules.max_recharge)))
            return
        if grant.bonus or (grant.rule and (grant.rule.coupon or grant.rule.tier)):
            text = self.tr("Pay %1, get %2 (bonus %3)").replace("%1", yuan(amount)).replace(
                "%2", yuan(amount + grant.bonus)).replace("%3", yuan(grant.bonus))
            if grant.rule.tier:
                text += " · " + self.tr("upgrade to %1").replace(
                    "%1", self.env.tiers.receipt_name(grant.rule.tier))
            if grant.rule.coupon:
                text += " · " + self.tr("gift coupon")
        else:
            text = self.tr("Pay %1, no bonus").replace("%1", yuan(amount))
        self.bonus.setText(text)

    def take(self, tender: str) -> None:
        if self.busy:
            return
        amount = self.entered()
        if amount is None or amount <= 0:
            self.message.show_message(self.tr("Choose or type the amount to recharge."), "error")
            self.amount.setFocus()
            return
        handed = None
        if tender == "cash" and self.handed.text().strip():
            try:
                handed = parse_yuan(self.handed.text().strip())
            except ValueError:
                self.message.show_message(self.tr("Enter the cash handed over like 500."),
                                          "error")
                return
            if handed < amount:
                self.message.show_message(self.tr("The cash handed over is less than the "
                                                  "recharge."), "error")
                return
        self.busy = True
        req = svs.RechargeRequest(self.recharge_id, self.env.staff, self.member.id, amount,
                                  tender, handed)
        ctx = self.env.ctx
        Op(svs.recharge, ctx, req).success(
            lambda result: self._recharged(result, (tender, handed))).failure(
            self._failed).run(self.env.worker)

    def _recharged(self, result, tendered) -> None:
        self.busy = False
        self.recharge_id = str(uuid.uuid4())  # the next recharge in this dialog is a new one
        text = self.tr("Recharged %1 (bonus %2). Balance %3.").replace(
            "%1", yuan(result.amount)).replace("%2", yuan(result.bonus)).replace(
            "%3", yuan(result.balance.total))
        if result.change:
            text += " " + self.tr("Change %1.").replace("%1", yuan(result.change))
        self.message.show_message(text, "ok", 0)
        self.amount.clear()
        self.handed.clear()
        self._print(_slip(self.env, self.member, result=result, tendered=tendered))
        self.recharged.emit(result)
        self.env.changed.emit("member")
        self._load()

    def _print(self, data) -> None:
        receipts = getattr(self.env, "receipts", None)
        if receipts is None:
            return
        Op(print_slip, receipts, data).failure(
            lambda exc: log.warning("recharge slip not printed: %s", exc)).run(self.env.worker)

    # --- refunding a recharge ----------------------------------------------------------------

    def refund_selected(self) -> None:
        item = self.history.currentItem()
        if item is None or self.busy:
            self.message.show_message(self.tr("Choose the recharge to refund."), "error")
            return
        recharge_id = item.data(Qt.ItemDataRole.UserRole)
        ctx, staff = self.env.ctx, self.env.staff
        self.busy = True

        def run(approval=None):
            return svs.refund_recharge(ctx, staff, recharge_id, approval,
                                       reason="refund at the counter")

        def ended() -> None:
            self.busy = False

        Op(run).with_approval(self, self.tr("Refund a recharge")).success(
            self._refunded).failure(self._failed).finally_(ended).run(self.env.worker)

    def _refunded(self, result) -> None:
        f = result.figures
        self.message.show_message(
            self.tr("Give back %1 by %2. Bonus removed %3. Balance %4.").replace(
                "%1", yuan(f.cash_back)).replace("%2", tender_name(result.tender)).replace(
                "%3", yuan(-f.movement.bonus)).replace("%4", yuan(result.balance.total)),
            "ok", 0)
        self._print(_slip(self.env, self.member, refund=result))
        self.refunded.emit(result)
        self.env.changed.emit("member")
        self._load()

    # --- drawing -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        m = self.member
        self.setWindowTitle(self.tr("Stored value"))
        self.heading.setText(self.tr("Recharge for %1").replace("%1", m.name or m.phone or ""))
        view = getattr(self, "view", None)
        if view is not None:
            self.balance.setText(self.tr("Balance %1 (principal %2, bonus %3)").replace(
                "%1", yuan(view.balance.total)).replace(
                "%2", yuan(view.balance.principal)).replace("%3", yuan(view.balance.bonus)))
        self.amount.setPlaceholderText(self.tr("Amount to recharge"))
        self.handed_label.setText(self.tr("Cash handed over"))
        for kind, key in RECHARGE_TENDERS:
            self.tender_buttons[kind].setText(f"{tender_name(kind)} ({key})")
        self.history_label.setText(self.tr("Recharges at this till"))
        self.refund_button.setText(self.tr("Refund selected recharge (manager)"))
        self.close_button.setText(self.tr("Close (Esc)"))
