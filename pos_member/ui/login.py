"""Signing in with a staff code and a PIN on the number pad, and the lock screen."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from .dialogs import PinPad
from .i18n import LANGUAGES, error_text
from .message_bar import set_keys
from .scanner import make_scan_field
from .screen import MessageBar, Screen, set_role
from .worker import Op


class TillNotOpen(RuntimeError):
    """A PIN reached the worker but no till is open: the launcher could not open it (damaged
    data, another till running) and says why on the login screen."""


def _login(env, code: str, pin: str):
    """On the worker: the till's context is read here, not when the PIN was typed (the
    launcher may still be opening the database then; this op runs after that one)."""
    from pos_member.services import staff as staff_service

    if env.ctx is None:
        raise TillNotOpen("no till is open")
    return staff_service.login(env.ctx, code, pin)


class LoginScreen(Screen):
    name = "login"
    logged_in = Signal(object)  # StaffMember

    def __init__(self, env, parent: QWidget | None = None):
        super().__init__(env, parent)
        # No Qt.* enum on this screen before its first paint (see message_bar.set_keys); the
        # scan fields are prepared after it (arm_scan_fields), with the scanner.
        self.brand = set_keys(QLabel(self), "alignment", "AlignCenter")
        set_role(self.brand, "title")
        self.heading = set_keys(QLabel(self), "alignment", "AlignCenter")
        set_role(self.heading, "subtitle")
        self.message = MessageBar(self)
        self.code_label = QLabel(self)
        self.code = QLineEdit(self)
        self.code.setObjectName("login_code")
        self.code.returnPressed.connect(lambda: self.pad.field.setFocus())
        self.pad = PinPad(self, scan_field=False)
        self.pad.submitted.connect(self._submit)
        self.language_button = QPushButton(self)
        self.language_button.setObjectName("language_button")
        self.language_button.clicked.connect(self._toggle_language)
        box = QWidget(self)
        box.setMaximumWidth(420)
        inner = QVBoxLayout(box)
        inner.addWidget(self.brand)
        inner.addWidget(self.heading)
        inner.addWidget(self.message)
        # the sign-in controls, put away while the float is asked (opening_shift)
        self.form = QWidget(box)
        form = QVBoxLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.code_label)
        row.addWidget(self.code, 1)
        form.addLayout(row)
        form.addWidget(self.pad)
        form.addWidget(self.language_button)
        inner.addWidget(self.form)
        self._opening_for: str | None = None
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box)
        outer.addStretch(1)
        self.retranslate()

    def arm_scan_fields(self) -> None:
        """The staff code and PIN fields as every scan field is (no input method): called by
        the main window when it installs the scanner, after the first paint."""
        make_scan_field(self.code)
        make_scan_field(self.pad.field)

    def opening_shift(self, name: str | None) -> None:
        """Signed in, the float dialog open over this screen: the sign-in pad is put away
        (the float pad over the sign-in pad and its button read as one screen, issue 15) and
        the heading says who is opening the shift. ``None``: the sign-in form again."""
        self._opening_for = name
        self.form.setVisible(name is None)
        self.retranslate()

    def retranslate(self) -> None:
        self.brand.setText(self.env.store.get("store_name") or self.tr("POS Member"))
        self.heading.setText(self.tr("Sign in with your staff code and PIN")
                             if self._opening_for is None else
                             self.tr("%1: opening the shift").replace("%1", self._opening_for))
        self.code_label.setText(self.tr("Staff code"))
        self.code.setPlaceholderText("S002")
        self.pad.ok_label = lambda: self.tr("Sign in")
        self.pad.retranslate()
        other = "en" if self.env.language.language != "en" else "zh_CN"
        self.language_button.setText(LANGUAGES[other])

    def title(self) -> str:
        return self.tr("Sign in")

    def on_show(self) -> None:
        self.opening_shift(None)
        self.pad.clear()
        self.retranslate()
        (self.pad.field if self.code.text() else self.code).setFocus()

    def _toggle_language(self) -> None:
        self.env.language.set_language("en" if self.env.language.language != "en" else "zh_CN")

    def _submit(self, pin: str) -> None:
        code = self.code.text().strip()
        if not code:
            self.message.show_message(self.tr("Enter your staff code."), "error")
            self.code.setFocus()
            return
        self.pad.setEnabled(False)
        Op(_login, self.env, code, pin) \
            .success(self._ok).failure(self._failed) \
            .finally_(self._settled).run(self.env.worker)

    till_unavailable = False  # set by the launcher when the till could not be opened

    def _settled(self) -> None:
        # The till could not be opened: the pad stays off as the launcher left it (a restore
        # turns it on again).
        self.pad.setEnabled(not self.till_unavailable)

    def _ok(self, member) -> None:
        self.pad.clear()
        self.message.clear_message()
        self.env.set_staff(member)
        self.logged_in.emit(member)

    def _failed(self, exc: BaseException) -> None:
        self.pad.clear()
        if isinstance(exc, TillNotOpen) and self.till_unavailable:
            return  # refused: the launcher's message (why the till did not open) stays
        self.message.show_message(lambda: error_text(exc), "error")  # follows the language
        # A disabled field cannot take the focus: enable it first, or the next PIN and Enter
        # go nowhere.
        self.pad.setEnabled(True)
        self.pad.field.setFocus()


class LockScreen(Screen):
    """The till locked by its cashier (F12): the same staff member's PIN unlocks it; another
    person signs the first out and in as themselves."""

    name = "lock"
    unlocked = Signal()
    sign_out = Signal()

    def __init__(self, env, parent: QWidget | None = None):
        super().__init__(env, parent)
        self.heading = set_keys(QLabel(self), "alignment", "AlignCenter")
        set_role(self.heading, "title")
        self.who = set_keys(QLabel(self), "alignment", "AlignCenter")
        set_role(self.who, "subtitle")
        self.message = MessageBar(self)
        self.pad = PinPad(self)
        self.pad.submitted.connect(self._submit)
        self.sign_out_button = QPushButton(self)
        self.sign_out_button.setObjectName("sign_out_button")
        self.sign_out_button.clicked.connect(self.sign_out)
        box = QWidget(self)
        box.setMaximumWidth(420)
        inner = QVBoxLayout(box)
        for w in (self.heading, self.who, self.message, self.pad, self.sign_out_button):
            inner.addWidget(w)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box)
        outer.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Till locked"))
        staff = self.env.staff
        self.who.setText(self.tr("%1, enter your PIN to continue").replace(
            "%1", staff.name) if staff else "")
        self.pad.ok_label = lambda: self.tr("Unlock")
        self.pad.retranslate()
        self.sign_out_button.setText(self.tr("Sign out (another cashier)"))

    def title(self) -> str:
        return self.tr("Locked")

    def on_show(self) -> None:
        self.pad.clear()
        self.retranslate()
        self.pad.field.setFocus()

    def _submit(self, pin: str) -> None:
        staff = self.env.staff
        if staff is None:
            self.sign_out.emit()
            return
        self.pad.setEnabled(False)
        Op(_login, self.env, staff.id, pin) \
            .success(lambda _m: (self.pad.clear(), self.message.clear_message(),
                                 self.unlocked.emit())) \
            .failure(self._failed) \
            .finally_(lambda: self.pad.setEnabled(True)).run(self.env.worker)

    def _failed(self, exc: BaseException) -> None:
        self.pad.clear()
        self.message.show_message(lambda: error_text(exc), "error")  # follows the language
        self.pad.setEnabled(True)  # a disabled field cannot take the focus
        self.pad.field.setFocus()
