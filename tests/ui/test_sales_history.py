"""The cashier's sales history for the shift: the list with states, a reprint marked as a copy
(the printed bytes carry the COPY mark), and a refund opened from there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.domain import demo_brand

from .conftest import activate, click, gone, idle, login, modal, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def _sell(qtbot, window, skus):
    co = window.checkout
    activate(qtbot, window)
    for sku in skus:
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    click(qtbot, pay.quick_cash.buttons[0])  # exact cash
    click(qtbot, pay.finish)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: done.preview.pixmap() is not None
                    and not done.preview.pixmap().isNull(), timeout=10000)
    qtbot.keyClick(done.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(done))
    idle(qtbot, window)
    return window.checkout.last_sale


def _open_history(qtbot, window):
    activate(qtbot, window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "sales_history")
    idle(qtbot, window)
    return window.history_screen


def _receipt_bytes(window) -> bytes:
    path = window.env.data_dir / "receipts.bin"
    return path.read_bytes() if path.exists() else b""


def test_history_lists_the_shifts_sales_and_reprints_a_copy(qtbot, window, till):
    login(qtbot, window)
    first = _sell(qtbot, window, ["C002"])
    second = _sell(qtbot, window, ["B001", "B005"])
    # the file printer holds the last job printed: the second sale's original
    qtbot.waitUntil(lambda: second.receipt_no.encode() in _receipt_bytes(window), timeout=10000)
    screen = _open_history(qtbot, window)
    table = screen.table
    assert table.rowCount() == 2
    assert [table.item(r, 1).text() for r in range(2)] == [second.receipt_no, first.receipt_no]
    assert [table.item(r, 3).text() for r in range(2)] == ["¥24.00", "¥28.00"]
    assert [table.item(r, 4).text() for r in range(2)] == ["Paid", "Paid"]
    assert "2 sales" in screen.summary.text() and "¥52.00" in screen.summary.text()
    shot(window, "sales_history_en")

    original = _receipt_bytes(window)
    assert b"COPY" not in original
    table.selectRow(1)  # the first sale
    activate(qtbot, window)
    qtbot.keyClick(table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, window)
    assert f"A copy of receipt {first.receipt_no} is printing." == screen.message.text()
    qtbot.waitUntil(lambda: b"COPY" in _receipt_bytes(window), timeout=10000)
    copy = _receipt_bytes(window)
    assert first.receipt_no.encode() in copy and second.receipt_no.encode() not in copy


def test_refund_from_the_history_opens_the_refund_screen_on_that_sale(qtbot, window, till):
    login(qtbot, window)
    sale = _sell(qtbot, window, ["C002", "B001"])
    screen = _open_history(qtbot, window)
    assert screen.table.rowCount() == 1
    screen.table.selectRow(0)
    click(qtbot, screen.refund_button)
    qtbot.waitUntil(lambda: window.current_name() == "refund")
    idle(qtbot, window)
    refund = window.refund_screen
    qtbot.waitUntil(lambda: refund.detail is not None and refund.detail.summary.id == sale.sale_id)


def test_history_shows_refunds_and_offers_no_refund_when_nothing_is_left(qtbot, window, till):
    from decimal import Decimal as D

    from pos_member.services.refunds import refund_sale
    from pos_member.services.staff import Approval, login as staff_login

    login(qtbot, window)
    sale = _sell(qtbot, window, ["C002", "B001"])
    cashier = staff_login(till.ctx, "S002", "1357")
    refund_sale(till.ctx, cashier, sale.sale_id, {2: D(1)}, Approval("S001", "2468"), "stale")
    screen = _open_history(qtbot, window)
    assert screen.table.item(0, 4).text() == "Partly refunded (−¥15.00)"
    screen.table.selectRow(0)
    assert screen.refund_button.isEnabled()
    refund_sale(till.ctx, cashier, sale.sale_id, None, Approval("S001", "2468"), "all of it")
    screen.load()
    idle(qtbot, window)
    assert screen.table.item(0, 4).text() == "Refunded"
    screen.table.selectRow(0)
    assert not screen.refund_button.isEnabled() and screen.reprint_button.isEnabled()
