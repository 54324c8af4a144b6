"""Issue 16, item 5, driven as the cashier did: receipt numbers run 1, 2, 3 per till and day
although shifts, registrations and refunds take terminal sequence numbers in between; the
event sequence stays separate; a refund's receipt has its own numbering."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.store.models import OutboxEvent, Refund, Sale

from .conftest import activate, click, gone, idle, login, modal, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def sell(qtbot, window, sku: str) -> str:
    """Scan, F9, cash as due, Finish; the number the sale-done dialog shows."""
    co = window.checkout
    activate(qtbot, window)
    scan(qtbot, co.entry, BARCODE[sku])
    idle(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F9)
    pay = modal(qtbot, "payment_dialog")
    click(qtbot, pay.tender_buttons["cash"])
    click(qtbot, pay.finish)
    idle(qtbot, window)
    done = modal(qtbot, "sale_done_dialog")
    heading = done.heading.text()
    qtbot.keyClick(done.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(done))
    idle(qtbot, window)
    return heading


def register(qtbot, window, phone: str) -> None:
    co = window.checkout
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F4)
    reg = modal(qtbot, "registration_dialog")
    reg.phone.setText(phone)
    reg.consent.setChecked(True)
    click(qtbot, reg.ok)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.sale.member is not None)
    idle(qtbot, window)
    click(qtbot, co.line_buttons["void"])  # the member's basket is voided (a manager's
    # approval: the cashier S002 needs one)
    dialog = modal(qtbot, "approval_dialog")
    dialog.code.setText("S001")
    for d in "2468":
        click(qtbot, dialog.pad.keys[d])
    click(qtbot, dialog.pad.ok)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.sale.member is None)


def test_receipt_numbers_run_without_gaps_per_day(qtbot, window, till):
    login(qtbot, window)  # the shift's opening takes terminal sequence 1
    assert sell(qtbot, window, "C002") == "Sale 261124-000001 complete"
    register(qtbot, window, "13512340001")  # a registration takes a terminal number
    assert sell(qtbot, window, "C001") == "Sale 261124-000002 complete"
    register(qtbot, window, "13512340002")
    assert sell(qtbot, window, "T001") == "Sale 261124-000003 complete"
    with till.session() as s:
        sales = s.scalars(select(Sale).order_by(Sale.created_at, Sale.receipt_no)).all()
        assert [x.receipt_no for x in sales] == ["261124-000001", "261124-000002",
                                                 "261124-000003"]
        # the event sequence is separate and has the other events in between
        seqs = [x.terminal_seq for x in sales]
        assert seqs == sorted(seqs) and seqs[1] - seqs[0] > 1
        events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.terminal_seq)).all()
        assert [e.terminal_seq for e in events] == list(range(1, len(events) + 1))
    # the next day starts again at 1
    till.clock.advance(days=1)
    assert sell(qtbot, window, "C002") == "Sale 261125-000001 complete"


def test_refunds_have_their_own_numbers(qtbot, window, till):
    from decimal import Decimal as D

    from pos_member.services.refunds import refund_sale
    from pos_member.services.staff import Approval

    login(qtbot, window)
    sell(qtbot, window, "C002")
    with till.session() as s:
        sale_id = s.scalars(select(Sale)).one().id
    first = refund_sale(till.ctx, window.env.staff, sale_id, {1: D(1)},
                        Approval("S001", "2468"), reason="faulty")
    assert first.receipt_no == "R261124-000001"
    assert sell(qtbot, window, "C001") == "Sale 261124-000002 complete"
    till.clock.advance(minutes=5)
    with till.session() as s:
        assert s.get(Refund, first.refund_id).receipt_no == "R261124-000001"
