"""The till's side of the audit chain check: it stores the head the service acknowledged,
links each new head to it, queues one head at a time, and a log cut short or re-hashed after a
sync comes back as a conflict the manager sees (and the service keeps)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import delete, select

from pos_central import models as cm
from pos_member.security import audit
from pos_member.services.staff import audit_head, load_audit_chain
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import AuditLogEntry, OutboxEvent
from pos_member.store.fastwrite import insert_rows
from pos_member.sync.client import SyncError
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import MEMBERS, SyncTill, seed_central_members


@pytest.fixture
def world(make_central_server, tmp_path):
    server = make_central_server()
    seed_central_members(server, MEMBERS)
    proxy = FaultProxy(server.host, server.port)
    till = SyncTill(tmp_path, server, proxy)
    yield server, proxy, till
    till.engine.stop(timeout=5)
    proxy.close()


def stored_ack(till) -> tuple[int, str] | None:
    with till.ctx.read_sessions() as s:
        return repo.get_audit_ack(s)


def head_payloads(till) -> list[tuple[str, dict]]:
    with till.ctx.read_sessions() as s:
        rows = s.execute(select(OutboxEvent.status, OutboxEvent.payload)
                         .where(OutboxEvent.kind == "audit_head")
                         .order_by(OutboxEvent.terminal_seq)).all()
    return [(status, json.loads(payload) if isinstance(payload, str) else payload)
            for status, payload in rows]


def central_ack(server, till) -> cm.AuditAck | None:
    with server.read() as s:
        return s.get(cm.AuditAck, till.central_terminal_id)


def test_the_acknowledged_head_is_stored_and_the_next_head_links_to_it(world):
    server, _proxy, till = world
    till.sell("gold")
    till.sync()
    with till.ctx.read_sessions() as s:
        first = audit_head(s)
    assert stored_ack(till) == first
    till.sell("silver")
    till.sync()
    _, payload = head_payloads(till)[-1]
    assert (payload["prev_ack_seq"], payload["prev_ack_hash"]) == first
    with till.ctx.read_sessions() as s:
        second = audit_head(s)
    assert stored_ack(till) == second and second[0] > first[0]
    ack = central_ack(server, till)
    assert (ack.seq, ack.hash, ack.breaks) == (*second, 0)
    assert "audit_chain_broken" not in till.conflicts()


def test_one_head_waits_at_a_time_while_the_service_is_away(world):
    _server, proxy, till = world
    till.sync()
    proxy.offline = True
    for _ in range(3):
        till.sell("gold")
        assert isinstance(till.try_sync(), SyncError)
    pending = [p for status, p in head_payloads(till) if status == "pending"]
    assert len(pending) == 1  # not one per failed cycle
    proxy.offline = False
    till.settle()
    till.sync()  # the head that moved while the first one waited follows it
    with till.ctx.read_sessions() as s:
        assert stored_ack(till) == audit_head(s)
    assert all(status == "sent" for status, _ in head_payloads(till))


def test_a_tail_deleted_after_a_sync_is_a_conflict_on_both_sides(world):
    server, _proxy, till = world
    for _ in range(3):
        till.sell("gold")
    till.sync()
    acked = stored_ack(till)
    with transaction(till.ctx.sessions) as s:  # someone deletes the last entries (a void)
        s.execute(delete(AuditLogEntry).where(AuditLogEntry.seq > acked[0] - 2))
    till.sync()
    assert till.conflicts()["audit_chain_broken"] == 1
    with server.read() as s:
        kept = s.execute(select(cm.Conflict).where(
            cm.Conflict.terminal_id == till.central_terminal_id,
            cm.Conflict.kind == "audit_chain_broken")).scalars().all()
    assert len(kept) == 1 and kept[0].detail["reason"] == "shorter"
    assert central_ack(server, till).breaks == 1


def test_a_rehashed_log_is_a_conflict_on_both_sides(world):
    server, _proxy, till = world
    for _ in range(2):
        till.sell("gold")
    till.sync()
    rehash_audit_log(till, from_seq=2)
    till.sell("silver")  # the chain goes on from the forged entries
    till.sync()
    assert till.conflicts()["audit_chain_broken"] == 1
    with server.read() as s:
        (kept,) = s.execute(select(cm.Conflict).where(
            cm.Conflict.terminal_id == till.central_terminal_id,
            cm.Conflict.kind == "audit_chain_broken")).scalars().all()
    assert kept.detail["reason"] == "rewritten"


def rehash_audit_log(till, from_seq: int) -> None:
    """Change entry ``from_seq`` and re-hash every entry after it, in place: an intact chain
    that no longer passes through what the service acknowledged."""
    with transaction(till.ctx.sessions) as s:
        entries = load_audit_chain(s)
        prev = entries[from_seq - 2] if from_seq > 1 else None
        rows = []
        for entry in entries[from_seq - 1:]:
            fields = entry.hashed_fields()
            if entry.seq == from_seq:
                fields["details"] = {**fields["details"], "forged": True}
            fields["prev_hash"] = prev.hash if prev else audit.GENESIS_HASH
            prev = audit.AuditEntry(**fields, hash=audit.compute_hash(fields))
            rows.append(prev)
        s.execute(delete(AuditLogEntry).where(AuditLogEntry.seq >= from_seq))
        insert_rows(s, AuditLogEntry, [dict(
            seq=e.seq, at=datetime.fromisoformat(e.at.replace("Z", "+00:00")), actor=e.actor,
            approver=e.approver, action=e.action,
            details=audit.canonical_json(e.details).decode("utf-8"), prev_hash=e.prev_hash,
            hash=e.hash) for e in rows])
    with till.ctx.read_sessions() as s:
        assert audit.verify_chain(load_audit_chain(s)) is None
