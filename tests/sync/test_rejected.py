"""An event the service rejects for good (``status: rejected``) is parked on the till: its
outbox row is set aside, the manager sees an ``event_rejected`` conflict naming the reason, and
the rest of the outbox keeps syncing. A replayed answer (``duplicate`` carrying the same
rejection) parks it the same way, once."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from sqlalchemy import func, select, update

from pos_central import models as cm
from pos_member.services import sales_query
from pos_member.store.db import transaction
from pos_member.store.models import OutboxEvent, SyncConflict
from pos_member.sync import protocol as p
from pos_member.sync.apply.push import REJECTED_KIND, PushedEvent, apply_push_results
from tests.services.support import make_till
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import SyncTill, central_events, seed_central_members


@pytest.fixture
def world(make_central_server, tmp_path):
    server = make_central_server()
    seed_central_members(server)
    proxy = FaultProxy(server.host, server.port)
    till = SyncTill(tmp_path, server, proxy)
    yield server, till
    till.engine.stop(timeout=5)
    proxy.close()


def _outbox_status(till: SyncTill) -> dict[str, str]:
    with till.ctx.read_sessions() as s:
        return dict(s.execute(select(OutboxEvent.event_id, OutboxEvent.status)).all())


def test_a_rejected_event_is_parked_and_the_rest_keeps_syncing(world):
    server, till = world
    good_before = till.sell("gold")
    store = till.ctx.store_id
    till.ctx.store_id = "S999"  # a till set to another store than the one it was enrolled for
    try:
        foreign = till.sell("silver")
    finally:
        till.ctx.store_id = store
    good_after = till.sell("gold")

    report = till.sync()
    assert report.refused == 1
    assert till.pending() == 0  # nothing waits, nothing is retried
    with till.ctx.read_sessions() as s:
        event_of = {row.payload["sale_id"]: row.event_id for row in s.scalars(
            select(OutboxEvent).where(OutboxEvent.kind == "sale"))}
        parked = s.scalars(select(SyncConflict).where(SyncConflict.kind == REJECTED_KIND)).one()
    statuses = _outbox_status(till)
    assert statuses[event_of[foreign]] == "conflict"
    assert statuses[event_of[good_before]] == statuses[event_of[good_after]] == "sent"
    assert parked.event_id == event_of[foreign]
    assert parked.detail["code"] == "foreign_store"
    assert parked.detail["field"] == "payload.store_id"
    assert "S999" in parked.detail["message"]
    assert parked.detail["event_kind"] == "sale"

    # The manager sees it: the conflict list, the status bar's count.
    shown = [c for c in sales_query.conflicts(till.ctx) if c.kind == REJECTED_KIND]
    assert len(shown) == 1 and "S999" in shown[0].message
    assert till.engine.status().conflicts_open == 1
    with server.read() as s:
        sales = set(s.execute(select(cm.Sale.id)).scalars())
    assert {good_before, good_after} <= sales and foreign not in sales
    assert event_of[foreign] in central_events(server, till.central_terminal_id)
    with server.read() as s:
        assert s.get(cm.EventRow, event_of[foreign]).status == "rejected"

    # The answer was lost (say): the event goes again, the service answers duplicate with the
    # same rejection, and it is parked again without a second conflict row.
    with transaction(till.ctx.sessions) as s:
        s.execute(update(OutboxEvent).where(OutboxEvent.event_id == event_of[foreign])
                  .values(status="pending", sent_at=None))
    till.sync()
    assert till.pending() == 0
    assert _outbox_status(till)[event_of[foreign]] == "conflict"
    with till.ctx.read_sessions() as s:
        assert s.scalar(select(func.count()).select_from(SyncConflict)
                        .where(SyncConflict.kind == REJECTED_KIND)) == 1


def test_a_duplicate_answer_with_a_rejection_parks_the_event(tmp_path):
    till = make_till(tmp_path)
    cashier = till.login("S002", "1357")
    from pos_member.services.shifts import open_shift

    open_shift(till.ctx, cashier, 10000)
    with till.ctx.read_sessions() as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "shift_opened")).one()
    pushed = [PushedEvent(event_id=row.event_id, kind=row.kind)]
    rejection = p.Rejection(code="not_your_shift", message="Shift belongs to another terminal.",
                            field="payload.shift_id")
    for status in (p.EventStatus.DUPLICATE, p.EventStatus.REJECTED):
        answer = p.PushResponse(server_time="2026-11-24T07:00:00Z", results=[p.EventResult(
            event_id=row.event_id, terminal_seq=row.terminal_seq, kind="shift_opened",
            status=status, rejection=rejection)])
        stats = apply_push_results(till.ctx.sessions, pushed, answer)
        assert stats.rejected == 1
    with till.ctx.read_sessions() as s:
        assert s.get(OutboxEvent, row.id).status == "conflict"
        assert "not_your_shift" in s.get(OutboxEvent, row.id).last_error
        (parked,) = s.scalars(select(SyncConflict)).all()
    assert parked.kind == REJECTED_KIND and parked.detail["code"] == "not_your_shift"
    assert dataclasses.asdict(stats)["rejected"] == 1
    assert str(uuid.UUID(parked.event_id)) == row.event_id
