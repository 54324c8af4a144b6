"""A hypothesis state machine over the whole sync: random sales, refunds, registrations
(some of a phone another till registered first), faults on push and pull, restarts of the
till's engine and of the service, duplicate deliveries. After every step: one copy of each
event on the service, every sent event there, points applied once. When it settles: the
service's totals and balances equal the till's."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import select, update

from pos_member.services.errors import ServiceError
from pos_member.services.members import get_member
from pos_member.store.db import transaction
from pos_member.store.models import OutboxEvent
from pos_member.sync.engine import wire_events
from tests.central.builders import registration_event
from tests.central.server_fixture import CentralServer, sqlite_url
from tests.sync.fault_proxy import FAULTS, FaultProxy
from tests.sync.harness import (
    MEMBERS,
    SyncTill,
    check_exactly_once,
    check_points_once,
    check_settled,
    seed_central_members,
)

LABELS = [None] + [label for label, *_ in MEMBERS]
SKUS = ["C001", "C002", "T001", "T003", "B001", "R003"]


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sync-machine-"))
        self.server: CentralServer | None = None
        self.proxy: FaultProxy | None = None
        self.till: SyncTill | None = None
        self.sales: list[str] = []
        self.phone_no = 0

    @initialize()
    def start(self) -> None:
        self.server = CentralServer(sqlite_url(self.tmp)).start()
        ids = seed_central_members(self.server)
        self.opening = {ids[label]: points for label, _, points, _ in MEMBERS}
        self.proxy = FaultProxy(self.server.host, self.server.port)
        self.till = SyncTill(self.tmp, self.server, self.proxy)
        self.other = self.server.enrol("Other till")  # registers phones first, directly

    def teardown(self) -> None:
        try:
            if self.till is not None:
                self.proxy.wait_idle()
                self.till.settle()
                self.till.settle()  # a second cycle finds nothing new
                check_settled(self.server, [self.till], self.opening)
        finally:
            if self.till is not None:
                self.till.engine.close()
            if self.proxy is not None:
                self.proxy.close()
            if self.server is not None:
                self.server.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the counter --------------------------------------------------------------------------

    @rule(label=st.sampled_from(LABELS), sku=st.sampled_from(SKUS), qty=st.integers(1, 4),
          redeem=st.booleans())
    def sell(self, label, sku, qty, redeem) -> None:
        member_id = self.till.members.get(label) if label else None
        points = 0
        if redeem and member_id is not None:
            available = get_member(self.till.ctx, member_id).available_points
            points = 3 if available >= 3 else 0
        self.sales.append(self.till.sell(member_id, skus=((sku, qty),), redeem=points))

    @precondition(lambda self: self.sales)
    @rule(data=st.data(), whole=st.booleans())
    def refund(self, data, whole) -> None:
        sale_id = data.draw(st.sampled_from(self.sales))
        try:
            self.till.refund(sale_id, None if whole else {1: Decimal(1)})
        except ServiceError:
            pass  # nothing left to refund

    @rule(first_elsewhere=st.booleans(), buys=st.booleans())
    def register(self, first_elsewhere, buys) -> None:
        self.phone_no += 1
        phone = f"188{self.phone_no:08d}"
        if first_elsewhere:  # another till registered the phone and pushed already
            answer = self.other.push([registration_event(self.other, phone)])
            assert answer.status_code == 200, answer.text
        try:
            member_id = self.till.register(phone)
        except ServiceError:
            return
        if buys:
            self.sales.append(self.till.sell(member_id, skus=(("C002", 3),)))

    # -- the network and the processes --------------------------------------------------------

    @rule(kind=st.sampled_from(FAULTS), path=st.sampled_from(["/v1/push", "/v1/changes"]))
    def fault(self, kind, path) -> None:
        self.proxy.inject(kind, path=path, seconds=1.3)
        with self.till.short_timeout(0.8):  # the delays outlast it
            self.till.try_sync()

    @rule()
    def sync(self) -> None:
        self.till.try_sync()

    @rule()
    def restart_till_engine(self) -> None:
        self.till.restart_engine()

    @rule()
    def restart_service(self) -> None:
        self.proxy.wait_idle()
        self.server.restart()

    @rule(offline=st.booleans())
    def network(self, offline) -> None:
        self.proxy.offline = offline

    @rule(data=st.data())
    def replay_sent_events(self, data) -> None:
        """A duplicate delivery: events already applied arrive again (another worker, a
        retry the till did not see fail). The service answers each as a duplicate."""
        with self.till.ctx.read_sessions() as s:
            rows = [tuple(r) for r in s.execute(
                select(OutboxEvent.event_id, OutboxEvent.terminal_seq, OutboxEvent.kind,
                       OutboxEvent.payload, OutboxEvent.created_at)
                .where(OutboxEvent.status != "pending"))]
        if not rows:
            return
        picked = data.draw(st.lists(st.sampled_from(rows), min_size=1, max_size=5))
        wire_rows = [(e, seq, k, __import__("json").dumps(pl), c.isoformat())
                     for e, seq, k, pl, c in picked]
        events, _ = wire_events(wire_rows, self.till.central_terminal_id)
        token = self.till.token_store.get()
        answer = requests.post(self.server.base_url + "/v1/push", json={"events": events},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()["results"]} == {"duplicate"}

    @rule(data=st.data())
    def till_forgets_it_sent(self, data) -> None:
        """The till restored to a moment before an answer was recorded: sent events are
        pending again and go out a second time."""
        with self.till.ctx.read_sessions() as s:
            sent = list(s.scalars(select(OutboxEvent.event_id)
                                  .where(OutboxEvent.status != "pending")))
        if not sent:
            return
        again = data.draw(st.lists(st.sampled_from(sent), min_size=1, max_size=3, unique=True))
        with transaction(self.till.ctx.sessions) as s:
            s.execute(update(OutboxEvent).where(OutboxEvent.event_id.in_(again))
                      .values(status="pending"))

    @rule()
    def settle(self) -> None:
        self.proxy.offline = False
        self.proxy.wait_idle()
        self.till.settle()
        check_settled(self.server, [self.till], self.opening)

    # -- after every step ---------------------------------------------------------------------

    @invariant()
    def each_event_once_and_points_once(self) -> None:
        if self.till is None:
            return
        self.proxy.wait_idle()
        check_exactly_once(self.server, [self.till])
        check_points_once(self.server, [self.till], self.opening)


SyncMachine.TestCase.settings = settings(
    max_examples=8, stateful_step_count=18, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_sync_state_machine = SyncMachine.TestCase
