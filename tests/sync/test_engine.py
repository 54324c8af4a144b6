"""The engine against the real service: the thread (immediate stop, wake, back-off with
jitter), the published status, enrolment paths, the audit head, refused events, a replaced
feed, and online look-ups."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from pos_central import admin
from pos_central import models as cm
from pos_member.services import settings
from pos_member.services.errors import ServiceError
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import Member, OutboxEvent, SyncConflict
from pos_member.sync.apply.pull import CURSOR_KEY
from pos_member.sync.client import OfflineError
from pos_member.sync.engine import NotEnrolled, SyncEngine, SyncStatus
from pos_member.sync.enrolment import CENTRAL_TERMINAL_ID, settings_enroller
from pos_member.sync.token_store import TokenStore
from tests.services.support import make_till
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import (
    MEMBERS,
    SyncTill,
    central_events,
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
    till.engine.stop(timeout=5)
    proxy.close()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_thread_syncs_at_start_on_wake_and_stops_at_once(world):
    server, _proxy, till, opening = world
    engine = till.new_engine(interval=3600)
    seen: list[SyncStatus] = []
    engine.listeners.append(seen.append)
    till.sell("gold")
    engine.start()
    assert wait_for(lambda: till.pending() == 0)  # the first cycle runs at once
    till.sell("silver")
    engine.wake()  # after a sale
    assert wait_for(lambda: till.pending() == 0)
    started = time.monotonic()
    assert engine.stop(timeout=5)
    assert time.monotonic() - started < 1.0  # waiting on an Event, not sleeping
    assert not engine.running and engine.status().state == "stopped"
    states = [s.state for s in seen]
    assert "syncing" in states and "online" in states
    assert any(s.events_waiting > 0 for s in seen) and seen[-1].events_waiting == 0
    assert seen[-2].online and seen[-2].last_success is not None
    check_settled(server, [till], opening)


def test_back_off_with_full_jitter_while_the_service_is_down(world):
    _server, proxy, till, _opening = world
    engine = till.new_engine(interval=3600, backoff_base=0.05, backoff_cap=0.4,
                             rng=random.Random(7))
    seen: list[SyncStatus] = []
    engine.listeners.append(seen.append)
    proxy.offline = True
    till.sell("gold")
    engine.start()
    assert wait_for(lambda: engine._failures >= 5)
    offline = [s for s in seen if s.state == "offline"]
    assert offline and not offline[-1].online and offline[-1].events_waiting >= 1
    assert "OfflineError" in offline[-1].last_error
    waits = [s.next_attempt_in for s in seen if s.next_attempt_in is not None]
    assert waits and max(waits) <= 0.4
    proxy.offline = False
    assert wait_for(lambda: engine.status().online, timeout=5)
    engine.stop()
    assert till.pending() == 0
    with till.ctx.read_sessions() as s:
        attempts = s.scalar(select(func.max(OutboxEvent.attempts)))
    assert attempts >= 5  # each failed push counted on the events


def test_backoff_delays_are_full_jitter_and_capped(world):
    _server, _proxy, till, _opening = world
    engine = till.new_engine(backoff_base=1.0, backoff_cap=300.0, rng=random.Random(1))
    for failures, ceiling in ((1, 1), (2, 2), (3, 4), (6, 32), (9, 256), (10, 300), (50, 300)):
        engine._failures = failures
        delays = [engine.backoff_delay() for _ in range(200)]
        assert 0 <= min(delays) and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8  # spread over the whole range: full jitter
    assert engine.backoff_delay(transient=False) == 300.0


def test_a_wake_during_back_off_waits_unless_forced(world):
    _server, proxy, till, _opening = world
    engine = till.new_engine(interval=3600, backoff_base=60, backoff_cap=60,
                             rng=random.Random(3))
    engine._rng.uniform = lambda a, b: 30.0  # a long back-off
    published: list[SyncStatus] = []
    engine.listeners.append(published.append)
    proxy.offline = True
    engine.start()
    # the loop has begun its back-off wait when it publishes the time of the next attempt
    assert wait_for(lambda: any(s.state == "offline" and s.next_attempt_in for s in published))
    proxy.offline = False
    till.sell("gold")
    seen = len(published)
    engine.wake()
    # The loop handles the wake and publishes again: it is still waiting out the back-off
    # (a cycle would have published "syncing" first).
    assert wait_for(lambda: len(published) > seen)
    assert published[seen].state == "offline" and published[seen].next_attempt_in > 20
    assert engine._failures == 1 and till.pending() > 0
    engine.wake(force=True)  # "sync now"
    assert wait_for(lambda: till.pending() == 0)
    engine.stop()


def test_a_stop_during_a_long_request_ends_after_it(world):
    server, proxy, till, opening = world
    engine = till.new_engine(interval=3600)
    till.sell("gold")
    proxy.inject("delay", path="/v1/push", seconds=1.0)
    engine.start()
    assert wait_for(lambda: proxy.inflight > 0)
    started = time.monotonic()
    engine.stop(timeout=10)
    assert time.monotonic() - started < 6
    proxy.wait_idle()
    till.settle()
    check_settled(server, [till], opening)


def test_the_audit_head_is_pushed_when_it_moves(world):
    server, _proxy, till, _opening = world
    till.sync()

    def heads():
        with till.ctx.read_sessions() as s:
            return s.scalar(select(func.count()).select_from(OutboxEvent)
                            .where(OutboxEvent.kind == "audit_head"))

    before = heads()
    till.sync()
    assert heads() == before  # nothing happened: no new head
    till.sell()
    till.sync()
    assert heads() == before + 1
    with server.read() as s:
        head = s.execute(select(cm.AuditHead).order_by(cm.AuditHead.seq.desc())).scalars().first()
    from pos_member.services.staff import audit_head
    with till.ctx.read_sessions() as s:
        assert (head.seq, head.hash) == audit_head(s)


def test_an_event_the_service_refuses_is_set_aside_not_blocking(world):
    server, _proxy, till, _opening = world
    till.sell("gold")
    with transaction(till.ctx.sessions) as s:  # a till bug: an event the protocol refuses
        repo.add_outbox_event(s, "sale", {"sale_id": str(uuid.uuid4()), "total_fen": 1.5})
    till.sell("silver")
    report = till.sync()
    assert report.refused == 1
    assert till.pending() == 0
    with till.ctx.read_sessions() as s:
        bad = s.scalars(select(SyncConflict)).one()
        assert bad.kind == "event_refused" and "refused" in bad.detail["message"]
        assert s.scalar(select(func.count()).select_from(OutboxEvent)
                        .where(OutboxEvent.status == "conflict")) == 1
    assert till.engine.status().conflicts_open == 1
    assert len(central_events(server, till.central_terminal_id)) == len(till.outbox()) - 1


def test_a_replaced_service_database_and_an_unknown_cursor_restart_the_pull(world):
    server, _proxy, till, _opening = world
    with server.write() as s:
        s.get(cm.Meta, "feed_id").value = str(uuid.uuid4())
    report = till.sync()
    assert report.restarted_feed and report.pulled.members == len(MEMBERS)
    with transaction(till.ctx.sessions) as s:
        repo.set_setting(s, CURSOR_KEY, str(10**12))
    report = till.sync()
    assert report.restarted_feed
    with till.ctx.read_sessions() as s:
        assert int(repo.get_setting(s, CURSOR_KEY)) < 10**6


def test_a_stale_answer_replayed_does_not_overwrite_a_newer_balance(world):
    server, _proxy, till, opening = world
    till.sell("gold")
    till.sync()
    till.sell("gold")
    till.sync()
    with transaction(till.ctx.sessions) as s:  # the first sale goes out again
        first = s.scalars(select(OutboxEvent.event_id).where(OutboxEvent.kind == "sale")
                          .order_by(OutboxEvent.terminal_seq)).first()
        s.execute(update(OutboxEvent).where(OutboxEvent.event_id == first)
                  .values(status="pending"))
    report = till.sync()
    assert report.duplicates == 1
    check_settled(server, [till], opening)


def test_online_lookup_caches_a_member_the_till_does_not_have(world):
    server, proxy, till, _opening = world
    with server.write() as s:
        newcomer = admin.create_member(s, phone="13388887777", name="外店会员", points=30,
                                       growth=10).id
    found = till.engine.lookup_online(phone="13388887777")
    assert str(found.member.id) == newcomer
    with till.ctx.read_sessions() as s:
        assert s.get(Member, newcomer).points == 30
    assert till.engine.lookup_online(phone="13300000000") is None
    proxy.offline = True
    with pytest.raises(OfflineError):
        till.engine.lookup_online(card="800000000001")


def test_not_enrolled_then_enrolled_through_the_settings_screen(make_central_server, tmp_path):
    server = make_central_server()
    proxy = FaultProxy(server.host, server.port)
    till = make_till(tmp_path)
    store = TokenStore("t", tmp_path, use_keyring=False)
    engine = SyncEngine(till.ctx, token_store=store)
    assert engine.status().state == "not_enrolled"
    with pytest.raises(NotEnrolled):
        engine.run_once()
    # the settings screen records the code (no hook installed): the engine enrols with it
    status = settings.enrol_terminal(till.ctx, proxy.base_url, server.enrol_code(), "Front")
    assert status.state == "pending"
    engine.run_once()
    with till.ctx.read_sessions() as s:
        assert repo.get_setting(s, settings.ENROLMENT_STATE) == "enrolled"
        assert repo.get_setting(s, settings.ENROLMENT_CODE) == ""
        terminal = repo.get_setting(s, CENTRAL_TERMINAL_ID)
    assert engine.status().online and store.get().startswith("pmt_")
    with server.read() as s:
        assert s.get(cm.Terminal, terminal).name == "Front"
    # a used code recorded as pending fails cleanly and says why
    with transaction(till.ctx.sessions) as s:
        repo.set_setting(s, settings.ENROLMENT_STATE, "pending")
        repo.set_setting(s, settings.ENROLMENT_CODE, "AAAABBBBCCCC")
    store.delete()
    with pytest.raises(NotEnrolled, match="enrolment_code_invalid|not valid"):
        engine.run_once()
    with till.ctx.read_sessions() as s:
        assert repo.get_setting(s, settings.ENROLMENT_STATE) == "failed"
    proxy.close()


def test_the_settings_enroller_enrols_at_once_and_wakes_the_engine(make_central_server,
                                                                    tmp_path, monkeypatch):
    server = make_central_server()
    till = make_till(tmp_path)
    monkeypatch.setattr(TokenStore, "_keyring_enabled", lambda self: False)
    engine = SyncEngine(till.ctx)
    woken = threading.Event()
    engine.wake = lambda force=False: woken.set()
    enrol = settings_enroller(engine)
    status = settings.enrol_terminal(till.ctx, server.base_url, server.enrol_code(), "Hook",
                                     enrol=enrol)
    assert status.state == "enrolled" and status.terminal_id and woken.is_set()
    assert TokenStore.for_database(till.path).get().startswith("pmt_")  # beside the db
    with pytest.raises(ServiceError) as caught:
        settings.enrol_terminal(till.ctx, server.base_url, "0000-0000-0000", enrol=enrol)
    assert caught.value.code == "enrolment_code_invalid"
    with till.ctx.read_sessions() as s:
        assert repo.get_setting(s, settings.ENROLMENT_STATE) == "failed"
        assert "enrolment_code_invalid" in repo.get_setting(s, settings.ENROLMENT_MESSAGE)


def test_without_an_enroller_the_code_waits_for_the_engine(tmp_path):
    till = make_till(tmp_path)
    status = settings.enrol_terminal(till.ctx, "http://127.0.0.1:9", "7KQ4-M2XD-9RTB", "Till")
    assert status.state == "pending"


def test_the_composed_push_body_is_the_same_events_as_the_parsed_one(world):
    """wire_body composes the request around the stored payload text; it must say exactly
    what wire_events (parse, replace terminal_id, serialise) says, or a replay would be a
    409 on the service."""
    from decimal import Decimal

    from pos_member.services.shifts import cash_movement
    from pos_member.sync.engine import wire_body, wire_events

    server, _proxy, till, opening = world
    sale = till.sell("gold", skus=(("C002", 2), ("B001", 1)), redeem=5)
    till.refund(sale, {2: Decimal(1)})
    till.register("18612340000", name="“引号” \\ 和\\n换行")
    cash_movement(till.ctx, till.manager, "paid_in", 1000, reason='含 "引号"')
    rows = till.engine._pending(1000)
    assert {r[2] for r in rows} >= {"sale", "refund", "member_registered", "cash_movement"}
    body, pushed = wire_body(rows, till.central_terminal_id)
    events, pushed_too = wire_events(rows, till.central_terminal_id)
    assert __import__("json").loads(body)["events"] == events
    assert pushed == pushed_too
    assert all(e["payload"].get("terminal_id") in (None, till.central_terminal_id)
               for e in events)
    till.sync()
    check_settled(server, [till], opening)
