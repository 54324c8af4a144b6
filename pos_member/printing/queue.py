"""The print queue: a sale's receipt is stored first and printed by a background thread.

``submit`` only stores the job and wakes the worker, so the till never waits for the printer
and never sees a printer's exception. The worker prints waiting jobs oldest first. When the
printer is off, unplugged, out of paper or has its cover open, the job is marked ``failed``
with a message saying so, the pass stops (later jobs would fail the same way) and the worker
waits, backing off from ``backoff[0]`` to ``backoff[1]`` seconds, or until something new is
submitted. Jobs are retried automatically while they are younger than ``retry_window``;
older ones wait for :meth:`PrintQueue.retry` or :meth:`PrintQueue.reprint` (a receipt that
comes out twenty minutes later, with the customer gone, helps no one). Drawer kicks are never
retried after :data:`DRAWER_WINDOW` seconds: a drawer must not spring open long after the sale.

The worker waits on a ``threading.Event``; :meth:`stop` wakes it and aborts a network send in
progress, so it ends at once (a USB or serial write ends within its timeout).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from pos_member.printing.jobs import FAILED, PENDING, PRINTED, Job, JobStore, utcnow
from pos_member.printing.transport import PrinterError

log = logging.getLogger(__name__)

DRAWER_WINDOW = 30.0
PAPER_LOW = "the paper roll is running low: replace it soon"

# send(payload, on_open) -> None; raises PrinterError (see transport.send_job)
Sender = Callable[[bytes, Callable[[object], None]], object]


@dataclass(frozen=True)
class QueueState:
    printer: str                 # unknown, online, offline, paper_out, cover_open, error, no_reply
    message: str                 # the last error, or "" when the last job printed
    waiting: int                 # jobs not printed within the retry window
    last_printed_at: datetime | None


class PrintQueue:
    def __init__(self, store: JobStore, send: Sender, *, retry_window: float = 600.0,
                 backoff: tuple[float, float] = (1.0, 30.0),
                 on_change: Callable[[QueueState], None] | None = None):
        self.store = store
        self._send = send
        self.retry_window = retry_window
        self.backoff = backoff
        self.on_change = on_change
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._forced: set[int] = set()
        self._lock = threading.Lock()
        self._active = None          # the open connection, to abort on stop
        self._delay = backoff[0]
        self._retry_at = 0.0         # monotonic time before which the printer is left alone
        self._state = QueueState("unknown", "", 0, None)

    # --- the caller's side: fast, never raises ----------------------------------------------

    def submit(self, kind: str, payload: bytes, sale_id: str | None = None,
               copy: bool = False) -> int | None:
        """Store a job and wake the worker; the job id, or None if it could not be stored."""
        try:
            job_id = self.store.add(Job(kind=kind, payload=payload, sale_id=sale_id, copy=copy))
        except Exception:
            log.exception("print job %s could not be stored", kind)
            return None
        self._retry_at = 0.0          # something new: try the printer now
        self._wake.set()
        return job_id

    def retry(self, job_id: int) -> bool:
        """Print a waiting (or expired) job again soon, whatever its age. Not for drawer
        kicks: a manager opens the drawer again instead."""
        try:
            job = self.store.get(job_id)
        except Exception:
            log.exception("print job %s could not be read", job_id)
            return False
        if job is None or job.status == PRINTED or job.kind == "drawer":
            return False
        with self._lock:
            self._forced.add(job_id)
        self._retry_at = 0.0
        self._wake.set()
        return True

    def reprint(self, job_id: int, mark: Callable[[bytes], bytes] = lambda b: b) -> int | None:
        """A new job with the stored job's bytes passed through ``mark`` (the copy banner),
        flagged as a copy. Drawer kicks are not reprinted."""
        try:
            job = self.store.get(job_id)
        except Exception:
            log.exception("print job %s could not be read", job_id)
            return None
        if job is None or job.kind == "drawer":
            return None
        try:
            payload = mark(job.payload)
        except Exception:
            log.exception("print job %s could not be marked as a copy", job_id)
            payload = job.payload
        return self.submit(job.kind, payload, job.sale_id, copy=True)

    @property
    def state(self) -> QueueState:
        return self._state

    # --- the worker -------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        active = self._active
        if active is not None:
            try:
                active.abort()
            except Exception:
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                delay = self.run_once()
            except Exception:        # a store that fails must not kill the worker
                log.exception("print queue pass failed")
                delay = self.backoff[1]
            self._wake.wait(delay)

    def run_once(self) -> float | None:
        """One pass over the waiting jobs; the seconds until the next pass is due, or None
        when nothing is left to do. Used by the worker, and directly by the command line."""
        now = time.monotonic()
        if now < self._retry_at:
            return self._retry_at - now
        window_start = utcnow() - timedelta(seconds=self.retry_window)
        jobs = self.store.pending(since=window_start)
        with self._lock:
            forced = sorted(self._forced)
            self._forced.clear()
        seen = {j.id for j in jobs}
        jobs += [j for j in (self.store.get(i) for i in forced)
                 if j is not None and j.id not in seen and j.status != PRINTED]
        jobs.sort(key=lambda j: j.id or 0)
        untried = set(forced)
        for job in jobs:
            if self._stop.is_set():
                return None
            untried.discard(job.id)
            if job.kind == "drawer" and job.id not in forced and (
                    utcnow() - job.created_at).total_seconds() > DRAWER_WINDOW:
                if job.status == PENDING:
                    self.store.mark_failed(job.id, "drawer kick expired: not sent")
                continue
            if not self._print(job):
                with self._lock:          # a retry asked for but not reached yet stays asked
                    self._forced |= untried
                self._retry_at = time.monotonic() + self._delay
                delay = self._delay
                self._delay = min(self.backoff[1], self._delay * 2)
                return delay
        self._delay = self.backoff[0]
        self._publish()
        return None

    def _print(self, job: Job) -> bool:
        def remember(conn) -> None:
            self._active = conn
            if self._stop.is_set():
                conn.abort()
        try:
            result = self._send(job.payload, remember)
        except PrinterError as exc:
            self._failed(job, exc.state, str(exc))
            return False
        except Exception as exc:     # a bug or an unexpected driver error: same treatment
            log.exception("print job %s failed", job.id)
            self._failed(job, "error", f"{type(exc).__name__}: {exc}")
            return False
        finally:
            self._active = None
        self.store.mark_printed(job.id)
        low = getattr(result, "paper", None) == "near_end"
        self._publish(printer="online", message=PAPER_LOW if low else "", printed=True)
        return True

    def _failed(self, job: Job, state: str, message: str) -> None:
        if self._stop.is_set():
            message = f"{message} (stopped)"
        level = logging.DEBUG if message == self._state.message else logging.WARNING
        log.log(level, "print job %s (%s) not printed: %s", job.id, job.kind, message)
        self.store.mark_failed(job.id, message)
        self._publish(printer=state, message=message)

    def _publish(self, printer: str | None = None, message: str | None = None,
                 printed: bool = False, waiting: int | None = None) -> None:
        old = self._state
        if waiting is None:
            try:
                since = utcnow() - timedelta(seconds=self.retry_window)
                waiting = sum(1 for j in self.store.pending(since=since) if j.kind != "drawer")
            except Exception:
                waiting = old.waiting
        self._state = QueueState(
            printer if printer is not None else old.printer,
            message if message is not None else old.message,
            waiting,
            utcnow() if printed else old.last_printed_at)
        if self.on_change is not None and self._state != old:
            try:
                self.on_change(self._state)
            except Exception:
                log.exception("print queue listener failed")


def describe(job: Job, retry_window: float = 600.0) -> str:
    """A job's status in words for the reprint list."""
    if job.status == PRINTED:
        return "printed"
    age = (utcnow() - job.created_at).total_seconds()
    if age > retry_window:
        return "not printed: " + (job.last_error or "never sent") + " - retry or reprint"
    if job.status == FAILED:
        return f"waiting for the printer: {job.last_error}"
    return "waiting"
