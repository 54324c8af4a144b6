"""``apply_push_results`` writes a run of events' ledger confirmations and cached balances
together (one statement per table and key). The same answers applied the old way, one statement
per event (``_one_by_one`` below: the implementation before the change, kept as the oracle), to a
copy of the same till database must leave every table identical: sales and refunds confirmed
once, the same key in two events, duplicates with and without rows left to confirm, conflicts
(a gift issued twice among them), rejections, merges in the middle of a batch, stored value,
members unknown to this till, an event listed twice, and a replay of the whole answer."""

from __future__ import annotations

import random
import shutil
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from pos_member.store import repositories as repo
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.fastwrite import insert_rows
from pos_member.store.models import SyncConflict
from pos_member.sync import protocol as p
from pos_member.sync import stored_value
from pos_member.sync.apply import push as push_module
from pos_member.sync.apply.members import DEFERRED_KEY, merge_member, retry_deferred, save_deferred
from pos_member.sync.apply.push import (
    MERGE_KIND,
    REJECTED_KIND,
    PushedEvent,
    PushStats,
    _acknowledge_audit_head,
    _known_conflicts,
    apply_push_results,
)
from pos_member.sync.apply.rows import in_chunks, load_json_setting, raw_connection, utc_text
from tests.services.support import make_till
from tests.sync.test_apply import _sell

FIXED = datetime(2026, 11, 24, 8, 30, 15, 123456, tzinfo=UTC)


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206 - datetime's own signature
        return FIXED


