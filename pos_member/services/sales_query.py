"""Read-only look-ups for the refund, shift and reconciliation screens: recent sales, a sale
found by its receipt code, number or id with what is still refundable, the figures of a day,
the extras an X/Z printout needs, and the sync conflicts the central service reported.

Nothing here writes. Every function opens a read session (``ctx.read_sessions()``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from pos_member.domain.quantity import milli_to_qty
from pos_member.security.member_codes import mask_phone
from pos_member.store import repositories as repo
from pos_member.store.models import (
    CashMovement, Member, OutboxEvent, Product, Refund, Sale, Shift, Staff, SyncConflict,
)

from . import sale_figures, stored_value
from .context import TillContext
from .errors import NotFound

# The receipt's QR code: ``PMR.<sale id>`` (ui.scanner.receipt_code); ``PMS.`` is accepted too.
RECEIPT_PREFIXES = ("PMR.", "PMS.")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_RECENT = 200


@dataclass(frozen=True)
class SaleSummary:
    id: str
    receipt_no: str
    created_at: datetime  # aware UTC
    tz: str
    status: str  # completed | voided
    total_fen: int
    staff_id: str
    member_id: str | None
    member_name: str
    member_phone: str  # masked
    refunded_fen: int
    refunds_count: int
    member_tier: str | None = None  # the member's tier now (a refund may drop it)

    @property
    def refundable_fen(self) -> int:
        return max(0, self.total_fen - self.refunded_fen) if self.status == "completed" else 0


@dataclass(frozen=True)
class SaleLineView:
    line_no: int
    sku: str
    name: str
    qty: Decimal
    unit: str  # pcs | kg
    unit_price_fen: int
    amount_fen: int  # before discounts
    paid_fen: int    # what the customer paid for the line (after every discount and points)
    points_redeemed: int
    refunded_qty: Decimal

    @property
    def refundable_qty(self) -> Decimal:
        return max(Decimal(0), self.qty - self.refunded_qty)


@dataclass(frozen=True)
class RefundSummary:
    id: str
    created_at: datetime
    amount_fen: int
    staff_id: str
    approver_id: str
    reason: str


@dataclass(frozen=True)
class SaleDetail:
    summary: SaleSummary
    lines: tuple[SaleLineView, ...]
    payments: tuple[tuple[str, int], ...]  # (tender, fen), points included as "points"
    coupons: tuple[tuple[str, int], ...]   # (code, discount fen)
    subtotal_fen: int
    tier_discount_fen: int
    coupon_discount_fen: int
    points_redeemed: int
    points_value_fen: int
    points_earned: int
    tier_before: str | None
    refunds: tuple[RefundSummary, ...] = ()
    # The archive file the sale was found in (db prune moved it out of the till's file): it
    # can be looked at and reprinted, not refunded at the till (docs/database.md).
    archived: str | None = None

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def fully_refunded(self) -> bool:
        return all(line.refundable_qty <= 0 for line in self.lines)

    @property
    def refundable(self) -> bool:
        return (self.summary.status == "completed" and not self.fully_refunded
                and self.archived is None)


def receipt_sale_id(code: str) -> str | None:
    """The sale id in a scanned receipt code (``PMR.<uuid>``), or None."""
    text = (code or "").strip()
    for prefix in RECEIPT_PREFIXES:
        if text[:len(prefix)].upper() == prefix:
            rest = text[len(prefix):]
            return rest if _UUID.match(rest) else None
    return None


def _refund_totals(session, sale_ids: list[str]) -> dict[str, tuple[int, int]]:
    if not sale_ids:
        return {}
    rows = session.execute(
        select(Refund.sale_id, func.sum(Refund.amount_fen), func.count())
        .where(Refund.sale_id.in_(sale_ids)).group_by(Refund.sale_id)).all()
    return {sid: (int(total or 0), int(n)) for sid, total, n in rows}


def _summaries(session, sales: list[Sale], ref=None) -> list[SaleSummary]:
    """``ref``: the session members are read from (the till's, for an archive's sales)."""
    refunds = _refund_totals(session, [s.id for s in sales])
    member_ids = {s.member_id for s in sales if s.member_id}
    members = {m.id: m for m in (ref or session).scalars(select(Member).where(
        Member.id.in_(member_ids)))} if member_ids else {}
    out = []
    for s in sales:
        m = members.get(s.member_id) if s.member_id else None
        total, n = refunds.get(s.id, (0, 0))
        out.append(SaleSummary(
            s.id, s.receipt_no, s.created_at, s.tz, s.status, s.total_fen, s.staff_id,
            s.member_id, m.name if m else "", mask_phone(m.phone) if m and m.phone else "",
            total, n, m.tier if m else None))
    return out


def recent_sales(ctx: TillContext, text: str = "", limit: int = 30) -> list[SaleSummary]:
    """This till's newest sales, optionally those whose receipt number contains ``text``, or
    whose member's phone ends with it (4 digits or more) or whose member's name contains it."""
    text = " ".join((text or "").split())[:64]
    limit = max(1, min(int(limit), MAX_RECENT))
    with ctx.read_sessions() as s:
        q = select(Sale).where(Sale.terminal_id == ctx.terminal_id)
        if text:
            pattern = f"%{repo.escape_like(text)}%"
            esc = repo.LIKE_ESCAPE
            conds = [Sale.receipt_no.like(pattern, escape=esc)]
            if not text.isdigit():
                conds.append(Sale.member_id.in_(
                    select(Member.id).where(Member.name.like(pattern, escape=esc))))
            elif len(text) >= 4:
                # Digits are a receipt number or the end of a phone number, not a name: the
                # members come from the last-four index, not a scan of every name and phone
                # (1.4 s among 1,000,000 members; issue 14).
                conds.append(Sale.member_id.in_(select(Member.id).where(
                    Member.phone_last4 == text[-4:],
                    Member.phone.like(f"%{repo.escape_like(text)}", escape=esc))))
            if _UUID.match(text):
                conds.append(Sale.id == text.lower())
            q = q.where(or_(*conds))
        rows = list(s.scalars(q.order_by(Sale.created_at.desc(), Sale.terminal_seq.desc())
                              .limit(limit)))
        found = _summaries(s, rows)
        if text and len(found) < limit:  # older sales: the archives db prune wrote
            found += _archived_summaries(ctx, s, text, limit - len(found),
                                         {x.id for x in found})
        return found


def _archive_conditions(s, text: str):
    """The search's conditions on an archive's sales for ``text``: the whole receipt number
    (not a part of one: that would read every archived sale), the sale id, or the members
    the till's session ``s`` matches by the end of their phone number or their name."""
    pattern = f"%{repo.escape_like(text)}%"
    esc = repo.LIKE_ESCAPE
    numbers = [text] + ([f"{text[:6]}-{text[6:]}"] if re.fullmatch(r"\d{12}", text) else [])
    conds = [Sale.receipt_no.in_(numbers)]
    if not text.isdigit():
        ids = list(s.scalars(select(Member.id).where(Member.name.like(pattern, escape=esc))
                            .limit(1000)))
    elif len(text) >= 4:
        ids = list(s.scalars(select(Member.id).where(
            Member.phone_last4 == text[-4:],
            Member.phone.like(f"%{repo.escape_like(text)}", escape=esc)).limit(1000)))
    else:
        ids = []
    if ids:
        conds.append(Sale.member_id.in_(ids))
    if _UUID.match(text):
        conds.append(Sale.id == text.lower())
    return or_(*conds)


