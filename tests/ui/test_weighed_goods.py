"""Weighed goods at the checkout: a weight typed in kg with three decimals, a scale label
scanned, a weight changed with F7; each line priced exactly in fen."""

from __future__ import annotations

from decimal import Decimal as D

from PySide6.QtCore import Qt

from pos_member.domain import demo_brand
from pos_member.domain.scale import ean13_check_digit
from pos_member.store.db import transaction
from pos_member.store.models import Barcode

from .conftest import click, gone, idle, login, modal, scan

BEANS = next(p.barcode for p in demo_brand.PRODUCTS if p.sku == "W001")  # 320.00 per kg


def label(first12: str) -> str:
    return first12 + str(ean13_check_digit(first12))


def type_weight(qtbot, dialog, text: str) -> None:
    dialog.pad.field.clear()
    qtbot.keyClicks(dialog.pad.field, text, delay=60)  # a person typing, not a scanner burst
    qtbot.waitUntil(lambda: dialog.pad.field.text() == text)
    click(qtbot, dialog.pad.ok)


def test_typing_0_350_kg(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BEANS)
    idle(qtbot, window)
    dialog = modal(qtbot, "weight_dialog")
    type_weight(qtbot, dialog, "0.3505")  # finer than a gram: refused, the dialog stays
    assert not gone(dialog) and dialog.message.kind == "error"
    type_weight(qtbot, dialog, "0.350")
    qtbot.waitUntil(lambda: gone(dialog))
    idle(qtbot, window)
    assert [(i.product.sku, i.qty) for i in co.sale.items] == [("W001", D("0.350"))]
    assert co.sale.pricing.total == 11200
    assert co.table.item(0, 1).text() == "0.350 kg"


def test_scanning_a_scale_label(qtbot, window, till):
    with transaction(till.ctx.sessions) as s:
        s.add(Barcode(code="00901", sku="W001"))  # the scale's PLU for the beans
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, label("210090100357"))  # PLU 00901, 357 g
    idle(qtbot, window)
    assert [(i.product.sku, i.qty) for i in co.sale.items] == [("W001", D("0.357"))]
    assert co.sale.pricing.total == 11424  # 320.00 x 0.357 = 114.24
    # a second label of the same product is its own line (another bag)
    scan(qtbot, co.entry, label("210090101000"))
    idle(qtbot, window)
    assert [i.qty for i in co.sale.items] == [D("0.357"), D("1.000")]
    assert co.sale.pricing.total == 11424 + 32000
    # a label whose PLU is unknown: a clear message, nothing added
    scan(qtbot, co.entry, label("210077700350"))
    idle(qtbot, window)
    assert len(co.sale.items) == 2 and co.message.kind == "error"


def test_f7_changes_a_weight_to_the_gram(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    co.add_product(co_product(qtbot, window), D("0.350"))
    idle(qtbot, window)
    co.table.selectRow(0)
    qtbot.keyClick(co, Qt.Key.Key_F7)
    dialog = modal(qtbot, "qty_dialog")
    assert dialog.pad.field.text() == "0.350"
    type_weight(qtbot, dialog, "1.234")
    qtbot.waitUntil(lambda: gone(dialog))
    idle(qtbot, window)
    assert co.sale.items[0].qty == D("1.234")
    assert co.sale.pricing.total == 39488  # 320.00 x 1.234


def co_product(qtbot, window):
    from pos_member.services import catalogue

    return catalogue.find_product(window.checkout.env.ctx, "W001")
