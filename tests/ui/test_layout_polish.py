"""Issue 16 item 18, layout polish: message bars that keep their place, styled pick lists and
drop-downs, touch-sized rows and buttons, a clock and the open shift in the status bar, a
visible Sign out. Each test fails without its part."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QPushButton, QStyledItemDelegate

from pos_member.domain import demo_brand
from pos_member.ui import touch

from .conftest import activate, click, idle, login, modal, pin_pad, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}
BRAND_BLUE = QColor("#1f6feb")


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def close_to(color: QColor, want: QColor, slack: int = 12) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(color.getRgb()[:3], want.getRgb()[:3],
                                                     strict=True))


# --- message bars ----------------------------------------------------------------------------

def test_a_message_does_not_push_the_layout(qtbot, window):
    pad_before = window.login.pad.geometry()
    window.login.message.show_message("Wrong PIN: 4 more tries before the lock-out.", "error")
    settle()
    assert window.login.message.isVisible()
    assert window.login.pad.geometry() == pad_before  # the pad did not jump down
    login(qtbot, window)
    co = window.checkout
    basket, buttons = co.table.geometry(), co.line_buttons["void"].geometry()
    co.message.show_message("This code cannot be used here.", "warn")
    settle()
    assert co.message.isVisible() and co.message.height() >= co.message.minimumHeight()
    assert co.table.geometry() == basket and co.line_buttons["void"].geometry() == buttons
    co.message.clear_message()
    settle()
    assert not co.message.isVisible()
    assert co.table.geometry() == basket
    # a message longer than the line is never cut: the bar grows
    sentence = "Only 56 of the 1000 points asked can be redeemed: at most half of the amount."
    co.message.show_message(" ".join([sentence] * 4), "warn")
    settle()
    assert co.message.height() >= co.message.heightForWidth(co.message.width()) - 1


# --- pick lists and drop-downs ---------------------------------------------------------------

def test_pick_lists_and_drop_downs_are_styled(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    qtbot.keyClick(co.entry, Qt.Key.Key_F2)
    lookup = modal(qtbot, "lookup_dialog")
    pin_pad(qtbot, lookup.pad, "2222")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: lookup.results.count() == 2)
    lookup.results.setCurrentRow(0)
    settle()
    rect = lookup.results.visualItemRect(lookup.results.item(0))
    picture = lookup.results.viewport().grab().toImage()
    chosen = picture.pixelColor(rect.left() + 4, rect.center().y())
    assert close_to(chosen, BRAND_BLUE), chosen.name()  # the brand's blue, not Fusion's
    lookup.reject()
    activate(qtbot, window)
    # a drop-down: the settings screen's 抹零 choice
    window.show_screen("settings")
    idle(qtbot, window)
    combo = window.settings_screen.rounding_panel.choice
    assert isinstance(combo.itemDelegate(), QStyledItemDelegate)
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(lambda: view.isVisible())
    view.setCurrentIndex(combo.model().index(1, 0))
    settle()
    row = view.visualRect(combo.model().index(1, 0))
    assert row.height() >= 36, row  # pos.qss rows, not the 2x-font default
    shown = view.viewport().grab().toImage().pixelColor(row.left() + 4, row.center().y())
    assert close_to(shown, BRAND_BLUE), shown.name()
    combo.hidePopup()


# --- touch -----------------------------------------------------------------------------------

@pytest.fixture
def touch_mode():
    app = QApplication.instance()
    touch.install(app, True)
    yield
    touch.install(app, False)


def test_touch_mode_sizes_rows_and_buttons(qtbot, window, touch_mode, till):
    assert touch.is_touch()
    login(qtbot, window)
    co = window.checkout
    for sku in ("C004", "T003"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    settle()
    assert co.table.rowHeight(0) >= touch.TOUCH_ROW
    small = [b.objectName() for b in co.findChildren(QPushButton)
             if b.isVisible() and b.height() < touch.TOUCH_ROW]
    assert not small, small
    assert window.status.sign_out_button.height() >= touch.TOUCH_ROW
    window.show_screen("settings")
    idle(qtbot, window)
    combo = window.settings_screen.rounding_panel.choice
    combo.showPopup()
    qtbot.waitUntil(lambda: combo.view().isVisible())
    settle()
    for i in range(combo.count()):
        assert combo.view().visualRect(combo.model().index(i, 0)).height() >= touch.TOUCH_ROW
    combo.hidePopup()


def test_mouse_mode_keeps_denser_drop_downs(qtbot, window):
    assert not touch.is_touch()  # no touch screen offscreen, POS_MEMBER_TOUCH unset
    window.show_screen("settings")
    idle(qtbot, window)
    combo = window.settings_screen.rounding_panel.choice
    combo.showPopup()
    qtbot.waitUntil(lambda: combo.view().isVisible())
    settle()
    assert combo.view().visualRect(combo.model().index(0, 0)).height() < touch.TOUCH_ROW
    combo.hidePopup()


def test_touch_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv(touch.ENV, "1")
    assert touch.wanted()
    monkeypatch.setenv(touch.ENV, "0")
    assert not touch.wanted()


# --- status bar: clock, shift, sign out -----------------------------------------------------

def test_status_bar_shows_the_clock_and_the_open_shift(qtbot, window, till):
    status = window.status
    till.clock.now = datetime(2026, 12, 3, 1, 5, 30, tzinfo=UTC)  # 09:05 in Shanghai
    status.tick()
    assert status.clock.text() == "09:05" and status.clock.isVisible()
    assert status.clock.toolTip() == "2026-12-03"
    till.clock.now += timedelta(minutes=1)
    qtbot.waitUntil(lambda: status.clock.text() == "09:06", timeout=3000)  # its own timer
    # no shift yet: the float is asked and the bar says so
    window.login.code.clear()
    qtbot.keyClicks(window.login.code, "S002", delay=60)
    pin_pad(qtbot, window.login.pad, "1357")
    idle(qtbot, window)
    dialog = modal(qtbot, "open_shift_dialog")
    assert status.shift.text() == "No shift open"
    # the float pad is not drawn over the sign-in pad and its buttons (issue 15)
    assert not window.login.pad.isVisible() and not window.login.language_button.isVisible()
    assert window.login.heading.text() == f"{window.env.staff.name}: opening the shift"
    dialog.pad.field.setText("500")
    click(qtbot, dialog.pad.ok)
    qtbot.waitUntil(lambda: window.current_name() == "checkout")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: status.shift.text() == "Shift open since 09:06")
    window.language.set_language("zh_CN")
    settle()
    assert "09:06" in status.shift.text() and "Shift" not in status.shift.text()
    window.language.set_language("en")


def test_sign_out_is_on_screen_and_keeps_a_sale(qtbot, window):
    button = window.status.sign_out_button
    assert not button.isVisible()  # nobody signed in
    login(qtbot, window)
    assert button.isVisible() and button.text() == "Sign out"
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C004"])
    idle(qtbot, window)
    click(qtbot, button)
    assert window.current_name() == "checkout" and window.env.staff is not None
    assert co.message.kind == "warn" and "before signing out" in co.message.text()
    co.new_sale()  # the sale gone (here simply dropped; a cashier would finish or hold it)
    idle(qtbot, window)
    click(qtbot, button)
    assert window.current_name() == "login" and window.env.staff is None
    assert not button.isVisible()
