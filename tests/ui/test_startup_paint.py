"""The login screen's first paint (issue 14 item 8): the touch sizer's application event filter
comes after it, and no style sheet is set on the window once its widgets exist (each such
change re-polishes every widget before the paint)."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QComboBox, QStyledItemDelegate, QTableWidget

from pos_member.ui import fit, touch


@pytest.fixture
def fresh_sizer(monkeypatch):
    """No sizer installed (as in a new process); the test's own one is removed afterwards and
    the one before it put back."""
    app = QApplication.instance()
    before = touch._sizer
    if before is not None:
        app.removeEventFilter(before)
    monkeypatch.setattr(touch, "_sizer", None)
    yield app
    if touch._sizer is not None and touch._sizer is not before:
        app.removeEventFilter(touch._sizer)
        touch._sizer.deleteLater()
    if before is not None:
        app.installEventFilter(before)


class StyleChanges(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.StyleChange:
            self.count += 1
        return False


def test_the_sizer_is_installed_after_the_first_paint(qtbot, fresh_sizer, tmp_path,
                                                      monkeypatch):
    from pos_member.ui.launcher import start

    monkeypatch.setenv("POS_MEMBER_HOME", str(tmp_path))
    hooks = sys.excepthook, threading.excepthook
    launcher = start(str(tmp_path / "till.sqlite3"), sync=False, first_run=False,
                     demo_members=20)
    sys.excepthook, threading.excepthook = hooks
    try:
        qtbot.addWidget(launcher.window)
        assert touch._sizer is None  # shown, not yet painted: no Python filter on every event
        with qtbot.waitSignal(launcher.window.first_painted, timeout=10000):
            pass
        qtbot.waitUntil(lambda: launcher.window.is_complete, timeout=10000)
        assert touch._sizer is not None
        combo = QComboBox(launcher.window)  # made after it: polished with a styled delegate
        combo.addItems(["a", "b"])
        combo.ensurePolished()
        assert isinstance(combo.itemDelegate(), QStyledItemDelegate)
        qtbot.waitUntil(lambda: launcher.window.is_ready, timeout=20000)
    finally:
        # The demo till opens in its store's language (zh_CN); put English back for the tests
        # that run after this one in the same process.
        launcher.window.language.set_language("en")
        launcher.close()


def test_the_sizer_fixes_the_widgets_made_before_it(qtbot, fresh_sizer):
    app = fresh_sizer
    touch.install(app, True, sizer=False)
    try:
        combo = QComboBox()
        table = QTableWidget(3, 2)
        qtbot.addWidget(combo)
        qtbot.addWidget(table)
        combo.ensurePolished()
        table.ensurePolished()
        assert not isinstance(combo.itemDelegate(), QStyledItemDelegate)  # no sizer yet
        touch.install_sizer(app)
        assert isinstance(combo.itemDelegate(), QStyledItemDelegate)
        assert table.verticalHeader().defaultSectionSize() >= touch.TOUCH_ROW
        later = QComboBox()
        qtbot.addWidget(later)
        later.ensurePolished()
        assert isinstance(later.itemDelegate(), QStyledItemDelegate)
    finally:
        touch.install(app, False, sizer=False)


def test_no_style_change_reaches_the_login_screen_when_shown(qtbot, tmp_path):
    from pos_member.ui.main_window import MainWindow

    window = MainWindow(None, tmp_path, language="en", watchdog=False, printer=False)
    qtbot.addWidget(window)
    assert window.styleSheet() == (fit.compact_sheet() if window.width() < fit.COMPACT_BELOW
                                   else "")
    changes = StyleChanges()
    for widget in (window.login.language_button, window.login.code, window.login.pad):
        widget.installEventFilter(changes)
    try:
        window.show_for_till()
        qtbot.waitExposed(window)
        with qtbot.waitSignal(window.first_painted, timeout=10000):
            pass
        assert changes.count == 0
        # the density still follows the window's width
        assert bool(window._compact) == (window.width() < fit.COMPACT_BELOW)
    finally:
        window.shutdown()
