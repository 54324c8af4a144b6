"""Small widgets and helpers every screen and dialog uses: the message bar, style roles, and
whether Qt has already deleted a widget.

They live apart from :mod:`pos_member.ui.screen` (which re-exports them) because the shared
dialogs use them too, and the dialogs sit below the screens: screen -> env -> worker ->
dialogs would otherwise lead back to screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QWidget

MESSAGE_TEXT_PX = 15   # pos.qss QLabel[kind=...] font-size
MESSAGE_CHROME_PX = 18  # its padding (8 + 8) and border (1 + 1)


class MessageBar(QLabel):
    """A one-line message on a screen: info, ok, warn or error; info and ok fade after a while.

    ``text`` may be a callable giving the text: it is asked again when the language changes
    (Ctrl+Shift+L), so a message already on screen follows the new language."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        set_keys(self, "textInteractionFlags", "TextSelectableByMouse")
        self.setObjectName("message")
        # Its place is kept while hidden, one line high (pos.qss: 15 px text, 8 px padding):
        # a message appearing or going does not push the screen's layout. A message longer
        # than the line grows the bar (it is never cut).
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        font = QFont(self.font())
        font.setPixelSize(MESSAGE_TEXT_PX)
        self.setMinimumHeight(QFontMetrics(font).height() + MESSAGE_CHROME_PX)
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


def set_keys(widget: QWidget, prop: str, keys: str) -> QWidget:
    """Set an enum or flags property by its keys' names (``"AlignCenter"``, ``"A|B"``), through
    Qt's property system: what the login screen and the widgets on it use instead of ``Qt.*``
    enums, since PySide makes every enum of the ``Qt`` namespace on its first use (11 ms or more,
    none of it needed for the first paint; issue 14 item 8)."""
    if not widget.setProperty(prop, keys):
        raise ValueError(f"{type(widget).__name__}.{prop} cannot be set to {keys!r}")
    return widget
