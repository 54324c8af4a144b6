"""Two tills spend the same stored-value balance offline, over the real service.

Each till lets a member spend what it believes the balance is (its cached account plus its own
unconfirmed movements) within the offline daily limit; the service applies every movement
once, so a balance spent at both goes negative there: a ``stored_value_overdrawn`` conflict on
the service and on the till that arrived second, never clamped. After both settle, both tills
show the service's balance, which is the sum of its ledger.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from pos_central import models as cm
from pos_central.stored_value_tables import StoredValueEntry as CentralEntry
from pos_member.services import stored_value as svs
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import ServiceError
from pos_member.services.refunds import refund_sale
from pos_member.store.models import StoredValueEntry, SyncConflict
from tests.central.server_fixture import CentralServer, sqlite_url
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import MANAGER, SyncTill, seed_central_members

LATTE = 2800  # C002, regular members pay the shelf price


def _recharge(till: SyncTill, member_id: str, amount: int) -> None:
    svs.recharge(till.ctx, svs.RechargeRequest(str(uuid.uuid4()), till.cashier, member_id,
                                                amount, "cash"))
    till.clock.advance(seconds=30)


def _spend(till: SyncTill, member_id: str, lattes: int, cash: int = 0) -> str:
    sale_id = str(uuid.uuid4())
    tenders = [Tender("stored_value", lattes * LATTE - cash)]
    if cash:
        tenders.append(Tender("cash", cash))
    checkout(till.ctx, CheckoutRequest(sale_id, till.cashier, (CartLine("C002", Decimal(lattes)),),
                                       tuple(tenders), member_id=member_id))
    till.clock.advance(seconds=30)
    return sale_id


def _central_balance(server: CentralServer, member_id: str) -> tuple[int, int]:
    with server.read() as s:
        p, b = s.execute(select(func.coalesce(func.sum(CentralEntry.principal_fen), 0),
                                func.coalesce(func.sum(CentralEntry.bonus_fen), 0))
                         .where(CentralEntry.member_id == member_id)).one()
    return int(p), int(b)


def _till_balance(till: SyncTill, member_id: str) -> tuple[int, int]:
    v = svs.member_stored_value(till.ctx, member_id)
    return v.balance.principal, v.balance.bonus


def test_the_same_balance_spent_at_two_offline_tills(make_central_server, tmp_path):
    server = make_central_server()
    ids = seed_central_members(server)
    proxy = FaultProxy(server.host, server.port)
    a = SyncTill(tmp_path, server, proxy, "Till A")
    b = SyncTill(tmp_path, server, proxy, "Till B")
    try:
        member = ids["regular"]
        _recharge(a, member, 30000)  # 充300送30
        a.settle()
        b.settle()
        assert _till_balance(b, member) == (30000, 3000)
        proxy.offline = True
        _spend(a, member, 10)  # 280.00 each, within ¥500 a day offline
        _spend(b, member, 10, cash=1000)  # 270.00 from the balance
        a.settle()
        report = b.settle()
        assert report.conflicts == 1
        a.settle()
        # 300 + 30 - 280 - 270: the principal went negative at the service, the bonus stays
        assert _central_balance(server, member) == (30000 - 28000 - 27000, 3000)
        assert _till_balance(a, member) == _till_balance(b, member) == (-25000, 3000)
        assert b.conflicts()["stored_value_overdrawn"] == 1
        assert a.conflicts()["stored_value_overdrawn"] == 0
        with server.read() as s:
            (c,) = s.scalars(select(cm.Conflict).where(
                cm.Conflict.kind == "stored_value_overdrawn")).all()
            assert c.terminal_id == b.central_terminal_id
            assert c.detail["other_terminal_id"] == a.central_terminal_id
        # the till shows the negative balance; it refuses to take more from it
        try:
            _spend(a, member, 1)
        except ServiceError as exc:
            assert exc.code == "sv_insufficient_balance"
        else:
            raise AssertionError("spent an overdrawn balance")
        with a.ctx.read_sessions() as s:
            assert s.scalar(select(func.count()).select_from(StoredValueEntry).where(
                StoredValueEntry.confirmed.is_(False))) == 0
    finally:
        a.engine.close()
        b.engine.close()
        proxy.close()


class TwoTillsSpend(RuleBasedStateMachine):
    """Recharges, balance spends (some split with cash), refunds and syncs at two tills."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sv-machine-"))
        self.server: CentralServer | None = None
        self.tills: list[SyncTill] = []
        self.sales: list[tuple[int, str]] = []
        self.negative_seen = False

    @initialize()
    def start(self) -> None:
        self.server = CentralServer(sqlite_url(self.tmp)).start()
        ids = seed_central_members(self.server)
        self.member = ids["regular"]
        self.proxy = FaultProxy(self.server.host, self.server.port)
        self.tills = [SyncTill(self.tmp, self.server, self.proxy, f"Till {n}") for n in "AB"]

    def teardown(self) -> None:
        try:
            if self.tills:
                for till in self.tills * 2:
                    till.settle()
                central = _central_balance(self.server, self.member)
                for till in self.tills:
                    assert _till_balance(till, self.member) == central
                with self.server.read() as s:
                    overdrawn = s.scalar(select(func.count()).select_from(cm.Conflict).where(
                        cm.Conflict.kind == "stored_value_overdrawn"))
                if self.negative_seen or min(central) < 0:
                    assert overdrawn >= 1
                if not overdrawn:
                    assert min(central) >= 0
        finally:
            for till in self.tills:
                till.engine.close()
            if self.tills:
                self.proxy.close()
            if self.server is not None:
                self.server.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    @rule(t=st.integers(0, 1), amount=st.sampled_from([5000, 10000, 30000, 50000]))
    def recharge(self, t: int, amount: int) -> None:
        _recharge(self.tills[t], self.member, amount)

    @rule(t=st.integers(0, 1), lattes=st.integers(1, 12), cash=st.sampled_from([0, 0, 800]))
    def spend(self, t: int, lattes: int, cash: int) -> None:
        till = self.tills[t]
        before = svs.member_stored_value(till.ctx, self.member)
        try:
            sale_id = _spend(till, self.member, lattes, cash)
        except ServiceError as exc:
            amount = lattes * LATTE - cash
            assert exc.code in ("sv_insufficient_balance", "sv_offline_limit"), exc
            left = before.offline_limit - before.offline_spent_today
            assert amount > before.spendable or amount > left
            return
        self.sales.append((t, sale_id))
        after = svs.member_stored_value(till.ctx, self.member)
        assert after.balance.total == before.balance.total - (lattes * LATTE - cash)
        assert after.balance.principal >= 0 or before.balance.principal < 0
        assert after.balance.bonus >= 0 or before.balance.bonus < 0

    @rule(data=st.data())
    def refund(self, data) -> None:
        if not self.sales:
            return
        t, sale_id = self.sales.pop(data.draw(st.integers(0, len(self.sales) - 1)))
        till = self.tills[t]
        before = svs.member_stored_value(till.ctx, self.member).balance.total
        result = refund_sale(till.ctx, till.cashier, sale_id, None, MANAGER)
        back = sum(a for tender, a in result.payments if tender == "stored_value")
        assert svs.member_stored_value(till.ctx, self.member).balance.total == before + back

    @rule(t=st.integers(0, 1))
    def sync(self, t: int) -> None:
        self.tills[t].settle()
        if min(_central_balance(self.server, self.member)) < 0:
            self.negative_seen = True

    @invariant()
    def each_movement_once(self) -> None:
        """The service's ledger is exactly the tills' confirmed rows: same ids, same sums."""
        if not self.tills:
            return
        confirmed = {}
        for till in self.tills:
            with till.ctx.read_sessions() as s:
                for row in s.scalars(select(StoredValueEntry).where(
                        StoredValueEntry.confirmed.is_(True))):
                    confirmed[row.id] = (row.principal_fen, row.bonus_fen)
        with self.server.read() as s:
            central = {r.id: (r.principal_fen, r.bonus_fen)
                       for r in s.scalars(select(CentralEntry))}
        assert central == confirmed
        for till in self.tills:
            with till.ctx.read_sessions() as s:
                kinds = set(s.scalars(select(SyncConflict.kind)))
            assert kinds <= {"stored_value_overdrawn"}, kinds


TwoTillsSpend.TestCase.settings = settings(
    max_examples=5, stateful_step_count=14, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_two_tills_spend_the_same_balance = TwoTillsSpend.TestCase
