"""Issue 16, item 8, driven as the manager did: a member's sale with points redeemed and
earned, refunded, then the X report on the shift screen. The
points figures (on screen, on paper, and the Z report of the closed shift) are net of refunds: zero after a full refund, and after a partial refund what
the domain's refund computed (points reversed and returned in proportion)."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.refunds import refund_sale
from pos_member.services.staff import Approval

from .conftest import click, idle, login, shot

MANAGER = Approval("S001", "2468")


def member_sale(till, staff):
    """3 lattes (¥84) and 1 croissant-free line for the gold member, 20 points redeemed."""
    lines = (CartLine("C002", D(3)), CartLine("T001", D(1)))
    from pos_member.services.checkout import quote_basket

    quote = quote_basket(till.ctx, lines, till.members["gold"], redeem_points=20)
    sale = checkout(till.ctx, CheckoutRequest(
        str(uuid.uuid4()), staff, lines, (Tender("cash", quote.total),),
        member_id=till.members["gold"], redeem_points=20, approval=MANAGER))
    assert sale.pricing.points_redeemed == 20 and sale.pricing.points_earned > 0
    return sale


def x_report(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F6,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "shifts")
    screen = window.shifts_screen
    idle(qtbot, window)
    click(qtbot, screen.x_button)
    idle(qtbot, window)
    return screen


def test_fully_refunded_sale_nets_its_points_to_zero(qtbot, window, till):
    login(qtbot, window)
    sale = member_sale(till, window.env.staff)
    refund = refund_sale(till.ctx, window.env.staff, sale.sale_id, None, MANAGER,
                         reason="changed mind")
    assert refund.outcome.full
    screen = x_report(qtbot, window)
    t = screen.texts
    shot(window, "x_report_refunded_points_en")
    assert t["points_earned"] == "0"
    assert t["points_redeemed"] == "0"
    # the points tender is shown with its refund, as money tenders are
    assert t["tender_points"] == "¥20.00" and t["refunds_points"] == "−¥20.00"
    # the gross composition of the sales still shows what was redeemed at the sale
    from pos_member.ui.figures import shift_rows

    labels = {r.key: r.label for r in shift_rows(screen.figures, till.ctx.tz,
                                                 tiers=window.env.tiers)}
    assert "20 points" in labels["points_value"]

    # the Z report: close the shift (blind count of the float), the printed figures net too
    f = screen.figures
    from pos_member.ui.report_data import report_from_shift

    data = report_from_shift(f, kind="x", store_name="S", terminal="T", cashier="C",
                             printed_at=till.clock.now, tz="Asia/Shanghai",
                             tiers=window.env.tiers)
    assert (data.points_earned, data.points_redeemed) == (0, 0)
    assert data.points_used == 20  # the discount line: points used at the sales
    points = next(x for x in data.tenders if x.kind == "points")
    assert (points.amount_fen, points.refunds_fen) == (2000, 2000)
    # on paper: the points section prints the net figures
    from pos_member.printing.layout import Paper
    from pos_member.printing.reports import layout_report

    doc = layout_report(data, Paper.make(48, "gb18030"))
    text = doc.text()
    earned = next(x for x in text.splitlines() if "Earned" in x)
    assert earned.split()[-1] == "0"

    # the Z report of the closed shift nets them too
    from pos_member.services.shifts import close_shift, z_report

    close_shift(till.ctx, window.env.staff, {}, approval=MANAGER)
    z = z_report(till.ctx)
    assert (z.points_earned, z.points_redeemed, z.points_used) == (0, 0, 20)


def test_partly_refunded_sale_nets_its_points_in_proportion(qtbot, window, till):
    login(qtbot, window)
    sale = member_sale(till, window.env.staff)
    earned, redeemed = sale.pricing.points_earned, sale.pricing.points_redeemed
    refund = refund_sale(till.ctx, window.env.staff, sale.sale_id, {1: D(1)}, MANAGER,
                         reason="faulty")
    out = refund.outcome
    assert 0 < out.points_reversed < earned and 0 < out.points_returned < redeemed
    screen = x_report(qtbot, window)
    t = screen.texts
    assert t["points_earned"] == str(earned - out.points_reversed)
    assert t["points_redeemed"] == str(redeemed - out.points_returned)
