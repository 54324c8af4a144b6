"""The base of every screen in the main window's stack, and the message bar screens share.

A screen is a QWidget with a ``name`` that the main window registers with
``window.add_screen(screen)``. The hooks, all optional:

- ``retranslate()``: set every visible text (called once at the end of ``__init__`` by the
  subclass, and again on each language change);
- ``on_show()`` / ``on_hide()``: the screen became current / stopped being current;
- ``handle_scan(scan) -> bool``: a scan arrived while this screen is current; return True when
  handled (otherwise the main window says the code is not for this screen);
- ``shortcuts()``: a list of (QKeySequence, callable, description) made active only while the
  screen is current; the main window shows them in the help (F1).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from .env import UiEnv


class Screen(QWidget):
    name = "screen"

    def __init__(self, env: UiEnv, parent: QWidget | None = None):
        super().__init__(parent)
        self.env = env

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        pass

    def on_show(self) -> None:
        pass

    def on_hide(self) -> None:
        pass

    def handle_scan(self, scan) -> bool:
        return False

    def shortcuts(self) -> list:
        return []

    def title(self) -> str:
        return self.name


class MessageBar(QLabel):
    """A one-line message on a screen: info, ok, warn or error; info and ok fade after a while.

    ``text`` may be a callable giving the text: it is asked again when the language changes
    (Ctrl+Shift+L), so a message already on screen follows the new language."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setObjectName("message")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_message)
        self.kind = ""
        self._make_text = None
        self.hide()

    def show_message(self, text, kind: str = "info", seconds: float | None = None) -> None:
        self.kind = kind
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self._make_text = text if callable(text) else None
        self.setText(text() if callable(text) else text)
        self.show()
        if seconds is None:
            seconds = 6.0 if kind in ("info", "ok") else 0
        if seconds:
            self._timer.start(int(seconds * 1000))
        else:
            self._timer.stop()

    def clear_message(self) -> None:
        self.kind = ""
        self._make_text = None
        self.setText("")
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self._make_text is not None:
            self.setText(self._make_text())
        super().changeEvent(event)


def alive(widget) -> bool:
    """False once Qt has deleted the widget (dialogs delete themselves on close)."""
    import shiboken6

    return widget is not None and shiboken6.isValid(widget)


def set_role(widget: QWidget, role: str) -> QWidget:
    widget.setProperty("role", role)
    return widget
