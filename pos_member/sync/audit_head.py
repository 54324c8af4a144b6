"""The audit chain's head as an outbox event: the service learns how far this till's audit log
reached, and each head links to the one the service acknowledged (docs/sync-api.md).

An ``audit_head`` event is queued when the head moved, linked to the head the service
acknowledged last (``prev_ack_seq`` and the hash this log holds at that seq now). One head
waits at a time: while one is pending the next is not queued, so each head links to the one
before it (and a till offline for days does not pile up heads). Called by the sync engine at
the start of each cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from pos_member.services.staff import audit_head
from pos_member.store import repositories as repo
from pos_member.store.db import transaction

AUDIT_HEAD_KEY = "sync_audit_head"  # "<seq>:<hash>" of the last audit head queued


def audit_head_waiting(session: Session) -> bool:
    return session.execute(text("SELECT 1 FROM outbox WHERE kind = 'audit_head' "
                                "AND status = 'pending' LIMIT 1")).first() is not None


def queue_audit_head(sessions, readers, now: Callable[[], datetime]) -> None:
    """Queue an ``audit_head`` event when the head moved and none is waiting (module doc).
    ``readers`` opens a read session, ``sessions`` is the write session factory."""
    with readers() as s:
        seq, digest = audit_head(s)
        queued = repo.get_setting(s, AUDIT_HEAD_KEY)
        waiting = audit_head_waiting(s)
    if seq == 0 or queued == f"{seq}:{digest}" or waiting:
        return
    moment = now()
    with transaction(sessions) as s:
        seq, digest = audit_head(s)  # again, under the write lock
        mark = f"{seq}:{digest}"
        if repo.get_setting(s, AUDIT_HEAD_KEY) == mark or audit_head_waiting(s):
            return
        payload: dict[str, Any] = {"seq": seq, "hash": digest, "at": moment.isoformat()}
        ack = repo.get_audit_ack(s)
        if ack is not None and ack[0] <= seq:
            held = s.execute(text("SELECT hash FROM audit_log WHERE seq = :seq"),
                             {"seq": ack[0]}).scalar()
            if held is not None:  # else the log lost that entry: the seq tells the service
                payload.update(prev_ack_seq=ack[0], prev_ack_hash=held)
        repo.add_outbox_event(s, "audit_head", payload, created_at=moment)
        repo.set_setting(s, AUDIT_HEAD_KEY, mark)
