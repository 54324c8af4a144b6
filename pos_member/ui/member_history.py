"""The member's own coupons, latest purchases and points changes, from the member panel."""

from __future__ import annotations

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
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
from .members_ui import BirthdayField
from .screen import MessageBar, set_role
from .worker import Op

class MemberHistoryDialog(QDialog):
    """Three tabs: 优惠券 (the member's own coupons, by name), 消费记录 (their purchases at
    this till), 积分记录 (their points changes at this till). Loaded off the GUI thread.
    "Edit details" corrects the name, birthday and consent; ``member_changed(MemberView)``."""

    member_changed = Signal(object)

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
        self.edit_button = QPushButton(self)
        self.edit_button.setObjectName("member_edit_button")
        self.edit_button.clicked.connect(self.edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.close_button, 1)
        layout.addLayout(buttons)
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
        self.edit_button.setText(self.tr("Edit details"))
        self._fill()

    def edit(self) -> None:
        dialog = MemberEditDialog(self, self.env, self.member)
        dialog.saved.connect(self._saved)
        dialog.open()

    def _saved(self, view) -> None:
        self.member = view
        self.retranslate()
        self.message.show_message(self.tr("Saved; the central service gets the change with the "
                                          "next sync."), "info")
        self.member_changed.emit(view)

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


class MemberEditDialog(QDialog):
    """The member's name, birthday and marketing consent, as the member asks them corrected.
    Phone, card, tier and points are not edited at the counter. ``saved(MemberView)``."""

    saved = Signal(object)

    def __init__(self, parent: QWidget | None, env, member):
        super().__init__(parent)
        self.env = env
        self.member = member
        self.setObjectName("member_edit_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.message = MessageBar(self)
        self.name = QLineEdit(member.name, self)
        self.name.setObjectName("edit_name")
        self.name.setMaxLength(100)
        self.birthday = BirthdayField(self)
        self.birthday.setObjectName("edit_birthday")
        if member.birthday is not None:
            self.birthday.setText(member.birthday.isoformat())
        self.consent = QCheckBox(self)
        self.consent.setObjectName("edit_consent")
        self.consent.setChecked(bool(getattr(member, "marketing_consent", False)))
        self.labels = [QLabel(self) for _ in range(2)]
        form = QFormLayout()
        form.addRow(self.labels[0], self.name)
        form.addRow(self.labels[1], self.birthday)
        form.addRow("", self.consent)
        self.ok = set_role(QPushButton(self), "primary")
        self.ok.setObjectName("edit_ok")
        self.ok.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.setWindowTitle(self.tr("Edit member details"))
        self.labels[0].setText(self.tr("Name"))
        self.labels[1].setText(self.tr("Birthday (YYYYMMDD, optional)"))
        self.consent.setText(self.tr("Agrees to receive offers"))
        self.ok.setText(self.tr("Save"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.resize(520, 260)

    def submit(self) -> None:
        text = self.birthday.text().strip()
        picked: QDate | None = self.birthday.date()
        if text and picked is None:
            self.message.show_message(self.tr("The birthday is not a real date."), "error")
            return
        birthday = picked.toPython() if picked is not None else None
        self.ok.setEnabled(False)
        Op(member_service.update_member, self.env.ctx, self.env.staff, self.member.id,
           self.name.text(), birthday, self.consent.isChecked()) \
            .success(self._done) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error")) \
            .finally_(lambda: self.ok.setEnabled(True)).run(self.env.worker)

    def _done(self, view) -> None:
        self.saved.emit(view)
        self.accept()
