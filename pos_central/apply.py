"""Applying pushed events to the service's records, a batch at a time.

A sale is never refused: a single-use coupon that another sale used first, or points no longer
there, are recorded as conflicts (and reported in the event's answer) while the sale itself is
stored and its points applied.

For speed a batch is applied in memory: :meth:`Context.preload` reads (and on PostgreSQL locks,
``FOR UPDATE``, in key order) every member, lot, coupon and sale the batch refers to in a few
queries; the events then change those objects, and new rows (sales, refunds, ledger entries)
are inserted together at the end. Lock order: sales by id, members by id, coupons by code,
member-code nonces (the first sale that spent points with each), the terminal's acknowledged
audit head (when an audit head is applied), then (at commit) the feed counter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_central import benefits, bulk, gifts, keys, loyalty, stored_value
from pos_central import models as m
from pos_central.changes import record_change
from pos_central.views import member_balance
from pos_central.vouchers import check_sale_vouchers
from pos_member.domain.rules import Rules
from pos_member.sync import protocol as p

ConflictKind = p.ConflictKind
_TYPED_FIELDS = frozenset({"other_sale_id", "other_terminal_id", "points_requested",
                           "points_available", "balance_after"})


@dataclass
class Outcome:
    conflicts: list[p.ConflictInfo] = field(default_factory=list)
    merges: list[p.MemberMerge] = field(default_factory=list)
    member: p.MemberBalance | None = None
    rejection: p.Rejection | None = None  # set: the event was not applied (see check_owner)


@dataclass
class SoldLine:
    qty: Decimal
    paid_fen: int
    points_redeemed: int


@dataclass
class SaleInfo:
    terminal_id: str
    member_id: str | None
    local_date: date
    store_id: str | None = None
    # What refunds are bounded by: the money paid, the points redeemed and earned, and (for
    # sales stored since migration 0002) each line and the money by tender.
    total_fen: int = 0
    points_redeemed: int = 0
    points_earned: int = 0
    growth_earned: int = 0
    lines: dict[int, SoldLine] | None = None
    tenders: dict[str, int] | None = None


@dataclass
class Refunded:
    """What the refunds of one sale took so far: money as paid out, points as moved."""

    amount_fen: int = 0
    points_returned: int = 0
    points_reversed: int = 0
    growth_reversed: int = 0
    lines: dict[int, list] = field(default_factory=dict)  # line_no -> [qty, fen, points]
    tenders: dict[str, int] = field(default_factory=dict)

    def add_lines(self, lines: list[dict[str, Any]] | None) -> None:
        for line in lines or ():
            taken = self.lines.setdefault(int(line["line_no"]), [Decimal(0), 0, 0])
            taken[0] += Decimal(str(line["qty"]))
            taken[1] += int(line["amount_fen"])
            taken[2] += int(line.get("points_returned", 0))

    def add_tenders(self, tenders: dict[str, int] | None) -> None:
        for tender, fen in (tenders or {}).items():
            self.tenders[tender] = self.tenders.get(tender, 0) + int(fen)


class Rejected(Exception):
    """An event refused for good (the answer's ``rejection``); nothing of it is applied."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.rejection = p.Rejection(code=code, message=message, field=field)


def _sold_lines(lines: list[dict[str, Any]] | None) -> dict[int, SoldLine] | None:
    if lines is None:
        return None
    return {int(x["line_no"]): SoldLine(Decimal(str(x["qty"])), int(x["paid_fen"]),
                                        int(x.get("points_redeemed", 0))) for x in lines}


def _qty_text(qty: Decimal) -> str:
    return format(qty.normalize(), "f")


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _chunks(items: list[str], size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class Context:
    session: Session
    terminal_id: str
    rules: Rules
    now: datetime
    event_id: str = ""
    store_id: str = ""  # the terminal's store (bound at enrolment); every event must be of it
    outcome: Outcome = field(default_factory=Outcome)
    members: dict[str, m.Member] = field(default_factory=dict)  # by id, merged ones too
    by_phone: dict[str, m.Member] = field(default_factory=dict)
    accounts: dict[str, loyalty.Account] = field(default_factory=dict)
    coupons: dict[str, m.Coupon] = field(default_factory=dict)
    sales: dict[str, SaleInfo] = field(default_factory=dict)
    refund_ids: set[str] = field(default_factory=set)
    refunded: dict[str, Refunded] = field(default_factory=dict)  # by sale id
    # member-code nonces that spent points: nonce -> (sale id, terminal id) of the first sale
    nonces: dict[str, tuple[str, str]] = field(default_factory=dict)
    nonce_keys: list[bytes] | None = None  # read when the batch's first nonce is checked
    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)

    # -- loading and writing ----------------------------------------------------------------

    def preload(self, events: list[Any]) -> None:
        s = self.session
        member_ids, phones, codes, sale_ids, refund_ids = set(), set(), set(), set(), set()
        refunded_sales: set[str] = set()
        for event in events:
            pl = event.payload
            if event.kind in ("sale", "refund", "recharge", "recharge_refund", "gift_issued") \
                    and pl.member_id is not None:
                member_ids.add(str(pl.member_id))
            if event.kind == "sale":
                sale_ids.add(str(pl.sale_id))
                codes.update(c.code for c in pl.coupons)
            elif event.kind == "refund":
                sale_ids.add(str(pl.sale_id))
                refunded_sales.add(str(pl.sale_id))
                refund_ids.add(str(pl.refund_id))
                codes.update(pl.coupons_restored)
            elif event.kind == "member_registered":
                member_ids.add(str(pl.member_id))
                phones.add(pl.phone)
            elif event.kind == "member_updated":
                member_ids.add(str(pl.member_id))
            elif event.kind == "gift_issued":
                codes.add(pl.coupon.code)
        lock = " FOR UPDATE" if s.get_bind().dialect.name == "postgresql" else ""
        for chunk in _chunks(sorted(sale_ids)):
            # Locked (before members: lock order sales, members, coupons) so that refunds of
            # one sale pushed by two tills at once are bounded one after the other. The keys
            # first (most sales of a batch are new), then the sales found.
            found = [x for x, in bulk.select_in(
                s.connection(), "SELECT id FROM sales WHERE id IN {in} ORDER BY id" + lock,
                chunk)]
            if not found:
                continue
            for sale in s.execute(select(m.Sale).where(m.Sale.id.in_(found))
                                  .order_by(m.Sale.id).with_for_update()).scalars():
                self.sales[sale.id] = SaleInfo(
                    sale.terminal_id, sale.member_id, sale.local_date, sale.store_id,
                    sale.total_fen, sale.points_redeemed or 0, sale.points_earned or 0,
                    sale.growth_earned or 0, _sold_lines(sale.lines), sale.tenders)
                if sale.member_id:
                    member_ids.add(sale.member_id)
        for chunk in _chunks(sorted(refunded_sales)):
            for row in s.execute(select(m.Refund).where(m.Refund.sale_id.in_(chunk))).scalars():
                taken = self.refunded.setdefault(row.sale_id, Refunded())
                taken.amount_fen += row.amount_fen
                taken.points_returned += row.points_returned or 0
                taken.points_reversed += row.points_reversed or 0
                taken.growth_reversed += row.growth_reversed or 0
                taken.add_lines(row.lines)
                taken.add_tenders(row.tenders)
        for chunk in _chunks(sorted(refund_ids)):
            self.refund_ids.update(s.execute(
                select(m.Refund.id).where(m.Refund.id.in_(chunk))).scalars())
        self._load_members(select(m.Member).where(m.Member.id.in_(sorted(member_ids))))
        if phones:
            self._load_members(select(m.Member).where(m.Member.phone.in_(sorted(phones))))
        targets = {x.merged_into for x in self.members.values() if x.merged_into}
        if targets - set(self.members):
            self._load_members(select(m.Member).where(m.Member.id.in_(sorted(targets))))
        live = [x.id for x in self.members.values() if x.merged_into is None]
        for member_id, lots in loyalty.open_lots(s, live).items():
            self.accounts[member_id] = loyalty.Account(s, self.members[member_id], lots)
        for chunk in _chunks(sorted(codes)):
            for coupon in s.execute(select(m.Coupon).where(m.Coupon.code.in_(chunk))
                                    .order_by(m.Coupon.code).with_for_update()).scalars():
                self.coupons[coupon.code] = coupon
        spent = sorted({e.payload.member_code_nonce for e in events if e.kind == "sale"
                        and e.payload.member_code_nonce and e.payload.points_redeemed})
        for chunk in _chunks(spent):
            for row in s.execute(select(m.MemberCodeNonce)
                                 .where(m.MemberCodeNonce.nonce.in_(chunk))
                                 .order_by(m.MemberCodeNonce.nonce).with_for_update()).scalars():
                self.nonces[row.nonce] = (row.sale_id, row.terminal_id)

    def _load_members(self, query) -> None:
        for member in self.session.execute(query.order_by(m.Member.id)
                                           .with_for_update()).scalars():
            self.members[member.id] = member
            if member.phone:
                self.by_phone[member.phone] = member

    def add_member(self, member: m.Member) -> None:
        self.session.add(member)
        self.session.flush()  # before any lot or ledger row refers to it
        self.members[member.id] = member
        if member.phone:
            self.by_phone[member.phone] = member
        if member.merged_into is None:
            self.accounts[member.id] = loyalty.Account(self.session, member, [])

    def account(self, member_id: Any) -> tuple[loyalty.Account | None, bool]:
        """The account of a member id, following merges to the survivor."""
        member = self.members.get(str(member_id))
        followed = False
        for _ in range(8):
            if member is None or member.merged_into is None:
                break
            member, followed = self.members.get(member.merged_into), True
        return (None if member is None else self.accounts.get(member.id)), followed

    def insert(self, model: Any, **values: Any) -> None:
        self.rows.setdefault(model, []).append(values)

    def write(self) -> None:
        """Insert the rows collected, then the accounts' ledger entries."""
        self.session.flush()
        connection = self.session.connection()
        for model, rows in self.rows.items():
            bulk.insert_rows(connection, model.__table__, rows)
        ledger = [e for a in self.accounts.values() for e in a.entries]
        if ledger:
            bulk.insert_rows(connection, m.PointsLedger.__table__, ledger)
        self.rows.clear()

    def conflict(self, kind: ConflictKind, message: str, *, member_id: Any = None,
                 coupon_code: str | None = None, sale_id: Any = None,
                 **detail: Any) -> p.ConflictInfo:
        detail = {k: (str(v) if v is not None and k.endswith("_id") else v)
                  for k, v in detail.items()}
        typed = {k: v for k, v in detail.items() if k in _TYPED_FIELDS}
        other = {k: v for k, v in detail.items() if k not in _TYPED_FIELDS}
        row = m.Conflict(
            event_id=self.event_id, terminal_id=self.terminal_id, kind=kind.value,
            message=message, member_id=_s(member_id), coupon_code=coupon_code,
            sale_id=_s(sale_id), detail=detail, created_at=self.now,
        )
        self.session.add(row)
        self.session.flush()  # for its id
        info = p.ConflictInfo(id=row.id, kind=kind, message=message, member_id=_s(member_id),
                              coupon_code=coupon_code, sale_id=_s(sale_id), detail=other,
                              **typed)
        self.outcome.conflicts.append(info)
        return info


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


def _account_for(ctx: Context, member_id: Any, sale_id: Any) -> loyalty.Account | None:
    if member_id is None:
        return None
    account, _ = ctx.account(member_id)
    if account is None:
        ctx.conflict(ConflictKind.UNKNOWN_MEMBER,
                     f"Member {member_id} is not known to the service; no points were moved.",
                     member_id=member_id, sale_id=sale_id)
    return account


# -- sales --------------------------------------------------------------------------------------


def apply_sale(ctx: Context, sale: p.SalePayload) -> bool | None:
    sale_id = str(sale.sale_id)
    earlier = ctx.sales.get(sale_id)
    if earlier is not None:
        ctx.conflict(ConflictKind.DUPLICATE_SALE,
                     f"Sale {sale.receipt_no} reached the service before in another event; "
                     "it was not applied twice.", sale_id=sale_id,
                     other_terminal_id=earlier.terminal_id)
        return False  # nor its stored-value and benefit parts (_unless_duplicate)
    account = _account_for(ctx, sale.member_id, sale_id)
    member_id = account.member.id if account else _s(sale.member_id)
    today = sale.local_time.date()
    lines, tenders, sold = _sale_bounds(sale)
    ctx.sales[sale_id] = SaleInfo(ctx.terminal_id, member_id, today, sale.store_id,
                                  sale.total_fen, sale.points_redeemed, sale.points_earned,
                                  sale.growth_earned, sold, tenders)
    ctx.insert(m.Sale, id=sale_id, event_id=ctx.event_id, terminal_id=ctx.terminal_id,
               store_id=sale.store_id, receipt_no=sale.receipt_no, member_id=member_id,
               sold_at=sale.sold_at, local_date=today, tz=sale.tz,
               subtotal_fen=sale.subtotal_fen,
               discount_fen=sale.tier_discount_fen + sale.coupon_discount_fen,
               total_fen=sale.total_fen, points_redeemed=sale.points_redeemed,
               points_earned=sale.points_earned, growth_earned=sale.growth_earned,
               coupon_codes=sorted(c.code for c in sale.coupons), lines=lines, tenders=tenders)
    _use_coupons(ctx, sale)
    _check_member_code(ctx, sale, member_id)
    check_sale_vouchers(ctx, sale, member_id)  # 美团/抖音 tenders: verified here?
    if account is None:
        return
    member = account.member
    account.expire_due(today, ctx.event_id)
    if sale.points_redeemed:
        before = member.points
        account.redeem(sale.points_redeemed, ctx.event_id, sale.sold_at)
        if before < sale.points_redeemed:
            ctx.conflict(
                ConflictKind.POINTS_OVERDRAWN,
                f"Sale {sale.receipt_no} redeemed {sale.points_redeemed} points but the member "
                f"had {before}; the balance is now {member.points}.",
                member_id=member.id, sale_id=sale_id, points_requested=sale.points_redeemed,
                points_available=before, balance_after=member.points,
            )
    account.earn(sale.points_earned, sale.growth_earned, today, ctx.rules, ctx.event_id,
                 sale.sold_at)
    if member.last_purchase_at is None or member.last_purchase_at < sale.sold_at:
        member.last_purchase_at = sale.sold_at
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = member_balance(member)


def _sale_bounds(sale: p.SalePayload) -> tuple[list[dict[str, Any]], dict[str, int],
                                               dict[int, SoldLine]]:
    """What the sale's refunds are bounded by: each line, and the money by tender (the
    ``points`` tender is the redeemed points, bounded by ``points_redeemed`` instead); the
    lines as stored and as :func:`_sold_lines` reads them back."""
    lines: list[dict[str, Any]] = []
    sold: dict[int, SoldLine] = {}
    for x in sale.lines:
        qty = _qty_text(x.qty)
        lines.append({"line_no": x.line_no, "sku": x.sku, "qty": qty, "paid_fen": x.paid_fen,
                      "points_redeemed": x.points_redeemed})
        sold[int(x.line_no)] = SoldLine(Decimal(qty), int(x.paid_fen), int(x.points_redeemed))
    return lines, _by_tender(sale.payments), sold


def _by_tender(payments: list[p.PaymentLine]) -> dict[str, int]:
    tenders: dict[str, int] = {}
    for pay in payments:
        if pay.tender != "points":
            tenders[pay.tender] = tenders.get(pay.tender, 0) + max(pay.amount_fen, 0)
    return tenders


# How far a sale's time may be outside its member code's window before it is a conflict: the
# till checks the exact window (with 30 s of skew) on its own clock; this only catches a code
# used long before or after it was valid (a stored screenshot, a made-up sale).
CODE_TIME_TOLERANCE = 300  # seconds


def _check_member_code(ctx: Context, sale: p.SalePayload, member_id: str | None) -> None:
    """A nonce that spent points: once across every till, issued by this service for the
    sale's member, used within its code's validity. Whatever fails is a conflict; the sale and
    its points stay."""
    nonce = sale.member_code_nonce
    if not nonce or not sale.points_redeemed:
        return
    sale_id = str(sale.sale_id)
    first = ctx.nonces.get(nonce)
    if first is not None:
        ctx.conflict(ConflictKind.MEMBER_CODE_REUSED,
                     f"Sale {sale.receipt_no} spent points with a member code that already "
                     f"spent points in sale {first[0]}: a copied or replayed code. Both sales "
                     "are kept.", member_id=member_id, sale_id=sale_id, other_sale_id=first[0],
                     other_terminal_id=first[1], nonce=nonce)
    else:
        ctx.nonces[nonce] = (sale_id, ctx.terminal_id)
        ctx.insert(m.MemberCodeNonce, nonce=nonce, sale_id=sale_id, terminal_id=ctx.terminal_id,
                   member_id=member_id, event_id=ctx.event_id, used_at=sale.sold_at)
    if ctx.nonce_keys is None:
        ctx.nonce_keys = keys.nonce_keys(ctx.session)
    candidates = [x for x in {str(sale.member_id), member_id} if x]
    check = keys.read_nonce(ctx.nonce_keys, nonce, candidates)
    if check.issued and not check.member_ok and member_id:
        # A code of a member merged into this one (a till may sell to either id).
        candidates = list(ctx.session.execute(select(m.MemberMergeRow.member_id).where(
            m.MemberMergeRow.merged_into == member_id)).scalars())
        check = keys.read_nonce(ctx.nonce_keys, nonce, candidates) if candidates else check
    moment = sale.sold_at.timestamp()
    if not check.issued:
        reason, why = "not_issued", "was not issued by the service (made up or tampered with)"
    elif not check.member_ok:
        reason, why = "other_member", "belongs to another member"
    elif moment > check.not_after + CODE_TIME_TOLERANCE:
        reason, why = "expired", "had expired when the sale was made"
    elif moment < check.not_before - CODE_TIME_TOLERANCE:
        reason, why = "not_yet_valid", "was not valid yet when the sale was made"
    else:
        return
    window = {}
    if check.issued:
        window = {"not_before": datetime.fromtimestamp(check.not_before, UTC).isoformat(),
                  "not_after": datetime.fromtimestamp(check.not_after, UTC).isoformat()}
    ctx.conflict(ConflictKind.MEMBER_CODE_INVALID,
                 f"Sale {sale.receipt_no} spent {sale.points_redeemed} points with a member "
                 f"code that {why}. The sale is kept.", member_id=member_id, sale_id=sale_id,
                 reason=reason, nonce=nonce, **window)


def _use_coupons(ctx: Context, sale: p.SalePayload) -> None:
    if not sale.coupons:
        return

    def survivor(member_id: Any) -> str | None:  # a member id, merges followed
        member_id = _s(member_id)
        for _ in range(8):
            member = ctx.members.get(member_id) if member_id else None
            if member is None and member_id:
                member = ctx.session.get(m.Member, member_id)
            if member is None or member.merged_into is None:
                break
            member_id = member.merged_into
        return member_id

    from zoneinfo import ZoneInfo

    from pos_member.domain.coupons import local_naive

    try:  # the store's wall clock at sold_at, from the instant (not the till's local_time)
        at = sale.sold_at.astimezone(ZoneInfo(sale.tz))
    except (ValueError, KeyError, OSError, OverflowError):
        at = sale.sold_at.astimezone(UTC)
    now = at.replace(tzinfo=None)

    def parse(text: str | None) -> datetime | None:
        try:
            return datetime.fromisoformat(text) if text else None
        except ValueError:
            return None

    def misuse(coupon: m.Coupon) -> tuple[str, str] | None:
        """Why this sale may not spend the coupon: its holder, then its window."""
        if coupon.member_id:
            if sale.member_id is None:
                return "anonymous", "belongs to a member and the sale has none"
            if survivor(coupon.member_id) != survivor(sale.member_id):
                return "other_member", "belongs to another member"
        start, end = (local_naive(parse(x), at) for x in (coupon.valid_from, coupon.valid_to))
        if start is not None and now < start:
            return "not_yet_valid", "was not valid yet when the sale was made"
        if end is not None and now >= end:
            return "expired", "had expired when the sale was made"
        return None

    for use in sorted(sale.coupons, key=lambda u: u.code):
        coupon = ctx.coupons.get(use.code)
        wrong = misuse(coupon) if coupon is not None and coupon.status not in (
            p.CouponStatus.USED.value, p.CouponStatus.VOID.value) else None
        if wrong is not None:
            reason, why = wrong
            ctx.conflict(ConflictKind.COUPON_INVALID,
                         f"Coupon {use.code} {why}; sale {sale.receipt_no} is kept with its "
                         "discount.", coupon_code=use.code, sale_id=sale.sale_id,
                         member_id=sale.member_id, reason=reason,
                         coupon_member_id=coupon.member_id, valid_from=coupon.valid_from,
                         valid_to=coupon.valid_to)
            if reason in ("anonymous", "other_member"):
                continue  # the holder keeps the coupon
        if coupon is None:
            ctx.conflict(ConflictKind.COUPON_UNKNOWN,
                         f"Coupon {use.code} is not known to the service.",
                         coupon_code=use.code, sale_id=sale.sale_id)
        elif coupon.status == p.CouponStatus.USED.value:
            ctx.conflict(
                ConflictKind.COUPON_ALREADY_USED,
                f"Coupon {use.code} was already used by another sale "
                f"({coupon.used_by_sale_id}); sale {sale.receipt_no} is kept.",
                coupon_code=use.code, sale_id=sale.sale_id, member_id=sale.member_id,
                other_sale_id=coupon.used_by_sale_id,
                other_terminal_id=coupon.used_by_terminal_id,
            )
        elif coupon.status == p.CouponStatus.VOID.value:
            ctx.conflict(ConflictKind.COUPON_VOID,
                         f"Coupon {use.code} was withdrawn; sale {sale.receipt_no} is kept.",
                         coupon_code=use.code, sale_id=sale.sale_id)
        else:
            coupon.status = p.CouponStatus.USED.value
            coupon.used_by_sale_id = str(sale.sale_id)
            coupon.used_by_terminal_id = ctx.terminal_id
            coupon.used_at = sale.sold_at
            record_change(ctx.session, "coupon", coupon.code)


# -- refunds ------------------------------------------------------------------------------------


def apply_refund(ctx: Context, refund: p.RefundPayload) -> bool | None:
    refund_id, sale_id = str(refund.refund_id), str(refund.sale_id)
    if refund_id in ctx.refund_ids:
        ctx.conflict(ConflictKind.DUPLICATE_REFUND,
                     f"Refund {refund.receipt_no} reached the service before in another event; "
                     "it was not applied twice.", sale_id=sale_id)
        return False  # nor its stored-value and benefit parts (_unless_duplicate)
    ctx.refund_ids.add(refund_id)
    sale = ctx.sales.get(sale_id)
    if sale is None:
        ctx.conflict(ConflictKind.UNKNOWN_SALE,
                     f"Refund {refund.receipt_no} is of a sale the service has not received; "
                     "its figures were applied.", sale_id=sale_id)
    member_id = _refund_member(ctx, refund, sale)
    account = _account_for(ctx, member_id, sale_id)
    moved = _bound_refund(ctx, sale, refund, account.member.id if account else member_id)
    lines = [{"line_no": x.line_no, "sku": x.sku, "qty": _qty_text(x.qty),
              "amount_fen": x.amount_fen, "points_returned": x.points_returned}
             for x in refund.lines]
    tenders = _by_tender(refund.payments)
    taken = ctx.refunded.setdefault(sale_id, Refunded())
    taken.amount_fen += refund.amount_fen
    taken.add_lines(lines)
    taken.add_tenders(tenders)
    taken.points_reversed += moved["points_reversed"]
    taken.growth_reversed += moved["growth_reversed"]
    taken.points_returned += moved["points_returned"]
    ctx.insert(m.Refund, id=refund_id, event_id=ctx.event_id, sale_id=sale_id,
               terminal_id=ctx.terminal_id,
               member_id=account.member.id if account else _s(member_id),
               refunded_at=refund.refunded_at, amount_fen=refund.amount_fen,
               points_reversed=moved["points_reversed"],
               growth_reversed=moved["growth_reversed"],
               points_returned=moved["points_returned"], store_id=refund.store_id,
               lines=lines, tenders=tenders)
    for code in sorted(set(refund.coupons_restored)):
        coupon = ctx.coupons.get(code)
        if coupon is not None and coupon.used_by_sale_id == sale_id:
            coupon.status = p.CouponStatus.AVAILABLE.value
            coupon.used_by_sale_id = coupon.used_by_terminal_id = None
            coupon.used_at = None
            record_change(ctx.session, "coupon", code)
    if account is None:
        return
    member = account.member
    earned_on = sale.local_date if sale else refund.local_time.date()
    account.reverse(moved["points_reversed"], moved["growth_reversed"],
                    moved["points_returned"], earned_on, ctx.rules, ctx.event_id,
                    refund.refunded_at)
    if member.points < 0 and moved["points_reversed"]:
        ctx.conflict(
            ConflictKind.NEGATIVE_BALANCE,
            f"Refund {refund.receipt_no} took back {moved['points_reversed']} points already "
            f"spent; the balance is now {member.points}.",
            member_id=member.id, sale_id=sale_id, points_requested=moved["points_reversed"],
            balance_after=member.points,
        )
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = member_balance(member)


def _refund_member(ctx: Context, refund: p.RefundPayload, sale: SaleInfo | None) -> Any:
    """The member whose points a refund moves: its sale's (after merges). A refund naming
    another member is a ``refund_exceeds_sale`` conflict (reason ``other_member``); the points
    go back to the sale's member, never to the one named."""
    if sale is None or sale.member_id is None or refund.member_id is None:
        return refund.member_id or (sale.member_id if sale else None)
    ours, _ = ctx.account(sale.member_id)
    named, _ = ctx.account(refund.member_id)
    want = ours.member.id if ours else sale.member_id
    if (named.member.id if named else str(refund.member_id)) == want:
        return refund.member_id
    ctx.conflict(ConflictKind.REFUND_EXCEEDS_SALE,
                 f"Refund {refund.receipt_no} names member {refund.member_id}, but its sale was "
                 f"made for member {want}; the refund's points were moved for {want}.",
                 member_id=refund.member_id, sale_id=refund.sale_id, reason="other_member",
                 sale_member_id=want, excess={"member": str(refund.member_id)})
    return want


def _bound_refund(ctx: Context, sale: SaleInfo | None, refund: p.RefundPayload,
                  member_id: Any) -> dict[str, int]:
    """The points and growth this refund may move, within what its sale has left after every
    earlier refund (of any terminal); anything beyond the sale is a ``refund_exceeds_sale``
    conflict naming it. Money is never held back: it already left the till."""
    asked = {"points_reversed": refund.points_reversed, "growth_reversed": refund.growth_reversed,
             "points_returned": refund.points_returned}
    if sale is None:  # unknown sale: nothing to bound by (an unknown_sale conflict says so)
        return asked
    taken = ctx.refunded.get(str(refund.sale_id)) or Refunded()
    excess: dict[str, Any] = {}

    def left(whole: int, used: int) -> int:
        return max(whole - used, 0)

    money_over = refund.amount_fen - left(sale.total_fen, taken.amount_fen)
    if money_over > 0:
        excess["amount_fen"] = money_over
    if sale.tenders is not None:
        over = {t: fen - left(sale.tenders.get(t, 0), taken.tenders.get(t, 0))
                for t, fen in sorted(_by_tender(refund.payments).items())}
        if any(v > 0 for v in over.values()):
            excess["tenders"] = {t: v for t, v in over.items() if v > 0}
    line_points_allowed = None
    if sale.lines is not None:
        excess_lines, line_points_allowed = [], 0
        for line in refund.lines:
            sold = sale.lines.get(line.line_no)
            before = taken.lines.get(line.line_no, [Decimal(0), 0, 0])
            if sold is None:
                qty_over, fen_over, pts_over = line.qty, line.amount_fen, line.points_returned
            else:
                qty_over = line.qty - max(sold.qty - before[0], Decimal(0))
                fen_over = line.amount_fen - left(sold.paid_fen, before[1])
                pts_over = line.points_returned - left(sold.points_redeemed, before[2])
            qty_over, fen_over, pts_over = max(qty_over, Decimal(0)), max(fen_over, 0), \
                max(pts_over, 0)
            line_points_allowed += line.points_returned - pts_over
            if qty_over or fen_over or pts_over:
                excess_lines.append({"line_no": line.line_no, "qty": _qty_text(qty_over),
                                     "amount_fen": fen_over, "points_returned": pts_over})
        if excess_lines:
            excess["lines"] = excess_lines
    moved = {
        "points_reversed": min(asked["points_reversed"],
                               left(sale.points_earned, taken.points_reversed)),
        "growth_reversed": min(asked["growth_reversed"],
                               left(sale.growth_earned, taken.growth_reversed)),
        "points_returned": min(asked["points_returned"],
                               left(sale.points_redeemed, taken.points_returned),
                               *([line_points_allowed] if line_points_allowed is not None
                                 else [])),
    }
    for key in moved:
        if asked[key] > moved[key]:
            excess[key] = asked[key] - moved[key]
    if excess:
        ctx.conflict(ConflictKind.REFUND_EXCEEDS_SALE,
                     f"Refund {refund.receipt_no} goes beyond what is left of its sale "
                     f"({_describe_excess(excess)}). The refund is recorded as paid out; "
                     "points beyond the sale's were not moved.",
                     member_id=member_id, sale_id=refund.sale_id, excess=excess, applied=moved)
    return moved


def _describe_excess(excess: dict[str, Any]) -> str:
    parts = []
    if "amount_fen" in excess:
        parts.append(f"{excess['amount_fen']} fen of money")
    for tender, fen in excess.get("tenders", {}).items():
        parts.append(f"{fen} fen by {tender}")
    for line in excess.get("lines", ()):
        parts.append(f"line {line['line_no']}: qty {line['qty']}, {line['amount_fen']} fen, "
                     f"{line['points_returned']} points")
    for key, label in (("points_returned", "redeemed points returned"),
                       ("points_reversed", "earned points reversed"),
                       ("growth_reversed", "growth reversed")):
        if key in excess:
            parts.append(f"{excess[key]} {label}")
    return "; ".join(parts)


# -- registrations ------------------------------------------------------------------------------


def apply_member_registered(ctx: Context, reg: p.MemberRegisteredPayload) -> None:
    s = ctx.session
    member_id = str(reg.member_id)
    if member_id in ctx.members:  # registered before (by another event): nothing new
        account, _ = ctx.account(member_id)
        ctx.outcome.member = member_balance(account.member) if account else None
        return
    survivor = ctx.by_phone.get(reg.phone)
    if survivor is not None:
        _merge_new_into(ctx, reg, survivor)
        return
    card_no = reg.card_no
    if card_no is not None and loyalty.card_taken(s, card_no):
        new_card = loyalty.new_card_no(s)
        ctx.conflict(ConflictKind.CARD_NO_TAKEN,
                     f"Card number {card_no} belongs to another member; the new member was "
                     f"given card number {new_card}.", member_id=member_id)
        card_no = new_card
    member = m.Member(
        id=member_id, phone=reg.phone, card_no=card_no or loyalty.new_card_no(s),
        name=reg.name, birthday=reg.birthday, tier=ctx.rules.tiers[0].code, growth=0,
        points=0, marketing_consent=reg.marketing_consent, registered_at=reg.registered_at,
        origin_terminal_id=ctx.terminal_id, version=0,
    )
    ctx.add_member(member)
    loyalty.touch(s, member)
    ctx.outcome.member = member_balance(member)


def apply_member_updated(ctx: Context, upd: p.MemberUpdatedPayload) -> None:
    """Name, birthday and consent as corrected at a till (merges followed to the survivor);
    the change goes out in the feed to every till."""
    account, _ = ctx.account(upd.member_id)
    if account is None:
        ctx.conflict(ConflictKind.UNKNOWN_MEMBER,
                     f"Member {upd.member_id} is not known to the service; the update was not "
                     "applied.", member_id=upd.member_id)
        return
    member = account.member
    member.name, member.birthday = upd.name, upd.birthday
    member.marketing_consent = upd.marketing_consent
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = member_balance(member)


def _merge_new_into(ctx: Context, reg: p.MemberRegisteredPayload, survivor: m.Member) -> None:
    """The phone belongs to a member who reached the service first: keep that one and record
    the newcomer as merged into it (its id and card keep resolving to the survivor)."""
    s = ctx.session
    member_id = str(reg.member_id)
    card_no = reg.card_no if reg.card_no and not loyalty.card_taken(s, reg.card_no) else None
    ctx.add_member(m.Member(
        id=member_id, phone=None, card_no=card_no, name=reg.name, birthday=reg.birthday,
        tier=survivor.tier, growth=0, points=0, marketing_consent=reg.marketing_consent,
        registered_at=reg.registered_at, merged_into=survivor.id,
        origin_terminal_id=ctx.terminal_id, version=1,
    ))
    ctx.insert(m.MemberMergeRow, member_id=member_id, merged_into=survivor.id, phone=reg.phone,
               event_id=ctx.event_id, terminal_id=ctx.terminal_id, created_at=ctx.now)
    # Fill what the survivor lacks; consent given at either counter counts.
    survivor.name = survivor.name or reg.name
    survivor.birthday = survivor.birthday or reg.birthday
    survivor.marketing_consent = survivor.marketing_consent or reg.marketing_consent
    record_change(s, "member", member_id, deleted=True)
    loyalty.touch(s, survivor)
    ctx.outcome.merges.append(p.MemberMerge(member_id=member_id, merged_into=survivor.id,
                                            phone=reg.phone))
    ctx.outcome.member = member_balance(survivor)


# -- shifts, cash, audit ------------------------------------------------------------------------


def _shift(ctx: Context, shift_id: str, store_id: str) -> m.Shift:
    ctx.session.flush()  # rows added by earlier events of the batch become visible to get()
    shift = ctx.session.get(m.Shift, shift_id)
    if shift is None:
        shift = m.Shift(id=shift_id, terminal_id=ctx.terminal_id, store_id=store_id)
        ctx.session.add(shift)
    return shift


def apply_shift_opened(ctx: Context, opened: p.ShiftOpenedPayload) -> None:
    shift = _shift(ctx, str(opened.shift_id), opened.store_id)
    shift.opened_at = opened.opened_at
    shift.opening_float_fen = opened.opening_float_fen


def apply_shift_closed(ctx: Context, closed: p.ShiftClosedPayload) -> None:
    shift = _shift(ctx, str(closed.shift_id), closed.store_id)
    shift.closed_at = closed.closed_at
    shift.closing = closed.model_dump(mode="json")


def apply_cash_movement(ctx: Context, move: p.CashMovementPayload) -> None:
    ctx.session.flush()
    if ctx.session.get(m.CashMovement, str(move.movement_id)) is None:
        ctx.session.add(m.CashMovement(
            id=str(move.movement_id), terminal_id=ctx.terminal_id, shift_id=str(move.shift_id),
            kind=move.kind.value, amount_fen=move.amount_fen, at=move.at, reason=move.reason,
        ))


def apply_audit_head(ctx: Context, head: p.AuditHeadPayload) -> None:
    """Record the head, and hold it to the head acknowledged last (``audit_acks``).

    A head must extend the acknowledged one: the same seq with the same hash (nothing new), or
    a higher seq whose ``prev_ack_seq``/``prev_ack_hash`` are the acknowledged seq and hash. A
    lower seq (the log lost entries after a sync), another hash at the same seq, a link to
    another seq or another hash at the acknowledged seq (entries re-hashed) is a conflict the
    service keeps, and flags the terminal (``breaks``, ``broken_at``). The pushed head then
    becomes the acknowledged one, so one break is one conflict, not one per sync. A head with
    no link (a till from before the link) is checked only for the first two.
    """
    s = ctx.session
    s.flush()
    ack = s.get(m.AuditAck, ctx.terminal_id, with_for_update=True)
    known = s.get(m.AuditHead, (ctx.terminal_id, head.seq))
    if known is None:
        s.add(m.AuditHead(terminal_id=ctx.terminal_id, seq=head.seq, hash=head.hash,
                          at=head.at))
    if ack is None:
        earlier = known.hash if known is not None else None
        broken = earlier is not None and earlier != head.hash
        if broken:
            _audit_mismatch(ctx, head, earlier)
        s.add(m.AuditAck(terminal_id=ctx.terminal_id, seq=head.seq, hash=head.hash,
                         event_id=ctx.event_id, acknowledged_at=ctx.now,
                         breaks=int(broken), broken_at=ctx.now if broken else None))
        return
    broken = _audit_break(ctx, ack, head)
    if broken:
        ack.breaks = (ack.breaks or 0) + 1
        ack.broken_at = ctx.now
    if broken or head.seq != ack.seq:
        ack.seq, ack.hash = head.seq, head.hash
        ack.event_id, ack.acknowledged_at = ctx.event_id, ctx.now


def _audit_mismatch(ctx: Context, head: p.AuditHeadPayload, earlier: str) -> None:
    ctx.conflict(ConflictKind.AUDIT_CHAIN_MISMATCH,
                 f"The audit chain's entry {head.seq} was reported before with another "
                 "hash: the till's audit log may have been altered or restored.",
                 earlier_hash=earlier, hash=head.hash, reason="same_seq", seq=head.seq)


def _audit_break(ctx: Context, ack: m.AuditAck, head: p.AuditHeadPayload) -> bool:
    """Record the conflict when ``head`` does not extend ``ack``; True if it did not."""
    if head.seq == ack.seq:
        if head.hash == ack.hash:
            return False
        _audit_mismatch(ctx, head, ack.hash)
        return True
    where = dict(seq=head.seq, hash=head.hash, acknowledged_seq=ack.seq,
                 acknowledged_hash=ack.hash)
    if head.seq < ack.seq:
        ctx.conflict(ConflictKind.AUDIT_CHAIN_BROKEN,
                     f"The till's audit log ends at entry {head.seq}, but the service had "
                     f"acknowledged it up to entry {ack.seq}: entries were deleted, or the "
                     "database was restored from an older copy.", reason="shorter", **where)
        return True
    if head.prev_ack_seq is None:
        return False  # a till from before the link: only the length can be checked
    if head.prev_ack_seq != ack.seq:
        ctx.conflict(ConflictKind.AUDIT_CHAIN_BROKEN,
                     f"The till's audit head {head.seq} extends entry {head.prev_ack_seq}, but "
                     f"the service acknowledged entry {ack.seq} last: the till's record of the "
                     "chain was altered or restored.", reason="unlinked",
                     prev_ack_seq=head.prev_ack_seq, reported_hash=head.prev_ack_hash, **where)
        return True
    if head.prev_ack_hash != ack.hash:
        ctx.conflict(ConflictKind.AUDIT_CHAIN_BROKEN,
                     f"The till's audit log now holds another entry {ack.seq} than the one the "
                     "service acknowledged: entries up to it were changed and the chain "
                     "re-hashed.", reason="rewritten", prev_ack_seq=head.prev_ack_seq,
                     reported_hash=head.prev_ack_hash, **where)
        return True
    return False


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
