"""End to end through a fault-injecting proxy: the real service (uvicorn on 127.0.0.1), a real
till database, sales through the till's services. After every fault: one copy of each event
on the service, points once, and once idle the service's totals equal the till's."""

from __future__ import annotations

import pytest

from pos_member.sync.client import (
    CorruptResponse,
    OfflineError,
    ServerError,
    SyncError,
    SyncTimeout,
)
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import (
    MEMBERS,
    SyncTill,
    central_conflicts,
    central_events,
    check_exactly_once,
    check_points_once,
    check_settled,
    seed_central_members,
)


@pytest.fixture
def world(make_central_server, tmp_path):
    server = make_central_server()
    ids = seed_central_members(server)
    proxy = FaultProxy(server.host, server.port)
    till = SyncTill(tmp_path, server, proxy)
    opening = {ids[label]: points for label, _, points, _ in MEMBERS}
    yield server, proxy, till, opening
    till.engine.close()
    proxy.close()


PUSH_FAULTS = [
    ("reset", OfflineError),
    ("drop", OfflineError),
    ("error500", ServerError),
    ("error500_after", ServerError),
    ("truncate", CorruptResponse),
    ("garbage", CorruptResponse),
    ("delay", SyncTimeout),
    ("delay_after", SyncTimeout),
]


@pytest.mark.parametrize("fault,error", PUSH_FAULTS, ids=[f for f, _ in PUSH_FAULTS])
def test_push_faults_lose_nothing_and_apply_once(world, fault, error):
    server, proxy, till, opening = world
    sales = [till.sell("gold"), till.sell(), till.sell("silver", redeem=10),
             till.sell("regular", skus=(("T001", 3),))]
    till.refund(sales[0])
    proxy.inject(fault, path="/v1/push", seconds=1.5)
    # a client that gives up before a delay is over; patient otherwise (a loaded machine)
    with till.short_timeout(0.5 if fault.startswith("delay") else 30.0):
        outcome = till.try_sync()
    assert isinstance(outcome, error), outcome
    assert till.pending() > 0  # nothing marked sent without an answer
    check_exactly_once(server, [till])
    check_points_once(server, [till], opening)
    proxy.wait_idle()  # a delayed request the client gave up on reaches the service
    check_exactly_once(server, [till])
    check_points_once(server, [till], opening)
    # After the fault: the same events again; the service answers what it already applied
    # as duplicates, so nothing is applied twice.
    report = till.settle()
    if fault in ("drop", "error500_after", "truncate", "garbage", "delay", "delay_after"):
        assert report.duplicates > 0  # the first push was committed, its answer lost
    check_settled(server, [till], opening)
    with server.read() as s:
        from sqlalchemy import func, select

        from pos_central import models as cm
        assert s.scalar(select(func.count()).select_from(cm.Sale)) == len(sales)
    assert central_conflicts(server) == {}  # a lost answer is not a conflict


PULL_FAULTS = [("reset", OfflineError), ("truncate", CorruptResponse),
               ("garbage", CorruptResponse), ("error500", ServerError)]


@pytest.mark.parametrize("fault,error", PULL_FAULTS, ids=[f for f, _ in PULL_FAULTS])
def test_pull_faults_keep_the_cursor_and_retry(world, fault, error):
    server, proxy, till, opening = world
    till.sell("gold")
    proxy.inject(fault, path="/v1/changes")
    assert isinstance(till.try_sync(), error)
    till.settle()
    check_settled(server, [till], opening)


def test_service_down_then_restarted(world):
    server, _proxy, till, opening = world
    till.sell("gold")
    server.stop()
    outcome = till.try_sync()
    assert isinstance(outcome, ServerError) and outcome.status == 502  # the proxy's answer
    status = till.engine.status()
    assert not status.online and status.state == "offline" and status.events_waiting >= 2
    till.sell("silver")
    server.start()  # same port, same database
    till.settle()
    check_settled(server, [till], opening)
    assert till.engine.status().online


def test_network_down_and_many_faults_in_a_row(world):
    server, proxy, till, opening = world
    proxy.offline = True
    for i in range(6):
        till.sell("gold" if i % 2 else None)
        assert isinstance(till.try_sync(), OfflineError)
    proxy.offline = False
    for fault in ("drop", "truncate", "reset", "error500_after", "drop"):
        proxy.inject(fault, path="/v1/push")
        till.sell("silver")
        assert isinstance(till.try_sync(), SyncError)
        check_exactly_once(server, [till])
        check_points_once(server, [till], opening)
    till.settle()
    check_settled(server, [till], opening)


def test_a_restarted_till_engine_carries_on(world):
    """The engine keeps nothing that matters in memory: a new one (a restarted till) on the
    same database finishes what the old one was doing."""
    server, proxy, till, opening = world
    for _ in range(5):
        till.sell("gold")
    proxy.inject("drop", path="/v1/push")
    assert isinstance(till.try_sync(), OfflineError)
    till.restart_engine()
    till.settle()
    check_settled(server, [till], opening)


def test_small_batches_push_in_sequence_order(world):
    server, proxy, till, opening = world
    till.engine = till.new_engine(batch_size=3)
    for i in range(10):
        till.sell("gold" if i % 3 == 0 else None)
    proxy.inject("drop", path="/v1/push")  # the first batch's answer is lost
    assert isinstance(till.try_sync(), OfflineError)
    report = till.settle()
    assert report.batches >= 4 and report.duplicates == 3
    check_settled(server, [till], opening)
    with server.read() as s:
        from sqlalchemy import select

        from pos_central import models as cm
        seqs = [r for r, in s.execute(select(cm.EventRow.terminal_seq)
                                      .where(cm.EventRow.terminal_id == till.central_terminal_id)
                                      .order_by(cm.EventRow.received_at, cm.EventRow.terminal_seq))]
    assert seqs == sorted(seqs)
    assert len(central_events(server, till.central_terminal_id)) == len(till.outbox())
