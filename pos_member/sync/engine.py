"""The background sync engine: push the outbox, pull the change feed, report its state.

``SyncEngine(ctx)`` (or ``SyncEngine(sessions)``) needs nothing but the till's database: the
service's address, the terminal id, the cursor and the last success are ``sync_state`` rows,
and the token is in the keyring (or its file), so a till restarted at any moment carries on
where it stopped. One cycle, :meth:`SyncEngine.run_once`:

1. if the audit chain's head moved since it was last queued, an ``audit_head`` event joins the
   outbox;
2. push: pending outbox events in ``terminal_seq`` order, ``batch_size`` at a time; each
   answer is applied in one transaction (:func:`pos_member.sync.apply.push.apply_push_results`).
   A failed push leaves the events pending (the service applies each at most once, so sending
   them again is safe) and counts the attempt on them;
3. pull, only once everything was pushed: pages of changes until ``has_more`` is false, each
   applied with its cursor in one transaction. A different ``feed_id`` (the service's database
   was replaced) or ``409 cursor_unknown`` starts again from cursor ``"0"``.

:meth:`start` runs cycles on a daemon thread that waits on a :class:`threading.Event` between
them (``interval`` seconds when all is well), so :meth:`stop` is immediate and :meth:`wake`
syncs at once (after a sale). When the service cannot be reached the waits grow exponentially
with full jitter (``uniform(0, min(cap, base * 2**n))``, cap 5 minutes); a wake during such a
back-off waits for the back-off unless forced. Errors that retrying cannot fix (401, other 4xx,
not enrolled) wait the full cap.

Every change of state is published as a :class:`SyncStatus` to the plain callables in
:attr:`SyncEngine.listeners` (called on the engine's thread; the UI bridges them to a signal).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from pos_member.services.context import TillContext
from pos_member.services.errors import ServiceError
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.fastwrite import insert_rows
from pos_member.store.models import SyncConflict
from pos_member.sync import protocol as p
from pos_member.sync.apply.pull import apply_member_lookup
from pos_member.sync.apply.push import (
    AnswerMismatch,
    apply_push_results,
    count_open_conflicts,
)
from pos_member.sync.audit_head import (  # noqa: F401 - AUDIT_HEAD_KEY re-exported
    AUDIT_HEAD_KEY,
    queue_audit_head,
)
from pos_member.sync.client import (
    CorruptResponse,
    OfflineError,
    ProtocolError,
    ServerError,
    SyncClient,
    SyncError,
)
from pos_member.sync.enrolment import (
    CA_BUNDLE,
    CENTRAL_TERMINAL_ID,
    CENTRAL_URL,
    enrol_pending,
    token_store_for,
)
from pos_member.sync.pull_loop import pull_all
from pos_member.sync.push_body import wire_body, wire_events  # noqa: F401 - re-exported
from pos_member.sync.status import (
    NotEnrolled,
    SyncReport,
    SyncStatus,
    _utc_from_text,
)
from pos_member.sync.token_store import TokenStore

log = logging.getLogger(__name__)

LAST_SUCCESS_KEY = "sync_last_success"
LAST_ERROR_KEY = "sync_last_error"
LAST_STATE_KEY = "sync_last_state"  # the state the last cycle ended in (online, offline...)

DEFAULT_BATCH = 500
DEFAULT_PAGE = 2000


class _Stopped(Exception):
    """stop() was called while a cycle ran; it ends between two batches or pages."""


class SyncEngine:
    """Push and pull for one till; see the module's documentation."""

    def __init__(self, till: TillContext | sessionmaker[Session],
                 client: SyncClient | None = None, *, token_store: TokenStore | None = None,
                 batch_size: int = DEFAULT_BATCH, page_size: int = DEFAULT_PAGE,
                 catch_up_page_size: int = p.MAX_PAGE_SIZE, interval: float = 60.0,
                 backoff_base: float = 1.0, backoff_cap: float = 300.0,
                 connect_timeout: float = 5.0, read_timeout: float = 30.0,
                 rng: random.Random | None = None, tz: tzinfo | str | None = None) -> None:
        if isinstance(till, TillContext):
            self.ctx: TillContext | None = till
            self.sessions = till.sessions
            self.readers = till.readers or till.sessions
            tz = tz or till.tz
            till.online = self._is_online  # the pricing engine's offline limits follow us
        else:
            self.ctx = None
            self.sessions = self.readers = till
        if tz is None:
            with self.readers() as s:
                tz = repo.get_setting(s, "store_tz", "Asia/Shanghai") or "Asia/Shanghai"
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        if not 1 <= batch_size <= p.MAX_EVENTS_PER_PUSH:
            raise ValueError(f"batch_size must be 1..{p.MAX_EVENTS_PER_PUSH}")
        self.batch_size = batch_size
        self.page_size = max(1, min(page_size, p.MAX_PAGE_SIZE))
        self.catch_up_page_size = max(1, min(catch_up_page_size, p.MAX_PAGE_SIZE))
        self.interval = interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeouts = (connect_timeout, read_timeout)
        self.listeners: list[Callable[[SyncStatus], None]] = []
        self._given_client = client
        self._client: SyncClient | None = None
        self._client_key: tuple[Any, ...] | None = None
        self._token_store = token_store
        self._rng = rng or random.Random()
        self._run_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._force = False
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._next_attempt: float | None = None
        self._online = False
        self._state = "idle"
        with self.readers() as s:
            self._last_error = repo.get_setting(s, LAST_ERROR_KEY) or None
            last_state = repo.get_setting(s, LAST_STATE_KEY)
        # After a restart the last cycle's failure is still the news; a success is old news
        # until this engine has talked to the service itself.
        if last_state in ("offline", "error", "not_enrolled"):
            self._state = last_state

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> None:
        """Run cycles on a daemon thread until :meth:`stop` (the first one at once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._loop, name="pos-member-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Stop the thread; a cycle in progress ends after its current request. Returns
        whether the thread has ended."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        self._thread = None
        self._state = "stopped"
        self._publish()
        self.close()
        return True

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self, force: bool = False) -> None:
        """Sync now (after a sale). During a back-off the back-off is kept unless ``force``."""
        self._force = self._force or force
        self._wake.set()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _loop(self) -> None:
        delay = 0.0
        while not self._stop.is_set():
            if delay > 0:
                self._next_attempt = time.monotonic() + delay
                self._publish()
                self._wake.wait(delay)
                if self._stop.is_set():
                    break
                remaining = self._next_attempt - time.monotonic()
                if self._failures and not self._force and remaining > 0.05:
                    self._wake.clear()  # woken during a back-off: keep the back-off
                    delay = remaining
                    continue
            self._wake.clear()
            self._force = False
            self._next_attempt = None
            try:
                self.run_once()
            except _Stopped:
                break
            except SyncError as exc:
                delay = self.backoff_delay(transient=exc.transient)
            except Exception:
                log.exception("sync cycle failed")
                delay = self.backoff_delay(transient=True)
            else:
                delay = self.interval

    def backoff_delay(self, transient: bool = True) -> float:
        """The wait after the current run of failures: full jitter, capped."""
        if not transient:
            return self.backoff_cap
        exponent = min(self._failures - 1, 30) if self._failures else 0
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** exponent))
        return self._rng.uniform(0, ceiling)

    # -- one cycle ----------------------------------------------------------------------------

    def run_once(self) -> SyncReport:
        """Push everything pending, then pull every page. Raises a :class:`SyncError` on
        failure (after recording it); nothing is lost either way."""
        with self._run_lock:
            self._state = "syncing"
            self._publish()
            report = SyncReport()
            try:
                client = self._client_for_run()
                self._queue_audit_head()
                self._push_all(client, report)
                self._pull_all(client, report)
            except _Stopped:
                self._state = "stopped"
                self._publish()
                raise
            except SyncError as exc:
                self._failed(exc)
                raise
            except Exception as exc:
                self._failed(exc)
                raise
            self._succeeded()
            return report

    def push(self) -> SyncReport:
        """Only push (no pull); the thread and ``sync --once`` use :meth:`run_once`."""
        with self._run_lock:
            report = SyncReport()
            client = self._client_for_run()
            self._queue_audit_head()
            self._push_all(client, report)
            return report

    def pull(self) -> SyncReport:
        """Only pull. Prefer :meth:`run_once`: pulling right after a push whose answer was
        lost would show that push's points twice until its answer arrives."""
        with self._run_lock:
            report = SyncReport()
            self._pull_all(self._client_for_run(), report)
            return report

    def lookup_online(self, *, phone: str | None = None, card: str | None = None,
                      member_id: str | None = None) -> p.MemberLookupResponse | None:
        """A member not in the cache, asked of the service and cached with their coupons;
        None when the service has no such member. Raises :class:`SyncError` when offline.

        Safe to call from another thread while a cycle runs (its own HTTP session; the cache
        write is one short transaction)."""
        if self._given_client is not None:
            client, own = self._given_client, False
        else:
            with self.readers() as s:
                url = repo.get_setting(s, CENTRAL_URL)
                ca_bundle = repo.get_setting(s, CA_BUNDLE) or None
            token = (self._token_store or token_store_for(self.sessions)).get()
            if not url or not token:
                raise NotEnrolled("this till is not enrolled with a central service yet")
            client, own = SyncClient(url, token, ca_bundle=ca_bundle,
                                     connect_timeout=self.timeouts[0],
                                     read_timeout=min(self.timeouts[1], 10.0)), True
        try:
            found = client.lookup(phone=phone, card=card, member_id=member_id)
        finally:
            if own:
                client.close()
        if found is not None:
            apply_member_lookup(self.sessions, found, self.tz)
        return found

    def _check_stop(self) -> None:
        if self._stop.is_set():
            raise _Stopped()

    def _client_for_run(self) -> SyncClient:
        if self._given_client is not None:
            return self._given_client
        with self.readers() as s:
            url = repo.get_setting(s, CENTRAL_URL)
            terminal = repo.get_setting(s, CENTRAL_TERMINAL_ID)
            ca_bundle = repo.get_setting(s, CA_BUNDLE) or None
        store = self._token_store or token_store_for(self.sessions)
        token = store.get() if url and terminal else None
        if not token:
            # The settings screen may have recorded a code for us to enrol with.
            try:
                status = enrol_pending(self.ctx or self.sessions, token_store=store)
            except ServiceError as exc:
                raise NotEnrolled(f"enrolment failed: {exc.message}") from None
            if status is None:
                raise NotEnrolled("this till is not enrolled with a central service yet "
                                  "(`python -m pos_member sync enrol URL CODE`)")
            return self._client_for_run()
        key = (url, token, ca_bundle)
        if self._client is None or self._client_key != key:
            self.close()
            self._client = SyncClient(url, token, ca_bundle=ca_bundle,
                                      connect_timeout=self.timeouts[0],
                                      read_timeout=self.timeouts[1])
            self._client_key = key
        return self._client

    def _queue_audit_head(self) -> None:
        """Queue an ``audit_head`` event when the head moved (:mod:`pos_member.sync.audit_head`)."""
        queue_audit_head(self.sessions, self.readers,
                         self.ctx.now if self.ctx is not None else lambda: datetime.now(UTC))

    # -- push ---------------------------------------------------------------------------------

    def _pending(self, limit: int) -> list[tuple[Any, ...]]:
        """Pending outbox rows in sequence order: ``(event_id, terminal_seq, kind, payload
        JSON text, created_at text, payload's sale_id, refund_id, terminal_id)``."""
        with self.readers() as s:  # the DBAPI cursor: one fetchall, not a Result per row
            cursor = s.connection().connection.driver_connection.cursor()
            try:
                cursor.execute(
                    "SELECT event_id, terminal_seq, kind, payload, created_at, "
                    "json_extract(payload, '$.sale_id'), json_extract(payload, '$.refund_id'), "
                    "json_extract(payload, '$.terminal_id') FROM outbox "
                    "WHERE status = 'pending' ORDER BY terminal_seq LIMIT ?", (int(limit),))
                return cursor.fetchall()
            finally:
                cursor.close()

    def _push_all(self, client: SyncClient, report: SyncReport) -> None:
        with self.readers() as s:
            terminal_id = repo.get_setting(s, CENTRAL_TERMINAL_ID)
        size = self.batch_size
        while True:
            self._check_stop()
            rows = self._pending(size)
            if not rows:
                return
            body, pushed = wire_body(rows, terminal_id)
            ids = [e.event_id for e in pushed]
            try:
                response = client.push_body(body)
            except ProtocolError as exc:
                if exc.status == 413 and size > 1:
                    size = max(1, size // 2)
                    continue
                if exc.status == 413 or exc.code in (p.ErrorCode.INVALID_REQUEST.value,
                                                     p.ErrorCode.EVENT_PAYLOAD_MISMATCH.value):
                    # 413 here: one event alone is too large; it is parked like a 422.
                    named = [i for i in exc.event_ids if i in ids]
                    if named or len(ids) == 1:
                        self._refuse(named or ids, exc)
                        report.refused += len(named or ids)
                        continue
                    size = 1  # find the bad event: one at a time for the rest of this cycle
                    continue
                self._record_failure(ids, exc)
                raise
            except SyncError as exc:
                self._record_failure(ids, exc)
                raise
            try:
                stats = apply_push_results(self.sessions, pushed, response)
            except AnswerMismatch as exc:
                error = CorruptResponse(str(exc))
                self._record_failure(ids, error)
                raise error from None
            report.batches += 1
            report.pushed += stats.events
            report.duplicates += stats.duplicates
            report.conflicts += stats.conflicts
            report.merges += stats.merges
            report.refused += stats.rejected  # rejected for good: parked like a 422's events

    def _record_failure(self, ids: list[str], exc: SyncError) -> None:
        with transaction(self.sessions) as s:
            repo.record_outbox_failure(s, ids, f"{type(exc).__name__}: {exc.message}")

    def _refuse(self, ids: list[str], exc: ProtocolError) -> None:
        """The service refused these events outright (422 or 409 event_payload_mismatch): a
        till bug. They are set aside as conflicts the manager sees, so they block nothing."""
        log.error("the service refused events %s: %s", ids, exc.message)
        kind = ("event_payload_mismatch" if exc.code == p.ErrorCode.EVENT_PAYLOAD_MISMATCH.value
                else "event_refused")
        detail = {"message": f"The central service refused this event ({exc.code}): "
                             f"{exc.error.message if exc.error else exc.message}",
                  "status": exc.status, "error": exc.code,
                  "details": ([d.model_dump(mode="json") for d in exc.error.details[:20]]
                              if exc.error else [])}
        now = datetime.now(UTC)
        with transaction(self.sessions) as s:
            for event_id in ids:
                repo.mark_outbox_conflict(s, event_id, detail["message"])
            insert_rows(s, SyncConflict, [{"event_id": i, "kind": kind, "detail": detail,
                                           "created_at": now} for i in ids])

    # -- pull ---------------------------------------------------------------------------------

    def _pull_all(self, client: SyncClient, report: SyncReport) -> None:
        """Pages until ``has_more`` is false (:func:`pos_member.sync.pull_loop.pull_all`)."""
        pull_all(self, client, report)

    # -- state --------------------------------------------------------------------------------

    def _is_online(self) -> bool:
        return self._online

    def _succeeded(self) -> None:
        self._failures = 0
        self._online = True
        self._state = "online"
        self._last_error = None
        with transaction(self.sessions) as s:
            repo.set_setting(s, LAST_SUCCESS_KEY, datetime.now(UTC).isoformat())
            repo.set_setting(s, LAST_STATE_KEY, "online")
            if repo.get_setting(s, LAST_ERROR_KEY):
                repo.set_setting(s, LAST_ERROR_KEY, "")
        self._publish()

    def _failed(self, exc: BaseException) -> None:
        self._failures += 1
        self._online = False
        if isinstance(exc, NotEnrolled):
            self._state = "not_enrolled"
        elif isinstance(exc, (OfflineError, ServerError, CorruptResponse)):
            self._state = "offline"
        else:
            self._state = "error"
        message = exc.message if isinstance(exc, SyncError) else f"{type(exc).__name__}: {exc}"
        self._last_error = f"{type(exc).__name__}: {message}"[:1000]
        log.log(logging.INFO if isinstance(exc, (NotEnrolled, OfflineError)) else logging.WARNING,
                "sync failed (%d in a row): %s", self._failures, self._last_error)
        try:
            with transaction(self.sessions) as s:
                repo.set_setting(s, LAST_ERROR_KEY, self._last_error)
                repo.set_setting(s, LAST_STATE_KEY, self._state)
        except Exception:
            log.exception("cannot record the sync error")
        self._publish()

    def status(self) -> SyncStatus:
        """The current status, read from the database and this engine."""
        with self.readers() as s:
            waiting = repo.count_pending_outbox(s)
            conflicts = count_open_conflicts(s)
            last = _utc_from_text(repo.get_setting(s, LAST_SUCCESS_KEY))
            enrolled = bool(repo.get_setting(s, CENTRAL_TERMINAL_ID))
        state = self._state
        if state == "idle" and not enrolled:
            state = "not_enrolled"
        next_in = None
        if self._next_attempt is not None:
            next_in = max(0.0, self._next_attempt - time.monotonic())
        return SyncStatus(online=self._online, last_success=last, events_waiting=waiting,
                          conflicts_open=conflicts, last_error=self._last_error, state=state,
                          next_attempt_in=next_in)

    def _publish(self) -> None:
        if not self.listeners:
            return
        try:
            status = self.status()
        except Exception:
            log.exception("cannot read the sync status")
            return
        for listener in list(self.listeners):
            try:
                listener(status)
            except Exception:
                log.exception("sync status listener failed")