def _archive_sessions(ctx: TillContext):
    """(file name, read-only session factory) of each sales archive, newest first."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from pos_member.store import sales_archive

    path = _db_path(ctx)
    if path is None:
        return
    for arch in reversed(sales_archive.archives(path)):
        engine = create_engine(f"sqlite:///file:{arch.resolve()}?mode=ro&uri=true")
        try:
            yield arch.name, sessionmaker(bind=engine)
        finally:
            engine.dispose()


def _db_path(ctx: TillContext):
    from pathlib import Path

    bind = ctx.sessions.kw.get("bind")
    database = getattr(getattr(bind, "url", None), "database", None)
    return Path(database) if database and database != ":memory:" else None


def _archived_summaries(ctx: TillContext, live, text: str, limit: int,
                        seen: set[str]) -> list[SaleSummary]:
    out: list[SaleSummary] = []
    cond = _archive_conditions(live, text)
    for _name, factory in _archive_sessions(ctx):
        with factory() as a:
            rows = [x for x in a.scalars(select(Sale).where(
                Sale.terminal_id == ctx.terminal_id, cond)
                .order_by(Sale.created_at.desc(), Sale.terminal_seq.desc())
                .limit(limit + len(seen))) if x.id not in seen]
            for summary in _summaries(a, rows, live):
                if summary.id not in seen and len(out) < limit:
                    seen.add(summary.id)
                    out.append(summary)
        if len(out) >= limit:
            break
    return out


def find_archived_sale(ctx: TillContext, code: str) -> SaleDetail | None:
    """A sale db prune moved into an archive, by receipt code, id or number (None: none)."""
    text = (code or "").strip()
    sale_id = receipt_sale_id(text) or (text.lower() if _UUID.match(text) else None)
    numbers = [text] + ([f"{text[:6]}-{text[6:]}"] if re.fullmatch(r"\d{12}", text) else [])
    with ctx.read_sessions() as live:
        for name, factory in _archive_sessions(ctx):
            with factory() as a:
                sale = a.get(Sale, sale_id) if sale_id else None
                if sale is None and not sale_id:
                    sale = a.scalars(select(Sale).where(Sale.receipt_no.in_(numbers))
                                     .order_by(Sale.created_at.desc()).limit(1)).first()
                if sale is not None:
                    return _detail(a, sale, live, archived=name)
    return None


def sale_detail(ctx: TillContext, sale_id: str) -> SaleDetail:
    with ctx.read_sessions() as s:
        sale = s.get(Sale, sale_id)
        if sale is not None:
            return _detail(s, sale)
    archived = find_archived_sale(ctx, sale_id) if _UUID.match(sale_id or "") else None
    if archived is None:
        raise NotFound("no such sale on this till", code="unknown_sale")
    return archived


def find_sale(ctx: TillContext, code: str) -> SaleDetail:
    """A sale by its receipt's QR code (``PMR.<id>``), its id, or its receipt number."""
    text = (code or "").strip()
    if not text or len(text) > 80:
        raise NotFound("no sale with this code", code="unknown_sale")
    sale_id = receipt_sale_id(text) or (text.lower() if _UUID.match(text) else None)
    with ctx.read_sessions() as s:
        sale = s.get(Sale, sale_id) if sale_id else None
        if sale is None:
            sale = s.scalars(select(Sale).where(Sale.receipt_no == text)
                             .order_by(Sale.created_at.desc()).limit(1)).first()
        if sale is None and re.fullmatch(r"\d{12}", text):  # a receipt number typed without "-"
            sale = s.scalars(select(Sale).where(
                Sale.receipt_no == f"{text[:6]}-{text[6:]}").limit(1)).first()
        if sale is not None:
            return _detail(s, sale)
    archived = find_archived_sale(ctx, text)
    if archived is not None:
        return archived
    raise NotFound(f"no sale with the receipt code {text!r} on this till",
                   code="unknown_sale")


