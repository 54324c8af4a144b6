"""Applying the service's answer to a pushed batch (``apply_push_results``), in one
transaction: each event's outbox row becomes ``sent`` (or ``conflict`` when the service
reported any); the service's conflicts are stored as :class:`SyncConflict` rows (``detail`` is
the service's ``ConflictInfo``, message included), merges are applied
(:func:`.members.merge_member`) and stored as ``member_merged`` rows; an event rejected for
good is parked (``event_rejected``); this till's ledger rows for the event's sale or refund
become ``confirmed`` and the member's cached points, growth and tier are set from the answer;
the last audit head the service took is stored as acknowledged.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.fastwrite import insert_rows
from pos_member.store.models import SyncConflict
from pos_member.sync import protocol as p
from pos_member.sync import stored_value

from .members import DEFERRED_KEY, merge_member, retry_deferred, save_deferred
from .rows import in_chunks, load_json_setting, raw_connection, utc_text

MERGE_KIND = "member_merged"  # a SyncConflict row that records a merge
REJECTED_KIND = "event_rejected"  # a SyncConflict row of an event the service rejected for good


@dataclass(frozen=True)
class PushedEvent:
    """What the answer's application needs to know about an event that was pushed."""

    event_id: str
    kind: str
    sale_id: str | None = None
    refund_id: str | None = None

    @classmethod
    def from_payload(cls, event_id: str, kind: str, payload: dict[str, Any]) -> PushedEvent:
        return cls(event_id, kind,
                   sale_id=payload.get("sale_id") if kind in ("sale", "refund") else None,
                   refund_id=payload.get("refund_id") if kind == "refund" else None)


@dataclass
class PushStats:
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    merges: int = 0
    rejected: int = 0  # events the service rejected for good (parked as event_rejected)
    event_ids_with_conflicts: list[str] = field(default_factory=list)


class AnswerMismatch(ValueError):
    """The push answer does not answer the events that were pushed."""


def apply_push_results(sessions: sessionmaker[Session], pushed: Sequence[PushedEvent],
                       response: p.PushResponse) -> PushStats:
    """Apply the service's answer to a pushed batch, in one transaction."""
    by_id = {e.event_id: e for e in pushed}
    results = [(by_id.get(str(r.event_id)), r) for r in response.results]
    answered = {str(r.event_id) for r in response.results}
    if any(e is None for e, _ in results) or answered != set(by_id):
        raise AnswerMismatch("the push answer does not list exactly the events pushed")
    stats = PushStats(events=len(pushed))
    now_dt = datetime.now(UTC)
    now = utc_text(now_dt)
    with transaction(sessions) as s:
        cur = raw_connection(s).cursor()
        try:
            known = _known_conflicts(cur, list(by_id))
            conflict_rows: list[dict[str, Any]] = []
            sent: list[str] = []
            batch = _Confirmations(cur, now)
            for event, result in results:
                stats.applied += result.status is p.EventStatus.APPLIED
                stats.duplicates += result.status is p.EventStatus.DUPLICATE
                if result.merges:
                    batch.flush()  # a merge moves rows and copies a member as it stands
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
                        conflict_rows.append({"event_id": event.event_id,
                                              "kind": info.kind.value, "created_at": now_dt,
                                              "detail": info.model_dump(mode="json")})
                    if info.kind is p.ConflictKind.GIFT_ALREADY_ISSUED:  # another till's first
                        cur.execute("UPDATE gifts_issued SET status = 'conflict' "
                                    "WHERE gift_id = ?", (str(info.detail.get("gift_id")),))
                if result.rejection is not None:
                    # Not applied, never will be: park the event (outbox ``conflict``, not
                    # retried) and show the manager why; the rest of the outbox carries on.
                    stats.rejected += 1
                    rej = result.rejection
                    key = (event.event_id, REJECTED_KIND, rej.code)
                    if key not in known:
                        known.add(key)
                        conflict_rows.append({
                            "event_id": event.event_id, "kind": REJECTED_KIND,
                            "created_at": now_dt,
                            "detail": {"message": rej.message, "code": rej.code,
                                       "field": rej.field, "event_kind": event.kind,
                                       "sale_id": event.sale_id,
                                       "refund_id": event.refund_id}})
                    repo.mark_outbox_conflict(s, event.event_id,
                                              f"{REJECTED_KIND}: {rej.code}: {rej.message}")
                    continue
                batch.add(event, result)
                if result.conflicts:
                    stats.conflicts += len(result.conflicts)
                    stats.event_ids_with_conflicts.append(event.event_id)
                    text = "; ".join(f"{c.kind.value}: {c.message}" for c in result.conflicts)
                    repo.mark_outbox_conflict(s, event.event_id, text)
                else:
                    sent.append(event.event_id)
            batch.flush()
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
        finally:
            cur.close()
    return stats


def _acknowledge_audit_head(cur: sqlite3.Cursor, session: Session,
                            results: list[tuple[PushedEvent, p.EventResult]]) -> None:
    """Store the last audit head the service took (applied, with a conflict, or a replay of
    either; not one it rejected): the next head links to it and ``db check`` holds the log
    to it."""
    last = None
    for event, result in results:
        if event.kind == "audit_head" and result.status.value != "rejected":
            last = event.event_id
    if last is None:
        return
    row = cur.execute("SELECT payload FROM outbox WHERE event_id = ?", (last,)).fetchone()
    payload = json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else {})
    if isinstance(payload, dict) and isinstance(payload.get("seq"), int) and payload.get("hash"):
        repo.set_audit_ack(session, payload["seq"], payload["hash"])


