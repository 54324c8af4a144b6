"""A real till talking to the real central service through the fault proxy, and the checks.

``SyncTill`` is a till from ``tests.services.support.make_till`` (catalogue, staff with PINs,
a clock at T0) enrolled over HTTP through a :class:`FaultProxy`; its members come from the
service (``seed_central_members``) through an initial pull, so both sides share member ids.
Sales, refunds and registrations go through the till's own services, exactly as at the
counter.

The invariants (``check_*``) compare the service's records with the till's own:

- exactly once: every event the service holds for the terminal is one of the till's outbox
  events, every event the till marked sent is on the service, each sale and refund once;
- points once: each member's points on the service are their opening balance plus the figures
  of the sales and refunds the service received, each once;
- settled (nothing waiting, last cycle succeeded): the service's totals for the terminal (sales
  count and sum, refunds, points earned, redeemed, reversed, returned) equal the till's, and the
  till's member view shows the service's balance and growth.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text

from pos_central import admin
from pos_central import models as cm
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.services.members import Registration, member_view, register
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import open_shift
from pos_member.services.staff import Approval
from pos_member.store.db import transaction
from pos_member.store.models import (
    Member,
    OutboxEvent,
    PointLot,
    PointsLedgerEntry,
    Refund,
    Sale,
    SyncConflict,
)
from pos_member.sync.client import SyncError
from pos_member.sync.engine import SyncEngine, SyncReport
from pos_member.sync.enrolment import CENTRAL_TERMINAL_ID, enrol
from pos_member.sync.token_store import TokenStore
from tests.central.server_fixture import CentralServer
from tests.services.support import Till, make_till
from tests.sync.fault_proxy import FaultProxy

MANAGER = Approval("S001", "2468")
# label, growth, points, phone (the members make_till has, made on the service instead)
MEMBERS = (
    ("gold", 7000, 800, "13900001111"),
    ("silver", 5950, 300, "13900002222"),
    ("regular", 100, 20, "13700002222"),
    ("broke", 3500, 0, "13600003333"),
)
OPENING_LOTS_EARNED_ON = date(2026, 1, 28)  # expire at the end of 2027: nothing expires here


def seed_central_members(server: CentralServer, members=MEMBERS) -> dict[str, str]:
    """The members on the service (as brand operations would make them); label -> id."""
    ids = {}
    with server.write() as s:
        for label, growth, points, phone in members:
            member = admin.create_member(s, phone=phone, name=f"{label} member", growth=growth,
                                         points=points, earned_on=OPENING_LOTS_EARNED_ON)
            ids[label] = member.id
    return ids


def make_coupon(server: CentralServer, code: str, value_fen: int = 500,
                member_id: str | None = None) -> str:
    from datetime import datetime

    from pos_member.sync import protocol as p

    with server.write() as s:
        admin.upsert_coupon(s, p.CouponData(
            code=code, kind="amount_off", value_fen=value_fen, member_id=member_id,
            valid_from=datetime(2026, 1, 1), valid_to=datetime(2027, 12, 31)))
    return code


def central_points(server: CentralServer) -> dict[str, tuple[int, int]]:
    with server.read() as s:
        return {r.id: (r.points, r.growth) for r in s.execute(
            select(cm.Member.id, cm.Member.points, cm.Member.growth)
            .where(cm.Member.merged_into.is_(None)))}


class SyncTill:
    """A till enrolled with the service through ``proxy``; ``name`` names its folder too."""

    def __init__(self, tmp_path: Path, server: CentralServer, proxy: FaultProxy,
                 name: str = "Till 1", **engine_kw: Any) -> None:
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir(parents=True)
        self.folder = folder
        self.server = server
        self.proxy = proxy
        self.till: Till = make_till(folder)
        self.ctx = self.till.ctx
        self.clock = self.till.clock
        with transaction(self.ctx.sessions) as s:  # the members come from the service
            s.execute(delete(PointLot))
            s.execute(delete(Member))
        self.token_store = TokenStore("till", folder, use_keyring=False)
        enrol(self.ctx, proxy.base_url, server.enrol_code(), name,
              token_store=self.token_store)
        self.engine_kw = {"read_timeout": 5.0, "connect_timeout": 2.0, **engine_kw}
        self.engine = self.new_engine()
        self.engine.run_once()
        with self.ctx.read_sessions() as s:
            self.central_terminal_id = s.execute(text(
                "SELECT value FROM sync_state WHERE key = :k"), {"k": CENTRAL_TERMINAL_ID}
            ).scalar_one()
            by_phone = dict(s.execute(select(Member.phone, Member.id)).all())
        self.members = {label: by_phone[phone] for label, _, _, phone in MEMBERS
                        if phone in by_phone}
        self.cashier = self.till.login("S002", "1357")
        self.manager = self.till.login("S001", "2468")
        self.shift_id = open_shift(self.ctx, self.cashier, 50000)

    # -- the engine ---------------------------------------------------------------------------

    def new_engine(self, **kw: Any) -> SyncEngine:
        """A fresh engine on the same database: what a restarted till would make."""
        return SyncEngine(self.ctx, token_store=self.token_store, **{**self.engine_kw, **kw})

    @contextmanager
    def short_timeout(self, seconds: float):
        """An engine that gives up on an answer after ``seconds`` (for the delay faults; the
        usual one waits longer, so a loaded machine does not fail the other tests)."""
        usual = self.engine
        self.engine = self.new_engine(read_timeout=seconds)
        try:
            yield self.engine
        finally:
            self.engine.close()
            self.engine = usual

    def restart_engine(self) -> None:
        self.engine.close()
        self.engine = self.new_engine()

    def sync(self) -> SyncReport:
        return self.engine.run_once()

    def try_sync(self) -> SyncReport | SyncError:
        try:
            return self.engine.run_once()
        except SyncError as exc:
            return exc

    def settle(self, attempts: int = 5) -> SyncReport:
        """Sync until a cycle succeeds (faults cleared first)."""
        self.proxy.clear()
        last: Exception | None = None
        for _ in range(attempts):
            try:
                return self.engine.run_once()
            except SyncError as exc:
                last = exc
        raise AssertionError(f"the till did not settle: {last}")

    # -- the counter --------------------------------------------------------------------------

    def sell(self, member: str | None = None, skus: tuple[tuple[str, int], ...] = (("C002", 2),),
             redeem: int = 0, coupons: tuple[str, ...] = ()) -> str:
        member_id = self.members.get(member, member) if member else None
        cart = tuple(CartLine(sku, Decimal(qty)) for sku, qty in skus)
        total = quote_basket(self.ctx, cart, member_id, coupons, redeem_points=redeem).total
        sale_id = str(uuid.uuid4())
        checkout(self.ctx, CheckoutRequest(
            sale_id=sale_id, staff=self.cashier, lines=cart,
            tenders=(Tender("wechat", total, reference="wx"),) if total else (),
            member_id=member_id, coupon_codes=coupons, redeem_points=redeem,
            approval=MANAGER if redeem else None))
        self.clock.advance(seconds=30)
        return sale_id

    def refund(self, sale_id: str, lines: dict[int, Decimal] | None = None) -> str:
        result = refund_sale(self.ctx, self.cashier, sale_id, lines, MANAGER, reason="test")
        self.clock.advance(seconds=30)
        return result.refund_id

    def register(self, phone: str, name: str = "新会员") -> str:
        view, _coupon = register(self.ctx, self.cashier, Registration(phone=phone, name=name))
        self.clock.advance(seconds=30)
        return view.id

    def view_points(self, member_id: str) -> tuple[int, int] | None:
        with self.ctx.read_sessions() as s:
            m = s.get(Member, member_id)
            if m is None:
                return None
            v = member_view(s, m, self.clock.now.date(), self.ctx.tz)
            return v.points, v.growth

    # -- what the till recorded ---------------------------------------------------------------

    def outbox(self) -> dict[str, str]:
        with self.ctx.read_sessions() as s:
            return dict(s.execute(select(OutboxEvent.event_id, OutboxEvent.status)).all())

    def pending(self) -> int:
        return sum(1 for status in self.outbox().values() if status == "pending")

    def conflicts(self) -> Counter:
        with self.ctx.read_sessions() as s:
            return Counter(s.scalars(select(SyncConflict.kind)))

    def totals(self) -> dict[str, int]:
        with self.ctx.read_sessions() as s:
            sales = s.execute(select(func.count(), func.coalesce(func.sum(Sale.total_fen), 0),
                                     func.coalesce(func.sum(Sale.points_earned), 0),
                                     func.coalesce(func.sum(Sale.points_redeemed), 0))).one()
            refunds = s.execute(select(func.count(), func.coalesce(func.sum(Refund.amount_fen), 0),
                                       func.coalesce(func.sum(Refund.points_reversed), 0),
                                       func.coalesce(func.sum(Refund.points_returned), 0))).one()
        return dict(zip(("sales", "sales_fen", "earned", "redeemed", "refunds", "refunds_fen",
                         "reversed", "returned"), (*sales, *refunds)))

    def member_deltas(self) -> dict[str, int]:
        """Points each member gained or lost through this till's sales and refunds."""
        out: dict[str, int] = defaultdict(int)
        with self.ctx.read_sessions() as s:
            for member_id, earned, redeemed in s.execute(
                    select(Sale.member_id, Sale.points_earned, Sale.points_redeemed)
                    .where(Sale.member_id.is_not(None))):
                out[member_id] += earned - redeemed
            for member_id, reversed_, returned in s.execute(
                    select(Refund.member_id, Refund.points_reversed, Refund.points_returned)
                    .where(Refund.member_id.is_not(None))):
                out[member_id] += returned - reversed_
        return out

    def unconfirmed(self) -> int:
        with self.ctx.read_sessions() as s:
            return s.scalar(select(func.count()).select_from(PointsLedgerEntry)
                            .where(PointsLedgerEntry.confirmed.is_(False)))


