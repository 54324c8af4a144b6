"""Fixtures for driving the cashier application like a cashier: a ready till (the services'
test till: demo catalogue, staff, members, coupons, a signing key and a controlled clock), a main
window on it, and helpers for PIN pads, key-burst scans and waiting for the DB worker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.services.support import make_till

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def till(tmp_path):
    return make_till(tmp_path)


@pytest.fixture
def window(qtbot, till, tmp_path):
    from pos_member.ui.app import apply_look
    from pos_member.ui.main_window import MainWindow

    apply_look(QApplication.instance())
    w = MainWindow(till.ctx, tmp_path, language="en")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    idle(qtbot, w)
    yield w
    w.shutdown()
    w.language.set_language("en")


def idle(qtbot, window, timeout=5000) -> None:
    """Wait until the DB worker has called back every op."""
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=timeout)


def scan(qtbot, widget, code: str) -> None:
    """A keyboard-wedge scan: the code's keys in one burst, then Enter, each key stamped by the
    device's clock 3 ms after the one before, as a window system delivers a scanner's keys.
    (QTest's keys carry no timestamp, so on a loaded machine a pause of the test process between
    two of them read as typing and split the scan; the scanner's handling of unstamped keys has
    its own tests in test_scanner_timing.py.)"""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QKeyEvent

    stamp = int(time.monotonic() * 1000)
    for ch in [*code, "\r"]:
        if ch == "\r":
            key, mods = Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier
        else:
            key = ord(ch.upper()) if ch.isascii() and ch.isalpha() else ord(ch)
            mods = (Qt.KeyboardModifier.ShiftModifier if ch.isupper()
                    else Qt.KeyboardModifier.NoModifier)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            ev = QKeyEvent(kind, key, mods, ch)
            ev.setTimestamp(stamp)
            QCoreApplication.sendEvent(widget, ev)
        stamp += 3
    qtbot.wait(0)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def pin_pad(qtbot, pad, pin: str, submit: bool = True) -> None:
    for d in pin:
        click(qtbot, pad.keys[d])
    if submit:
        click(qtbot, pad.ok)


def modal(qtbot, name: str, timeout=5000):
    """The visible dialog with this object name, once it is open."""
    found = []

    def check():
        for w in QApplication.topLevelWidgets():
            if w.objectName() == name and w.isVisible():
                found[:] = [w]
                return True
        return False

    qtbot.waitUntil(check, timeout=timeout)
    return found[0]


def login(qtbot, window, code="S002", pin="1357", float_fen: int | None = 50000) -> None:
    """Sign in on the PIN pad; open the shift with a float when the till asks."""
    window.login.code.clear()
    qtbot.keyClicks(window.login.code, code, delay=60)
    qtbot.waitUntil(lambda: window.login.code.text() == code)
    pin_pad(qtbot, window.login.pad, pin)
    idle(qtbot, window)
    if float_fen is not None and window.current_name() != "checkout":
        dialog = modal(qtbot, "open_shift_dialog")
        dialog.pad.field.setText(f"{float_fen // 100}.{float_fen % 100:02d}")
        click(qtbot, dialog.pad.ok)
    qtbot.waitUntil(lambda: window.current_name() == "checkout")
    idle(qtbot, window)
    activate(qtbot, window)


def activate(qtbot, window) -> None:
    """Make the main window active again after a dialog (offscreen, nothing does it for us;
    window shortcuts such as F6 need an active window)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def gone(widget) -> bool:
    """The dialog is closed (and deleted: dialogs delete themselves on close)."""
    import shiboken6

    return not shiboken6.isValid(widget) or not widget.isVisible()


def shot(widget, name: str) -> Path:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(3):  # let queued shows, deferred deletes and layouts happen first
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path
