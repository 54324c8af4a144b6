"""Print jobs and where they are kept: the :class:`JobStore` protocol and two implementations.

A :class:`Job` maps one to one onto a row of the till database's ``receipt_print_jobs`` table
(id, sale_id, kind, payload, status, attempts, last_error, created_at, printed_at, copy); the
SQLite implementation lives with the store and is written against :class:`JobStore`.

Statuses:

- ``pending``: not tried yet;
- ``failed``: the last attempt failed (``last_error`` says why); the queue keeps retrying it
  while it is younger than the retry window, after which it waits for a cashier to retry or
  reprint it;
- ``printed``: the printer took it (``printed_at``).

Times are aware UTC datetimes.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, runtime_checkable

PENDING, PRINTED, FAILED = "pending", "printed", "failed"
STATUSES = (PENDING, PRINTED, FAILED)
KINDS = ("receipt", "refund", "x_report", "z_report", "shift_close", "card_slip", "drawer",
         "test_page")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Job:
    kind: str
    payload: bytes                      # the ESC/POS bytes, ready to send
    sale_id: str | None = None
    copy: bool = False                  # a reprint
    id: int | None = None               # given by the store
    status: str = PENDING
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    printed_at: datetime | None = None


@runtime_checkable
class JobStore(Protocol):
    """Where jobs wait. Implementations are safe to call from several threads."""

    def add(self, job: Job) -> int:
        """Store a new job (its ``id`` is ignored) and return its id."""

    def get(self, job_id: int) -> Job | None:
        ...

    def pending(self, since: datetime | None = None) -> list[Job]:
        """Jobs not printed yet (``pending`` or ``failed``), created at or after ``since``
        when given, oldest first."""

    def mark_printed(self, job_id: int) -> None:
        """status = printed, printed_at = now, attempts + 1, last_error kept."""

    def mark_failed(self, job_id: int, error: str) -> None:
        """status = failed, last_error = error, attempts + 1."""

    def list_recent(self, n: int) -> list[Job]:
        """The ``n`` newest jobs, newest first (for the reprint list)."""


class MemoryJobStore:
    """Jobs in a dict: tests, previews, and a till without a database."""

    def __init__(self) -> None:
        self._jobs: dict[int, Job] = {}
        self._next = 1
        self._lock = threading.Lock()

    def add(self, job: Job) -> int:
        with self._lock:
            job_id = self._next
            self._next += 1
            self._jobs[job_id] = replace(job, id=job_id)
            return job_id

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def pending(self, since: datetime | None = None) -> list[Job]:
        with self._lock:
            return [j for _, j in sorted(self._jobs.items()) if j.status != PRINTED
                    and (since is None or j.created_at >= since)]

    def _update(self, job_id: int, **changes) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KeyError(f"no print job {job_id}")
            self._jobs[job_id] = replace(job, attempts=job.attempts + 1, **changes)

    def mark_printed(self, job_id: int) -> None:
        self._update(job_id, status=PRINTED, printed_at=utcnow())

    def mark_failed(self, job_id: int, error: str) -> None:
        self._update(job_id, status=FAILED, last_error=error)

    def list_recent(self, n: int) -> list[Job]:
        with self._lock:
            return [self._jobs[k] for k in sorted(self._jobs, reverse=True)[:max(0, n)]]


def _to_json(job: Job) -> dict:
    return {
        "id": job.id, "sale_id": job.sale_id, "kind": job.kind,
        "payload": base64.b64encode(job.payload).decode("ascii"), "status": job.status,
        "attempts": job.attempts, "last_error": job.last_error,
        "created_at": job.created_at.isoformat(),
        "printed_at": job.printed_at.isoformat() if job.printed_at else None, "copy": job.copy,
    }


def _from_json(d: dict) -> Job:
    return Job(
        id=int(d["id"]), sale_id=d.get("sale_id"), kind=str(d["kind"]),
        payload=base64.b64decode(d["payload"]), status=str(d["status"]),
        attempts=int(d.get("attempts", 0)), last_error=d.get("last_error"),
        created_at=datetime.fromisoformat(d["created_at"]),
        printed_at=datetime.fromisoformat(d["printed_at"]) if d.get("printed_at") else None,
        copy=bool(d.get("copy", False)),
    )


class JsonFileJobStore(MemoryJobStore):
    """Jobs in one JSON file, rewritten atomically (temporary file + rename) on every change.

    Good for the command line and a few hundred jobs; the till itself uses the database.
    Printed jobs beyond the newest ``keep_printed`` are dropped when the file is written.
    """

    def __init__(self, path: str | os.PathLike[str], keep_printed: int = 200):
        super().__init__()
        self.path = Path(path)
        self.keep_printed = keep_printed
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                jobs = [_from_json(d) for d in data["jobs"]]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}: not a print queue file ({exc})") from None
            self._jobs = {j.id: j for j in jobs}
            self._next = max([int(data.get("next_id", 1)), *(k + 1 for k in self._jobs)])

    def _save(self) -> None:
        printed = sorted(k for k, j in self._jobs.items() if j.status == PRINTED)
        for k in printed[:-self.keep_printed] if self.keep_printed else printed:
            del self._jobs[k]
        data = {"version": 1, "next_id": self._next,
                "jobs": [_to_json(j) for _, j in sorted(self._jobs.items())]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def add(self, job: Job) -> int:
        job_id = super().add(job)
        with self._lock:
            self._save()
        return job_id

    def _update(self, job_id: int, **changes) -> None:
        super()._update(job_id, **changes)
        with self._lock:
            self._save()