# -- the service's side -----------------------------------------------------------------------


def central_totals(server: CentralServer, terminal_id: str) -> dict[str, int]:
    with server.read() as s:
        sales = s.execute(select(func.count(), func.coalesce(func.sum(cm.Sale.total_fen), 0),
                                 func.coalesce(func.sum(cm.Sale.points_earned), 0),
                                 func.coalesce(func.sum(cm.Sale.points_redeemed), 0))
                          .where(cm.Sale.terminal_id == terminal_id)).one()
        refunds = s.execute(select(func.count(), func.coalesce(func.sum(cm.Refund.amount_fen), 0),
                                   func.coalesce(func.sum(cm.Refund.points_reversed), 0),
                                   func.coalesce(func.sum(cm.Refund.points_returned), 0))
                            .where(cm.Refund.terminal_id == terminal_id)).one()
    return dict(zip(("sales", "sales_fen", "earned", "redeemed", "refunds", "refunds_fen",
                     "reversed", "returned"), (int(x) for x in (*sales, *refunds))))


def central_events(server: CentralServer, terminal_id: str) -> dict[str, str]:
    with server.read() as s:
        return dict(s.execute(select(cm.EventRow.event_id, cm.EventRow.kind)
                              .where(cm.EventRow.terminal_id == terminal_id)).all())


