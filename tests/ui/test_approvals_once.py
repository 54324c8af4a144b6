"""Issue 16, items 1 and 2, driven as the cashier did: one approval window per request, the
sale's side effects (drawer kick, receipt) once per sale, the manager's approval for spending
points with a static card asked before the payment screen, a wrong manager PIN keeping the
same dialog and its reason, and the refund's approval showing the amount."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.security.member_codes import make_static_code
from pos_member.store.models import AuditLogEntry, Member, ReceiptPrintJob, Sale

from .conftest import activate, click, gone, idle, login, modal, pin_pad, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def visible(name: str) -> list:
    return [w for w in QApplication.topLevelWidgets() if w.objectName() == name
            and w.isVisible()]


def jobs(till) -> list[tuple[str, bool]]:
    with till.session() as s:
        return [(j.kind, j.copy) for j in s.scalars(select(ReceiptPrintJob)
                                                    .order_by(ReceiptPrintJob.id))]


def type_keys(qtbot, widget, text: str) -> None:
    """Typed by a person (slower than a scanner burst)."""
    qtbot.keyClicks(widget, text, delay=60)


def pay_100_cash_and_enter(qtbot, window):
    """Keypad 1 0 0, F1 (cash), Enter: what the cashier types on the payment screen."""
    pay = modal(qtbot, "payment_dialog")
    pay.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is pay)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is pay.pad.field)
    type_keys(qtbot, pay.pad.field, "100")
    qtbot.keyClick(pay.pad.field, Qt.Key.Key_F1)
    assert pay.payment.remaining == 0
    qtbot.keyClick(pay.pad.field, Qt.Key.Key_Return)
    return pay


def card_code(till, label: str) -> str:
    with till.session() as s:
        return make_static_code(s.get(Member, till.members[label]).card_no)


def test_enter_after_cash_records_prints_and_kicks_the_drawer_once(qtbot, window, till):
    """Keypad 1 0 0, F1, Enter: the Enter reaches both the amount field and the dialog; the
    sale is completed once: one sale-done dialog, one drawer kick, one receipt."""
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C002"])  # ¥28
    idle(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F9)
    pay_100_cash_and_enter(qtbot, window)
    idle(qtbot, window)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    qtbot.wait(200)
    idle(qtbot, window)
    assert len(visible("sale_done_dialog")) == 1
    assert done.change.text() == "Change ¥72.00"

    def queued() -> bool:
        return ("receipt", False) in jobs(till)

    qtbot.waitUntil(queued, timeout=10000)
    assert jobs(till) == [("drawer", False), ("receipt", False)]
    with till.session() as s:
        assert len(s.scalars(select(Sale)).all()) == 1


def test_points_with_a_static_card_are_approved_before_the_payment_screen(qtbot, window, till):
    """The issue's keys: scan a member card, type 20 in the points field, F9, keypad 1 0 0, F1,
    Enter. The manager approves once, before any money is taken; the sale completes once."""
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["R002"])  # ¥118
    idle(qtbot, window)
    scan(qtbot, co.entry, card_code(till, "gold"))
    idle(qtbot, window)
    assert co.sale.member is not None and co.sale.via == "static_card"
    co.member_panel.redeem.setFocus()
    co.member_panel.redeem.selectAll()
    type_keys(qtbot, co.member_panel.redeem, "20")
    qtbot.keyClick(co.member_panel.redeem, Qt.Key.Key_F9)
    dialog = modal(qtbot, "approval_dialog")
    assert not visible("payment_dialog")  # nothing is paid before the manager says yes
    assert "spending points without the member's app code" in dialog.explain.text()
    # F9 again while the dialog is open: the same request, not a second dialog
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F9)
    qtbot.wait(100)
    assert len(visible("approval_dialog")) == 1
    dialog.code.setText("S001")
    pin_pad(qtbot, dialog.pad, "2468")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: gone(dialog))
    assert co.sale.pricing.points_redeemed == 20
    pay_100_cash_and_enter(qtbot, window)
    idle(qtbot, window)
    modal(qtbot, "sale_done_dialog")
    qtbot.wait(200)
    idle(qtbot, window)
    assert not visible("approval_dialog")  # asked once, before the payment
    assert len(visible("sale_done_dialog")) == 1
    qtbot.waitUntil(lambda: ("receipt", False) in jobs(till), timeout=10000)
    assert jobs(till) == [("drawer", False), ("receipt", False)]
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        assert sale.points_redeemed == 20
        entry = s.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "sale")).one()
        assert entry.approver == "S001"


def test_wrong_manager_pin_keeps_the_same_dialog_and_its_reason(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["R002"])
    idle(qtbot, window)
    scan(qtbot, co.entry, card_code(till, "gold"))
    idle(qtbot, window)
    co.member_panel.redeem.setValue(20)
    idle(qtbot, window)
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F9)
    dialog = modal(qtbot, "approval_dialog")
    reason = dialog.explain.text()
    assert "spending points" in reason
    dialog.code.setText("S001")
    pin_pad(qtbot, dialog.pad, "0000")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.message.kind == "error")
    assert not gone(dialog) and visible("approval_dialog") == [dialog]  # not a stacked one
    assert dialog.explain.text() == reason
    assert "PIN" in dialog.message.text() and dialog.pad.value() == ""
    assert dialog.code.text() == "S001" and dialog.pad.field.isEnabled()
    shot(dialog, "approval_points_wrong_pin_en")
    pin_pad(qtbot, dialog.pad, "2468")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: gone(dialog))
    modal(qtbot, "payment_dialog")
    with till.session() as s:
        failed = s.scalars(select(AuditLogEntry).where(
            AuditLogEntry.action == "approval_failed")).all()
        assert len(failed) == 1


def test_cancelled_points_approval_takes_no_payment(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["R002"])
    idle(qtbot, window)
    scan(qtbot, co.entry, card_code(till, "gold"))
    idle(qtbot, window)
    co.member_panel.redeem.setValue(20)
    idle(qtbot, window)
    click(qtbot, co.pay_button)
    dialog = modal(qtbot, "approval_dialog")
    click(qtbot, dialog.cancel_button)
    idle(qtbot, window)
    assert not visible("payment_dialog")
    assert co.message.kind == "warn" and "manager" in co.message.text()
    # points set back to 0: the payment screen opens without a manager
    co.member_panel.redeem.setValue(0)
    idle(qtbot, window)
    click(qtbot, co.pay_button)
    modal(qtbot, "payment_dialog")


def test_refund_approval_shows_the_amount(qtbot, window, till):
    import uuid
    from decimal import Decimal as D

    from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout

    login(qtbot, window)
    sale = checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), window.env.staff,
                                              (CartLine("C002", D(2)),),
                                              (Tender("cash", 5600),)))
    activate(qtbot, window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F7,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "refund")
    idle(qtbot, window)
    screen = window.refund_screen
    scan(qtbot, screen.search, sale.receipt_no)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.detail is not None)
    qtbot.mouseClick(screen.qty_fields[1], Qt.MouseButton.LeftButton)
    type_keys(qtbot, screen.qty_fields[1], "1")
    screen.reason.setCurrentIndex(1)
    click(qtbot, screen.refund_button)
    dialog = modal(qtbot, "approval_dialog")
    assert "a refund of ¥28.00" in dialog.explain.text()
    shot(dialog, "approval_refund_amount_en")
    dialog.code.setText("S001")
    pin_pad(qtbot, dialog.pad, "1111")  # wrong: the amount stays on the dialog
    idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.message.kind == "error")
    assert "a refund of ¥28.00" in dialog.explain.text()
    shot(dialog, "approval_refund_wrong_pin_en")
    pin_pad(qtbot, dialog.pad, "2468")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.last_result is not None)
    assert screen.last_result.outcome.money == 2800


def test_approval_cannot_be_cancelled_while_the_approved_action_runs(qtbot, window):
    """Once the manager's PIN is entered the action runs again; Esc or Cancel then would
    report a cancel for an action that still happens: the dialog waits for the outcome."""
    import threading

    from pos_member.services.errors import ApprovalNeeded
    from pos_member.ui.worker import Op

    login(qtbot, window)
    release = threading.Event()
    done, cancelled = [], []

    def protected(approval=None):
        if approval is None:
            raise ApprovalNeeded("needs a manager", action="refund", amount_fen=1234)
        release.wait(5)
        return approval.login_code

    Op(protected).with_approval(window, "Refund").success(done.append) \
        .cancelled(lambda: cancelled.append(1)).run(window.worker)
    dialog = modal(qtbot, "approval_dialog")
    assert "a refund of ¥12.34" in dialog.explain.text()
    dialog.code.setText("S001")
    pin_pad(qtbot, dialog.pad, "2468")
    assert dialog.checking and not dialog.cancel_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and not cancelled
    release.set()
    qtbot.waitUntil(lambda: done == ["S001"])
    qtbot.waitUntil(lambda: gone(dialog))
    assert not cancelled
