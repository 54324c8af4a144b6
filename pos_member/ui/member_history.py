"""The member's own coupons, latest purchases and points changes, from the member panel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_member.services import members as member_service

from .i18n import error_text
from .member_panel import coupon_description, yuan
from .screen import MessageBar, set_role
from .worker import Op

class MemberHistoryDialog(QDialog):
    """Three tabs: 优惠券 (the member's own coupons, by name), 消费记录 (their purchases at
    this till), 积分记录 (their points changes at this till). Loaded off the GUI thread."""

    def __init__(self, parent: QWidget | None, env, member):
        super().__init__(parent)
        self.env = env
        self.member = member
        self.activity = None
        self.coupons = None
        self.setObjectName("member_history_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.heading = set_role(QLabel(self), "title")
        self.note = set_role(QLabel(self), "muted")
        self.note.setWordWrap(True)
        self.message = MessageBar(self)
        self.tabs = QTabWidget(self)
        self.coupon_list = QListWidget(self)
        self.coupon_list.setObjectName("history_coupons")
        self.purchase_list = QListWidget(self)
        self.purchase_list.setObjectName("history_purchases")
        self.points_list = QListWidget(self)
        self.points_list.setObjectName("history_points")
        for w in (self.coupon_list, self.purchase_list, self.points_list):
            w.setWordWrap(True)
            self.tabs.addTab(w, "")
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.close_button)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.retranslate()
        self.resize(760, 540)
        Op(member_service.member_coupon_views, env.ctx, member.id).success(self._coupons) \
            .failure(self._failed).run(env.worker)
        Op(member_service.member_activity, env.ctx, member.id).success(self._activity) \
            .failure(self._failed).run(env.worker)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Member history"))
        self.heading.setText(self.member.name or self.tr("(no name)"))
        self.note.setText(self.tr("Purchases and points changes made at this till; the "
                                  "member's app shows those of every store."))
        self.tabs.setTabText(0, self.tr("Coupons"))
        self.tabs.setTabText(1, self.tr("Purchases"))
        self.tabs.setTabText(2, self.tr("Points"))
        self.close_button.setText(self.tr("Close (Esc)"))
        self._fill()

    def _failed(self, exc) -> None:
        self.message.show_message(error_text(exc), "error")

    def _coupons(self, views) -> None:
        self.coupons = views
        self._fill()

    def _activity(self, activity) -> None:
        self.activity = activity
        self._fill()

    def _fill(self) -> None:
        if self.coupons is not None:
            self.coupon_list.clear()
            for c in self.coupons:
                self.coupon_list.addItem(f"{c.title or c.code} · {coupon_description(c)}")
            if not self.coupons:
                self.coupon_list.addItem(self.tr("No coupons of their own."))
        if self.activity is None:
            return
        self.purchase_list.clear()
        for p in self.activity.purchases:
            text = self.tr("%1  receipt %2  %3  lines: %4") \
                .replace("%1", f"{p.at:%Y-%m-%d %H:%M}").replace("%2", p.receipt_no) \
                .replace("%3", yuan(p.total_fen)).replace("%4", str(p.items))
            if p.points_earned:
                text += "  " + self.tr("+%1 points").replace("%1", str(p.points_earned))
            if p.points_redeemed:
                text += "  " + self.tr("−%1 points").replace("%1", str(p.points_redeemed))
            if p.status == "voided":
                text += "  " + self.tr("(voided)")
            self.purchase_list.addItem(text)
        if not self.activity.purchases:
            self.purchase_list.addItem(self.tr("No purchases at this till yet."))
        self.points_list.clear()
        for e in self.activity.points:
            kind = self._kind_text(e.kind)
            text = f"{e.at:%Y-%m-%d %H:%M}  {e.points:+d}  {kind}"
            if e.receipt_no:
                text += "  " + self.tr("receipt %1").replace("%1", e.receipt_no)
            if not e.confirmed:
                text += "  " + self.tr("(not yet confirmed by the central service)")
            self.points_list.addItem(text)
        if not self.activity.points:
            self.points_list.addItem(self.tr("No points changes at this till yet."))

    def _kind_text(self, kind: str) -> str:
        """A points_ledger kind as the cashier reads it."""
        return {
            "earn": self.tr("earned"),
            "redeem": self.tr("spent"),
            "reverse_earn": self.tr("taken back (refund)"),
            "return_redeem": self.tr("given back (refund)"),
            "expire": self.tr("expired"),
            "adjust": self.tr("adjusted"),
        }.get(kind, kind)
