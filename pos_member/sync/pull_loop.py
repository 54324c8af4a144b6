"""Pulling the change feed: pages from the stored cursor until ``has_more`` is false, each
stored with its cursor in one transaction (:func:`pos_member.sync.apply.pull.apply_changes_page`).
Run by :class:`pos_member.sync.engine.SyncEngine` (its ``pull`` step).
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from pos_member.store import repositories as repo
from pos_member.sync import protocol as p
from pos_member.sync.apply.pull import CURSOR_KEY, FEED_ID_KEY, apply_changes_page
from pos_member.sync.client import CorruptResponse, ProtocolError, SyncClient
from pos_member.sync.status import SyncReport

log = logging.getLogger("pos_member.sync.engine")  # the engine's messages, as before


class PullingEngine(Protocol):
    """What the pull needs of :class:`~pos_member.sync.engine.SyncEngine` (which imports this
    module, so it is named here, not imported)."""

    sessions: Any  # the write session factory
    tz: Any
    page_size: int
    catch_up_page_size: int

    def readers(self) -> Any: ...

    def _check_stop(self) -> None: ...


def _settle(ahead: tuple[str, Future] | None) -> None:
    """Wait for a page fetched ahead that is no longer wanted (the session is not shared)."""
    if ahead is not None and not ahead[1].cancel():
        try:
            ahead[1].result()
        except Exception:  # noqa: BLE001 - its failure no longer matters
            pass


def pull_all(engine: PullingEngine, client: SyncClient, report: SyncReport) -> None:
    """Pages until ``has_more`` is false. While catching up (``has_more``), pages are of
    ``catch_up_page_size`` and the next one is fetched on a helper thread while this one is
    stored (the service's reading and the till's writing overlap); the cursor only moves with
    a page stored."""
    with engine.readers() as s:
        cursor = repo.get_setting(s, CURSOR_KEY) or "0"
        feed = repo.get_setting(s, FEED_ID_KEY)
    restarted = False
    size = engine.catch_up_page_size if cursor == "0" else engine.page_size
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pos-member-pull")
    ahead: tuple[str, Future] | None = None  # a page asked for before it is needed
    try:
        while True:
            engine._check_stop()
            if ahead is None or ahead[0] != cursor:
                _settle(ahead)
                ahead = (cursor, pool.submit(client.changes_lean, cursor, size))
            fetched, ahead = ahead[1], None
            try:
                page = fetched.result()
            except ProtocolError as exc:
                if exc.code == p.ErrorCode.CURSOR_UNKNOWN.value and not restarted:
                    log.warning("the service does not know cursor %s: pulling from 0",
                                cursor)
                    cursor, restarted, size = "0", True, engine.catch_up_page_size
                    report.restarted_feed = True
                    continue
                raise
            if feed is not None and page.feed_id != feed and cursor != "0":
                if restarted:
                    raise CorruptResponse("the service's feed id keeps changing")
                log.warning("the service's feed changed (%s -> %s): pulling from 0", feed,
                            page.feed_id)
                cursor, restarted, feed = "0", True, None
                size = engine.catch_up_page_size
                report.restarted_feed = True
                continue
            if page.has_more and page.next_cursor == cursor:
                raise CorruptResponse("the change feed did not advance")
            if page.has_more:
                size = engine.catch_up_page_size
                ahead = (page.next_cursor,
                         pool.submit(client.changes_lean, page.next_cursor, size))
            stats = apply_changes_page(engine.sessions, page, engine.tz)
            report.pages += 1
            report.pulled.add(stats)
            cursor, feed = page.next_cursor, page.feed_id
            if not page.has_more:
                return
    finally:
        _settle(ahead)
        pool.shutdown(wait=True)
