"""The push request's body, made from outbox rows: :func:`wire_events` (parsed events) and
:func:`wire_body` (the same events composed around the stored payload text). Used by
:class:`pos_member.sync.engine.SyncEngine`, which re-exports both.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pos_member.sync.apply.push import PushedEvent

# Text that JSON writes between two quotes as it is (ids, kinds, ISO times); json.dumps would
# write the same, at a few microseconds a call.
_PLAIN = re.compile(r"[A-Za-z0-9 _.:+\-]*\Z").match


def _string(value: Any) -> str:
    """``json.dumps(value)`` for a string (quickly for plain text)."""
    if type(value) is str and _PLAIN(value):
        return f'"{value}"'
    return json.dumps(value)


def wire_events(rows: list[tuple[Any, ...]], terminal_id: str | None
                ) -> tuple[list[dict[str, Any]], list[PushedEvent]]:
    """Outbox rows ``(event_id, terminal_seq, kind, payload JSON, created_at, ...)`` as the
    push request's events. The same row always gives the same event (a replay must match the
    service's content hash): the only change is ``payload.terminal_id``, set to the id the
    service gave this till at enrolment (the till's own id is a local name)."""
    events, pushed = [], []
    for event_id, seq, kind, payload_text, created_at, *_ in rows:
        payload = json.loads(payload_text)
        if terminal_id and payload.get("terminal_id") is not None:
            payload["terminal_id"] = terminal_id
        events.append({"event_id": event_id, "terminal_seq": seq, "kind": kind,
                       "created_at": created_at, "payload": payload})
        pushed.append(PushedEvent.from_payload(event_id, kind, payload))
    return events, pushed


def wire_body(rows: list[tuple[Any, ...]], terminal_id: str | None
              ) -> tuple[bytes, list[PushedEvent]]:
    """The push request's body for rows of :meth:`SyncEngine._pending`: the same events as
    :func:`wire_events`, composed around the stored payload text instead of parsing and
    re-serialising it (the outbox keeps compact JSON; only ``terminal_id`` is replaced)."""
    parts, pushed = [], []
    for event_id, seq, kind, payload_text, created_at, sale_id, refund_id, local_id in rows:
        if terminal_id and local_id is not None and local_id != terminal_id:
            old = '"terminal_id":' + json.dumps(local_id, ensure_ascii=False)
            if payload_text.count(old) == 1:
                payload_text = payload_text.replace(old, f'"terminal_id":"{terminal_id}"')
            else:  # not the compact form this till writes: do it the long way
                payload = json.loads(payload_text)
                payload["terminal_id"] = terminal_id
                payload_text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        parts.append(f'{{"event_id":{_string(event_id)},"terminal_seq":{int(seq)},'
                     f'"kind":{_string(kind)},"created_at":{_string(created_at)},'
                     f'"payload":{payload_text}}}')
        pushed.append(PushedEvent(event_id, kind,
                                  sale_id if kind in ("sale", "refund") else None,
                                  refund_id if kind == "refund" else None))
    return ('{"events":[' + ",".join(parts) + "]}").encode("utf-8"), pushed
