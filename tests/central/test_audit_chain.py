"""The service enforces each till's audit chain: a pushed head must extend the head it
acknowledged last. A log cut short after a sync, or re-hashed, is a conflict the service keeps
(a Conflict row, the terminal flagged in ``audit_acks``) and reports in the push answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pos_central import models as m
from pos_member.security import audit
from pos_member.sync import protocol as p

T0 = datetime(2026, 5, 20, 2, 0, tzinfo=UTC)


def make_chain(n: int, start: list[audit.AuditEntry] | None = None) -> list[audit.AuditEntry]:
    entries = list(start or [])
    while len(entries) < n:
        prev = entries[-1] if entries else None
        entries.append(audit.make_entry(prev, actor="S002", action="sale",
                                        at=T0 + timedelta(minutes=len(entries)),
                                        details={"n": len(entries)}))
    return entries


def rehash_from(entries: list[audit.AuditEntry], index: int, **change) -> list[audit.AuditEntry]:
    """The chain with entry ``index`` changed and every later entry re-hashed (as someone with
    the database file and the code would do)."""
    out = list(entries[:index])
    for i, entry in enumerate(entries[index:], start=index):
        fields = entry.hashed_fields()
        if i == index:
            fields.update(change)
        fields["prev_hash"] = out[-1].hash if out else audit.GENESIS_HASH
        out.append(audit.AuditEntry(**fields, hash=audit.compute_hash(fields)))
    return out


def head_event(till, entries, upto: int, *, ack: int | None = None,
               log: list[audit.AuditEntry] | None = None):
    """The audit_head event for ``entries[:upto]``; ``ack`` names the acknowledged seq, and the
    hash sent for it is what ``log`` (default ``entries``) holds there now."""
    log = log if log is not None else entries
    head = entries[upto - 1]
    payload = p.AuditHeadPayload(
        seq=head.seq, hash=head.hash, at=T0,
        prev_ack_seq=ack, prev_ack_hash=None if ack is None else log[ack - 1].hash)
    event = p.AuditHeadEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(),
                             created_at=T0, payload=payload)
    return event.model_dump(mode="json")


def push_one(till, event) -> dict:
    response = till.push([event])
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return result


def ack_row(server, till) -> m.AuditAck | None:
    with server.read() as s:
        return s.get(m.AuditAck, till.terminal_id)


def chain_conflicts(server, till) -> list[m.Conflict]:
    with server.read() as s:
        return list(s.execute(select(m.Conflict).where(
            m.Conflict.terminal_id == till.terminal_id,
            m.Conflict.kind.in_(["audit_chain_broken", "audit_chain_mismatch"]))
            .order_by(m.Conflict.id)).scalars())


def test_a_head_that_extends_the_acknowledged_one_is_applied(central_server):
    till = central_server.enrol()
    log = make_chain(9)
    assert push_one(till, head_event(till, log, 3))["status"] == "applied"
    assert push_one(till, head_event(till, log, 5, ack=3))["status"] == "applied"
    assert push_one(till, head_event(till, log, 9, ack=5))["status"] == "applied"
    row = ack_row(central_server, till)
    assert (row.seq, row.hash, row.breaks, row.broken_at) == (9, log[8].hash, 0, None)
    assert chain_conflicts(central_server, till) == []


def test_heads_in_one_batch_extend_each_other(central_server):
    till = central_server.enrol()
    log = make_chain(8)
    results = till.push([head_event(till, log, 2), head_event(till, log, 5, ack=2),
                         head_event(till, log, 8, ack=5)]).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert ack_row(central_server, till).seq == 8


def test_a_log_cut_short_after_a_sync_is_a_conflict_the_service_keeps(central_server):
    till = central_server.enrol()
    log = make_chain(6)
    push_one(till, head_event(till, log, 6))
    # The last three entries (a void, say) deleted from the till's database:
    result = push_one(till, head_event(till, log, 3))
    assert result["status"] == "conflict"
    (info,) = result["conflicts"]
    assert info["kind"] == "audit_chain_broken"
    assert info["detail"]["reason"] == "shorter"
    assert info["detail"]["acknowledged_seq"] == 6 and info["detail"]["seq"] == 3
    assert "6" in info["message"] and "3" in info["message"]
    (kept,) = chain_conflicts(central_server, till)
    assert kept.id == info["id"] and kept.kind == "audit_chain_broken"
    row = ack_row(central_server, till)
    assert row.breaks == 1 and row.broken_at is not None
    # The till goes on from its cut log: one break is one conflict, not one per sync.
    regrown = make_chain(5, log[:3])
    assert push_one(till, head_event(till, regrown, 5, ack=3))["status"] == "applied"
    assert len(chain_conflicts(central_server, till)) == 1
    assert ack_row(central_server, till).seq == 5


def test_a_rehashed_log_is_a_conflict(central_server):
    till = central_server.enrol()
    log = make_chain(5)
    push_one(till, head_event(till, log, 5))
    # Entry 2 changed and every later entry re-hashed, then more entries appended: the chain
    # is intact on the till, but no longer passes through the head the service acknowledged.
    forged = make_chain(8, rehash_from(log, 1, details={"n": 1, "void": "hidden"}))
    assert audit.verify_chain(forged) is None
    result = push_one(till, head_event(till, forged, 8, ack=5))
    assert result["status"] == "conflict"
    (info,) = result["conflicts"]
    assert info["kind"] == "audit_chain_broken" and info["detail"]["reason"] == "rewritten"
    assert info["detail"]["acknowledged_hash"] == log[4].hash
    assert info["detail"]["reported_hash"] == forged[4].hash
    assert ack_row(central_server, till).breaks == 1


def test_a_head_that_links_to_another_seq_than_the_acknowledged_one(central_server):
    till = central_server.enrol()
    log = make_chain(9)
    push_one(till, head_event(till, log, 5))
    result = push_one(till, head_event(till, log, 9, ack=4))
    assert result["status"] == "conflict"
    (info,) = result["conflicts"]
    assert info["kind"] == "audit_chain_broken" and info["detail"]["reason"] == "unlinked"
    assert info["detail"]["acknowledged_seq"] == 5 and info["detail"]["prev_ack_seq"] == 4


def test_the_same_seq_with_another_hash_is_a_mismatch(central_server):
    till = central_server.enrol()
    log = make_chain(4)
    push_one(till, head_event(till, log, 4))
    other = rehash_from(log, 3, actor="S001")
    result = push_one(till, head_event(till, other, 4))
    assert [c["kind"] for c in result["conflicts"]] == ["audit_chain_mismatch"]
    assert ack_row(central_server, till).breaks == 1
    # The same head again is nothing new.
    assert push_one(till, head_event(till, other, 4))["status"] == "applied"


def test_a_till_that_sends_no_link_is_still_held_to_the_length(central_server):
    """Tills from before the link (no prev_ack_*) keep working; they are checked for a
    shorter log and for the same seq with another hash."""
    till = central_server.enrol()
    log = make_chain(7)
    assert push_one(till, head_event(till, log, 4))["status"] == "applied"
    assert push_one(till, head_event(till, log, 7))["status"] == "applied"
    assert push_one(till, head_event(till, log, 5))["status"] == "conflict"


def test_a_replayed_head_answers_duplicate_and_records_nothing_new(central_server):
    till = central_server.enrol()
    log = make_chain(6)
    push_one(till, head_event(till, log, 6))
    cut = head_event(till, log, 2)
    first = push_one(till, cut)
    again = push_one(till, cut)
    assert first["status"] == "conflict" and again["status"] == "duplicate"
    assert again["conflicts"] == first["conflicts"]
    assert len(chain_conflicts(central_server, till)) == 1
    assert ack_row(central_server, till).breaks == 1


def test_each_terminal_has_its_own_chain(central_server):
    one, two = central_server.enrol("Till 1"), central_server.enrol("Till 2")
    log_one, log_two = make_chain(6), make_chain(3)
    push_one(one, head_event(one, log_one, 6))
    assert push_one(two, head_event(two, log_two, 3))["status"] == "applied"
    assert ack_row(central_server, one).seq == 6 and ack_row(central_server, two).seq == 3


def test_a_link_without_its_hash_is_refused_at_the_schema(central_server):
    till = central_server.enrol()
    log = make_chain(3)
    event = head_event(till, log, 3, ack=2)
    del event["payload"]["prev_ack_hash"]
    response = till.push([event])
    assert response.status_code == 422
    event = head_event(till, log, 2)
    event["payload"].update(prev_ack_seq=3, prev_ack_hash=log[2].hash)
    assert till.push([event]).status_code == 422


def test_the_upgrade_acknowledges_the_highest_head_a_terminal_pushed_before(
        central_database_kind, tmp_path):
    from sqlalchemy import text

    from pos_central import migrations
    from pos_central.db import make_engine
    from tests.central.server_fixture import isolated_database

    with isolated_database(central_database_kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine, "0001")
            with engine.begin() as conn:
                for terminal, seq, digest in (("t-1", 4, "a" * 64), ("t-1", 9, "b" * 64),
                                              ("t-2", 2, "c" * 64)):
                    conn.execute(text("INSERT INTO audit_heads (terminal_id, seq, hash, at) "
                                      "VALUES (:t, :s, :h, :at)"),
                                 {"t": terminal, "s": seq, "h": digest, "at": T0})
            migrations.upgrade(engine)
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT terminal_id, seq, hash, breaks FROM audit_acks "
                                         "ORDER BY terminal_id")).all()
            assert [tuple(r) for r in rows] == [("t-1", 9, "b" * 64, 0), ("t-2", 2, "c" * 64, 0)]
        finally:
            engine.dispose()


def test_the_operator_report_flags_a_terminal_whose_chain_broke(make_central_server, capsys):
    from pos_central.cli import main

    server = make_central_server()
    good, bad = server.enrol("Front counter"), server.enrol("Back counter")
    log = make_chain(6)
    push_one(good, head_event(good, log, 6))
    push_one(bad, head_event(bad, log, 6))
    push_one(bad, head_event(bad, log, 2))
    assert main(["audit-status", "--database-url", server.database_url]) == 0
    out = capsys.readouterr().out
    (good_line,) = [line for line in out.splitlines() if good.terminal_id in line]
    (bad_line,) = [line for line in out.splitlines() if bad.terminal_id in line]
    assert "ok" in good_line and "6" in good_line and "Front counter" in good_line
    assert "BROKEN" in bad_line and "1 break" in bad_line and "audit_chain_broken" in bad_line
    assert main(["audit-status", "--broken", "--database-url", server.database_url]) == 0
    out = capsys.readouterr().out
    assert bad.terminal_id in out and good.terminal_id not in out
