"""The sales of the open shift on this till, newest first, for the cashier's sales history
(reprint a receipt as a copy, open a refund). A shift is the till's: the cashier who took over
a shift sees its earlier sales too, since they are in the same drawer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pos_member.store.models import Sale

from .context import TillContext
from .sales_query import SaleSummary, _summaries
from .shifts import current_shift

MAX_ROWS = 500

# The state shown in the list.
COMPLETED, PARTLY_REFUNDED, REFUNDED, VOIDED = "completed", "partly_refunded", "refunded", \
    "voided"


@dataclass(frozen=True)
class HistoryRow:
    sale: SaleSummary
    state: str  # completed | partly_refunded | refunded | voided

    @property
    def id(self) -> str:
        return self.sale.id


@dataclass(frozen=True)
class ShiftSales:
    shift_id: str | None      # None: no shift is open
    opened_at: datetime | None
    rows: tuple[HistoryRow, ...]

    @property
    def total_fen(self) -> int:
        """What the shift's sales took, less refunds (voided sales count nothing)."""
        return sum(r.sale.total_fen - r.sale.refunded_fen for r in self.rows
                   if r.state != VOIDED)


def state_of(sale: SaleSummary) -> str:
    if sale.status == "voided":
        return VOIDED
    if sale.refunded_fen <= 0 and sale.refunds_count == 0:
        return COMPLETED
    return REFUNDED if sale.refunded_fen >= sale.total_fen else PARTLY_REFUNDED


def shift_sales(ctx: TillContext, limit: int = MAX_ROWS) -> ShiftSales:
    """The open shift's sales on this till, newest first."""
    limit = max(1, min(int(limit), MAX_ROWS))
    with ctx.read_sessions() as s:
        shift = current_shift(s, ctx.terminal_id)
        if shift is None:
            return ShiftSales(None, None, ())
        rows = list(s.scalars(
            select(Sale).where(Sale.terminal_id == ctx.terminal_id, Sale.shift_id == shift.id)
            .order_by(Sale.created_at.desc(), Sale.terminal_seq.desc()).limit(limit)))
        summaries = _summaries(s, rows)
        return ShiftSales(shift.id, shift.opened_at,
                          tuple(HistoryRow(x, state_of(x)) for x in summaries))
