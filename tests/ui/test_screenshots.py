"""Screenshots of each cashier screen in both languages, saved under
test-output/screenshots/ (not committed) for a person to look at: nothing cut off, Chinese
rendered. The test also checks that the main labels fit their widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from pos_member.domain import demo_brand

from .conftest import activate, click, gone, idle, login, modal, pin_pad, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def fits(label) -> bool:
    """The text's width fits the widget (no silent clipping)."""
    return label.fontMetrics().horizontalAdvance(label.text()) <= label.width() + 2


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_screens(qtbot, window, till, lang):
    window.language.set_language(lang)
    qtbot.wait(50)
    shot(window, f"01_login_{lang}")
    login(qtbot, window)
    co = window.checkout
    shot(window, f"02_checkout_empty_{lang}")
    for sku in ("C004", "T003", "B004", "R001"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    scan(qtbot, co.entry, till.dynamic_code("silver"))
    idle(qtbot, window)
    activate(qtbot, window)
    for code in ("M100-10", "COFFEE-85", "GOLD-80"):
        qtbot.keyClick(co.entry, Qt.Key.Key_F6)
        dialog = modal(qtbot, "code_dialog")
        dialog.field.setText(code)
        click(qtbot, dialog.findChild(type(co.pay_button), "code_ok"))
        idle(qtbot, window)
        activate(qtbot, window)
    co.member_panel.redeem.setValue(999)
    idle(qtbot, window)
    shot(window, f"03_checkout_member_{lang}")
    for w in (co.pay_button, co.totals.total, co.member_panel.name, co.member_panel.badge):
        assert fits(w), (w.objectName(), w.text())
    # payment
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    pay.pad.field.setText("50")
    click(qtbot, pay.tender_buttons["alipay"])
    pay.pad.field.setText("200")
    click(qtbot, pay.tender_buttons["cash"])
    shot(pay, f"04_payment_{lang}")
    for b in pay.tender_buttons.values():
        assert fits(b), b.text()
    click(qtbot, pay.finish)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: done.preview.pixmap() is not None
                    and not done.preview.pixmap().isNull())
    shot(done, f"05_sale_done_{lang}")
    click(qtbot, done.next_button)
    qtbot.waitUntil(lambda: gone(done))
    activate(qtbot, window)
    # member look-up with a pick list
    qtbot.keyClick(co.entry, Qt.Key.Key_F2)
    lookup = modal(qtbot, "lookup_dialog")
    pin_pad(qtbot, lookup.pad, "2222")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: lookup.results.count() == 2)
    shot(lookup, f"06_lookup_{lang}")
    lookup.reject()
    qtbot.waitUntil(lambda: gone(lookup))
    activate(qtbot, window)
    # registration
    qtbot.keyClick(co.entry, Qt.Key.Key_F4)
    reg = modal(qtbot, "registration_dialog")
    reg.phone.setText("13612345678")
    reg.name.setText("周敏")
    reg.birthday.setText("1988-06-15")
    shot(reg, f"07_registration_{lang}")
    reg.reject()
    qtbot.waitUntil(lambda: gone(reg))
    activate(qtbot, window)
    # a void asks for a manager
    scan(qtbot, co.entry, BARCODE["C001"])
    idle(qtbot, window)
    click(qtbot, co.line_buttons["void"])
    approval = modal(qtbot, "approval_dialog")
    shot(approval, f"08_approval_{lang}")
    click(qtbot, approval.cancel_button)
    qtbot.waitUntil(lambda: gone(approval))
    activate(qtbot, window)
    # a foreign code refused, quick keys of another category
    click(qtbot, co.category_group.buttons()[3])
    scan(qtbot, co.entry, "wxp://f2f0hOaRpWs1zYlnuNZ0ZwM8gAsJrHuexqUy")
    shot(window, f"09_checkout_refused_{lang}")
    # the lock screen and the functions menu
    qtbot.keyClick(co.entry, Qt.Key.Key_F12)
    shot(window, f"10_lock_{lang}")
    pin_pad(qtbot, window.lock.pad, "1357")
    idle(qtbot, window)
    window.show_screen("menu")
    shot(window, f"11_menu_{lang}")
