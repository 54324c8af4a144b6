"""Finding a member by phone number or its last four digits (with a pick list), and
registering a new member at the counter (with the card slip printed)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_member.services import members as member_service

from .dialogs import PinPad
from .i18n import error_text, tier_name
from .scanner import make_scan_field
from .screen import MessageBar, set_role
from .worker import Op


class MemberLookupDialog(QDialog):
    """Type a phone number, its last four digits or a name (pinyin initials too); one match is
    taken at once, several give a pick list. Emits ``found(LookupResult, MemberView)``."""

    found = Signal(object, object)

    def __init__(self, parent: QWidget | None, env):
        super().__init__(parent)
        self.env = env
        self.setObjectName("lookup_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.result = None
        self.prompt = QLabel(self)
        self.prompt.setWordWrap(True)
        self.message = MessageBar(self)
        self.pad = PinPad(self, masked=False, max_len=14)
        self.pad.field.setObjectName("lookup_field")
        self.pad.submitted.connect(self.search)
        self.results = QListWidget(self)
        self.results.setObjectName("lookup_results")
        self.results.itemActivated.connect(self._picked)
        self.results.itemClicked.connect(self._picked)
        self.results.hide()
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.reject)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(self.prompt)
        left.addWidget(self.message)
        left.addWidget(self.pad)
        left.addWidget(self.cancel_button)
        layout.addLayout(left)
        layout.addWidget(self.results, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.retranslate()
        self.resize(860, 560)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Find a member"))
        self.prompt.setText(self.tr("Phone number, or its last four digits, or the name "
                                    "(pinyin initials too: zs for 张三)"))
        self.pad.ok_label = lambda: self.tr("Search")
        self.pad.retranslate()
        self.cancel_button.setText(self.tr("Cancel"))

    def search(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        self.pad.setEnabled(False)
        Op(member_service.find, self.env.ctx, text).success(self._show) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error")) \
            .finally_(lambda: self.pad.setEnabled(True)).run(self.env.worker)

    def _show(self, result) -> None:
        self.result = result
        if result.member is not None:
            self.found.emit(result, result.member)
            self.accept()
            return
        self.results.clear()
        for m in result.members:
            points = self.tr("%1 points").replace("%1", str(m.points))
            tier = tier_name(m.tier, self.env.tiers)
            item = QListWidgetItem(f"{m.name or '—'}    {m.phone or ''}    {tier}"
                                   f"    {points}")
            item.setData(Qt.ItemDataRole.UserRole, m)
            self.results.addItem(item)
        self.results.show()
        self.message.show_message(self.tr("%1 members match: pick one.")
                                  .replace("%1", str(len(result.members))), "info")

    def _picked(self, item: QListWidgetItem) -> None:
        member = item.data(Qt.ItemDataRole.UserRole)
        self.found.emit(self.result, member)
        self.accept()


class BirthdayField(QLineEdit):
    """A date typed as digits: ``19850612`` reads ``1985-06-12`` as it is typed (dashes typed
    too are fine). :meth:`date` is the QDate, or None while it is not a real date."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMaxLength(10)
        self.textEdited.connect(self._format)

    def _format(self, text: str) -> None:
        digits = "".join(c for c in text if c.isdigit())[:8]
        parts = [digits[:4], digits[4:6], digits[6:8]]
        formatted = "-".join(p for p in parts if p)
        if formatted != text:
            self.setText(formatted)

    def date(self) -> QDate | None:
        digits = "".join(c for c in self.text() if c.isdigit())
        if len(digits) != 8:
            return None
        d = QDate(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        return d if d.isValid() and d.year() >= 1900 else None


class RegistrationDialog(QDialog):
    """Register a member at the counter (works offline). Emits ``registered(MemberView,
    coupon code or None)``."""

    registered = Signal(object, object)

    def __init__(self, parent: QWidget | None, env, phone: str = ""):
        super().__init__(parent)
        self.env = env
        self.setObjectName("registration_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.heading = QLabel(self)
        set_role(self.heading, "title")
        self.message = MessageBar(self)
        self.phone = make_scan_field(QLineEdit(phone, self))
        self.phone.setObjectName("reg_phone")
        self.phone.setInputMask("")
        self.name = QLineEdit(self)
        self.name.setObjectName("reg_name")
        self.name.setMaxLength(100)
        # The birthday is optional: typed as digits (19850612 shows as 1985-06-12) or picked on
        # the calendar, which opens at the date typed (else this month 30 years back).
        self.birthday = BirthdayField(self)
        self.birthday.setObjectName("reg_birthday")
        self.calendar_button = QPushButton(self)
        self.calendar_button.setObjectName("reg_calendar")
        self.calendar_button.clicked.connect(self._show_calendar)
        self.calendar = QCalendarWidget(self)
        self.calendar.setWindowFlags(Qt.WindowType.Popup)
        self.calendar.setGridVisible(True)
        self.calendar.setMaximumDate(QDate.currentDate())
        self.calendar.activated.connect(self._picked)
        self.calendar.clicked.connect(self._picked)
        self.consent = QCheckBox(self)
        self.consent.setObjectName("reg_consent")
        self.form = QFormLayout()
        self.labels = [QLabel(self) for _ in range(3)]
        self.form.addRow(self.labels[0], self.phone)
        self.form.addRow(self.labels[1], self.name)
        row = QHBoxLayout()
        row.addWidget(self.birthday, 1)
        row.addWidget(self.calendar_button)
        self.form.addRow(self.labels[2], row)
        self.form.addRow("", self.consent)
        self.ok = set_role(QPushButton(self), "primary")
        self.ok.setObjectName("reg_ok")
        self.ok.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.reject)
        self.online_order = QPushButton(self)  # 凭订单号激活 (ui/activation_dialog.py)
        self.online_order.setObjectName("reg_online_order")
        self.online_order.clicked.connect(self._with_order)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.online_order)
        buttons.addWidget(self.ok, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.message)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)
        self.retranslate()
        self.resize(640, 420)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New member"))
        self.heading.setText(self.tr("Join the membership"))
        self.labels[0].setText(self.tr("Mobile number"))
        self.labels[1].setText(self.tr("Name"))
        self.labels[2].setText(self.tr("Birthday"))
        self.birthday.setPlaceholderText(self.tr("YYYY-MM-DD (optional)"))
        self.calendar_button.setText(self.tr("Calendar"))
        self.consent.setText(self.tr("Agrees to receive offers (marketing consent)"))
        self.ok.setText(self.tr("Register"))
        self.online_order.setText(self.tr("Online order number"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.phone.setPlaceholderText("13800001234")

    def _with_order(self) -> None:
        from .activation_dialog import ActivationDialog

        dialog = ActivationDialog(self, self.env, self.phone.text().strip())
        dialog.activated.connect(self.registered.emit)
        dialog.accepted.connect(self.accept)
        self.activation = dialog
        dialog.open()

    def _show_calendar(self) -> None:
        shown = self.birthday.date() or QDate.currentDate().addYears(-30)
        self.calendar.setSelectedDate(shown)
        self.calendar.setCurrentPage(shown.year(), shown.month())
        self.calendar.move(self.birthday.mapToGlobal(self.birthday.rect().bottomLeft()))
        self.calendar.show()

    def _picked(self, day: QDate) -> None:
        self.birthday.setText(day.toString("yyyy-MM-dd"))
        self.calendar.hide()
        self.birthday.setFocus()

    def submit(self) -> None:
        bday = None
        if self.birthday.text().strip():
            d = self.birthday.date()
            if d is None or d > QDate.currentDate():
                self.message.show_message(
                    self.tr("Enter the birthday as year, month and day, e.g. 1985-06-12, or "
                            "leave it empty."), "error")
                self.birthday.setFocus()
                return
            bday = date(d.year(), d.month(), d.day())
        reg = member_service.Registration(self.phone.text(), self.name.text(), bday,
                                          self.consent.isChecked())
        self.ok.setEnabled(False)
        Op(member_service.register, self.env.ctx, self.env.staff, reg) \
            .success(self._done) \
            .failure(lambda exc: self.message.show_message(error_text(exc), "error")) \
            .finally_(lambda: self.ok.setEnabled(True)).run(self.env.worker)

    def _done(self, result) -> None:
        member, coupon = result
        self.env.changed.emit("member")
        self.registered.emit(member, coupon)
        self.accept()