def _detail(s, sale: Sale, ref=None, archived: str | None = None) -> SaleDetail:
    """``ref``: the till's session for products and members (``s`` may be an archive's)."""
    refunded = sale_figures.refunded_qty(s, sale.id)
    units = dict((ref or s).execute(select(Product.sku, Product.unit).where(
        Product.sku.in_([x.sku for x in sale.lines]))).all())
    lines = tuple(SaleLineView(
        x.line_no, x.sku, x.name, milli_to_qty(x.qty_milli), units.get(x.sku) or "pcs",
        x.unit_price_fen, x.amount_fen, x.paid_fen, x.points_redeemed,
        refunded.get(x.line_no, Decimal(0))) for x in sale.lines)
    refunds = tuple(RefundSummary(r.id, r.created_at, r.amount_fen, r.staff_id, r.approver_id,
                                  r.reason or "")
                    for r in s.scalars(select(Refund).where(Refund.sale_id == sale.id)
                                       .order_by(Refund.created_at)))
    return SaleDetail(
        summary=_summaries(s, [sale], ref)[0], lines=lines,
        payments=tuple((p.tender, p.amount_fen) for p in sale.payments),
        coupons=tuple((r.coupon_code, r.discount_fen) for r in sale.coupon_redemptions),
        subtotal_fen=sale.subtotal_fen, tier_discount_fen=sale.tier_discount_fen,
        coupon_discount_fen=sale.coupon_discount_fen, points_redeemed=sale.points_redeemed,
        points_value_fen=sale.points_value_fen, points_earned=sale.points_earned,
        tier_before=sale.tier_before, refunds=refunds, archived=archived)


# --- conflicts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConflictView:
    id: int
    event_id: str
    kind: str      # coupon_already_used, points_overdrawn, negative_balance, ... (sync-api.md)
    message: str   # the service's sentence, when it gave one
    detail: dict
    created_at: datetime
    resolved_at: datetime | None


