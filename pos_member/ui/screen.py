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

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget

from .env import UiEnv
from .message_bar import MessageBar, alive, set_role  # noqa: F401 - re-exported for screens


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
