"""``POST /v1/push``: a batch of events, each applied at most once.

The whole batch is one transaction. Before anything is applied, every event id already on
record is compared with the new content (see :func:`canonical`): the same content answers
``duplicate`` with the stored result; other content refuses the whole batch with 409 and
changes nothing. Two workers racing on the same event meet at the
unique key on ``events.event_id``; the loser's transaction is rolled back and retried, and
then finds the event on record. Deadlocks and busy databases are retried the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from pos_central import bulk
from pos_central import models as m
from pos_central.apply import Context, apply_event
from pos_central.bulk import JSONText
from pos_central.db import Database, utcnow
from pos_central.errors import ApiError, invalid
from pos_central.loyalty import current_rules
from pos_central.push_answers import duplicate_text, response_text, result_text
from pos_member.sync import protocol as p

log = logging.getLogger(__name__)
ATTEMPTS = 6


# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), without
# building a new encoder for every call
_dumps = bulk.make_encoder(sort_keys=True, compact=True, ensure_ascii=False)
_ENVELOPE = {"event_id", "terminal_seq", "created_at", "kind", "payload"}
_PLAIN_ENVELOPE: dict[type, bool] = {}
_KIND_TEXT: dict[str, str] = {}  # "sale" -> '"kind":"sale"'
_created_at = TypeAdapter(p.UtcDatetime).serializer.to_python  # as the envelope's field


def _plain_envelope(model: type) -> bool:
    """Whether an event class has just the envelope ``canonical_text`` writes by hand."""
    known = _PLAIN_ENVELOPE.get(model)
    if known is None:
        fields = model.model_fields
        known = _PLAIN_ENVELOPE[model] = (
            set(fields) == _ENVELOPE and fields["terminal_seq"].is_required()
            and fields["created_at"].is_required() and fields["payload"].is_required())
    return known


def canonical_text(event: Any) -> tuple[str, str]:
    """The event's canonical JSON (see :func:`canonical`) and, inside it, its payload's.

    The payload is serialised once: the event's text is put together around it exactly as
    ``json.dumps(body, sort_keys=True, separators=(",", ":"))`` would write it (the keys
    before ``"payload"``, the payload, the keys after), so the hash is the same and the
    payload's text can be stored as it is.
    """
    if _plain_envelope(type(event)) and type(event.terminal_seq) is int:
        # The envelope's three fields in key order around the payload (the kind is written
        # even at its default); the created_at as pydantic writes it.
        payload = _dumps(event.payload.model_dump(mode="json", exclude_defaults=True))
        kind = _KIND_TEXT.get(event.kind)
        if kind is None:
            kind = _KIND_TEXT[event.kind] = '"kind":' + _dumps(event.kind)
        created = _dumps(_created_at(event.created_at, mode="json"))
        text = (f'{{"created_at":{created},{kind},"payload":{payload},'
                f'"terminal_seq":{event.terminal_seq}}}')
        return text, payload
    body = event.model_dump(mode="json", exclude_defaults=True, exclude={"event_id"})
    body["kind"] = event.kind
    payload = _dumps(body.pop("payload", {}))
    before = _dumps({k: v for k, v in body.items() if k < "payload"})[1:-1]
    after = _dumps({k: v for k, v in body.items() if k > "payload"})[1:-1]
    text = "{" + ",".join(x for x in (before, '"payload":' + payload, after) if x) + "}"
    return text, payload


def canonical(event: Any) -> tuple[str, dict[str, Any]]:
    """The event's content hash and its payload as stored.

    The hash is SHA-256 over the canonical JSON of the parsed event, event id aside. Fields at
    their default value are left out, so an omitted field and one sent with its default are the
    same content, and a field added to the protocol later (with a default) does not change the
    hash of events stored before. The payload is stored in that same compact form.
    """
    text, payload = canonical_text(event)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), json.loads(payload)


def event_hash(event: Any) -> str:
    return canonical(event)[0]


def push(db: Database, terminal_id: str, request: p.PushRequest) -> str:
    """Apply the batch; the answer (a ``PushResponse``) as JSON text."""
    events = list(request.events)
    texts = [canonical_text(e) for e in events]
    hashes = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text, _ in texts]
    payloads = [JSONText(payload) for _, payload in texts]
    _check_batch(terminal_id, events, hashes)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _push_once(db, terminal_id, events, hashes, payloads)
        except (IntegrityError, OperationalError) as exc:
            if attempt == ATTEMPTS:
                raise
            log.info("push from %s: retrying after %s", terminal_id, type(exc).__name__)
            time.sleep(random.uniform(0.005, 0.05) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _check_batch(terminal_id: str, events: list[Any], hashes: list[str]) -> None:
    seen: dict[str, str] = {}
    for i, (event, digest) in enumerate(zip(events, hashes)):
        payload_terminal = getattr(event.payload, "terminal_id", None)
        if payload_terminal is not None and str(payload_terminal) != terminal_id:
            raise invalid("payload.terminal_id is not the terminal this token belongs to",
                          ["body", "events", i, "payload", "terminal_id"])
        key = str(event.event_id)
        if key in seen and seen[key] != digest:
            raise _mismatch([key])
        seen[key] = digest


def _mismatch(event_ids: list[str]) -> ApiError:
    return ApiError(409, p.ErrorCode.EVENT_PAYLOAD_MISMATCH,
                    "An event id was used before with different content. Event ids must be "
                    "unique per event; the batch was not applied.", event_ids=event_ids)


def _push_once(db: Database, terminal_id: str, events: list[Any], hashes: list[str],
               payloads: list[JSONText]) -> str:
    now = utcnow()
    ids = [str(e.event_id) for e in events]
    with db.write() as s:
        connection = s.connection()
        known = [eid for eid, in bulk.select_in(
            connection, "SELECT event_id FROM events WHERE event_id IN {in}", sorted(set(ids)))]
        stored = {row.event_id: row for row in s.execute(
            select(m.EventRow).where(m.EventRow.event_id.in_(known))).scalars()} if known else {}
        mismatched = [eid for eid, digest in zip(ids, hashes) if eid in stored and (
            stored[eid].payload_hash != digest or stored[eid].terminal_id != terminal_id)]
        if mismatched:
            raise _mismatch(sorted(set(mismatched)))
        seqs = [e.terminal_seq for e in events]
        taken = {seq: eid for seq, eid in bulk.select_in(
            connection, "SELECT terminal_seq, event_id FROM events "
            "WHERE terminal_id = {p} AND terminal_seq IN {in}", sorted(set(seqs)),
            before=(terminal_id,))}
        terminal = s.get(m.Terminal, terminal_id)
        ctx = Context(session=s, terminal_id=terminal_id, rules=current_rules(s), now=now,
                      store_id=terminal.store_id or "")
        fresh = [e for e, eid in zip(events, ids) if eid not in stored]
        ctx.preload(fresh)
        results: list[str] = []
        answered: dict[str, str] = {}
        for event, eid, digest, payload in zip(events, ids, hashes, payloads):
            if eid in stored or eid in answered:
                first = answered[eid] if eid in answered else stored[eid].result
                results.append(duplicate_text(first))
                continue
            with s.no_autoflush:
                outcome = apply_event(ctx, event)
            other = taken.get(event.terminal_seq)
            if other is not None and other != eid and outcome.rejection is None:
                ctx.conflict(p.ConflictKind.SEQUENCE_REUSED,
                             f"Terminal sequence {event.terminal_seq} was already used by "
                             f"event {other}; both are kept.", other_event_id=other)
            taken.setdefault(event.terminal_seq, eid)
            if outcome.rejection is not None:  # not applied; stored so a replay says so again
                status = p.EventStatus.REJECTED
            elif outcome.conflicts:
                status = p.EventStatus.CONFLICT
            else:
                status = p.EventStatus.APPLIED
            result = result_text(eid, event.terminal_seq, event.kind, status, outcome)
            ctx.insert(m.EventRow, event_id=eid, terminal_id=terminal_id,
                       terminal_seq=event.terminal_seq, kind=event.kind, payload_hash=digest,
                       payload=payload,
                       created_at=event.created_at, received_at=now, status=status.value,
                       result=JSONText(result))
            answered[eid] = result
            results.append(result)
        ctx.write()
        terminal.last_push_at = now
        terminal.highest_seq = max(terminal.highest_seq or 0, *seqs)
    return response_text(results, now)