def conflicts(ctx: TillContext, include_resolved: bool = False,
              limit: int = 500) -> list[ConflictView]:
    """Conflicts (and merges) the central service reported, newest first."""
    with ctx.read_sessions() as s:
        q = select(SyncConflict)
        if not include_resolved:
            q = q.where(SyncConflict.resolved_at.is_(None))
        rows = s.scalars(q.order_by(SyncConflict.created_at.desc(), SyncConflict.id.desc())
                         .limit(max(1, min(int(limit), 5000))))
        out = []
        for r in rows:
            detail = r.detail if isinstance(r.detail, dict) else {"value": r.detail}
            out.append(ConflictView(r.id, r.event_id, r.kind, str(detail.get("message") or ""),
                                    detail, r.created_at, r.resolved_at))
        return out


# --- what an X/Z printout needs beside ShiftFigures --------------------------------------------

@dataclass(frozen=True)
class ShiftExtras:
    store_name: str
    terminal: str          # a short label for the till
    opened_by_name: str
    closed_by_name: str
    approver_name: str
    z_number: str          # this till's count of closed shifts up to this one ("" while open)
    tender_counts: dict[str, int]  # tender -> number of sales paid (partly) with it
    coupons: tuple[tuple[str, int, int], ...]  # (code, times used, discount fen)
    voids_fen: int = 0


def _staff_names(s) -> dict[str, str]:
    return dict(s.execute(select(Staff.id, Staff.name)).all())


def _store_name(s, ctx: TillContext) -> str:
    return (repo.get_setting(s, "store_name") or repo.get_setting(s, "brand_name")
            or ctx.store_id)


def shift_extras(ctx: TillContext, shift_id: str) -> ShiftExtras:
    with ctx.read_sessions() as s:
        shift = s.get(Shift, shift_id)
        if shift is None:
            raise NotFound("no such shift on this till", code="unknown_shift")
        names = _staff_names(s)
        z = ""
        if shift.status == "closed":
            z = str(s.scalar(select(func.count()).select_from(Shift).where(
                Shift.terminal_id == ctx.terminal_id, Shift.status == "closed",
                Shift.closed_at <= shift.closed_at)) or 0)
        in_shift = Sale.shift_id == shift.id
        counts = {t: n for t, (n, _) in sale_figures.tender_totals(s, in_shift).items()}
        coupons = sale_figures.coupon_totals(s, in_shift)
        voided = sale_figures.voided_sales(s, in_shift)[1]
        return ShiftExtras(
            store_name=_store_name(s, ctx), terminal=ctx.terminal_id[:8],
            opened_by_name=names.get(shift.opened_by, shift.opened_by),
            closed_by_name=names.get(shift.closed_by, shift.closed_by or "")
            if shift.closed_by else "",
            approver_name=names.get(shift.approver_id, shift.approver_id or "")
            if shift.approver_id else "",
            z_number=z, tender_counts={k: int(v) for k, v in counts.items()},
            coupons=coupons, voids_fen=int(voided))


# --- the day, for the manager's reconciliation -------------------------------------------------

@dataclass(frozen=True)
class ShiftLine:
    shift_id: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    opened_by: str   # name
    closed_by: str   # name
    approver: str    # name
    float_fen: int
    expected_cash: int | None
    counted_cash: int | None
    over_short_cash: int | None


@dataclass(frozen=True)
class DayFigures:
    day: date
    tz: str
    store_name: str
    terminal: str
    sales_count: int
    gross_fen: int               # before any discount
    tier_discount_fen: int
    coupon_discount_fen: int
    points_value_fen: int
    rounding_fen: int
    sales_total_fen: int         # what was paid with money
    by_tender: dict[str, tuple[int, int]]        # tender -> (sales, fen); points included
    by_tier: dict[str, tuple[int, int]]          # tier or "non_member" -> (sales, fen)
    coupons: tuple[tuple[str, int, int], ...]    # (code, used, discount fen)
    coupons_restored: int
    points_earned: int
    points_redeemed: int
    points_reversed: int
    points_returned: int
    refunds_count: int
    refunds_total_fen: int
    refunds_by_tender: dict[str, int]
    voided_sales: int
    voided_fen: int
    void_actions: int            # lines and baskets voided before payment (audit log)
    paid_in_fen: int
    paid_out_fen: int
    no_sales: int
    shifts: tuple[ShiftLine, ...]
    unsynced_events: int
    unsynced_by_kind: dict[str, int]
    oldest_unsynced: datetime | None
    conflicts: tuple[ConflictView, ...] = field(default_factory=tuple)
    # Stored value (储值) of the day: services.stored_value.as_dict of its figures
    stored_value: dict = field(default_factory=dict)

    @property
    def net_fen(self) -> int:
        return self.sales_total_fen - self.refunds_total_fen

    @property
    def over_short_cash(self) -> int:
        return sum(x.over_short_cash or 0 for x in self.shifts)