def _known_conflicts(cur: sqlite3.Cursor, event_ids: list[str]) -> set[tuple[str, str, str]]:
    known: set[tuple[str, str, str]] = set()
    for chunk in in_chunks(event_ids):
        marks = ",".join("?" * len(chunk))
        for event_id, kind, detail in cur.execute(
                f"SELECT event_id, kind, detail FROM sync_conflicts WHERE event_id IN ({marks})",
                list(chunk)):
            try:
                d = json.loads(detail) if detail else {}
            except ValueError:
                d = {}
            ident = (d.get("member_id") if kind == MERGE_KIND
                     else d.get("code") if kind == REJECTED_KIND else d.get("id"))
            known.add((event_id, kind, str(ident)))
    return known


class _Confirmations:
    """The ledger confirmations and cached balances of a run of events, written together.

    Event by event, the answer confirms this till's ledger rows of the event's sale or refund
    (``points_ledger``) and its stored-value rows (``stored_value_ledger`` by event id), then
    caches the member's balance the answer carries (``stored_value_accounts``, ``members``)
    unless the event is a duplicate whose rows were confirmed before. Within a run of events
    without merges none of these statements reads what another one writes except the
    confirmations themselves (a key confirmed by an earlier event finds no row left), so the run
    is written as one ``UPDATE ... IN (...) RETURNING`` per table and key (500 keys at a time)
    and one ``executemany`` per cached table with each member's last balance: the same end
    state as the statements one by one. A merge reads and moves rows, so the run is written
    before it (:meth:`flush`).
    """

    def __init__(self, cur: sqlite3.Cursor, now: str) -> None:
        self.cur = cur
        self.now = now
        self.events: list[tuple[PushedEvent, p.EventResult]] = []

    def add(self, event: PushedEvent, result: p.EventResult) -> None:
        self.events.append((event, result))

    def flush(self) -> None:
        events, self.events = self.events, []
        if not events:
            return
        cur, now = self.cur, self.now
        sales = _confirmed_by_key(cur, "UPDATE points_ledger SET confirmed = 1 WHERE "
                                  "confirmed = 0 AND refund_id IS NULL AND sale_id IN ({}) "
                                  "RETURNING sale_id",
                                  [e.sale_id for e, _ in events
                                   if e.kind == "sale" and e.sale_id])
        refunds = _confirmed_by_key(cur, "UPDATE points_ledger SET confirmed = 1 WHERE "
                                    "confirmed = 0 AND refund_id IN ({}) RETURNING refund_id",
                                    [e.refund_id for e, _ in events
                                     if e.kind == "refund" and e.refund_id])
        stored = _confirmed_by_key(cur, "UPDATE stored_value_ledger SET confirmed = 1 WHERE "
                                   "confirmed = 0 AND event_id IN ({}) RETURNING event_id",
                                   [e.event_id for e, _ in events])
        accounts: dict[str, tuple[Any, ...]] = {}  # first change's order, last change's value
        balances: dict[str, tuple[Any, ...]] = {}
        for event, result in events:
            if event.kind == "refund" and event.refund_id:
                confirmed = refunds.pop(event.refund_id, 0)  # an earlier event took them
            elif event.kind == "sale" and event.sale_id:
                confirmed = sales.pop(event.sale_id, 0)
            else:
                confirmed = 0
            stored_confirmed = stored.pop(event.event_id, 0)
            confirmed += stored_confirmed
            member = result.member
            if member is None:
                continue
            duplicate = result.status is p.EventStatus.DUPLICATE
            member_id = str(member.member_id)
            if member.stored_principal_fen is not None and not (duplicate
                                                                and not stored_confirmed):
                accounts[member_id] = (member_id, member.stored_principal_fen,
                                       member.stored_bonus_fen or 0, now)
            if not duplicate or confirmed:
                # A duplicate whose ledger rows were confirmed before carries a balance from
                # back then; the feed has the member's newer state.
                balances[member_id] = (member.points, member.growth, member.tier, now,
                                       member_id)
        if accounts:
            cur.executemany(stored_value.UPSERT, list(accounts.values()))
        if balances:
            cur.executemany("UPDATE members SET points = ?, growth = ?, tier = ?, "
                            "updated_at = ? WHERE id = ?", list(balances.values()))


def _confirmed_by_key(cur: sqlite3.Cursor, statement: str, keys: list[str]) -> dict[str, int]:
    """Run ``statement`` (an ``UPDATE ... IN ({}) RETURNING key``) for the distinct keys, 500
    at a time; how many rows each key confirmed."""
    counts: dict[str, int] = {}
    unique = list(dict.fromkeys(keys))
    for chunk in in_chunks(unique, 500):
        for (key,) in cur.execute(statement.format(",".join("?" * len(chunk))), chunk).fetchall():
            counts[key] = counts.get(key, 0) + 1
    return counts


def count_open_conflicts(session: Session) -> int:
    """Conflicts (and merges) no manager has resolved yet: what the X report counts too."""
    row = raw_connection(session).execute(
        "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL").fetchone()
    return int(row[0])
