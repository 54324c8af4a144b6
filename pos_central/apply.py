"""Applying pushed events to the service's records, a batch at a time: the entry point.

:func:`apply_event` checks that the event is the terminal's to send (:func:`check_owner`) and
hands it to its kind's applier. The work is split by feature: the batch's context and plain
rows (``apply_context``, ``apply_rows``), sales (``apply_sales``), refunds (``apply_refunds``),
registrations and member updates (``apply_members``), shifts, cash and audit heads
(``apply_shifts``); stored value, benefits, gifts and vouchers have their own modules.

A sale is never refused: a single-use coupon that another sale used first, or points no longer
there, are recorded as conflicts (and reported in the event's answer) while the sale itself is
stored and its points applied.
"""

from __future__ import annotations

from typing import Any

from pos_central import benefits, gifts, stored_value
from pos_central import models as m
from pos_central.apply_context import (
    Context,
    Outcome,
    Refunded,
    Rejected,
    SaleInfo,
    SoldLine,
)
from pos_central.apply_members import apply_member_registered, apply_member_updated
from pos_central.apply_refunds import apply_refund
from pos_central.apply_sales import CODE_TIME_TOLERANCE, apply_sale
from pos_central.apply_shifts import (
    apply_audit_head,
    apply_cash_movement,
    apply_shift_closed,
    apply_shift_opened,
)

__all__ = ["APPLIERS", "CODE_TIME_TOLERANCE", "Context", "Outcome", "Refunded", "Rejected",
           "SaleInfo", "SoldLine", "apply_event", "check_owner"]


def apply_event(ctx: Context, event: Any) -> Outcome:
    ctx.event_id = str(event.event_id)
    ctx.outcome = Outcome()
    try:
        check_owner(ctx, event)
    except Rejected as exc:
        ctx.outcome.rejection = exc.rejection
        return ctx.outcome
    APPLIERS[event.kind](ctx, event.payload)
    return ctx.outcome


# -- the trust boundary: a terminal writes only its own data -----------------------------------


def check_owner(ctx: Context, event: Any) -> None:
    """Raise :class:`Rejected` when the event is about data that is not the terminal's: another
    store, another terminal's shift or cash movement, a refund of another store's sale.

    A refund of a sale made at another till of the *same* store is normal retail practice (a
    customer returns at any counter) and is applied. Checked before anything is applied, so a
    rejected event changes nothing (docs/sync-api.md, "A terminal writes only its own data").
    """
    pl = event.payload
    store_id = getattr(pl, "store_id", None)
    if ctx.store_id and store_id is not None and store_id != ctx.store_id:
        raise Rejected("foreign_store",
                       f"This terminal is enrolled for store {ctx.store_id}; the event is for "
                       f"store {store_id}. A till that moved to another store must be enrolled "
                       "again.", "payload.store_id")
    if event.kind in ("shift_opened", "shift_closed", "cash_movement"):
        ctx.session.flush()  # shifts and movements of earlier events of the batch
        shift = ctx.session.get(m.Shift, str(pl.shift_id))
        if shift is not None and shift.terminal_id != ctx.terminal_id:
            raise Rejected("not_your_shift",
                           f"Shift {pl.shift_id} belongs to another terminal; a terminal can "
                           "only open, close and move cash in its own shifts.",
                           "payload.shift_id")
        if event.kind == "cash_movement":
            move = ctx.session.get(m.CashMovement, str(pl.movement_id))
            if move is not None and move.terminal_id != ctx.terminal_id:
                raise Rejected("not_your_movement",
                               f"Cash movement {pl.movement_id} was recorded by another "
                               "terminal.", "payload.movement_id")
    elif event.kind == "refund":
        sale = ctx.sales.get(str(pl.sale_id))
        if sale is not None and ctx.store_id and sale.store_id not in (None, ctx.store_id):
            raise Rejected("sale_of_another_store",
                           f"Sale {pl.sale_id} was made in store {sale.store_id}; this "
                           f"terminal (store {ctx.store_id}) can refund only its own store's "
                           "sales. The customer returns it at that store, or the brand "
                           "settles it between the stores.", "payload.sale_id")


def _unless_duplicate(applier: Any, *hooks: Any) -> Any:
    """``applier`` then ``hooks`` (stored value, benefits), the hooks skipped when the applier
    returned False: a sale or refund already applied under another event moves nothing again."""
    def applied(ctx: Context, payload: Any) -> None:
        if applier(ctx, payload) is False:
            return
        for hook in hooks:
            hook(ctx, payload)
    applied.__name__ = applier.__name__
    applied.__doc__ = applier.__doc__
    return applied


APPLIERS = {
    "sale": _unless_duplicate(apply_sale, stored_value.on_sale, benefits.on_sale),
    "refund": _unless_duplicate(apply_refund, stored_value.on_refund, benefits.on_refund),
    "member_registered": apply_member_registered,
    "member_updated": apply_member_updated,
    "shift_opened": apply_shift_opened,
    "shift_closed": apply_shift_closed,
    "cash_movement": apply_cash_movement,
    "audit_head": apply_audit_head,
    "recharge": stored_value.apply_recharge,
    "recharge_refund": stored_value.apply_recharge_refund,
    "gift_issued": gifts.apply_gift_issued,  # birthday / upgrade gifts (pos_central/gifts.py)
}
