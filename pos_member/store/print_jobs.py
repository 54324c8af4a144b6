"""The print queue in the till database: :class:`pos_member.printing.jobs.JobStore` over the
``receipt_print_jobs`` table, so a receipt waiting for paper survives a restart.

Each call is its own short transaction on its own session; the printer worker thread calls
these, never the GUI thread.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from pos_member.printing.jobs import Job
from pos_member.store.db import transaction
from pos_member.store.models import ReceiptPrintJob


def _job(row: ReceiptPrintJob) -> Job:
    return Job(kind=row.kind, payload=bytes(row.payload), sale_id=row.sale_id, copy=row.copy,
               id=row.id, status=row.status, attempts=row.attempts, last_error=row.last_error,
               created_at=row.created_at, printed_at=row.printed_at)


class SqlJobStore:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    def add(self, job: Job) -> int:
        with transaction(self._sessions) as s:
            row = ReceiptPrintJob(sale_id=job.sale_id, kind=job.kind, payload=job.payload,
                                  status=job.status, attempts=job.attempts,
                                  last_error=job.last_error, created_at=job.created_at,
                                  printed_at=job.printed_at, copy=job.copy)
            s.add(row)
            s.flush()
            return row.id

    def get(self, job_id: int) -> Job | None:
        with self._sessions() as s:
            row = s.get(ReceiptPrintJob, job_id)
            return _job(row) if row is not None else None

    def pending(self, since: datetime | None = None) -> list[Job]:
        q = select(ReceiptPrintJob).where(ReceiptPrintJob.status != "printed")
        if since is not None:
            q = q.where(ReceiptPrintJob.created_at >= since)
        with self._sessions() as s:
            return [_job(r) for r in s.scalars(q.order_by(ReceiptPrintJob.id))]

    def _update(self, job_id: int, **values) -> None:
        with transaction(self._sessions) as s:
            done = s.execute(update(ReceiptPrintJob).where(ReceiptPrintJob.id == job_id).values(
                attempts=ReceiptPrintJob.attempts + 1, **values))
            if done.rowcount == 0:
                raise KeyError(f"no print job {job_id}")

    def mark_printed(self, job_id: int) -> None:
        self._update(job_id, status="printed", printed_at=datetime.now(timezone.utc))

    def mark_failed(self, job_id: int, error: str) -> None:
        self._update(job_id, status="failed", last_error=error[:2000])

    def list_recent(self, n: int) -> list[Job]:
        with self._sessions() as s:
            return [_job(r) for r in s.scalars(select(ReceiptPrintJob).order_by(
                ReceiptPrintJob.id.desc()).limit(max(0, n)))]
