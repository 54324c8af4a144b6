"""The open shift's sales for the cashier's history: newest first, with their state."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

from pos_member.services import sales_history
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import close_shift, open_shift
from pos_member.services.staff import Approval
from pos_member.store.db import transaction
from pos_member.store.models import Sale

MANAGER = Approval("S001", "2468")


def _sell(till, cashier, lines, member=None):
    total = sum({"C002": 2800, "B001": 1500, "B005": 900}[sku] * q for sku, q in lines)
    r = checkout(till.ctx, CheckoutRequest(
        sale_id=str(uuid.uuid4()), staff=cashier,
        lines=tuple(CartLine(sku, D(q)) for sku, q in lines),
        tenders=(Tender("cash", total, tendered=total),), member_id=member))
    till.clock.advance(minutes=1)
    return r


def test_the_open_shifts_sales_newest_first_with_their_state(till, cashier):
    assert sales_history.shift_sales(till.ctx).shift_id is None  # no shift: nothing
    open_shift(till.ctx, cashier, 50000)
    old = _sell(till, cashier, [("B001", 1)])
    close_shift(till.ctx, cashier, {100: 515}, approval=MANAGER)   # 500 float + 15
    open_shift(till.ctx, cashier, 50000)
    a = _sell(till, cashier, [("C002", 1)])
    b = _sell(till, cashier, [("C002", 1), ("B005", 2)], member=None)
    c = _sell(till, cashier, [("B001", 2)])
    d = _sell(till, cashier, [("B005", 1)])
    refund_sale(till.ctx, cashier, b.sale_id, {2: D(1)}, MANAGER, "one tart too many")
    refund_sale(till.ctx, cashier, c.sale_id, None, MANAGER, "wrong order")
    with transaction(till.ctx.sessions) as s:
        voided = s.get(Sale, d.sale_id)  # voided after the sale (as the central service may)
        voided.status, voided.voided_at, voided.voided_by = "voided", till.clock.now, "S001"
        voided.void_approver_id, voided.void_reason = "S001", "test sale"

    history = sales_history.shift_sales(till.ctx)
    assert [r.id for r in history.rows] == [d.sale_id, c.sale_id, b.sale_id, a.sale_id]
    assert old.sale_id not in [r.id for r in history.rows]  # the closed shift's sale
    assert [r.state for r in history.rows] == ["voided", "refunded", "partly_refunded",
                                               "completed"]
    assert [r.sale.receipt_no for r in history.rows][::-1] == [
        a.receipt_no, b.receipt_no, c.receipt_no, d.receipt_no]
    assert history.rows[2].sale.refunded_fen == 900
    assert history.total_fen == 2800 + (2800 + 1800 - 900) + 0