def _one_by_one(sessions, pushed, response) -> PushStats:
    """``apply_push_results`` as it was (76dbec2): three statements per event."""
    by_id = {e.event_id: e for e in pushed}
    results = [(by_id.get(str(r.event_id)), r) for r in response.results]
    stats = PushStats(events=len(pushed))
    now_dt = push_module.datetime.now(UTC)
    now = utc_text(now_dt)
    with transaction(sessions) as s:
        cur = raw_connection(s).cursor()
        known = _known_conflicts(cur, list(by_id))
        conflict_rows: list[dict[str, Any]] = []
        sent: list[str] = []
        for event, result in results:
            stats.applied += result.status is p.EventStatus.APPLIED
            stats.duplicates += result.status is p.EventStatus.DUPLICATE
            for merge in result.merges:
                merge_member(cur, str(merge.member_id), str(merge.merged_into), now)
                stats.merges += 1
                key = (event.event_id, MERGE_KIND, str(merge.member_id))
                if key not in known:
                    known.add(key)
                    conflict_rows.append({
                        "event_id": event.event_id, "kind": MERGE_KIND, "created_at": now_dt,
                        "detail": {"message": f"Member {merge.member_id} (phone "
                                              f"{merge.phone or '?'}) was merged into "
                                              f"{merge.merged_into}, who registered first.",
                                   **merge.model_dump(mode="json")}})
            for info in result.conflicts:
                key = (event.event_id, info.kind.value, str(info.id))
                if key not in known:
                    known.add(key)
                    conflict_rows.append({"event_id": event.event_id, "kind": info.kind.value,
                                          "created_at": now_dt,
                                          "detail": info.model_dump(mode="json")})
                if info.kind is p.ConflictKind.GIFT_ALREADY_ISSUED:
                    cur.execute("UPDATE gifts_issued SET status = 'conflict' WHERE gift_id = ?",
                                (str(info.detail.get("gift_id")),))
            if result.rejection is not None:
                stats.rejected += 1
                rej = result.rejection
                key = (event.event_id, REJECTED_KIND, rej.code)
                if key not in known:
                    known.add(key)
                    conflict_rows.append({
                        "event_id": event.event_id, "kind": REJECTED_KIND, "created_at": now_dt,
                        "detail": {"message": rej.message, "code": rej.code, "field": rej.field,
                                   "event_kind": event.kind, "sale_id": event.sale_id,
                                   "refund_id": event.refund_id}})
                repo.mark_outbox_conflict(s, event.event_id,
                                          f"{REJECTED_KIND}: {rej.code}: {rej.message}")
                continue
            if event.kind == "refund" and event.refund_id:
                cur.execute("UPDATE points_ledger SET confirmed = 1 WHERE refund_id = ? "
                            "AND confirmed = 0", (event.refund_id,))
                confirmed = cur.rowcount
            elif event.kind == "sale" and event.sale_id:
                cur.execute("UPDATE points_ledger SET confirmed = 1 WHERE sale_id = ? "
                            "AND refund_id IS NULL AND confirmed = 0", (event.sale_id,))
                confirmed = cur.rowcount
            else:
                confirmed = 0
            cur.execute("UPDATE stored_value_ledger SET confirmed = 1 WHERE event_id = ? "
                        "AND confirmed = 0", (event.event_id,))
            stored_confirmed = cur.rowcount
            member = result.member
            if member is not None and member.stored_principal_fen is not None and not (
                    result.status is p.EventStatus.DUPLICATE and not stored_confirmed):
                cur.execute(stored_value.UPSERT, (str(member.member_id),
                                                  member.stored_principal_fen,
                                                  member.stored_bonus_fen or 0, now))
            confirmed += stored_confirmed
            if result.member is not None and (
                    result.status is not p.EventStatus.DUPLICATE or confirmed):
                cur.execute("UPDATE members SET points = ?, growth = ?, tier = ?, "
                            "updated_at = ? WHERE id = ?",
                            (result.member.points, result.member.growth, result.member.tier,
                             now, str(result.member.member_id)))
            if result.conflicts:
                stats.conflicts += len(result.conflicts)
                stats.event_ids_with_conflicts.append(event.event_id)
                text = "; ".join(f"{c.kind.value}: {c.message}" for c in result.conflicts)
                repo.mark_outbox_conflict(s, event.event_id, text)
            else:
                sent.append(event.event_id)
        if conflict_rows:
            insert_rows(s, SyncConflict, conflict_rows)
        _acknowledge_audit_head(cur, s, results)
        for chunk in in_chunks(sent, 500):
            repo.mark_outbox_sent(s, chunk, at=now_dt)
        if any(r.merges for _, r in results):
            deferred = load_json_setting(s, DEFERRED_KEY)
            if deferred:
                retry_deferred(cur, deferred)
                save_deferred(s, deferred)
        cur.close()
    return stats


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A till with real member sales (and their outbox), plus ledger rows of sales, refunds
    and stored value made directly: the keys the answers below name."""
    root = tmp_path_factory.mktemp("batched")
    till = make_till(root)
    members = list(till.members.values())
    sales = [_sell(till, members[i % len(members)], redeem=10 if i == 1 else 0)
             for i in range(4)]
    db = sqlite3.connect(till.path)  # foreign keys off: refunds named without their rows
    rng = random.Random(7)
    extra_sales = [str(uuid.uuid4()) for _ in range(8)]
    refunds = [str(uuid.uuid4()) for _ in range(6)]
    sv_events = [str(uuid.uuid4()) for _ in range(10)]
    gifts = [str(uuid.uuid4()) for _ in range(3)]
    at = "2026-11-24T07:00:00.000000Z"
    for sale in extra_sales:
        for _ in range(rng.randint(0, 3)):
            db.execute("INSERT INTO points_ledger (member_id, sale_id, refund_id, kind, points, "
                       "growth, at, confirmed) VALUES (?, ?, NULL, 'earn', ?, ?, ?, ?)",
                       (rng.choice(members), sale, rng.randint(1, 50), rng.randint(0, 50), at,
                        rng.random() < 0.2))
    for refund in refunds:
        for _ in range(rng.randint(0, 2)):
            db.execute("INSERT INTO points_ledger (member_id, sale_id, refund_id, kind, points, "
                       "growth, at, confirmed) VALUES (?, ?, ?, 'reverse_earn', ?, 0, ?, 0)",
                       (rng.choice(members), rng.choice(extra_sales + sales), refund,
                        -rng.randint(1, 20), at))
    for event_id in sv_events:
        for _ in range(rng.randint(0, 2)):
            db.execute("INSERT INTO stored_value_ledger (id, member_id, kind, principal_fen, "
                       "bonus_fen, event_id, at, local_date, offline, confirmed) VALUES "
                       "(?, ?, 'spend', ?, 0, ?, ?, '2026-11-24', 0, ?)",
                       (str(uuid.uuid4()), rng.choice(members), -rng.randint(1, 900), event_id,
                        at, rng.random() < 0.2))
    for gift in gifts:
        db.execute("INSERT INTO gifts_issued (gift_id, member_id, kind, gift, period, "
                   "coupon_code, title, issued_at, status) VALUES (?, ?, 'birthday', "
                   "'birthday', '2026', ?, '', ?, 'issued')",
                   (gift, rng.choice(members), f"BD-{gift[:8]}", at))
    db.execute("INSERT INTO stored_value_accounts (member_id, principal_fen, bonus_fen, "
               "updated_at) VALUES (?, 5000, 100, ?)", (members[0], at))
    db.commit()
    outbox = [(r[0], r[1], r[2]) for r in db.execute(
        "SELECT event_id, kind, terminal_seq FROM outbox ORDER BY terminal_seq")]
    db.close()
    till.ctx.sessions.kw["bind"].dispose()
    till.ctx.readers.kw["bind"].dispose()
    return {"path": till.path, "members": members, "sales": sales + extra_sales,
            "refunds": refunds, "sv_events": sv_events, "gifts": gifts, "outbox": outbox}


def _scenario(base, seed: int) -> tuple[list[PushedEvent], p.PushResponse]:
    rng = random.Random(seed)
    members = base["members"]
    strangers = [str(uuid.uuid4()) for _ in range(2)]  # not cached on this till
    pushed: list[PushedEvent] = []
    for event_id, kind, _ in base["outbox"]:
        if kind == "sale" and rng.random() < 0.7:
            pushed.append(PushedEvent(event_id, "sale", sale_id=rng.choice(base["sales"])))
    sv_events = list(base["sv_events"])
    rng.shuffle(sv_events)
    for _ in range(rng.randint(10, 40)):
        kind = rng.choice(["sale", "sale", "refund", "recharge", "gift_issued", "shift_opened",
                           "member_registered"])
        event_id = sv_events.pop() if sv_events and rng.random() < 0.4 else str(uuid.uuid4())
        if kind == "sale":
            pushed.append(PushedEvent(event_id, kind, sale_id=rng.choice(base["sales"])))
        elif kind == "refund":
            pushed.append(PushedEvent(event_id, kind, sale_id=rng.choice(base["sales"]),
                                      refund_id=rng.choice(base["refunds"] + [None])))
        else:
            pushed.append(PushedEvent(event_id, kind))
    rng.shuffle(pushed)
    results = []
    for seq, event in enumerate(pushed, 1):
        status = rng.choices(["applied", "duplicate", "conflict", "rejected"], [6, 2, 2, 1])[0]
        result: dict[str, Any] = {"event_id": event.event_id, "terminal_seq": seq,
                                  "kind": event.kind, "status": status}
        if status == "rejected":
            result["rejection"] = {"code": rng.choice(["not_your_shift", "foreign_store"]),
                                   "message": "no", "field": "payload.shift_id"}
        if status == "conflict" or (status == "duplicate" and rng.random() < 0.3):
            gift = rng.random() < 0.4
            result["conflicts"] = [{
                "id": rng.randint(1, 10**6),
                "kind": "gift_already_issued" if gift else "points_overdrawn",
                "message": "first on another till" if gift else "overdrawn",
                "member_id": rng.choice(members),
                "detail": {"gift_id": rng.choice(base["gifts"])} if gift else {}}]
        if rng.random() < 0.08:
            old, new = rng.sample(members + strangers, 2)
            result["merges"] = [{"member_id": old, "merged_into": new, "phone": "13900001111"}]
        if rng.random() < 0.8:
            balance = {"member_id": rng.choice(members + strangers[:1]),
                       "points": rng.randint(-50, 5000), "growth": rng.randint(0, 9000),
                       "tier": rng.choice(["regular", "silver", "gold"])}
            if rng.random() < 0.4:
                balance["stored_principal_fen"] = rng.randint(-100, 90000)
                if rng.random() < 0.7:
                    balance["stored_bonus_fen"] = rng.randint(0, 900)
            result["member"] = balance
        results.append(result)
    if results and rng.random() < 0.3:  # the same event listed twice
        results.append(dict(rng.choice(results)))
    return pushed, p.PushResponse.model_validate(
        {"results": results, "server_time": "2026-11-24T08:30:00Z"})


def _replay(response: p.PushResponse) -> p.PushResponse:
    return response.model_copy(update={"results": [
        r.model_copy(update={"status": p.EventStatus.DUPLICATE}) for r in response.results]})


def _tables(path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: db.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid').fetchall()
                for name in names}
    finally:
        db.close()


def _apply(path, how, pushed, response):
    engine = create_engine_for(path)
    try:
        return how(session_factory(engine), pushed, response)
    finally:
        engine.dispose()


@pytest.mark.parametrize("seed", range(24))
def test_batched_answers_leave_the_same_tables_as_one_by_one(base, tmp_path, monkeypatch, seed):
    monkeypatch.setattr(push_module, "datetime", _FixedClock)
    monkeypatch.setattr(repo, "utcnow", lambda: FIXED)
    pushed, response = _scenario(base, seed)
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    shutil.copy(base["path"], old)
    shutil.copy(base["path"], new)
    assert _tables(old) == _tables(new)
    for answer in (response, _replay(response)):
        expected = _apply(old, _one_by_one, pushed, answer)
        got = _apply(new, apply_push_results, pushed, answer)
        assert got == expected
        before, after = _tables(old), _tables(new)
        assert before.keys() == after.keys()
        for name in before:
            assert after[name] == before[name], name
    # the scenario did something: rows confirmed and balances moved
    assert _tables(new) != _tables(base["path"])


def test_scenarios_cover_the_cases(base):
    """The seeds above meet every case the batching must keep: a key named by two events,
    merges, rejections, a gift issued twice, stored value, duplicates, an event listed twice."""
    seen: set[str] = set()
    for seed in range(24):
        pushed, response = _scenario(base, seed)
        keys = [e.sale_id for e in pushed if e.kind == "sale"]
        if len(keys) != len(set(keys)):
            seen.add("same sale twice")
        ids = [str(r.event_id) for r in response.results]
        if len(ids) != len(set(ids)):
            seen.add("listed twice")
        for r in response.results:
            seen.add(r.status.value)
            if r.merges:
                seen.add("merge")
            if any(c.kind is p.ConflictKind.GIFT_ALREADY_ISSUED for c in r.conflicts):
                seen.add("gift")
            if r.member is not None and r.member.stored_principal_fen is not None:
                seen.add("stored value")
    assert seen >= {"same sale twice", "listed twice", "applied", "duplicate", "conflict",
                    "rejected", "merge", "gift", "stored value"}


def _crafted(base) -> tuple[list[PushedEvent], p.PushResponse]:
    """One key in two events of a run, the second a duplicate: only the first confirms rows,
    so only its balance is cached (a sale, a refund and a stored-value event, each with rows
    left to confirm and its own member)."""
    db = sqlite3.connect(base["path"])
    try:
        sale, = db.execute("SELECT sale_id FROM points_ledger WHERE confirmed = 0 AND "
                           "refund_id IS NULL AND sale_id = ? LIMIT 1",
                           (base["sales"][0],)).fetchone()
        refund, = db.execute("SELECT refund_id FROM points_ledger WHERE confirmed = 0 AND "
                             "refund_id IS NOT NULL LIMIT 1").fetchone()
        sv_event, = db.execute("SELECT event_id FROM stored_value_ledger WHERE confirmed = 0 "
                               "LIMIT 1").fetchone()
    finally:
        db.close()
    pushed = [PushedEvent(str(uuid.uuid4()), "sale", sale_id=sale),
              PushedEvent(str(uuid.uuid4()), "sale", sale_id=sale),
              PushedEvent(str(uuid.uuid4()), "refund", sale_id=sale, refund_id=refund),
              PushedEvent(str(uuid.uuid4()), "refund", sale_id=sale, refund_id=refund),
              PushedEvent(sv_event, "recharge")]
    owners = [0, 0, 1, 1, 2, 2]
    results = [{"event_id": e.event_id, "terminal_seq": i, "kind": e.kind,
                "status": "applied" if i in (0, 2) else "duplicate",
                "member": {"member_id": base["members"][owners[i]], "points": 100 + i,
                           "growth": i, "tier": "gold", "stored_principal_fen": 1000 + i}}
               for i, e in enumerate(pushed + [pushed[-1]])]
    return pushed, p.PushResponse.model_validate(
        {"results": results, "server_time": "2026-11-24T08:30:00Z"})


def test_a_key_in_two_events_is_confirmed_by_the_first(base, tmp_path, monkeypatch):
    monkeypatch.setattr(push_module, "datetime", _FixedClock)
    monkeypatch.setattr(repo, "utcnow", lambda: FIXED)
    pushed, response = _crafted(base)
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    shutil.copy(base["path"], old)
    shutil.copy(base["path"], new)
    _apply(old, _one_by_one, pushed, response)
    _apply(new, apply_push_results, pushed, response)
    assert _tables(new) == _tables(old)
    db = sqlite3.connect(new)
    try:
        points = [db.execute("SELECT points FROM members WHERE id = ?", (m,)).fetchone()[0]
                  for m in base["members"][:3]]
        stored = db.execute("SELECT principal_fen FROM stored_value_accounts WHERE "
                            "member_id = ?", (base["members"][2],)).fetchone()
    finally:
        db.close()
    assert points == [100, 102, 104]  # each key's first event; the later duplicates found none
    assert stored == (1004,)
