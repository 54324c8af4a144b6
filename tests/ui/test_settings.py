"""The settings screen (scanner test, printer with a test page and the receipt preview, the
central service's address and enrolment code, the language switch across the manager screens)
and the customer display fed from a basket."""

from __future__ import annotations

from decimal import Decimal as D

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.services import catalogue, settings
from pos_member.services.checkout import quote_basket
from pos_member.services.members import get_member
from pos_member.ui.customer_display import BasketView, DisplayLine, basket_view_from_sale
from pos_member.ui.sale import SaleState

from .conftest import click, idle, login, scan, shot


def _type(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, text, delay=60)
    qtbot.waitUntil(lambda: field.text() == text)


def _open_settings(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F9,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "settings")
    idle(qtbot, window)
    return window.settings_screen


def test_scanner_test_printer_and_enrolment(qtbot, window, till, tmp_path):
    login(qtbot, window, code="S001", pin="2468")
    screen = _open_settings(qtbot, window)
    assert till.ctx.terminal_id in screen.info.text()
    assert screen.spec.isEnabled()  # a manager may change the printer

    # scanner test: whatever is scanned is shown with what the till takes it for
    scan(qtbot, screen, till.dynamic_code("gold"))
    assert screen.scan_kind.text() == "Member code"
    scan(qtbot, screen, "6901234567892")
    assert screen.scan_kind.text() == "Product barcode"
    scan(qtbot, screen, "https://evil.example.com/pay")
    assert screen.scan_kind.text() == "Refused"
    assert "link" in screen.scan_detail.text()
    assert "28 characters" in screen.scan_text.text()
    assert window.current_name() == "settings"  # no scan left the screen

    # a test page at the configured (file) printer, with its preview
    click(qtbot, screen.test_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.preview.pixmap() is not None
                    and not screen.preview.pixmap().isNull())
    qtbot.waitUntil(lambda: (tmp_path / "receipts.bin").exists()
                    and b"TEST PAGE" in (tmp_path / "receipts.bin").read_bytes(), timeout=8000)

    # another printer: a refused spec, then a good one, 58 mm
    _type(qtbot, screen.spec, "fax:1234")
    click(qtbot, screen.save_printer_button)
    idle(qtbot, window)
    assert screen.message.kind == "error"
    other = tmp_path / "other.bin"
    screen.spec.setText(f"file:{other}")  # pasted: a long path typed key by key is slow
    screen.width.setCurrentIndex(screen.width.findData(32))
    click(qtbot, screen.save_printer_button)
    idle(qtbot, window)
    assert screen.message.kind == "ok"
    assert window.env.store["printer"] == f"file:{other}"
    s = settings.till_settings(till.ctx)
    assert (s.printer, s.printer_width) == (f"file:{other}", 32)
    qtbot.waitUntil(lambda: window.env.receipts.printer.settings.width == 32)
    click(qtbot, screen.preview_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.preview_png[:4] == b"\x89PNG")
    click(qtbot, screen.test_button)
    idle(qtbot, window)
    ruler_32 = b"12345678901234567890123456789012\n"  # the test page's ruler, 58 mm paper
    qtbot.waitUntil(lambda: other.exists() and ruler_32 in other.read_bytes(), timeout=8000)

    # the central service and the enrolment code (recorded for the sync engine)
    _type(qtbot, screen.url, "https://pos.example.com")
    _type(qtbot, screen.code, "7KQ4-M2XD-9RTB")
    click(qtbot, screen.enrol_button)
    idle(qtbot, window)
    assert screen.message.kind == "ok" and screen.code.text() == ""
    assert "recorded" in screen.enrolment_status.text()
    s = settings.till_settings(till.ctx)
    assert s.central_url == "https://pos.example.com" and s.enrolment_state == "pending"
    shot(window, "settings_en")


