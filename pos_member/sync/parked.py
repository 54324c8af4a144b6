"""Parked events: outbox events the central service refused for good.

An event is *parked* when the service will never apply it as sent: a ``422`` or ``413`` that
names it (or that it alone received), a ``409 event_payload_mismatch``, or a per-event
``rejected`` answer. The engine sets it aside (outbox status ``conflict``) with a
``sync_conflicts`` row of kind ``event_refused``, ``event_payload_mismatch`` or
``event_rejected``, so it blocks nothing and is never retried on its own. The manager sees the
conflict; ``python -m pos_member sync parked`` lists them, ``--export FILE`` writes their
payloads and reasons to a JSON file (for the brand's support), ``--retry EVENT_ID`` puts one
back in the queue after the cause was fixed (a newer service, a corrected till).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from pos_member.store.db import transaction
from pos_member.store.models import OutboxEvent, SyncConflict

PARKED_KINDS = ("event_refused", "event_payload_mismatch", "event_rejected")
EXPORT_FORMAT = "pos-member-parked-events/1"


@dataclass(frozen=True)
class ParkedEvent:
    event_id: str
    terminal_seq: int
    kind: str  # the event's kind: sale, refund, ...
    reason_kind: str  # event_refused | event_payload_mismatch | event_rejected
    reason: str  # the service's message
    detail: dict[str, Any]
    parked_at: str | None
    payload: Any


def _parked_rows(session: Session, event_id: str | None = None):
    query = (select(OutboxEvent, SyncConflict)
             .join(SyncConflict, SyncConflict.event_id == OutboxEvent.event_id)
             .where(OutboxEvent.status == "conflict", SyncConflict.kind.in_(PARKED_KINDS),
                    SyncConflict.resolved_at.is_(None))
             .order_by(OutboxEvent.terminal_seq, SyncConflict.id))
    if event_id is not None:
        query = query.where(OutboxEvent.event_id == event_id)
    return session.execute(query).all()


def _payload(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def list_parked(sessions: sessionmaker[Session]) -> list[ParkedEvent]:
    """Every parked event, oldest first (one entry per event)."""
    with sessions() as s:
        rows = _parked_rows(s)
    seen: dict[str, ParkedEvent] = {}
    for outbox, conflict in rows:
        if outbox.event_id in seen:
            continue
        detail = conflict.detail if isinstance(conflict.detail, dict) else {}
        seen[outbox.event_id] = ParkedEvent(
            event_id=outbox.event_id, terminal_seq=outbox.terminal_seq, kind=outbox.kind,
            reason_kind=conflict.kind,
            reason=str(detail.get("message") or outbox.last_error or ""), detail=detail,
            parked_at=conflict.created_at.isoformat() if conflict.created_at else None,
            payload=_payload(outbox.payload))
    return list(seen.values())


def export_parked(sessions: sessionmaker[Session], path: str | Path) -> int:
    """Write the parked events (payloads and reasons) to ``path`` as JSON; their number."""
    events = list_parked(sessions)
    document = {"format": EXPORT_FORMAT, "exported_at": datetime.now(UTC).isoformat(),
                "events": [asdict(e) for e in events]}
    target = Path(path)
    temporary = target.with_name(target.name + ".partial")
    temporary.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str),
                         encoding="utf-8")
    temporary.replace(target)
    return len(events)


class NotParked(LookupError):
    pass


def retry_parked(sessions: sessionmaker[Session], event_id: str,
                 resolved_by: str = "retry") -> None:
    """Put a parked event back in the queue: pending again, its parking conflicts resolved.
    Raises :class:`NotParked` when no parked event has that id."""
    now = datetime.now(UTC)
    with transaction(sessions) as s:
        if not _parked_rows(s, event_id):
            raise NotParked(f"no parked event {event_id}")
        s.execute(update(OutboxEvent).where(OutboxEvent.event_id == event_id)
                  .values(status="pending", sent_at=None, attempts=0,
                          last_error=f"retried after being parked ({now.isoformat()})"))
        s.execute(update(SyncConflict)
                  .where(SyncConflict.event_id == event_id,
                         SyncConflict.kind.in_(PARKED_KINDS),
                         SyncConflict.resolved_at.is_(None))
                  .values(resolved_at=now, resolved_by=resolved_by[:32]))
