"""A shift driven through the shift screen like a cashier and a manager would: open it with a
counted float on the number pad, two sales, a paid-out, a no-sale drawer opening approved by
the manager, the X report, then a blind count that comes out short, the manager's approval,
and the Z report on screen and at the (file) printer."""

from __future__ import annotations

import uuid
from decimal import Decimal as D
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.store.models import AuditLogEntry, CashMovement, OutboxEvent, Shift

from .conftest import click, idle, login, modal, pin_pad, shot


def _sale(till, staff, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), staff, tuple(lines),
                                              tuple(tenders), **kw))


def _type(qtbot, field, text: str) -> None:
    """Click a field and type into it as a person would (slower than a scanner)."""
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(field, text, delay=60)
    qtbot.waitUntil(lambda: field.text() == text)


def _approve(qtbot, code="S001", pin="2468") -> None:
    dialog = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(dialog.code, code, delay=60)
    qtbot.waitUntil(lambda: dialog.code.text() == code)
    pin_pad(qtbot, dialog.pad, pin)


def _printed(tmp_path: Path, marker: bytes, timeout=5000):
    path = tmp_path / "receipts.bin"

    def check():
        return path.exists() and marker in path.read_bytes()

    return check


def test_open_sell_pay_out_close_short_with_approval(qtbot, window, till, tmp_path):
    qtbot.keyClicks(window.login.code, "S002", delay=60)
    qtbot.waitUntil(lambda: window.login.code.text() == "S002")
    pin_pad(qtbot, window.login.pad, "1357")
    idle(qtbot, window)
    # the till asks for a float at once; the cashier goes to the shift screen instead
    asked = modal(qtbot, "open_shift_dialog")
    click(qtbot, asked.cancel_button)
    qtbot.waitUntil(lambda: window.current_name() == "checkout")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F6,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "shifts")
    screen = window.shifts_screen
    idle(qtbot, window)
    assert screen.open_button.isVisible() and not screen.close_button.isEnabled()
    shot(window, "shifts_closed_en")

    # open with ¥500 counted, on the number pad
    click(qtbot, screen.open_button)
    dialog = modal(qtbot, "open_shift_dialog")
    for key in ("C", "5", "0", "0"):
        click(qtbot, dialog.pad.keys[key])
    click(qtbot, dialog.pad.ok)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.kind == "x")
    assert window.env.shift_open and not screen.open_button.isVisible()
    assert screen.texts["float"] == "¥500.00"

    # two sales through the services, as the checkout screen would record them
    cashier = window.env.staff
    _sale(till, cashier, [CartLine("C002", D(3))], [Tender("cash", 8400, tendered=10000)])
    _sale(till, cashier, [CartLine("C002", D(2))], [Tender("wechat", 5320)],
          member_id=till.members["silver"])

    # paid out ¥20 for milk, with the keypad and a typed reason
    click(qtbot, screen.paid_out_button)
    mv = modal(qtbot, "cash_movement_dialog")
    for key in ("2", "0"):
        click(qtbot, mv.pad.keys[key])
    assert mv.amount.text() == "20"
    _type(qtbot, mv.reason.lineEdit(), "Milk")
    click(qtbot, mv.ok)
    idle(qtbot, window)

    # the drawer opened without a sale: the manager approves
    click(qtbot, screen.no_sale_button)
    mv = modal(qtbot, "cash_movement_dialog")
    assert not mv.amount.isVisible()
    assert mv.reason.count() >= 2 and not mv.reason.currentText()  # presets offered
    click(qtbot, mv.ok)  # no reason yet: refused
    assert mv.message.kind == "error" and mv.isVisible()
    mv.reason.setCurrentIndex(0)  # "Change for a customer", chosen from the list
    click(qtbot, mv.ok)
    _approve(qtbot)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.texts.get("no_sales") == "1")

    # the X report: figures, but a cashier does not see the expected cash (blind count)
    click(qtbot, screen.x_button)
    idle(qtbot, window)
    t = screen.texts
    assert t["sales_count"] == "2" and t["sales_total"] == "¥137.20"
    assert t["tender_cash"] == "¥84.00" and t["tender_wechat"] == "¥53.20"
    assert t["paid_out"] == "−¥20.00"
    assert "expected_cash" not in t
    assert screen.report_title.text().startswith("X report")
    click(qtbot, screen.print_button)
    idle(qtbot, window)
    qtbot.waitUntil(_printed(tmp_path, b"X REPORT"), timeout=8000)
    shot(window, "shifts_x_en")

    # close: the blind count (¥564.00 expected; ¥550.00 counted: ¥14.00 short)
    click(qtbot, screen.close_button)
    count = modal(qtbot, "blind_count_dialog")
    assert "564" not in "".join(w.text() for w in count.findChildren(type(count.total)))
    _type(qtbot, count.counts[10000], "5")
    qtbot.mouseClick(count.counts[2000], Qt.MouseButton.LeftButton)
    click(qtbot, count.pad.keys["2"])
    _type(qtbot, count.counts[1000], "1")
    assert count.counted_cash() == 55000
    assert count.total.text() == "Counted cash: ¥550.00"
    _type(qtbot, count.others["wechat"], "53.20")
    shot(count, "shifts_blind_count_en")
    click(qtbot, count.confirm)

    # closing needs a manager: a wrong PIN first, then the right one
    dialog = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(dialog.code, "S001", delay=60)
    qtbot.waitUntil(lambda: dialog.code.text() == "S001")
    pin_pad(qtbot, dialog.pad, "1111")
    idle(qtbot, window)
    assert modal(qtbot, "approval_dialog") is dialog  # the same dialog asks again
    assert dialog.message.kind == "error"
    shot(dialog, "shifts_approval_wrong_pin_en")
    assert dialog.code.text() == "S001"  # kept: only the PIN is typed again
    pin_pad(qtbot, dialog.pad, "2468")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.kind == "z")
    idle(qtbot, window)

    # only now the over/short is shown, with the Z report
    assert screen.result.text().startswith("Cash short by ¥14.00.")
    assert screen.result.kind == "error"
    t = screen.texts
    assert t["expected_cash"] == "¥564.00" and t["counted_cash"] == "¥550.00"
    assert t["over_short_cash"] == "−¥14.00"
    assert t["over_short_wechat"] == "¥0.00"
    assert screen.report_title.text() == "Z report No. 1"
    assert not window.env.shift_open and screen.open_button.isVisible()
    qtbot.waitUntil(_printed(tmp_path, b"Z REPORT"), timeout=8000)
    assert "Z report sent to the printer." in screen.message.text()
    shot(window, "shifts_z_en")

    with till.session() as s:
        shift = s.scalars(select(Shift)).one()
        assert shift.status == "closed" and shift.over_short_fen == -1400
        assert shift.approver_id == "S001" and shift.closed_by == "S002"
        moves = {m.kind: m for m in s.scalars(select(CashMovement))}
        assert moves["paid_out"].amount_fen == 2000 and moves["paid_out"].reason == "Milk"
        assert moves["no_sale"].approver_id == "S001"
        kinds = [e.kind for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
        assert kinds[0] == "shift_opened" and kinds[-1] == "shift_closed"
        assert s.scalar(select(AuditLogEntry).where(
            AuditLogEntry.action == "approval_failed")) is not None

    # the same screen in Chinese
    window.language.set_language("zh_CN")
    QApplication.processEvents()
    assert screen.heading.text() == "班次"
    assert screen.table.rows[0].label == "班次"
    shot(window, "shifts_z_zh")


def test_cancelled_approval_keeps_the_shift_open(qtbot, window, till):
    login(qtbot, window)
    window.show_screen("shifts")
    screen = window.shifts_screen
    idle(qtbot, window)
    click(qtbot, screen.close_button)
    count = modal(qtbot, "blind_count_dialog")
    _type(qtbot, count.counts[10000], "5")
    click(qtbot, count.confirm)
    dialog = modal(qtbot, "approval_dialog")
    click(qtbot, dialog.cancel_button)
    idle(qtbot, window)
    assert screen.kind == "x" and window.env.shift_open
    assert screen.message.kind == "warn"
    assert screen.close_button.isEnabled()
    with till.session() as s:
        assert s.scalars(select(Shift)).one().status == "open"


def test_manager_sees_expected_cash_and_closes_without_a_second_pin(qtbot, window, till):
    login(qtbot, window, code="S001", pin="2468")
    window.show_screen("shifts")
    screen = window.shifts_screen
    idle(qtbot, window)
    assert screen.texts["expected_cash"] == "¥500.00"
    click(qtbot, screen.close_button)
    count = modal(qtbot, "blind_count_dialog")
    _type(qtbot, count.counts[10000], "5")
    click(qtbot, count.confirm)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.kind == "z")
    assert screen.result.kind == "ok"
    assert screen.texts["over_short_cash"] == "¥0.00"
