"""The keyboard-wedge scanner: bursts are scans on any screen and any focus, typing is typing;
codes are told apart and foreign codes are refused with a reason."""

from __future__ import annotations

from PySide6.QtCore import Qt

from pos_member.domain import demo_brand
from pos_member.security.member_codes import make_static_code
from pos_member.ui.scanner import CodeKind, LineScanner, classify_code, receipt_code

from .conftest import click, idle, login, modal, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}
WECHAT_URL = "wxp://f2f0hOaRpWs1zYlnuNZ0ZwM8gAsJrHuexqUy"
WECHAT_PAY_CODE = "134567890123456789"


def test_classify_codes():
    assert classify_code(BARCODE["C001"]).kind is CodeKind.PRODUCT
    assert classify_code(make_static_code("8000000001")).kind is CodeKind.MEMBER
    assert classify_code(receipt_code("0f0e")).kind is CodeKind.RECEIPT
    assert classify_code(WECHAT_PAY_CODE).kind is CodeKind.PAYMENT
    refused = classify_code(WECHAT_URL)
    assert refused.kind is CodeKind.REFUSED and refused.reason == "url"
    assert classify_code("https://weixin.qq.com/r/abc").reason == "url"
    assert classify_code("PMC.80000000019").reason == "bad_check_digit"
    assert classify_code("PM1.garbage").kind is CodeKind.REFUSED
    assert classify_code("中文 not a code").kind is CodeKind.REFUSED


def test_line_scanner_splits_lines(qtbot):
    source = LineScanner(source="serial")
    got = []
    source.scanned.connect(got.append)
    source.feed_bytes(b"6900000000" + b"01")
    assert got == []
    source.feed_bytes(b"7\r\n" + WECHAT_URL.encode() + b"\n")
    assert [s.kind for s in got] == [CodeKind.PRODUCT, CodeKind.REFUSED]
    assert got[0].text == "690000000001" + "7" and got[0].source == "serial"


def test_typed_keys_are_not_a_scan(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    code = BARCODE["C001"]
    with qtbot.assertNotEmitted(window.scanner.scanned, wait=100):
        qtbot.keyClicks(co.entry, code, delay=60)
        qtbot.waitUntil(lambda: co.entry.text() == code)
    assert co.sale.empty  # typing fills the field; nothing was scanned
    qtbot.keyClick(co.entry, Qt.Key.Key_Return, delay=60)  # the cashier presses Enter
    idle(qtbot, window)
    qtbot.waitUntil(lambda: not co.sale.empty)
    assert co.sale.items[0].product.sku == "C001"


def test_burst_without_enter_is_delivered_as_typing(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    qtbot.keyClicks(co.entry, "latte")
    qtbot.waitUntil(lambda: co.entry.text() == "latte")
    assert co.sale.empty


def test_scan_works_without_focusing_the_field(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    co.table.setFocus()
    with qtbot.waitSignal(window.scanner.scanned):
        scan(qtbot, co.table, BARCODE["T002"])
    idle(qtbot, window)
    assert [i.product.sku for i in co.sale.items] == ["T002"]
    # a member card scanned on the quick-key area: identifies the member
    scan(qtbot, co.quick_buttons[0], make_static_code("8000000001"))
    idle(qtbot, window)
    assert co.sale.member is not None and co.sale.via == "static_card"
    assert co.sale.member.id == till.members["gold"]


def test_foreign_qr_is_refused_with_a_reason(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, WECHAT_URL)
    idle(qtbot, window)
    assert co.message.kind == "error"
    assert "not a member code" in co.message.text()
    assert co.sale.empty and co.sale.member is None and co.entry.text() == ""
    # a payment code at the checkout: told to use it at the payment step
    scan(qtbot, co.entry, WECHAT_PAY_CODE)
    assert co.message.kind == "warn" and "payment code" in co.message.text()


def test_forged_member_code_is_refused(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    code = till.dynamic_code("gold")
    forged = code[:-6] + ("A" if code[-6] != "A" else "B") + code[-5:]
    scan(qtbot, co.entry, forged)
    idle(qtbot, window)
    assert co.sale.member is None
    assert co.message.kind == "error" and co.message.text()


def test_unknown_product_code(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, "6999999999999")
    idle(qtbot, window)
    assert co.sale.empty and "6999999999999" in co.message.text()


def test_payment_code_scanned_in_the_payment_dialog(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C001"])
    idle(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    scan(qtbot, pay.pad.field, WECHAT_PAY_CODE)
    assert pay.payment.remaining == 0
    assert pay.payment.tenders[0].kind == "wechat"
    assert pay.payment.tenders[0].reference == WECHAT_PAY_CODE
    assert pay.pad.field.text() == ""
