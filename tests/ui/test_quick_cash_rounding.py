"""Quick cash buttons in the payment dialog and 抹零 chosen on the settings screen, driven as a
cashier and a manager would (clicks on the real widgets)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.services import settings
from pos_member.store.models import Payment, Sale
from pos_member.ui.quick_cash import quick_cash_amounts

from .conftest import activate, click, idle, login, modal, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def test_quick_cash_amounts_are_exact_then_round_amounts_above():
    assert quick_cash_amounts(3720) == [3720, 3800, 4000, 5000, 10000]
    assert quick_cash_amounts(5000) == [5000, 10000]
    assert quick_cash_amounts(12000) == [12000, 15000, 20000]
    assert quick_cash_amounts(900) == [900, 1000, 5000, 10000]
    assert quick_cash_amounts(0) == []


def _buttons(pay):
    return [b.text() for b in pay.quick_cash.buttons if b.isVisible()]


def test_a_quick_cash_button_takes_that_note_and_shows_the_change(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    # croissant 15.00 + egg tart 9.00 + latte 28.00 = 52.00
    for sku in ("B001", "B005", "C002"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    assert co.sale.pricing.total == 5200
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    assert _buttons(pay) == ["Exact ¥52.00", "¥60.00", "¥100.00"]
    click(qtbot, pay.quick_cash.buttons[2])  # the customer hands a ¥100 note
    assert pay.payment.remaining == 0 and pay.payment.change == 4800
    assert pay.change.text() == "Change ¥48.00"
    assert _buttons(pay) == []  # nothing left to pay: no quick cash
    qtbot.keyClick(pay.pad.field, Qt.Key.Key_Return)
    modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        cash = s.scalars(select(Payment).where(Payment.sale_id == sale.id)).one()
        assert (cash.tender, cash.amount_fen, cash.change_fen) == ("cash", 5200, 4800)


def test_split_payment_offers_round_amounts_of_what_is_left(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["R001"])  # 98.00
    idle(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    pay.pad.field.setText("60.80")
    click(qtbot, pay.tender_buttons["wechat"])
    assert _buttons(pay) == ["Exact ¥37.20", "¥38.00", "¥40.00", "¥50.00", "¥100.00"]
    shot(pay, "payment_quick_cash_en")
    click(qtbot, pay.quick_cash.buttons[0])
    assert pay.payment.remaining == 0 and pay.payment.change == 0


def test_a_manager_turns_on_cash_rounding_and_the_next_sale_is_rounded(qtbot, window, till):
    login(qtbot, window, code="S001", pin="2468")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F9,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "settings")
    idle(qtbot, window)
    panel = window.settings_screen.rounding_panel
    assert panel.choice.currentData() == "none"
    assert [panel.choice.itemText(i) for i in range(3)] == [
        "Off", "Down to the jiao (¥0.10)", "Down to the yuan (¥1)"]
    panel.choice.setCurrentIndex(2)
    click(qtbot, panel.save_button)
    idle(qtbot, window)
    assert settings.till_settings(till.ctx).cash_rounding == "yuan"
    assert "Down to the yuan" in window.settings_screen.message.text()
    shot(window, "settings_cash_rounding_en")
    window.show_screen("checkout")
    activate(qtbot, window)
    co = window.checkout
    # a silver member: croissant 15.00 at 95 % = 14.25 → 14.00, ¥0.25 given away
    scan(qtbot, co.entry, BARCODE["B001"])
    idle(qtbot, window)
    co.identify("13900002222")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.sale.pricing is not None and co.sale.member is not None)
    assert co.sale.pricing.total == 1400 and co.sale.pricing.rounding == 25
    assert co.totals.texts["total"] == "¥14.00"
    assert co.totals.texts["rounding"] == "−¥0.25"
    # paid with the exact quick cash button; the receipt prints the rounding as its own line
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    assert _buttons(pay)[0] == "Exact ¥14.00"
    click(qtbot, pay.quick_cash.buttons[0])
    click(qtbot, pay.finish)
    modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        assert (sale.total_fen, sale.rounding_fen) == (1400, 25)
    receipt = window.env.data_dir / "receipts.bin"
    qtbot.waitUntil(lambda: receipt.exists() and "抹零".encode("gb18030") in receipt.read_bytes(),
                    timeout=10000)


def test_a_cashier_needs_a_manager_to_change_cash_rounding(qtbot, window, till):
    login(qtbot, window)
    window.show_screen("settings")
    idle(qtbot, window)
    panel = window.settings_screen.rounding_panel
    panel.choice.setCurrentIndex(1)
    click(qtbot, panel.save_button)
    dialog = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(dialog.code, "S001", delay=60)
    for d in "2468":
        click(qtbot, dialog.pad.keys[d])
    click(qtbot, dialog.pad.ok)
    idle(qtbot, window)
    assert settings.till_settings(till.ctx).cash_rounding == "jiao"
