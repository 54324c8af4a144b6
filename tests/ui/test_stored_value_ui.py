"""Stored value at the counter, as a cashier does it: recharge ¥300 in cash (充300送30, a slip
printed), then pay a basket with the balance split with cash; the recharge refund needs a
manager's PIN."""

from __future__ import annotations

from sqlalchemy import func, select

from pos_member.domain import demo_brand
from pos_member.store.models import OutboxEvent, Payment, Recharge, Sale, StoredValueEntry
from tests.printing.escpos_decoder import decode

from .conftest import click, gone, idle, login, modal, pin_pad, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def _member(qtbot, window, till, label="regular"):
    co = window.checkout
    scan(qtbot, co.entry, till.dynamic_code(label))
    idle(qtbot, window)
    assert co.sale.member is not None
    return co


def test_recharge_then_pay_with_balance_and_cash(qtbot, window, till):
    login(qtbot, window)
    co = _member(qtbot, window, till)
    assert co.member_panel.stored.text() == "Stored value ¥0.00"
    click(qtbot, co.member_panel.recharge_button)
    dialog = modal(qtbot, "recharge_dialog")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: len(dialog.preset_buttons) == 4)
    click(qtbot, dialog.preset_buttons[1])  # ¥300
    assert dialog.amount.text() == "300"
    assert "bonus ¥30.00" in dialog.bonus.text()
    qtbot.keyClicks(dialog.handed, "400", delay=60)
    click(qtbot, dialog.tender_buttons["cash"])
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "Recharged ¥300.00" in dialog.message.text())
    assert "Change ¥100.00" in dialog.message.text()
    qtbot.waitUntil(lambda: "¥330.00" in dialog.balance.text())
    assert dialog.history.count() == 1
    click(qtbot, dialog.close_button)
    qtbot.waitUntil(lambda: gone(dialog))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.member_panel.stored.text() == "Stored value ¥330.00 (bonus ¥30.00)")
    assert co.sale.via == "dynamic_code"  # the member stays identified by their code
    # the slip went to the file printer
    slips = window.env.data_dir / "receipts.bin"
    qtbot.waitUntil(lambda: slips.exists() and "储值充值凭证" in decode(
        slips.read_bytes(), "gb18030").text(), timeout=10000)

    # 12 lattes = ¥336.00: ¥330.00 from the balance, ¥6.00 cash from a ¥10 note
    for _ in range(12):
        scan(qtbot, co.entry, BARCODE["C002"])
        idle(qtbot, window)
    assert co.sale.pricing.total == 33600
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    assert pay.stored_button.isVisible() and pay.stored_button.text() == "Balance ¥330.00 (F6)"
    click(qtbot, pay.stored_button)
    assert pay.payment.remaining == 600
    assert not pay.stored_button.isEnabled()
    qtbot.keyClicks(pay.pad.field, "10", delay=60)
    click(qtbot, pay.tender_buttons["cash"])
    assert pay.payment.remaining == 0 and pay.payment.change == 400
    click(qtbot, pay.finish)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        pays = {p.tender: p.amount_fen for p in
                s.scalars(select(Payment).where(Payment.sale_id == sale.id))}
        assert pays == {"stored_value": 33000, "cash": 600}
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")).one()
        assert event.payload["stored_value"]["principal_fen"] == 30000
        assert event.payload["stored_value"]["bonus_fen"] == 3000
        assert s.scalar(select(func.sum(StoredValueEntry.principal_fen
                                        + StoredValueEntry.bonus_fen))) == 0
    click(qtbot, done.next_button)
    qtbot.waitUntil(lambda: gone(done))


def test_recharge_refund_asks_for_a_manager(qtbot, window, till):
    login(qtbot, window)
    co = _member(qtbot, window, till, "silver")
    click(qtbot, co.member_panel.recharge_button)
    dialog = modal(qtbot, "recharge_dialog")
    idle(qtbot, window)
    qtbot.keyClicks(dialog.amount, "120", delay=60)
    assert "no bonus" in dialog.bonus.text()
    click(qtbot, dialog.tender_buttons["wechat"])
    idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.history.count() == 1)
    dialog.history.setCurrentRow(0)
    click(qtbot, dialog.refund_button)
    approval = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(approval.code, "S001", delay=60)
    pin_pad(qtbot, approval.pad, "2468")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "Give back ¥120.00" in dialog.message.text())
    with till.session() as s:
        row = s.scalars(select(Recharge)).one()
        assert row.refund_cash_fen == 12000 and row.refund_tender == "wechat"
        assert row.refund_approver_id == "S001"
    qtbot.waitUntil(lambda: "(refunded ¥120.00)" in dialog.history.item(0).text())
