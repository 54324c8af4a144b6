"""Shared dialogs: the number pad, the manager-approval dialog, and small amount/text prompts.

All dialogs are opened with ``open()`` (window-modal, non-blocking) and report through signals,
so no nested event loop runs while the database worker calls back, and tests can drive them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .i18n import error_text
from .message_bar import MessageBar, set_keys, set_role
from .scanner import make_scan_field, mark_pin_field

# The number pad is on the login screen: it uses no Qt.* enum (message_bar.set_keys); the
# dialogs, opened later, import ``Qt`` where they use it.


class PinPad(QWidget):
    """A touch number pad writing into a masked field. ``submitted(str)`` on OK or Enter."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, masked: bool = True, max_len: int = 8,
                 scan_field: bool = True):
        """``scan_field=False``: the caller prepares the field with ``make_scan_field`` later
        (the login screen, after its first paint)."""
        super().__init__(parent)
        self.field = QLineEdit(self)
        if scan_field:
            make_scan_field(self.field)
        self.field.setObjectName("pin_field")
        set_role(self.field, "pin")
        self.field.setMaxLength(max_len)
        set_keys(self.field, "alignment", "AlignCenter")
        if masked:
            self.field.setEchoMode(QLineEdit.EchoMode.Password)
            mark_pin_field(self.field)  # a PIN is typed, never scanned (ui.scanner)
        self.field.returnPressed.connect(self._submit)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for i, label in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "⌫"]):
            b = set_role(QPushButton(label, self), "key")
            b.setObjectName(f"pin_key_{ {'C': 'clear', '⌫': 'back'}.get(label, label) }")
            set_keys(b, "focusPolicy", "NoFocus")
            b.clicked.connect(lambda _=False, k=label: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[label] = b
        self.ok = set_role(QPushButton(self), "primary")
        self.ok.setObjectName("pin_ok")
        self.ok.setMinimumHeight(56)
        self.ok.clicked.connect(self._submit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addLayout(grid)
        layout.addWidget(self.ok)
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    ok_label = None  # a callable giving the OK button's text (e.g. "Sign in"); else "OK"

    def retranslate(self) -> None:
        self.ok.setText(self.ok_label() if self.ok_label is not None else self.tr("OK"))
        self.field.setPlaceholderText(self.tr("PIN"))

    def press(self, key: str) -> None:
        if key == "C":
            self.field.clear()
        elif key == "⌫":
            self.field.backspace()
        else:
            self.field.insert(key)
        self.field.setFocus()

    def value(self) -> str:
        return self.field.text()

    def clear(self) -> None:
        self.field.clear()

    def _submit(self) -> None:
        self.submitted.emit(self.field.text())


class ApprovalDialog(QDialog):
    """A manager approves a protected action with their staff code and PIN.

    ``reason`` is the :class:`ApprovalNeeded` the service raised (its details say which action
    and, for money, how much; or why the previous attempt was refused). Emits
    ``approved(Approval)`` or ``cancelled()``. Opened by
    :meth:`pos_member.ui.worker.Op.with_approval` with ``close_on_approve=False``: it stays open
    (keys disabled) while the action runs again, shows a refusal with :meth:`refused` and is
    closed by the op. Open it yourself with ``open()``: it closes on approve.
    """

    approved = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None, reason: BaseException | None = None,
                 title: str | None = None, close_on_approve: bool = True):
        from PySide6.QtCore import Qt

        super().__init__(parent)
        self._close_on_approve = close_on_approve
        self.setObjectName("approval_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._title = title
        self._reason = reason
        self.heading = QLabel(self)
        set_role(self.heading, "title")
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        self.message = MessageBar(self)
        self.code_label = QLabel(self)
        self.code = make_scan_field(QLineEdit(self))
        self.code.setObjectName("approver_code")
        self.pad = PinPad(self)
        self.pad.submitted.connect(self._approve)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("approval_cancel")
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.explain)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(self.code_label)
        row.addWidget(self.code, 1)
        layout.addLayout(row)
        layout.addWidget(self.pad)
        layout.addWidget(self.cancel_button)
        self.rejected.connect(self.cancelled)
        self.retranslate()
        code = getattr(reason, "code", "")
        if code in ("wrong_pin", "locked", "unknown_staff", "not_a_manager"):
            self.message.show_message(lambda: error_text(reason), "error")
        self.code.setFocus()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Manager approval"))
        self.heading.setText(self._title or self.tr("Manager approval needed"))
        details = getattr(self._reason, "details", None) or {}
        action = details.get("action")
        what = action_name(action) if action else ""
        amount = details.get("amount_fen")
        if what and isinstance(amount, int) and not isinstance(amount, bool):
            from pos_member.domain.money import format_fen

            what = self.tr("%1 of %2").replace("%1", what).replace("%2",
                                                                   "¥" + format_fen(amount))
        self.explain.setText(self.tr("A manager enters their staff code and PIN to approve: %1")
                             .replace("%1", what) if what else
                             self.tr("A manager enters their staff code and PIN to approve."))
        self.code_label.setText(self.tr("Manager code"))
        self.code.setPlaceholderText("S001")
        self.cancel_button.setText(self.tr("Cancel"))

    def _approve(self, pin: str) -> None:
        code = self.code.text().strip()
        if not code:
            self.message.show_message(self.tr("Enter the manager's staff code."), "error")
            self.code.setFocus()
            return
        if not pin:
            self.message.show_message(self.tr("Enter the manager's PIN."), "error")
            return
        from pos_member.services.staff import Approval  # not at import: keeps start-up light

        if self._close_on_approve:
            self.approved.emit(Approval(code, pin))
            self.done(QDialog.DialogCode.Accepted)
            return
        self._set_checking(True)
        self.approved.emit(Approval(code, pin))

    def _set_checking(self, checking: bool) -> None:
        """While the manager's PIN is checked: no second approval from this dialog."""
        self.checking = checking
        self.pad.setEnabled(not checking)
        self.code.setEnabled(not checking)
        self.cancel_button.setEnabled(not checking)  # the action is already running again
        if checking:
            self.message.show_message(self.tr("Checking…"), "info", 0)

    checking = False

    def reject(self) -> None:
        if self.checking:  # Esc while the approved action runs: too late to cancel it
            return
        super().reject()

    def refused(self, reason: BaseException) -> None:
        """The PIN (or the approver) was refused: say why, in this dialog, and ask again. The
        action (and amount) asked for stay as they were."""
        self._set_checking(False)
        self.message.show_message(lambda: error_text(reason), "error")
        self.pad.clear()
        if getattr(reason, "code", "") in ("unknown_staff", "not_a_manager"):
            self.code.selectAll()
            self.code.setFocus()
        else:
            self.pad.field.setFocus()


def action_name(action: str | None) -> str:
    from .i18n import translate

    return {
        "void_line": translate("Actions", "remove a line"),
        "void_basket": translate("Actions", "void the whole basket"),
        "refund": translate("Actions", "a refund"),
        "price_override": translate("Actions", "a price override"),
        "discount_override": translate("Actions", "a discount override"),
        "no_sale_drawer": translate("Actions", "opening the drawer without a sale"),
        "cash_difference_over_threshold": translate("Actions", "a cash difference"),
        "close_shift": translate("Actions", "closing the shift"),
        "static_code_points_spend": translate(
            "Actions", "spending points without the member's app code"),
    }.get(action or "", action or "")


class DecimalPadDialog(QDialog):
    """A prompt, a message bar, an unmasked keypad with a decimal point, and Cancel: the frame
    of the amount and weight prompts. Subclasses read the pad's text in ``_done`` and set the
    Cancel button's text (in their own translation context)."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str, *, name: str,
                 max_len: int, initial_text: str = "", unit: str | None = None):
        from PySide6.QtCore import Qt

        super().__init__(parent)
        self.setObjectName(f"{name}_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per use: no leak
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        self.prompt = QLabel(prompt, self)
        self.prompt.setWordWrap(True)
        self.message = MessageBar(self)
        self.pad = PinPad(self, masked=False, max_len=max_len)
        self.pad.field.setObjectName(f"{name}_field")
        self.unit = QLabel(unit, self) if unit is not None else None
        self.dot = set_role(QPushButton(".", self), "key")
        self.dot.setObjectName(f"{name}_dot")
        self.dot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.dot.clicked.connect(lambda: self.pad.field.insert("."))
        if initial_text:
            self.pad.field.setText(initial_text)
            self.pad.field.selectAll()
        self.pad.submitted.connect(self._done)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.message)
        layout.addWidget(self.pad)
        row = QHBoxLayout()
        if self.unit is not None:
            row.addWidget(self.unit)
        row.addWidget(self.dot)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.reject)

    def _done(self, text: str) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError


class AmountDialog(DecimalPadDialog):
    """Ask for an amount in yuan (float, price override, cash handed over). ``entered(fen)``."""

    entered = Signal(int)

    def __init__(self, parent: QWidget | None, title: str, prompt: str, initial_fen: int = 0,
                 allow_zero: bool = True):
        from pos_member.domain.money import format_fen

        super().__init__(parent, title, prompt, name="amount", max_len=12,
                         initial_text=format_fen(initial_fen) if initial_fen else "")
        self.allow_zero = allow_zero
        self.pad.keys["⌫"].setText("⌫")
        self.cancel_button.setText(self.tr("Cancel"))

    def _done(self, text: str) -> None:
        from pos_member.domain.money import parse_yuan

        try:
            fen = parse_yuan(text.strip() or "0")
        except ValueError:
            self.message.show_message(self.tr("Enter an amount like 12.50."), "error")
            return
        if fen < 0 or (fen == 0 and not self.allow_zero):
            self.message.show_message(self.tr("Enter an amount greater than zero."), "error")
            return
        self.entered.emit(fen)
        self.done(QDialog.DialogCode.Accepted)
