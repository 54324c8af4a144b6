"""Hold and recall orders (挂单/取单) on the checkout screen, as a cashier: keys and taps."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.domain import demo_brand
from pos_member.services import held_orders
from pos_member.store.db import transaction
from pos_member.store.models import Product

from .conftest import activate, click, gone, idle, login, modal, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def _key(qtbot, window, key, mod=Qt.KeyboardModifier.ControlModifier):
    activate(qtbot, window)
    qtbot.keyClick(QApplication.focusWidget() or window, key, mod)


def test_hold_two_orders_and_recall_the_first_with_its_member_and_coupon(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    for sku in ("C002", "C002", "R001"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window)
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F6)
    dialog = modal(qtbot, "code_dialog")
    qtbot.keyClicks(dialog.field, "M100-10", delay=60)
    qtbot.waitUntil(lambda: dialog.field.text() == "M100-10")
    click(qtbot, dialog.findChild(type(co.pay_button), "code_ok"))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "coupon:M100-10" in co.totals.texts)
    first_total = co.sale.pricing.total
    first_texts = dict(co.totals.texts)

    # Ctrl+H: the basket is put aside, the screen is ready for the next customer
    _key(qtbot, window, Qt.Key.Key_H)
    idle(qtbot, window)
    assert co.sale.empty and co.sale.member is None
    assert co.totals.texts["total"] == "¥0.00"
    assert "Order held: gold member" in co.message.text()
    assert co.held.recall_button.text() == "Recall (Ctrl+R) · 1"

    # the next customer buys a croissant and steps aside too (the Hold button)
    scan(qtbot, co.entry, BARCODE["B001"])
    idle(qtbot, window)
    click(qtbot, co.held.hold_button)
    idle(qtbot, window)
    assert co.sale.empty and co.held.recall_button.text() == "Recall (Ctrl+R) · 2"
    assert len(held_orders.list_held(till.ctx)) == 2

    # Ctrl+R: the list, oldest first; Enter takes the first back
    _key(qtbot, window, Qt.Key.Key_R)
    recall = modal(qtbot, "recall_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: recall.list.count() == 2)
    assert "gold member" in recall.list.item(0).text()
    assert "¥" in recall.list.item(1).text() and "Croissant" in recall.list.item(1).text()
    shot(recall, "recall_list_en")
    qtbot.keyClick(recall.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(recall))
    idle(qtbot, window)
    assert [(i.product.sku, int(i.qty)) for i in co.sale.items] == [("C002", 2), ("R001", 1)]
    assert co.sale.member.id == till.members["gold"]
    assert co.sale.entered == ["M100-10"]
    assert co.sale.pricing.total == first_total
    assert co.totals.texts == first_texts
    assert co.member_panel.name.text() == "gold member"
    assert "Order recalled" in co.message.text()
    assert co.held.recall_button.text() == "Recall (Ctrl+R) · 1"
    shot(window, "recalled_order_en")


def test_a_recalled_order_is_repriced_and_the_cashier_told(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window)
    assert co.sale.pricing.total == 2800
    click(qtbot, co.held.hold_button)
    idle(qtbot, window)
    with transaction(till.ctx.sessions) as s:  # the brand raised the latte's price meanwhile
        s.get(Product, "C002").unit_price_fen = 3000
    click(qtbot, co.held.recall_button)
    recall = modal(qtbot, "recall_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: recall.list.count() == 1)
    click(qtbot, recall.recall_button)
    idle(qtbot, window)
    assert co.sale.pricing.total == 3000
    assert co.totals.texts["total"] == "¥30.00"
    assert "The total changed from ¥28.00 to ¥30.00" in co.message.text()
    assert held_orders.list_held(till.ctx) == []


def test_recall_asks_to_finish_or_hold_the_sale_on_screen_first(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    click(qtbot, co.held.hold_button)  # nothing to hold
    idle(qtbot, window)
    assert "nothing to hold" in co.message.text()
    scan(qtbot, co.entry, BARCODE["B001"])
    idle(qtbot, window)
    click(qtbot, co.held.hold_button)
    idle(qtbot, window)
    scan(qtbot, co.entry, BARCODE["B005"])
    idle(qtbot, window)
    click(qtbot, co.held.recall_button)
    assert "Finish or hold" in co.message.text()
    assert not any(w.objectName() == "recall_dialog" and w.isVisible()
                   for w in QApplication.topLevelWidgets())
    assert [i.product.sku for i in co.sale.items] == ["B005"]


def test_hold_and_recall_speak_chinese(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    window.language.set_language("zh_CN")
    QApplication.processEvents()
    assert co.held.hold_button.text() == "挂单（Ctrl+H）"
    scan(qtbot, co.entry, BARCODE["B001"])
    idle(qtbot, window)
    _key(qtbot, window, Qt.Key.Key_H)
    idle(qtbot, window)
    assert co.message.text().startswith("已挂单：")
    assert co.held.recall_button.text() == "取单（Ctrl+R）· 1"
    _key(qtbot, window, Qt.Key.Key_R)
    recall = modal(qtbot, "recall_dialog")
    idle(qtbot, window)
    assert recall.recall_button.text() == "取单（Enter）"
    shot(recall, "recall_list_zh")
    click(qtbot, recall.recall_button)
    idle(qtbot, window)
    assert co.message.text() == "已取单：¥15.00。"


def test_discarding_a_held_order_takes_a_second_tap(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["B001"])
    idle(qtbot, window)
    click(qtbot, co.held.hold_button)
    idle(qtbot, window)
    click(qtbot, co.held.recall_button)
    recall = modal(qtbot, "recall_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: recall.list.count() == 1)
    click(qtbot, recall.discard_button)
    idle(qtbot, window)
    assert "Tap Discard again" in recall.message.text()
    assert len(held_orders.list_held(till.ctx)) == 1  # not yet
    click(qtbot, recall.discard_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: recall.list.count() == 0)
    assert held_orders.list_held(till.ctx) == []
    assert not recall.recall_button.isEnabled()
    qtbot.keyClick(recall.list, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gone(recall))
    idle(qtbot, window)
    assert co.held.recall_button.text() == "Recall (Ctrl+R)"