def day_bounds(ctx: TillContext, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=ctx.tz)
    return start, start + timedelta(days=1)


def day_figures(ctx: TillContext, day: date | None = None) -> DayFigures:
    """The store-local day's figures on this till (today by default)."""
    day = day or ctx.local().date()
    start, end = day_bounds(ctx, day)
    open_conflicts = tuple(conflicts(ctx))
    with ctx.read_sessions() as s:
        in_day = (Sale.terminal_id == ctx.terminal_id, Sale.created_at >= start,
                  Sale.created_at < end)
        sums = sale_figures.sales_sums(s, *in_day)
        by_tender = sale_figures.tender_totals(s, *in_day)
        by_tier = sale_figures.sales_by_tier(s, *in_day)
        coupons = sale_figures.coupon_totals(s, *in_day)
        refunds = sale_figures.refund_sums(s, Refund.terminal_id == ctx.terminal_id,
                                           Refund.created_at >= start, Refund.created_at < end)
        voided, voided_fen = sale_figures.voided_sales(s, *in_day)
        void_actions = sale_figures.void_actions(s, start, end)
        moves = list(s.scalars(select(CashMovement).join(Shift).where(
            Shift.terminal_id == ctx.terminal_id, CashMovement.at >= start,
            CashMovement.at < end)))
        names = _staff_names(s)
        shift_rows = s.scalars(select(Shift).where(
            Shift.terminal_id == ctx.terminal_id, Shift.opened_at < end,
            or_(Shift.closed_at.is_(None), Shift.closed_at >= start))
            .order_by(Shift.opened_at))
        shifts = []
        for sh in shift_rows:
            expected = (sh.expected_json or {}).get("cash") if sh.expected_json else None
            counted = ((sh.counted_json or {}).get("tenders") or {}).get("cash") \
                if sh.counted_json else None
            shifts.append(ShiftLine(
                sh.id, sh.status, sh.opened_at, sh.closed_at,
                names.get(sh.opened_by, sh.opened_by),
                names.get(sh.closed_by, sh.closed_by) if sh.closed_by else "",
                names.get(sh.approver_id, sh.approver_id) if sh.approver_id else "",
                sh.float_fen, expected, counted, sh.over_short_fen))
        pending = OutboxEvent.status == "pending"
        by_kind = {k: int(n) for k, n in s.execute(
            select(OutboxEvent.kind, func.count()).where(pending).group_by(OutboxEvent.kind))}
        oldest = s.scalar(select(func.min(OutboxEvent.created_at)).where(pending))
        sv_day = stored_value.as_dict(stored_value.figures(
            s, terminal_id=ctx.terminal_id, start=start, end=end))
        return DayFigures(
            day=day, tz=ctx.tz_name, store_name=_store_name(s, ctx),
            terminal=ctx.terminal_id[:8], sales_count=sums.count,
            gross_fen=sums.gross, tier_discount_fen=sums.tier_discount,
            coupon_discount_fen=sums.coupon_discount, points_value_fen=sums.points_value,
            rounding_fen=sums.rounding, sales_total_fen=sums.total, by_tender=by_tender,
            by_tier=by_tier, coupons=coupons, coupons_restored=refunds.coupons_restored,
            points_earned=sums.points_earned, points_redeemed=sums.points_redeemed,
            points_reversed=refunds.points_reversed, points_returned=refunds.points_returned,
            refunds_count=refunds.count, refunds_total_fen=refunds.total,
            refunds_by_tender=dict(refunds.by_tender or {}), voided_sales=voided,
            voided_fen=voided_fen, void_actions=void_actions,
            paid_in_fen=sum(m.amount_fen for m in moves if m.kind == "paid_in"),
            paid_out_fen=sum(m.amount_fen for m in moves if m.kind == "paid_out"),
            no_sales=sum(1 for m in moves if m.kind == "no_sale"), shifts=tuple(shifts),
            unsynced_events=sum(by_kind.values()), unsynced_by_kind=by_kind,
            oldest_unsynced=oldest, conflicts=open_conflicts, stored_value=sv_day)
