"""The manager's reconciliation screen: the day's figures by tender, tier, coupons, points,
refunds and voids, cash and shifts, sync and conflicts; CSV export (the button, with the file
dialog answered, and the export method itself); printing; a cashier needs a manager's PIN."""

from __future__ import annotations

import csv
import uuid
from decimal import Decimal as D

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from sqlalchemy import select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import cash_movement, close_shift
from pos_member.services.staff import Approval
from pos_member.store.db import transaction
from pos_member.store.models import OutboxEvent, SyncConflict

from .conftest import click, idle, login, modal, pin_pad, shot

MANAGER = Approval("S001", "2468")


def _sale(till, staff, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), staff, tuple(lines),
                                              tuple(tenders), **kw))


def _day(till, staff):
    """A small day: three sales, a coupon, points, a refund, a paid-out, a closed shift with
    ¥2 short, a second shift still open, and a conflict from the central service."""
    gold = till.members["gold"]
    _sale(till, staff, [CartLine("C002", D(3)), CartLine("W001", D("0.5"))],
          [Tender("cash", 20960, tendered=21000)], member_id=gold, coupon_codes=("M100-10",))
    r = _sale(till, staff, [CartLine("C002", D(1))], [Tender("alipay", 2800)])
    _sale(till, staff, [CartLine("C002", D(2))], [Tender("wechat", 5320)],
          member_id=till.members["silver"])
    refund_sale(till.ctx, staff, r.sale_id, None, MANAGER, reason="wrong drink")
    cash_movement(till.ctx, staff, "paid_out", 1000, "milk")
    # expected cash: 500 + 209.60 - 10 = 699.60; counted 697.60
    close_shift(till.ctx, staff, {10000: 6, 5000: 1, 2000: 2, 500: 1, 100: 2, 50: 1, 10: 1},
                approval=MANAGER)
    from pos_member.services.shifts import open_shift

    open_shift(till.ctx, staff, 30000)
    with transaction(till.ctx.sessions) as s:
        s.add(SyncConflict(event_id=str(uuid.uuid4()), kind="coupon_already_used",
                           detail={"message": "M100-10 was used at another till first",
                                   "coupon_code": "M100-10"}, created_at=till.clock.now))


def test_manager_sees_the_day_and_exports_it(qtbot, window, till, tmp_path, monkeypatch):
    login(qtbot, window, code="S001", pin="2468")
    _day(till, window.env.staff)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F8,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "reconcile")
    screen = window.reconcile_screen
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.day_figures is not None)
    assert screen.content.isVisible() and not screen.gate.isVisible()
    t = screen.texts
    assert t["sales.count"] == "3"
    assert t["sales.paid"] == "¥290.80"  # 209.60 + 28.00 + 53.20
    assert t["sales.refunds"] == "−¥28.00" and t["sales.net"] == "¥262.80"
    assert t["sales.coupon_discount"] == "−¥10.00"
    assert t["tender.cash"] == "¥209.60" and t["tender.alipay_refunds"] == "−¥28.00"
    assert t["tier.gold"] == "¥209.60" and t["tier.non_member"] == "¥28.00"
    assert t["coupons.M100-10"] == "−¥10.00"
    assert t["points.earned"] == str(screen.day_figures.points_earned)
    assert t["cash.paid_out"] == "−¥10.00" and t["cash.over_short"] == "−¥2.00"
    assert int(t["sync.waiting"]) >= 8 and t["sync.conflicts"] == "1"
    assert screen.shifts.rowCount() == 2 and screen.shifts.item(0, 5).text() == "−¥2.00"
    assert screen.conflicts.rowCount() == 1
    assert screen.conflicts.item(0, 1).text() == "Coupon already used elsewhere"
    shot(window, "reconcile_en")

    # export through the button, the file dialog answered
    target = tmp_path / "day.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "CSV files (*.csv)")))
    click(qtbot, screen.export_button)
    rows = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert rows[0] == ["section", "figure", "label", "value"]
    values = {(r[0], r[1]): r[3] for r in rows[1:]}
    assert values[("day", "date")] == "2026-11-24"
    assert values[("sales", "count")] == "3" and values[("sales", "paid")] == "290.80"
    assert values[("sales", "refunds")] == "-28.00" and values[("sales", "net")] == "262.80"
    assert values[("tender", "cash")] == "209.60" and values[("tender", "wechat")] == "53.20"
    assert values[("tier", "gold")] == "209.60"
    assert values[("coupons", "M100-10")] == "-10.00"
    assert values[("cash", "over_short")] == "-2.00"
    assert values[("shift", "1.expected_cash")] == "699.60"
    assert values[("shift", "1.counted_cash")] == "697.60"
    assert values[("shift", "2.closed")] == ""
    assert values[("conflict", "coupon_already_used")].endswith(
        "M100-10 was used at another till first")
    assert "Exported to" in screen.message.text()

    # print the day as a Z report
    click(qtbot, screen.print_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: (tmp_path / "receipts.bin").exists()
                    and b"Z REPORT" in (tmp_path / "receipts.bin").read_bytes(), timeout=8000)

    # Chinese: the labels follow, and the export writes Chinese labels
    window.language.set_language("zh_CN")
    QApplication.processEvents()
    assert screen.heading.text() == "对账"
    assert screen.conflicts.item(0, 1).text() != "Coupon already used elsewhere"
    shot(window, "reconcile_zh")
    path = screen.export_csv(tmp_path / "day_zh.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "销售" in text and "290.80" in text
    # the previous day is empty
    click(qtbot, screen.prev_button)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: str(screen.day_figures.day) == "2026-11-23")
    assert screen.texts["sales.count"] == "0"


def test_a_cashier_needs_a_managers_pin(qtbot, window, till):
    login(qtbot, window)
    window.show_screen("reconcile")
    screen = window.reconcile_screen
    idle(qtbot, window)
    assert screen.gate.isVisible() and not screen.content.isVisible()
    assert not screen.export_button.isEnabled()
    shot(window, "reconcile_gate_en")
    # the cashier's own PIN does not open it
    click(qtbot, screen.unlock_button)
    dialog = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(dialog.code, "S002", delay=60)
    qtbot.waitUntil(lambda: dialog.code.text() == "S002")
    pin_pad(qtbot, dialog.pad, "1357")
    idle(qtbot, window)
    assert screen.gate.isVisible() and screen.message.kind == "error"
    click(qtbot, screen.unlock_button)
    dialog = modal(qtbot, "approval_dialog")
    qtbot.keyClicks(dialog.code, "S001", delay=60)
    qtbot.waitUntil(lambda: dialog.code.text() == "S001")
    pin_pad(qtbot, dialog.pad, "2468")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.content.isVisible())
    assert screen.unlocked_by and screen.export_button.isEnabled()
    # leaving the screen locks it again
    window.show_screen("checkout")
    window.show_screen("reconcile")
    assert screen.gate.isVisible()
    with till.session() as s:
        assert s.scalar(select(OutboxEvent).where(OutboxEvent.kind == "sale")) is None


def test_every_conflict_and_event_kind_has_a_name_of_its_own(qtbot, window):
    """A kind the central service can send is named in words, never shown as its raw code:
    each feature that adds a ConflictKind or an EventKind must add its label too."""
    from pos_member.sync.protocol import ConflictKind, EventKind

    screen = window.reconcile_screen
    raw_conflicts = [k.value for k in ConflictKind if screen.conflict_kind(k.value) == k.value]
    raw_events = [k.value for k in EventKind if screen.event_kind(k.value) == k.value]
    assert raw_conflicts == [] and raw_events == []
