"""The one background worker for database work, and the op builder the screens use.

Every service call from the UI runs here, never on the GUI thread (Anki's ``CollectionOp``)::

    Op(members.lookup, ctx, text).success(self.show_member).failure(self.show_error) \
        .run(self.env.worker)

- ONE worker thread (a :class:`QThread`) runs ops in the order they were started, so two ops
  never write to SQLite at once and the GUI thread never waits for the database.
- ``success(cb)`` / ``failure(cb)`` / ``finally_(cb)`` are called on the GUI thread (the result
  travels back through a queued Qt signal).
- ``latest(key)``: when several ops with the same key are waiting, only the newest runs (the
  running totals: a burst of basket changes prices the basket once).
- ``with_approval(parent)``: the function is called with ``approval=None`` first; when a
  service raises :class:`~pos_member.services.errors.ApprovalNeeded`, the manager-approval
  dialog opens on ``parent`` and, once a manager has entered a code and PIN, the op runs again
  with ``approval=Approval(...)``. The dialog stays open while the op runs again: a wrong PIN
  is shown in the same dialog (the action and amount stay), success or another failure closes
  it; cancel calls ``cancelled(cb)`` (if given) and ``finally_``. One dialog per op, ever.
- An op runs on the worker it is given (``run(worker)``; screens pass ``env.worker``): no
  module-level default, so two windows (or tests) never share one by accident.
- A failure without a ``failure`` callback goes to the worker's ``on_failure`` (a constructor
  argument: the main window's shows a ServiceError's message calmly and logs anything else;
  by default it is logged).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

log = logging.getLogger(__name__)

SLOW_OP_SECONDS = 0.5  # ops slower than this are logged (they do not block the GUI, but still)


@dataclass
class _Job:
    seq: int
    fn: Callable[[], Any]
    key: str | None
    name: str
    deliver: Callable[[_Job], None] = field(repr=False)
    result: Any = None
    error: BaseException | None = None
    superseded: bool = False
    seconds: float = 0.0


class _Bridge(QObject):
    """Lives in the GUI thread; the worker thread emits, Qt queues the call to the GUI thread."""

    done = Signal(object)


class _WorkerThread(QThread):
    def __init__(self, jobs: queue.Queue[_Job | None], latest: dict[str, int],
                 lock: threading.Lock, bridge: _Bridge):
        super().__init__()
        self.setObjectName("pos-db-worker")
        self._jobs = jobs
        self._latest = latest
        self._lock = lock
        self._bridge = bridge

    def run(self) -> None:  # the worker thread
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                job.superseded = job.key is not None and self._latest.get(job.key) != job.seq
            if not job.superseded:
                started = time.perf_counter()
                try:
                    job.result = job.fn()
                except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
                    job.error = exc
                job.seconds = time.perf_counter() - started
                if job.seconds > SLOW_OP_SECONDS:
                    log.info("slow database op %s: %.0f ms", job.name, job.seconds * 1000)
            self._bridge.done.emit(job)


def _log_failure(exc: BaseException) -> None:
    log.error("unhandled op failure", exc_info=(type(exc), exc, exc.__traceback__))


class DbWorker(QObject):
    """The single database worker. Create one per application (the main window does)."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *,
                 on_failure: Callable[[BaseException], None] | None = None):
        super().__init__(parent)
        # where a failure goes when its op has no failure callback
        self.on_failure: Callable[[BaseException], None] = on_failure or _log_failure
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._latest: dict[str, int] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._pending = 0
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._finish)
        self._thread = _WorkerThread(self._jobs, self._latest, self._lock, self._bridge)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Ops started and not yet called back (tests wait for 0)."""
        return self._pending

    def submit(self, fn: Callable[[], Any], deliver: Callable[[_Job], None], *,
               key: str | None = None, name: str = "") -> int:
        if not self._thread.isRunning():
            raise RuntimeError("the database worker has stopped")
        seq = next(self._seq)
        with self._lock:
            if key is not None:
                self._latest[key] = seq
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._jobs.put(_Job(seq, fn, key, name or getattr(fn, "__name__", "op"), deliver))
        return seq

    def _finish(self, job: _Job) -> None:  # GUI thread
        self._pending -= 1
        try:
            job.deliver(job)
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)

    def stop(self, timeout_ms: int = 5000) -> None:
        """Let the running op finish, drop nothing already queued, and end the thread."""
        if self._thread.isRunning():
            self._jobs.put(None)
            self._thread.wait(timeout_ms)


class Op:
    """Build a database op, then ``run()`` it on the worker. Callbacks run on the GUI thread."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._cancelled: Callable[[], None] | None = None
        self._key: str | None = None
        self._wants_approval = False
        self._approval_parent = None
        self._approval_title: str | None = None
        self._worker: DbWorker | None = None
        self.approval = None  # the manager's Approval the op finally ran with, if any

    def success(self, cb: Callable[[Any], None]) -> Op:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op:
        self._failure = cb
        return self

    def finally_(self, cb: Callable[[], None]) -> Op:
        self._finally = cb
        return self

    def cancelled(self, cb: Callable[[], None]) -> Op:
        """Called when the manager-approval dialog is cancelled."""
        self._cancelled = cb
        return self

    def latest(self, key: str) -> Op:
        """Only the newest waiting op with this key runs; older ones are dropped silently."""
        self._key = key
        return self

    def with_approval(self, parent, title: str | None = None, initial=None) -> Op:
        """Call the function with ``approval=`` (``initial``, None by default, then a manager's
        Approval if the service asks for one)."""
        self._wants_approval = True
        self._approval_parent = parent
        self._approval_title = title
        self._initial_approval = initial
        return self

    def run(self, worker: DbWorker) -> int:
        if not isinstance(worker, DbWorker):
            raise TypeError("Op.run needs the database worker to run on (env.worker)")
        self._worker = worker
        return self._submit(getattr(self, "_initial_approval", None))

    # --- internals ---------------------------------------------------------------------------

    def _submit(self, approval) -> int:
        kwargs = dict(self._kwargs)
        if self._wants_approval:
            kwargs["approval"] = approval
        fn, args = self._fn, self._args

        def call():
            return fn(*args, **kwargs)

        assert self._worker is not None
        return self._worker.submit(call, self._deliver, key=self._key,
                                   name=getattr(fn, "__qualname__", "op"))

    def _deliver(self, job: _Job) -> None:
        if job.superseded:
            return
        pending_retry = False
        try:
            exc = job.error
            from pos_member.services.errors import ApprovalNeeded

            if not (isinstance(exc, ApprovalNeeded) and self._wants_approval):
                self._close_dialog()  # approved (or failed otherwise): the dialog's work is done
            if job.error is None:
                if self._success is not None:
                    self._success(job.result)
                return
            if isinstance(exc, ApprovalNeeded) and self._wants_approval:
                pending_retry = True
                self._ask_approval(exc)
                return
            (self._failure or self._worker.on_failure)(exc)
        finally:
            if not pending_retry and self._finally is not None:
                self._finally()

    _dialog = None

    @property
    def dialog(self):
        """The approval dialog this op opened, while it is open (else None)."""
        import shiboken6

        d = self._dialog
        return d if d is not None and shiboken6.isValid(d) and d.isVisible() else None

    def _close_dialog(self) -> None:
        d = self.dialog
        if d is not None:
            d.done(d.DialogCode.Accepted)  # not a cancel: ``cancelled`` is not called

    def _ask_approval(self, exc) -> None:
        from .dialogs import ApprovalDialog

        open_dialog = self.dialog
        if open_dialog is not None:  # the manager's PIN was refused: ask again, same dialog
            open_dialog.refused(exc)
            return
        dialog = ApprovalDialog(self._approval_parent, reason=exc, title=self._approval_title,
                                close_on_approve=False)

        def accepted(approval) -> None:
            self.approval = approval  # the success callback may keep it (price overrides)
            self._submit(approval)

        def rejected() -> None:
            try:
                if self._cancelled is not None:
                    self._cancelled()
            finally:
                if self._finally is not None:
                    self._finally()

        dialog.approved.connect(accepted)
        dialog.cancelled.connect(rejected)
        self._dialog = dialog  # a dialog without a parent must not be garbage-collected
        dialog.open()
