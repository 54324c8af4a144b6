"""Tiers are the brand's data: with every tier renamed (gold -> 黑金卡 at 0.88) and a fourth
tier added, every screen, receipt and report names them from the rules and formats the rate
from the rate. Before, the live receipt printed "金卡 9折" while the reprint said "黑金卡 88折"."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.printing.encode import encode_document
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.reports import layout_report
from pos_member.printing.settings import PrinterSettings
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.receipts import sale_receipt
from pos_member.services.sales_query import day_figures
from pos_member.services.shifts import x_report
from pos_member.store.db import transaction
from pos_member.store.models import RuleVersion, Sale
from tests.printing.escpos_decoder import decode
from tests.services.support import make_till

from .conftest import click, gone, idle, login, modal, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}

RENAMED = {
    "first_order_coupon": "WELCOME-15",
    "tiers": [
        {"code": "regular", "name": "绿卡", "name_en": "Green", "min_growth": 0,
         "discount_rate": "1.00"},
        {"code": "silver", "name": "蓝卡", "name_en": "Blue", "min_growth": 3000,
         "discount_rate": "0.93"},
        {"code": "gold", "name": "黑金卡", "name_en": "Black Gold", "min_growth": 6000,
         "discount_rate": "0.88"},
        {"code": "supreme", "name": "至尊卡", "name_en": "Supreme", "min_growth": 20000,
         "discount_rate": "0.80"},
    ],
}
OLD_WORDS = ("普卡", "银卡", " 金卡", "9折", "95折", "Regular", "Silver", "金卡 Gold")


@pytest.fixture
def till(tmp_path):
    t = make_till(tmp_path)
    with transaction(t.ctx.sessions) as s:
        s.add(RuleVersion(version=2, rules_json=RENAMED, effective_from=t.clock.now))
    return t


def on_paper(doc) -> str:
    """The document as ESC/POS bytes in GB18030, read back by the decoder."""
    return decode(encode_document(doc, PrinterSettings("file:/dev/null", width=48)),
                  "gb18030").text()


def no_old_names(text: str) -> None:
    for word in OLD_WORDS:
        assert word not in text, (word, text)


def labels(widget) -> str:
    return "\n".join(w.text() for w in widget.findChildren(QLabel) if w.isVisible())


def test_every_screen_receipt_and_report_names_the_brands_tiers(qtbot, window, till, tmp_path):
    paper = Paper.make(48, "gb18030")
    login(qtbot, window, code="S001", pin="2468")
    co = window.checkout
    for _ in range(2):
        scan(qtbot, co.entry, BARCODE["C002"])
        idle(qtbot, window)
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window)
    # member panel: the badge, the growth to the added fourth tier
    panel = co.member_panel
    assert panel.badge.text() == "Black Gold"
    assert "Supreme" in panel.growth_text.text()
    # checkout totals: 2 x 28.00 = 56.00, 88折 takes 12 % = 6.72
    assert co.totals.texts["tier"] == "−¥6.72"
    assert "Black Gold member discount" in labels(co.totals)
    no_old_names(labels(co))
    total = co.sale.pricing.total
    assert total == 5600 - 672

    # pay cash, the live receipt goes to the file printer
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    pay.pad.field.setText("50")
    click(qtbot, pay.tender_buttons["cash"])
    click(qtbot, pay.finish)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    receipt = window.env.data_dir / "receipts.bin"
    qtbot.waitUntil(lambda: receipt.exists() and "黑金卡".encode("gb18030")
                    in receipt.read_bytes(), timeout=10000)
    live = decode(receipt.read_bytes(), "gb18030").text()
    assert "黑金卡 88折" in live and "至尊卡" in live   # the note; the next tier to reach
    no_old_names(live)
    qtbot.keyClick(done.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(done))

    # the reprint of the same sale says the same
    with till.session() as s:
        sale_id = s.scalars(select(Sale.id)).one()
    again = sale_receipt(till.ctx, sale_id, reprint=True)
    assert again.tier_discount_note == "黑金卡 88折" and again.member.tier_name == "黑金卡"
    reprint = on_paper(layout_receipt(again, paper))
    assert "黑金卡 88折" in reprint
    no_old_names(reprint)

    # a second sale for a non-member, so the reports have two tier rows
    checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), window.env.staff,
                                       (CartLine("C002", D(1)),), (Tender("cash", 2800),)))

    # the X report on screen and on paper
    from pos_member.ui.figures import shift_rows
    from pos_member.ui.report_data import report_from_shift

    f = x_report(till.ctx)
    book = window.env.tiers  # the window's TierBook, loaded with the brand's rules
    rows = {r.key: r.label for r in shift_rows(f, None, tiers=book)}
    assert rows["tier_gold"] == "Black Gold (1)" and rows["tier_non_member"] == "Non-member (1)"
    x = report_from_shift(f, kind="x", store_name="店", terminal="T1", cashier="王",
                          printed_at=till.clock.now, tz="Asia/Shanghai", tiers=book)
    assert [t.tier_name for t in x.tiers] == ["黑金卡 Black Gold", "非会员 Non-member"]
    x_text = on_paper(layout_report(x, paper))
    assert "黑金卡 Black Gold (1)" in x_text
    no_old_names(x_text)
    en = report_from_shift(f, kind="x", store_name="Shop", terminal="T1", cashier="W",
                           printed_at=till.clock.now, tz="Asia/Shanghai", lang="en",
                           tiers=book)
    assert [t.tier_name for t in en.tiers] == ["Black Gold", "Non-member"]

    # the day's Z report and the reconciliation (EOD) view
    from pos_member.ui.report_data import report_from_day

    z = report_from_day(day_figures(till.ctx), printed_at=till.clock.now, tiers=book)
    assert [t.tier_name for t in z.tiers] == ["黑金卡 Black Gold", "非会员 Non-member"]
    no_old_names(on_paper(layout_report(z, paper)))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F8,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "reconcile")
    screen = window.reconcile_screen
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.day_figures is not None)
    shown = {r.key: r.label for r in screen.table.rows + screen.table2.rows}
    assert shown["tier.gold"] == "Black Gold (1)"
    tier_rows = [k for k in shown if k.startswith("tier.") and k != "tier"]
    assert tier_rows[:2] == ["tier.gold", "tier.non_member"]

    # the printer settings' sample receipt shows one of the brand's own tiers
    from pos_member.ui.settings_screen import sample_receipt

    sample = sample_receipt({}, "T1", till.clock.now, "Asia/Shanghai", tiers=book)
    assert sample.lines[0].discounts[0].label == "蓝卡 93折"
    assert (sample.member.tier_name, sample.member.next_tier_name) == (
        "蓝卡 Blue", "黑金卡 Black Gold")
    no_old_names(on_paper(layout_receipt(sample, paper)))

    # the Chinese screen shows the brand's Chinese name
    assert window.language.set_language("zh_CN")
    from pos_member.ui.i18n import tier_discount, tier_name

    assert (tier_name("gold", book), tier_discount("gold", book), tier_name("supreme", book)) == (
        "黑金卡", "88折", "至尊卡")
    window.language.set_language("en")
    assert (tier_name("gold", book), tier_discount("gold", book)) == ("Black Gold", "12% off")
