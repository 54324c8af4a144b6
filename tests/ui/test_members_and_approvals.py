"""Member look-up with a pick list, registration, points over the limit, the manager-approval
dialog (wrong PIN, then right), voids and price overrides, a non-member sale."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.store.models import AuditLogEntry, Member, OutboxEvent, ReceiptPrintJob, Sale

from .conftest import activate, click, gone, idle, login, modal, pin_pad, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def pay_exact_cash(qtbot, window):
    co = window.checkout
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    click(qtbot, pay.tender_buttons["cash"])  # empty amount: what is due
    click(qtbot, pay.finish)
    return pay


def approve(qtbot, code: str, pin: str):
    dialog = modal(qtbot, "approval_dialog")
    dialog.code.setText(code)
    pin_pad(qtbot, dialog.pad, pin)
    return dialog


def test_non_member_sale(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    click(qtbot, co.quick_buttons[0])  # Americano from the coffee quick keys
    scan(qtbot, co.entry, BARCODE["B005"])
    idle(qtbot, window)
    assert co.totals.texts["total"] == "¥31.00"
    pay_exact_cash(qtbot, window)
    done = modal(qtbot, "sale_done_dialog")
    assert done.change.text() == "Change ¥0.00"
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        assert sale.member_id is None and sale.total_fen == 3100
        assert sale.points_earned == 0


def test_last_four_pick_list_and_points_over_the_limit(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["R002"])  # ¥118
    idle(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F2)
    lookup = modal(qtbot, "lookup_dialog")
    pin_pad(qtbot, lookup.pad, "2222")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: lookup.results.count() == 2)
    names = [lookup.results.item(i).text() for i in range(2)]
    assert any("silver member" in n for n in names) and any("regular member" in n for n in names)
    row = next(i for i, n in enumerate(names) if "silver member" in n)
    rect = lookup.results.visualItemRect(lookup.results.item(row))
    qtbot.mouseClick(lookup.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    idle(qtbot, window)
    assert co.sale.member.id == till.members["silver"] and co.sale.via == "phone_last4"
    assert co.member_panel.badge.text() == "Silver"
    # silver 5950 growth: the bar and the hint show what is left to gold (6000)
    assert "6000" in co.member_panel.growth_text.text()
    # asks 1000 points with 300 available and ¥112.10 payable: limited with the reason
    co.member_panel.redeem.setValue(1000)
    idle(qtbot, window)
    assert co.sale.pricing.points_redeemed == 56  # half of 112.10, whole points
    note = co.member_panel.redeem_note.text()
    assert "Only 56 of the 1000 points" in note and "half of the amount payable" in note
    co.member_panel.redeem.setValue(500)
    idle(qtbot, window)
    assert co.sale.pricing.points_redeemed == 56
    # found by phone, not by the app's code: spending points needs a manager, asked before
    # the payment screen
    click(qtbot, co.pay_button)
    dialog = approve(qtbot, "S001", "0000")  # wrong PIN first
    idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.message.kind == "error")
    assert modal(qtbot, "approval_dialog") is dialog  # the same dialog asks again
    pin_pad(qtbot, dialog.pad, "2468")
    idle(qtbot, window)
    pay = modal(qtbot, "payment_dialog")
    click(qtbot, pay.tender_buttons["cash"])  # empty amount: what is due
    click(qtbot, pay.finish)
    idle(qtbot, window)
    modal(qtbot, "sale_done_dialog")
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        assert sale.points_redeemed == 56 and sale.member_id == till.members["silver"]
        entry = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "sale")).one()
        assert entry.approver == "S001"
        failed = s.scalars(select(AuditLogEntry).where(
            AuditLogEntry.action == "approval_failed")).all()
        assert len(failed) == 1
    # the hint of the upgrade reached the screen before the sale: 5950 + 56 growth -> gold
    assert sale.tier_after == "gold"


def test_registration_at_the_counter(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    qtbot.keyClick(co.entry, Qt.Key.Key_F4)
    reg = modal(qtbot, "registration_dialog")
    qtbot.keyClicks(reg.phone, "13512345678", delay=60)
    qtbot.keyClicks(reg.name, "Zhou Min", delay=60)
    qtbot.waitUntil(lambda: reg.name.text() == "Zhou Min" and reg.phone.text() == "13512345678")
    reg.consent.setChecked(True)
    click(qtbot, reg.ok)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.sale.member is not None)
    idle(qtbot, window)
    assert co.member_panel.name.text() == "Zhou Min"
    assert co.member_panel.phone.text() == "135****5678"
    assert co.member_panel.badge.text() == "Regular"
    assert "WELCOME-15" in co.message.text()
    assert co.member_panel.coupon_item(co.sale.wallet[0]) is not None
    with till.session() as s:
        m = s.scalars(select(Member).where(Member.phone == "13512345678")).one()
        assert m.name == "Zhou Min" and m.marketing_consent
        assert s.scalars(select(OutboxEvent).where(
            OutboxEvent.kind == "member_registered")).one().payload["member_id"] == m.id
    # the card slip went to the print queue, kept in the till database
    def card_queued() -> bool:
        with till.session() as s:
            return any(j.kind == "card_slip" for j in s.scalars(select(ReceiptPrintJob)))

    qtbot.waitUntil(card_queued, timeout=10000)
    # the same phone again is refused with the reason
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F4)
    reg = modal(qtbot, "registration_dialog")
    reg.phone.setText("13512345678")
    click(qtbot, reg.ok)
    idle(qtbot, window)
    assert reg.isVisible() and "already exists" in reg.message.text()
    reg.reject()
    qtbot.waitUntil(lambda: gone(reg))


def test_remove_line_needs_a_manager(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    for sku in ("C001", "T001"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    co.table.selectRow(0)
    click(qtbot, co.line_buttons["remove"])
    reason = modal(qtbot, "reason_dialog")
    click(qtbot, reason.buttons["changed_mind"])
    approve(qtbot, "S001", "2468")
    idle(qtbot, window)
    assert [i.product.sku for i in co.sale.items] == ["T001"]
    assert co.totals.texts["total"] == "¥18.00"
    with till.session() as s:
        void = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "void_line")).one()
        assert void.approver == "S001" and json.loads(void.details)["reason"] == "changed_mind"


def test_cancelled_approval_keeps_the_basket(qtbot, window):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C001"])
    idle(qtbot, window)
    click(qtbot, co.line_buttons["void"])
    dialog = modal(qtbot, "approval_dialog")
    click(qtbot, dialog.cancel_button)
    idle(qtbot, window)
    assert len(co.sale.items) == 1


def test_price_override_with_approval(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window)
    click(qtbot, co.line_buttons["price"])
    price = modal(qtbot, "price_dialog")
    price.pad.field.setText("20")
    click(qtbot, price.pad.ok)
    approve(qtbot, "S001", "2468")
    idle(qtbot, window)
    assert co.sale.items[0].override == 2000
    assert co.totals.texts["total"] == "¥20.00"
    pay_exact_cash(qtbot, window)
    idle(qtbot, window)
    modal(qtbot, "sale_done_dialog")  # no second approval: the override's is reused
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        assert sale.total_fen == 2000 and sale.lines[0].unit_price_fen == 2000
        entry = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "sale")).one()
        assert entry.approver == "S001" and json.loads(entry.details)["price_override"]


def test_manager_removes_a_line_without_a_dialog(qtbot, window):
    login(qtbot, window, "S001", "2468")
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C001"])
    idle(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_Delete)
    reason = modal(qtbot, "reason_dialog")
    click(qtbot, reason.buttons["mistake"])
    idle(qtbot, window)
    assert co.sale.empty
