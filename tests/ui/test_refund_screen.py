"""Refunds driven through the refund screen: the receipt number scanned as a key burst, one
line and then the rest, the manager's approval, the money back per tender, points reversed
and returned, the refund receipt at the printer; a refund that leaves a negative balance; and
the search of recent sales."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.staff import Approval
from pos_member.store.models import Coupon, Member, OutboxEvent, PointsLedgerEntry, Refund

from .conftest import click, idle, login, modal, pin_pad, scan, shot

MANAGER = Approval("S001", "2468")


def _sale(till, staff, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), staff, tuple(lines),
                                              tuple(tenders), **kw))


def _type(qtbot, field, text: str) -> None:
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, text, delay=60)
    qtbot.waitUntil(lambda: field.text() == text)


def _approve(qtbot, code="S001", pin="2468") -> None:
    dialog = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(dialog.code, code, delay=60)
    qtbot.waitUntil(lambda: dialog.code.text() == code)
    pin_pad(qtbot, dialog.pad, pin)


def _open_refund_screen(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F7,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "refund")
    idle(qtbot, window)
    return window.refund_screen


def test_refund_by_scanning_the_receipt_number(qtbot, window, till, tmp_path):
    login(qtbot, window)
    cashier = window.env.staff
    gold = till.members["gold"]
    # 3 lattes (84.00) + 0.5 kg beans (160.00), gold 9折 -> 219.60; 20 points -> 199.60,
    # with the coupon M100-10 (¥10 off ¥100): 189.60
    sale = _sale(till, cashier, [CartLine("C002", D(3)), CartLine("W001", D("0.5"))],
                 [Tender("cash", 18960, tendered=20000)], member_id=gold, redeem_points=20,
                 coupon_codes=("M100-10",), approval=MANAGER)
    assert sale.pricing.total == 18960 and sale.pricing.applied[0].code == "M100-10"
    screen = _open_refund_screen(qtbot, window)
    assert screen.sales and screen.sales[0].id == sale.sale_id  # the recent sales list

    # the receipt number, scanned: a burst of keys ending in Enter on whatever has the focus
    scan(qtbot, screen.search, sale.receipt_no)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail is not None)
    assert screen.search.text() == ""  # the scan never reached the field
    assert screen.detail.id == sale.sale_id
    assert sale.receipt_no in screen.sale_header.text()
    assert screen.lines_table.rowCount() == 2
    shot(window, "refund_sale_en")

    # one latte back, for a reason; a manager approves
    _type(qtbot, screen.qty_fields[1], "1")
    click(qtbot, screen.refund_button)  # no reason yet
    assert screen.message.kind == "error"
    screen.reason.setCurrentIndex(1)  # "Faulty item"
    click(qtbot, screen.refund_button)
    _approve(qtbot)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.last_result is not None)
    first = screen.last_result
    assert not first.outcome.full and first.outcome.money > 0
    text = screen.result.text()
    assert text.startswith(f"Refunded ¥{first.outcome.money // 100}.")
    assert "Cash ¥" in text and "Points taken back:" in text
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail.summary.refunds_count == 1)
    assert screen.detail.lines[0].refundable_qty == D(2)
    qtbot.waitUntil(lambda: (tmp_path / "receipts.bin").exists()
                    and b"REFUND" in (tmp_path / "receipts.bin").read_bytes(), timeout=8000)
    shot(window, "refund_done_en")

    # the rest of the sale: the whole sale button; the coupon comes back
    click(qtbot, screen.all_button)
    assert screen.qty_fields[1].text() == "2" and screen.qty_fields[2].text() == "0.500"
    assert screen.chosen_lines() is None  # everything left
    click(qtbot, screen.refund_button)  # the reason is kept
    _approve(qtbot)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.last_result is not first)
    last = screen.last_result
    assert last.outcome.full and last.outcome.coupons_restored == ("M100-10",)
    assert "M100-10" in screen.result.text()
    assert first.outcome.money + last.outcome.money == 18960
    assert first.outcome.points_returned + last.outcome.points_returned == 20
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail.fully_refunded)
    assert not screen.refund_button.isEnabled()
    with till.session() as s:
        refunds = list(s.scalars(select(Refund).order_by(Refund.created_at)))
        assert [r.approver_id for r in refunds] == ["S001", "S001"]
        assert refunds[0].reason == "Faulty item"
        assert s.get(Coupon, "M100-10").status == "available"
        assert len(list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "refund")))) == 2

    # in Chinese
    window.language.set_language("zh_CN")
    QApplication.processEvents()
    assert screen.heading.text() == "退款"
    shot(window, "refund_done_zh")


def test_refund_leaving_a_negative_balance_warns(qtbot, window, till):
    login(qtbot, window)
    cashier = window.env.staff
    silver = till.members["silver"]  # growth 5950, 300 points
    # 3 travel tumblers 387.00, 95折 -> 367.65: growth +367 -> gold, 36 points earned
    first = _sale(till, cashier, [CartLine("M002", D(3))], [Tender("card", 36765)],
                  member_id=silver)
    assert first.pricing.points_earned == 36 and first.pricing.tier_after == "gold"
    # the central service confirms the sale; the member spends 326 points elsewhere
    with till.ctx.sessions.begin() as s:
        s.execute(PointsLedgerEntry.__table__.update().values(confirmed=True))
        m = s.get(Member, silver)
        m.points, m.growth = 10, 6317
    screen = _open_refund_screen(qtbot, window)
    # found by searching the member's phone ending
    _type(qtbot, screen.search, "2222")
    click(qtbot, screen.search_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: len(screen.sales) == 1)
    row = [s.id for s in screen.sales].index(first.sale_id)
    qtbot.mouseClick(screen.sales_table.viewport(), Qt.MouseButton.LeftButton,
                     pos=screen.sales_table.visualItemRect(
                         screen.sales_table.item(row, 1)).center())
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail is not None and screen.detail.id == first.sale_id)
    click(qtbot, screen.all_button)
    screen.reason.setCurrentIndex(0)
    click(qtbot, screen.refund_button)
    _approve(qtbot)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.last_result is not None)
    out = screen.last_result.outcome
    assert out.negative_balance and out.member_points_after < 0
    assert screen.result.kind == "warn"
    assert "negative" in screen.result.text()
    assert "UnionPay card ¥367.65" in screen.result.text()
    assert "Member tier after the refund: Silver (was Gold)" in screen.result.text()
    shot(window, "refund_negative_balance_en")


def test_cancelled_approval_refunds_nothing_and_unknown_codes_say_so(qtbot, window, till):
    login(qtbot, window)
    sale = _sale(till, window.env.staff, [CartLine("C002", D(1))], [Tender("cash", 2800)])
    screen = _open_refund_screen(qtbot, window)
    scan(qtbot, screen.search, "261124-999999")
    idle(qtbot, window)
    assert screen.message.kind == "warn" and "261124-999999" in screen.message.text()
    scan(qtbot, screen.search, "PMR." + sale.sale_id)  # the receipt's QR code
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail is not None)
    click(qtbot, screen.all_button)
    screen.reason.setCurrentIndex(0)
    click(qtbot, screen.refund_button)
    dialog = modal(qtbot, "approval_dialog")
    click(qtbot, dialog.cancel_button)
    idle(qtbot, window)
    assert screen.message.kind == "warn" and screen.refund_button.isEnabled()
    with till.session() as s:
        assert s.scalar(select(Refund)) is None


def test_an_archived_sale_is_shown_but_not_refundable(qtbot, window, till):
    """db prune moved an old sale into an archive: scanning its receipt number finds it there,
    and the screen says it cannot be refunded at the till (services.retention)."""
    import sqlite3
    from datetime import timedelta

    from pos_member.services import retention
    from pos_member.services.shifts import close_shift

    login(qtbot, window)
    old = _sale(till, window.env.staff, [CartLine("C002", D(1))], [Tender("cash", 2800)])
    _sale(till, window.env.staff, [CartLine("C002", D(1))], [Tender("cash", 2800)])
    close_shift(till.ctx, window.env.staff, {1000: 25, 500: 1, 100: 1}, approval=MANAGER)
    con = sqlite3.connect(till.path)
    with con:  # what a sync and the printer leave
        con.execute("UPDATE outbox SET status = 'sent', sent_at = created_at")
        con.execute("UPDATE receipt_print_jobs SET status = 'printed', printed_at = created_at")
    con.close()
    result = retention.prune(till.path, keep_days=90, now=till.clock.now + timedelta(days=100))
    assert result.sales is not None and result.sales.sales == 1
    screen = _open_refund_screen(qtbot, window)
    scan(qtbot, screen.search, old.receipt_no)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail is not None)
    assert screen.detail.id == old.sale_id and screen.detail.archived
    assert screen.message.kind == "warn" and "archived" in screen.message.text()
    assert not screen.refund_button.isEnabled() and not screen.all_button.isEnabled()
