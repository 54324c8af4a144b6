"""The push's answers as JSON text: each event's result (stored in ``events.result`` and sent),
and the whole answer (``PushResponse``), written directly instead of built as models and
serialised by pydantic.

The common answer (applied, no conflicts, no merges, no rejection, a member balance without
stored value, or none) is put together from its figures in pydantic's own form: fields in the
model's order, compact, ``null`` for None. Anything else is built as a :class:`EventResult`
and serialised by pydantic, so uncommon answers need no second definition here
(tests/central/test_bulk_push_writes.py compares both ways on many answers).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pos_member.sync import protocol as p

# A tier code that JSON writes as it is (anything else is left to pydantic).
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]*\Z").match
_FIELDS = ("event_id", "terminal_seq", "kind", "status", "conflicts", "merges", "member",
           "rejection")
_BALANCE = ("member_id", "points", "growth", "tier", "stored_principal_fen", "stored_bonus_fen")
_FAST = (tuple(p.EventResult.model_fields) == _FIELDS
         and tuple(p.MemberBalance.model_fields) == _BALANCE
         and tuple(p.PushResponse.model_fields) == ("results", "server_time",
                                                     "protocol_version"))


def result_text(event_id: str, terminal_seq: int, kind: str, status: p.EventStatus,
                outcome: Any) -> str:
    """The event's answer as ``EventResult.model_dump_json()`` writes it."""
    member = outcome.member
    if (_FAST and not outcome.conflicts and not outcome.merges and outcome.rejection is None
            and type(terminal_seq) is int and _PLAIN(kind)):
        if member is None:
            return (f'{{"event_id":"{event_id}","terminal_seq":{terminal_seq},"kind":"{kind}",'
                    f'"status":"{status.value}","conflicts":[],"merges":[],"member":null,'
                    f'"rejection":null}}')
        if (member.stored_principal_fen is None and member.stored_bonus_fen is None
                and _PLAIN(member.tier) and type(member.points) is int
                and type(member.growth) is int):
            return (f'{{"event_id":"{event_id}","terminal_seq":{terminal_seq},"kind":"{kind}",'
                    f'"status":"{status.value}","conflicts":[],"merges":[],"member":'
                    f'{{"member_id":"{member.member_id}","points":{member.points},'
                    f'"growth":{member.growth},"tier":"{member.tier}"}},"rejection":null}}')
    return p.EventResult(event_id=event_id, terminal_seq=terminal_seq, kind=kind,
                         status=status, conflicts=outcome.conflicts, merges=outcome.merges,
                         member=member, rejection=outcome.rejection).model_dump_json()


def duplicate_text(first: str | dict[str, Any]) -> str:
    """A stored answer (its JSON text or value) again, with status ``duplicate``."""
    result = (p.EventResult.model_validate_json(first) if isinstance(first, str)
              else p.EventResult.model_validate(first))
    return result.model_copy(update={"status": p.EventStatus.DUPLICATE}).model_dump_json()


def response_text(results: list[str], server_time: datetime) -> str:
    """``PushResponse(results=..., server_time=...).model_dump_json()`` around the results'
    texts."""
    empty = p.PushResponse(results=[], server_time=server_time).model_dump_json()
    head = '{"results":[]'
    if not (_FAST and empty.startswith(head)):  # pragma: no cover - another model's shape
        return p.PushResponse.model_validate_json(empty).model_copy(update={
            "results": [p.EventResult.model_validate_json(x) for x in results]
        }).model_dump_json()
    return '{"results":[' + ",".join(results) + "]" + empty[len(head):]
