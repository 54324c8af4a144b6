"""Events the service refuses for good are parked: they block nothing, are never retried on
their own, and the manager can list, export and retry them (``sync parked``)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from pos_central import models as cm
from pos_member.cli import main
from pos_member.store.db import transaction
from pos_member.store.models import OutboxEvent, SyncConflict
from pos_member.sync import parked
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import SyncTill, seed_central_members


@pytest.fixture
def till(make_central_server, tmp_path):
    server = make_central_server()
    seed_central_members(server)
    proxy = FaultProxy(server.host, server.port)
    till = SyncTill(tmp_path, server, proxy)
    yield till
    till.engine.stop(timeout=5)
    proxy.close()


def _spoil(till, sale_id: str, **changes) -> str:
    """Change the pending sale's stored payload (a till bug) and return its event id."""
    with transaction(till.ctx.sessions) as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")).all()
        row = next(r for r in row if r.payload.get("sale_id") == sale_id)
        s.execute(update(OutboxEvent).where(OutboxEvent.id == row.id)
                  .values(payload={**row.payload, **changes}))
        return row.event_id


def _central_sales(till) -> set[str]:
    with till.server.read() as s:
        return set(s.scalars(select(cm.Sale.id)))


def test_a_refused_event_is_parked_listed_exported_and_retried_after_a_fix(till, tmp_path,
                                                                           capsys):
    good = till.sell("gold")
    bad = till.sell("silver")
    bad_event = _spoil(till, bad, tz="Mars/Olympus_Mons")  # the service refuses the zone
    later = till.sell(None)
    report = till.sync()
    assert report.refused == 1 and till.pending() == 0
    assert {good, later} <= _central_sales(till) and bad not in _central_sales(till)
    assert till.sync().refused == 0  # parked: not sent again by itself

    events = parked.list_parked(till.ctx.sessions)
    assert [(e.event_id, e.kind, e.reason_kind) for e in events] == [
        (bad_event, "sale", "event_refused")]
    assert "tz" in events[0].reason and events[0].payload["sale_id"] == bad

    db = str(till.folder / "till.sqlite3")
    assert main(["sync", "parked", "--db", db]) == 0
    assert bad_event in capsys.readouterr().out
    export = tmp_path / "parked.json"
    assert main(["sync", "parked", "--db", db, "--export", str(export)]) == 0
    document = json.loads(export.read_text(encoding="utf-8"))
    assert document["format"] == parked.EXPORT_FORMAT
    (exported,) = document["events"]
    assert exported["event_id"] == bad_event and exported["payload"]["sale_id"] == bad
    assert exported["detail"]["details"][0]["loc"][-1] == "tz"

    assert main(["sync", "parked", "--db", db, "--retry", "not-parked"]) == 2
    _spoil(till, bad, tz="Asia/Shanghai")  # the cause fixed
    assert main(["sync", "parked", "--db", db, "--retry", bad_event]) == 0
    assert till.pending() == 1
    with till.ctx.read_sessions() as s:
        conflict = s.scalars(select(SyncConflict).where(SyncConflict.event_id == bad_event)).one()
        assert conflict.resolved_at is not None
    till.sync()
    assert till.pending() == 0 and bad in _central_sales(till)
    assert till.outbox()[bad_event] == "sent"
    assert parked.list_parked(till.ctx.sessions) == []


def test_an_event_too_large_for_the_service_alone_is_parked_not_retried_forever(till,
                                                                               monkeypatch):
    from pos_central import app as central_app
    first = till.sell("gold")
    big = till.sell("silver")
    big_event = _spoil(till, big, padding="x" * 60_000)  # over the limit below, alone
    monkeypatch.setattr(central_app, "MAX_BODY_BYTES", 20_000)
    till.server.restart()
    report = till.sync()
    assert report.refused == 1 and till.pending() == 0
    assert first in _central_sales(till)
    (event,) = parked.list_parked(till.ctx.sessions)
    assert event.event_id == big_event and event.detail["status"] == 413
