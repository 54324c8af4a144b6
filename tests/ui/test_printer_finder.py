"""Printers found, not typed: the set-up wizard's printer page and the settings screen search
for printers (here: emulators on 127.0.0.x, the only addresses a test may touch), the cashier
picks one and prints a test page on it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.services import settings
from tests.printing.emulator import PrinterEmulator
from tests.printing.test_discovery import _free_port_on

from .conftest import click, idle, login, shot


@pytest.fixture
def emulators():
    port = _free_port_on("127.0.0.4", "127.0.0.11")
    good = PrinterEmulator(port, host="127.0.0.4").start()
    other = PrinterEmulator(port, host="127.0.0.11", online=False).start()
    yield port, good, other
    good.stop()
    other.stop()


def _search(qtbot, finder, port: int) -> None:
    finder.networks = ["127.0.0.0/28"]
    finder.port = port
    finder.local = False       # this machine's USB and serial ports are not the test's
    click(qtbot, finder.find_button)
    assert finder.searching and finder.progress.isVisible()
    qtbot.waitUntil(lambda: not finder.searching, timeout=10000)
    assert finder.wait(5)


def _pick(qtbot, finder, host: str) -> None:
    row = next(i for i in range(finder.list.count())
               if f"· {host} —" in finder.list.item(i).text())
    rect = finder.list.visualItemRect(finder.list.item(row))
    qtbot.mouseClick(finder.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert finder.selected().name == host
    click(qtbot, finder.use_button)


def test_wizard_printer_page_finds_a_network_printer_and_prints_on_it(qtbot, emulators):
    from pos_member.ui.first_run import PrinterPage

    port, good, other = emulators
    page = PrinterPage()
    qtbot.addWidget(page)
    page.resize(900, 640)
    page.show()
    qtbot.waitExposed(page)
    assert page.spec.text() == ""
    _search(qtbot, page.finder, port)
    texts = [page.finder.list.item(i).text() for i in range(page.finder.list.count())]
    assert len(texts) == 2, texts
    assert "2 found (2 certainly printers)" in page.finder.status.text()
    assert page.finder.progress.isHidden()
    shot(page, "printer_finder_wizard")

    _pick(qtbot, page.finder, "127.0.0.4")
    assert page.spec.text() == f"network:127.0.0.4:{port}"
    jobs = len(good.jobs)
    click(qtbot, page.test_button)
    qtbot.waitUntil(lambda: not page.testing and page.last_result is not None, timeout=15000)
    assert page.last_result.ok, page.result.text()
    assert any(b"TEST PAGE" in j for j in good.jobs[jobs:])
    assert not any(b"TEST PAGE" in j for j in other.jobs)

    # "no printer for now" turns the search off with the fields
    click(qtbot, page.none_button)
    assert not page.finder.isEnabled()


def test_settings_finds_picks_saves_and_tests_a_printer(qtbot, window, emulators):
    port, good, _ = emulators
    login(qtbot, window, code="S001", pin="2468")   # a manager
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F9,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "settings")
    idle(qtbot, window)
    screen = window.settings_screen
    finder = screen.printer_finder
    assert finder.isEnabled()
    _search(qtbot, finder, port)
    _pick(qtbot, finder, "127.0.0.4")
    spec = f"network:127.0.0.4:{port}"
    assert screen.spec.text() == spec
    click(qtbot, screen.save_printer_button)
    idle(qtbot, window)
    assert screen.message.kind == "ok", screen.message.text()
    assert settings.till_settings(window.env.ctx).printer == spec
    qtbot.waitUntil(lambda: str(window.env.receipts.printer.spec) == spec)
    click(qtbot, screen.test_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: any(b"TEST PAGE" in j for j in good.jobs), timeout=10000)


def test_a_cashier_cannot_search(qtbot, window):
    login(qtbot, window)     # S002, a cashier
    screen = window.settings_screen
    screen._sync_buttons()
    assert not screen.printer_finder.isEnabled()