def test_a_cashier_may_switch_language_but_not_change_the_printer(qtbot, window, till):
    login(qtbot, window)
    screen = _open_settings(qtbot, window)
    assert not screen.spec.isEnabled() and not screen.enrol_button.isEnabled()
    assert screen.test_button.isEnabled()
    click(qtbot, screen.lang_buttons["zh_CN"])
    idle(qtbot, window)
    assert window.env.language.language == "zh_CN"
    assert screen.heading.text() == "设置"
    assert settings.till_settings(till.ctx).language == "zh_CN"
    # every manager screen follows
    assert window.shifts_screen.heading.text() == "班次"
    assert window.refund_screen.heading.text() == "退款"
    assert window.reconcile_screen.heading.text() == "对账"
    window.show_screen("menu")
    labels = [b.text() for b in window.menu.buttons.values()]
    assert any(t.startswith("班次") for t in labels) and any(t.startswith("退款") for t in labels)
    assert not any(t.startswith("对账") for t in labels)  # the cashier's menu: no reconciliation
    shot(window, "menu_zh")
    window.show_screen("settings")
    scan(qtbot, screen, "PMR.00000000-0000-0000-0000-000000000000")
    assert screen.scan_kind.text() == "小票码（用于退款）"
    shot(window, "settings_zh")
    click(qtbot, screen.lang_buttons["en"])
    idle(qtbot, window)
    QApplication.processEvents()
    assert screen.heading.text() == "Settings"
    assert window.shifts_screen.heading.text() == "Shift"


def test_customer_display_basket_member_and_join_code(qtbot, window, till):
    login(qtbot, window)
    display = window.customer_display
    qtbot.waitUntil(lambda: display.join_url != "")
    assert "demo-store" in display.join_url
    display.show()
    qtbot.waitExposed(display)
    # idle: a welcome and the QR code to join
    assert display.qr.isVisible() and not display.qr.pixmap().isNull()
    # a non-member's basket
    sale = SaleState()
    latte = catalogue.find_product(till.ctx, "C002")
    beans = catalogue.find_product(till.ctx, "W001")
    sale.add(latte, D(2))
    sale.add(beans, D("0.35"))
    sale.pricing = quote_basket(till.ctx, sale.cart())
    display.update_from_sale(sale, "en")
    assert display.table.rowCount() == 2 and display.total.text() == "To pay ¥168.00"
    assert display.qr.isVisible() and not display.member_name.isVisible()
    shot(display, "customer_display_join_en")
    # the same basket for a gold member: tier, points, benefits; the QR code goes
    member = get_member(till.ctx, till.members["gold"])
    sale.set_member(member, "dynamic_code")
    sale.pricing = quote_basket(till.ctx, sale.cart(), member.id)
    view = basket_view_from_sale(sale, "en")
    display.basket_changed.emit(view)  # the signal the checkout screen may emit instead
    qtbot.waitUntil(lambda: display.view is view)
    assert display.member_name.text() == "gold member" and display.badge.text() == "Gold"
    assert display.points.text().startswith("Points: 800")
    assert "Member discount −¥16.80" in display.totals.text()
    assert display.total.text() == "To pay ¥151.20"
    assert display.welcome.text() == "You save ¥16.80 today"
    assert not display.qr.isVisible()
    shot(display, "customer_display_member_en")
    display.show_paid(15120, 880, view.points_earned)
    assert display.welcome.text() == "Thank you!  Your change: ¥8.80"
    window.language.set_language("zh_CN")
    QApplication.processEvents()
    display.update_from_sale(sale, "zh_CN")
    assert display.badge.text() == "金卡" and display.total.text().startswith("应付")
    shot(display, "customer_display_member_zh")
    display.show_basket(BasketView("basket", (DisplayLine("拿铁", "1", 2800),), 2800,
                                   total_fen=2800))
    shot(display, "customer_display_join_zh")
    display.show_idle()
    assert display.table.rowCount() == 0 and display.qr.isVisible()
    # signing out leaves the display idle
    display.show_basket(view)
    window.sign_out()
    assert display.view.state == "idle"
