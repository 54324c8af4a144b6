"""What applying one pushed batch works on: the :class:`Context`, and what each event answers.

For speed a batch is applied in memory: :meth:`Context.preload` reads (and on PostgreSQL locks,
``FOR UPDATE``, in key order) every member, lot, coupon and sale the batch refers to in a few
queries; the events then change those rows, and new rows (sales, refunds, ledger entries)
are inserted together at the end (:meth:`Context.write`). Members, lots and coupons are plain
rows (pos_central.apply_rows), not ORM objects; what else the events change (shifts, cash
movements, audit heads, stored value, benefits) goes through the session. Lock order: sales by
id, members by id, coupons by code, member-code nonces (the first sale that spent points with
each), the terminal's acknowledged audit head (when an audit head is applied), then (at
commit) the feed counter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_central import apply_rows, bulk, loyalty
from pos_central import models as m
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


def sold_lines(lines: list[dict[str, Any]] | None) -> dict[int, SoldLine] | None:
    if lines is None:
        return None
    return {int(x["line_no"]): SoldLine(Decimal(str(x["qty"])), int(x["paid_fen"]),
                                        int(x.get("points_redeemed", 0))) for x in lines}


_QTY_TEXT: dict[Decimal, str] = {}


def qty_text(qty: Decimal) -> str:
    """A quantity as stored: plain decimal text without trailing zeros ("2", "0.35")."""
    if qty.is_signed() or not qty.is_finite():  # equal values write the same text, but
        return format(qty.normalize(), "f")    # -0 and 0 (and NaN is equal to nothing)
    text = _QTY_TEXT.get(qty)
    if text is None:
        text = format(qty.normalize(), "f")
        if len(_QTY_TEXT) > 4096:
            _QTY_TEXT.clear()
        _QTY_TEXT[qty] = text
    return text


def s_(value: Any) -> str | None:
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
    members: dict[str, Any] = field(default_factory=dict)  # MemberRow by id, merged ones too
    by_phone: dict[str, Any] = field(default_factory=dict)
    accounts: dict[str, loyalty.Account] = field(default_factory=dict)
    coupons: dict[str, Any] = field(default_factory=dict)  # CouponRow by code
    sales: dict[str, SaleInfo] = field(default_factory=dict)
    refund_ids: set[str] = field(default_factory=set)
    refunded: dict[str, Refunded] = field(default_factory=dict)  # by sale id
    # member-code nonces that spent points: nonce -> (sale id, terminal id) of the first sale
    nonces: dict[str, tuple[str, str]] = field(default_factory=dict)
    nonce_keys: list[bytes] | None = None  # read when the batch's first nonce is checked
    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    lots: list[Any] = field(default_factory=list)  # every lot loaded (LotRow)
    new_lots: list[Any] = field(default_factory=list)  # lots opened in this batch, in order
    looked_up: dict[str, Any] = field(default_factory=dict)  # members read, not locked

    # -- loading and writing ----------------------------------------------------------------

    def preload(self, events: list[Any]) -> None:
        s = self.session
        member_ids, phones, codes, sale_ids, refund_ids = set(), set(), set(), set(), set()
        refunded_sales: set[str] = set()
        for event in events:
            pl = event.payload
            kind = event.kind
            if kind == "sale":
                if pl.member_id is not None:
                    member_ids.add(str(pl.member_id))
                sale_ids.add(str(pl.sale_id))
                if pl.coupons:
                    codes.update(c.code for c in pl.coupons)
            elif kind == "refund":
                if pl.member_id is not None:
                    member_ids.add(str(pl.member_id))
                sale_ids.add(str(pl.sale_id))
                refunded_sales.add(str(pl.sale_id))
                refund_ids.add(str(pl.refund_id))
                codes.update(pl.coupons_restored)
            elif kind in ("recharge", "recharge_refund", "gift_issued"):
                if pl.member_id is not None:
                    member_ids.add(str(pl.member_id))
                if kind == "gift_issued":
                    codes.add(pl.coupon.code)
            elif kind == "member_registered":
                member_ids.add(str(pl.member_id))
                phones.add(pl.phone)
            elif kind == "member_updated":
                member_ids.add(str(pl.member_id))
        connection = s.connection()
        lock = " FOR UPDATE" if connection.dialect.name == "postgresql" else ""
        for chunk in _chunks(sorted(sale_ids)):
            # Locked (before members: lock order sales, members, coupons) so that refunds of
            # one sale pushed by two tills at once are bounded one after the other. The keys
            # first (most sales of a batch are new), then the sales found.
            found = [x for x, in bulk.select_in(
                connection, "SELECT id FROM sales WHERE id IN {in} ORDER BY id" + lock, chunk)]
            if not found:
                continue
            for sale in s.execute(select(m.Sale).where(m.Sale.id.in_(found))
                                  .order_by(m.Sale.id).with_for_update()).scalars():
                self.sales[sale.id] = SaleInfo(
                    sale.terminal_id, sale.member_id, sale.local_date, sale.store_id,
                    sale.total_fen, sale.points_redeemed or 0, sale.points_earned or 0,
                    sale.growth_earned or 0, sold_lines(sale.lines), sale.tenders)
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
        self._load_members("id", sorted(member_ids))
        if phones:
            self._load_members("phone", sorted(phones))
        targets = {x.merged_into for x in self.members.values() if x.merged_into}
        if targets - set(self.members):
            self._load_members("id", sorted(targets - set(self.members)))
        live = [x.id for x in self.members.values() if x.merged_into is None]
        for member_id, lots in apply_rows.open_lots(connection, live).items():
            self.lots.extend(lots)
            self.accounts[member_id] = loyalty.Account(s, self.members[member_id], lots,
                                                       self._new_lot)
        for coupon in apply_rows.load(connection, apply_rows.CouponRow, "code", sorted(codes),
                                      lock=True):
            self.coupons[coupon.code] = coupon
        spent = sorted({e.payload.member_code_nonce for e in events if e.kind == "sale"
                        and e.payload.member_code_nonce and e.payload.points_redeemed})
        for chunk in _chunks(spent):
            for row in s.execute(select(m.MemberCodeNonce)
                                 .where(m.MemberCodeNonce.nonce.in_(chunk))
                                 .order_by(m.MemberCodeNonce.nonce).with_for_update()).scalars():
                self.nonces[row.nonce] = (row.sale_id, row.terminal_id)

    def _load_members(self, column: str, values: list[str]) -> None:
        for member in apply_rows.load(self.session.connection(), apply_rows.MemberRow, column,
                                      values, lock=True, order_by="id"):
            if member.id in self.members:  # loaded already (by id, then by phone)
                continue
            self.members[member.id] = member
            if member.phone:
                self.by_phone[member.phone] = member

    @property
    def _new_lot(self) -> Any:
        """What an account opens a lot with: a new row kept in :attr:`new_lots`. A closure
        over the list, not a bound method: an account holding the context would make the
        batch a reference cycle, left for the garbage collector instead of freed at once."""
        return functools.partial(_open_lot, self.new_lots)

    def add_member(self, values: dict[str, Any]) -> Any:
        """Insert a member now (any lot or ledger row may refer to it) and hold its row."""
        member = apply_rows.insert_new(self.session.connection(), apply_rows.MemberRow, values)
        self.members[member.id] = member
        if member.phone:
            self.by_phone[member.phone] = member
        if member.merged_into is None:
            self.accounts[member.id] = loyalty.Account(self.session, member, [], self._new_lot)
        return member

    def look_up_member(self, member_id: str) -> Any:
        """A member of this batch, else read (not locked, not to be changed) from the table."""
        member = self.members.get(member_id)
        if member is None and member_id not in self.looked_up:
            found = apply_rows.load(self.session.connection(), apply_rows.MemberRow, "id",
                                    [member_id], lock=False)
            self.looked_up[member_id] = found[0] if found else None
        return member if member is not None else self.looked_up[member_id]

    def coupon(self, code: str) -> Any:
        """A coupon as a row of this batch (read when first asked for), or None."""
        if code not in self.coupons:
            found = apply_rows.load(self.session.connection(), apply_rows.CouponRow, "code",
                                    [code], lock=False)
            if not found:
                return None
            self.coupons[code] = found[0]
        return self.coupons[code]

    def add_coupon(self, values: dict[str, Any]) -> Any:
        """Insert a coupon now and hold its row (a later event of the batch may use it)."""
        coupon = apply_rows.insert_new(self.session.connection(), apply_rows.CouponRow, values)
        self.coupons[coupon.code] = coupon
        return coupon

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
        """Flush the session, store the changed members, lots and coupons, insert the new lots,
        the rows collected, then the accounts' ledger entries."""
        self.session.flush()
        connection = self.session.connection()
        apply_rows.write(connection, list(self.members.values()), self.lots, self.new_lots,
                         list(self.coupons.values()))
        self.new_lots.clear()
        for model, rows in self.rows.items():
            bulk.insert_rows(connection, model.__table__, rows)
        ledger = [e for a in self.accounts.values() for e in a.entries]
        if ledger:
            bulk.insert_rows(connection, m.PointsLedger.__table__, ledger)
        for a in self.accounts.values():
            a.entries = []
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
            message=message, member_id=s_(member_id), coupon_code=coupon_code,
            sale_id=s_(sale_id), detail=detail, created_at=self.now,
        )
        self.session.add(row)
        self.session.flush()  # for its id
        info = p.ConflictInfo(id=row.id, kind=kind, message=message, member_id=s_(member_id),
                              coupon_code=coupon_code, sale_id=s_(sale_id), detail=other,
                              **typed)
        self.outcome.conflicts.append(info)
        return info


def _open_lot(into: list[Any], member_id: str, earned_on: date, expires_on: date,
              points: int) -> Any:
    lot = apply_rows.new_lot(member_id, earned_on, expires_on, points)
    into.append(lot)
    return lot


def account_for(ctx: Context, member_id: Any, sale_id: Any) -> loyalty.Account | None:
    """The account a sale or refund moves points on; an unknown member is a conflict."""
    if member_id is None:
        return None
    account, _ = ctx.account(member_id)
    if account is None:
        ctx.conflict(ConflictKind.UNKNOWN_MEMBER,
                     f"Member {member_id} is not known to the service; no points were moved.",
                     member_id=member_id, sale_id=sale_id)
    return account
