"""Shortcuts when no window is active: kiosk set-ups without a window manager.

Qt runs a shortcut (``QShortcut``, any context) only when the application has an active
window. A till started straight on X11 without a window manager (a kiosk) gets its keys (the
window under the pointer receives them) but never an active window, so F1…F12, F9 in the
payment dialog, Esc in a dialog and Ctrl+Shift+L did nothing. This application-wide event
filter sees such a key press, finds the enabled shortcut for it in the window the key went to
(its own, not one behind a modal dialog) and triggers it, as Qt would with an active window.
With an active window it does nothing: Qt's own shortcut handling runs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget



class KioskShortcuts(QObject):
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress or QApplication.activeWindow() is not None:
            return False
        if not isinstance(obj, QWidget) or QApplication.activePopupWidget() is not None:
            return False
        window = obj.window()
        modal = QApplication.activeModalWidget()
        if modal is not None and window is not modal:
            return False  # a modal dialog is open: the window behind it takes no keys
        pressed = QKeySequence(event.keyCombination())
        for shortcut in window.findChildren(QShortcut):
            if not shortcut.isEnabled():
                continue
            parent = shortcut.parent()
            if isinstance(parent, QWidget) and (parent.window() is not window
                                                or not parent.isVisible()):
                continue
            if any(key.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                   for key in shortcut.keys()):
                shortcut.activated.emit()
                return True
        return False


_installed: KioskShortcuts | None = None


def install(app: QApplication | None = None) -> KioskShortcuts:
    """Install the filter once for the application (later calls return the same one)."""
    global _installed
    app = app or QApplication.instance()
    if _installed is None:
        _installed = KioskShortcuts(app)
        app.installEventFilter(_installed)
    return _installed