def central_conflicts(server: CentralServer, terminal_id: str | None = None) -> Counter:
    with server.read() as s:
        q = select(cm.Conflict.kind)
        if terminal_id:
            q = q.where(cm.Conflict.terminal_id == terminal_id)
        return Counter(s.scalars(q))


def merges(server: CentralServer) -> dict[str, str]:
    with server.read() as s:
        return dict(s.execute(select(cm.MemberMergeRow.member_id,
                                     cm.MemberMergeRow.merged_into)).all())


def check_exactly_once(server: CentralServer, tills: list[SyncTill]) -> None:
    for t in tills:
        outbox = t.outbox()
        with server.read() as s:  # one snapshot of the service
            on_service = dict(s.execute(select(cm.EventRow.event_id, cm.EventRow.kind)
                                        .where(cm.EventRow.terminal_id == t.central_terminal_id)
                                        ).all())
            sale_rows = s.scalar(select(func.count()).select_from(cm.Sale)
                                 .where(cm.Sale.terminal_id == t.central_terminal_id))
        foreign = set(on_service) - set(outbox)
        assert not foreign, f"the service holds events the till never made: {foreign}"
        sent = {i for i, status in outbox.items() if status != "pending"}
        missing = sent - set(on_service)
        assert not missing, f"the till marked events sent that the service lacks: {missing}"
        assert sale_rows == sum(1 for k in on_service.values() if k == "sale")


def check_points_once(server: CentralServer, tills: list[SyncTill],
                      opening: dict[str, int]) -> None:
    """Service balance == opening balance + each received sale/refund's figures, once (all
    read in one snapshot of the service: a request may be in flight)."""
    expected: dict[str, int] = defaultdict(int)
    for member_id, points in opening.items():
        expected[member_id] += points
    with server.read() as s:
        merged = dict(s.execute(select(cm.MemberMergeRow.member_id,
                                       cm.MemberMergeRow.merged_into)).all())

        def survivor(member_id: str) -> str:
            for _ in range(8):
                if member_id not in merged:
                    break
                member_id = merged[member_id]
            return member_id

        for member_id, earned, redeemed in s.execute(
                select(cm.Sale.member_id, cm.Sale.points_earned, cm.Sale.points_redeemed)
                .where(cm.Sale.member_id.is_not(None))):
            expected[survivor(member_id)] += earned - redeemed
        for member_id, reversed_, returned in s.execute(
                select(cm.Refund.member_id, cm.Refund.points_reversed, cm.Refund.points_returned)
                .where(cm.Refund.member_id.is_not(None))):
            expected[survivor(member_id)] += returned - reversed_
        actual = dict(s.execute(select(cm.Member.id, cm.Member.points)
                                .where(cm.Member.merged_into.is_(None))).all())
        service_sales = set(s.scalars(select(cm.Sale.id)))
    for member_id, points in expected.items():
        if member_id in actual:
            assert actual[member_id] == points, (member_id, actual[member_id], points)
    # what the service received is what the tills recorded (a subset until settled)
    till_sales = {sid for t in tills for sid in _sale_ids(t)}
    assert service_sales <= till_sales


def _sale_ids(t: SyncTill) -> set[str]:
    with t.ctx.read_sessions() as s:
        return set(s.scalars(select(Sale.id)))


def check_settled(server: CentralServer, tills: list[SyncTill],
                  opening: dict[str, int]) -> None:
    """Everything pushed and pulled: the two sides agree on every figure."""
    check_exactly_once(server, tills)
    check_points_once(server, tills, opening)
    balances = central_points(server)
    for t in tills:
        assert t.pending() == 0
        assert set(central_events(server, t.central_terminal_id)) == set(t.outbox())
        assert central_totals(server, t.central_terminal_id) == t.totals()
        assert t.unconfirmed() == 0
        with t.ctx.read_sessions() as s:
            local_ids = list(s.scalars(select(Member.id)))
        for member_id in local_ids:
            assert t.view_points(member_id) == balances.get(member_id), member_id
