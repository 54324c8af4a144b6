"""A cashier's whole sale, driven through the real widgets: PIN pad, scans as key bursts,
coupon, points, split payment with change; the sale and its outbox event in the database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.store.models import OutboxEvent, Payment, Sale

from .conftest import activate, click, gone, idle, login, modal, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def test_member_sale_with_coupon_points_and_split_payment(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    shot(window, "checkout_empty_en")
    # items by barcode scans (key bursts on whatever has the focus)
    for sku in ("C002", "C002", "R001", "B001"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    assert [(i.product.sku, int(i.qty)) for i in co.sale.items] == [("C002", 2), ("R001", 1),
                                                                   ("B001", 1)]
    assert co.entry.text() == ""  # the scan never reached the field
    # the member's dynamic code from their app
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window)
    assert co.sale.member is not None and co.sale.via == "dynamic_code"
    assert co.member_panel.name.text() == "gold member"
    assert co.member_panel.badge.text() == "Gold"
    assert "****" in co.member_panel.phone.text()
    # 5600 + 9800 + 1500 = 16900, gold 10 % = 1690
    assert co.totals.texts["subtotal"] == "¥169.00"
    assert co.totals.texts["tier"] == "−¥16.90"
    # a coupon typed at F6
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F6)
    dialog = modal(qtbot, "code_dialog")
    qtbot.keyClicks(dialog.field, "M100-10", delay=60)
    qtbot.waitUntil(lambda: dialog.field.text() == "M100-10")
    click(qtbot, dialog.findChild(type(co.pay_button), "code_ok"))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "coupon:M100-10" in co.totals.texts)
    assert co.totals.texts["coupon:M100-10"] == "−¥10.00"
    # points: 800 available, asks 50
    co.member_panel.redeem.setValue(50)
    idle(qtbot, window)
    assert co.totals.texts["points"] == "−¥50.00"
    total = co.sale.pricing.total
    assert total == 16900 - 1690 - 1000 - 5000
    shot(window, "checkout_member_en")
    # split payment: ¥20 WeChat, the rest in cash with a ¥100 note
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    shot(pay, "payment_en")
    pay.pad.field.setText("20")
    click(qtbot, pay.tender_buttons["wechat"])
    assert pay.payment.remaining == total - 2000
    pay.pad.field.setText("100")
    click(qtbot, pay.tender_buttons["cash"])
    assert pay.payment.remaining == 0
    change = 10000 - (total - 2000)
    assert pay.payment.change == change
    click(qtbot, pay.finish)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: done.preview.pixmap() is not None and not done.preview.pixmap().isNull())
    shot(done, "sale_done_en")
    assert done.change.text() == f"Change ¥{change // 100}.{change % 100:02d}"
    # the sale and its outbox event are in the database
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        assert sale.total_fen == total and sale.member_id == till.members["gold"]
        assert sale.points_redeemed == 50
        pays = {p.tender: (p.amount_fen, p.change_fen) for p in
                s.scalars(select(Payment).where(Payment.sale_id == sale.id))}
        assert pays["wechat"] == (2000, 0) and pays["cash"] == (total - 2000, change)
        assert pays["points"][0] == 5000
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")).one()
        assert event.payload["sale_id"] == sale.id
        assert event.payload["coupons"] == [{"code": "M100-10", "discount_fen": 1000}]
    # the receipt went to the file printer
    receipt = window.env.data_dir / "receipts.bin"
    qtbot.waitUntil(receipt.exists, timeout=10000)
    # one key press: ready for the next customer
    qtbot.keyClick(done.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(done))
    assert co.sale.empty and co.sale.member is None
    assert co.totals.texts["total"] == "¥0.00"
