"""The high-water mark: ``till.sqlite3.highwater``, the committed state a database must not be behind.

A small JSON file beside the database: the terminal id, the next terminal sequence number
(which is also the receipt counter) and the central feed id and pull cursor the till reached.
:func:`install_mark_writer` hooks the write engine: inside each committing transaction it
reads those four ``sync_state`` rows (one indexed SELECT), and after the commit succeeded it
rewrites the file (temporary file and ``os.replace``, no fsync) when a value changed. The file
is therefore never ahead of what was committed; after a power cut it may be a little behind,
which only makes the check weaker, never wrong. ``db restore`` rewrites it from the restored
database. :mod:`pos_member.store.health` compares a database with its mark before a start;
:mod:`pos_member.store.backups` rewrites it after a restore (both build on this module, so
neither needs the other for it).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MARK_SUFFIX = ".highwater"

_TERMINAL_ID, _NEXT_SEQ = "terminal_id", "next_terminal_seq"
_FEED, _CURSOR = "sync_feed_id", "sync_cursor"
_MARK_KEYS = (_TERMINAL_ID, _NEXT_SEQ, _FEED, _CURSOR)
_MARK_SQL = (f"SELECT key, value FROM sync_state WHERE key IN "
             f"({', '.join(repr(k) for k in _MARK_KEYS)})")


def mark_path_for(db_path: str | os.PathLike[str]) -> Path:
    """``till.sqlite3`` -> ``till.sqlite3.highwater``."""
    p = Path(db_path).expanduser().resolve()
    return p.with_name(p.name + MARK_SUFFIX)


@dataclass(frozen=True)
class HighWaterMark:
    terminal_id: str | None = None
    next_terminal_seq: int = 1   # the next terminal sequence / receipt number to hand out
    feed_id: str | None = None   # the central service's feed the cursor belongs to
    cursor: str | None = None    # the last central change page applied

    @classmethod
    def from_rows(cls, rows: dict[str, str]) -> HighWaterMark:
        raw = rows.get(_NEXT_SEQ) or "1"
        return cls(rows.get(_TERMINAL_ID), int(raw) if raw.isdigit() else 1, rows.get(_FEED),
                   rows.get(_CURSOR))

    def describe(self) -> str:
        text = f"terminal sequence {self.next_terminal_seq - 1}"
        if self.cursor:
            text += f", central position {self.cursor}"
        return text


# ---------------------------------------------------------------------------------------------
# Reading and writing the mark


def read_mark(db_path: str | os.PathLike[str]) -> HighWaterMark | None:
    """The mark beside ``db_path``; None when there is none or it cannot be read (then the
    check is simply skipped: the file is a hint, written without fsync)."""
    path = mark_path_for(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return HighWaterMark(data.get("terminal_id"), int(data["next_terminal_seq"]),
                             data.get("feed_id"), data.get("cursor"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("the high-water mark %s cannot be read (%s); not using it", path, exc)
        return None


def write_mark(db_path: str | os.PathLike[str], mark: HighWaterMark) -> None:
    path = mark_path_for(db_path)
    tmp = path.with_name(path.name + ".tmp")
    body = dict(asdict(mark), written_at=datetime.now(UTC).isoformat(timespec="seconds"))
    tmp.write_text(json.dumps(body), encoding="utf-8")
    os.replace(tmp, path)


def remove_mark(db_path: str | os.PathLike[str]) -> None:
    mark_path_for(db_path).unlink(missing_ok=True)


def mark_of_connection(con: Any) -> HighWaterMark:
    """The mark as the database behind a DBAPI connection holds it (inside its transaction)."""
    try:
        rows = dict(con.execute(_MARK_SQL).fetchall())
    except sqlite3.OperationalError:  # no sync_state table yet
        rows = {}
    return HighWaterMark.from_rows(rows)


def mark_of_database(db_path: str | os.PathLike[str]) -> HighWaterMark:
    con = sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return mark_of_connection(con)
    finally:
        con.close()


def refresh_mark(db_path: str | os.PathLike[str]) -> HighWaterMark:
    """Rewrite the mark from the database as it is now (after a restore, at a sound start)."""
    mark = mark_of_database(db_path)
    write_mark(db_path, mark)
    return mark


class MarkWriter:
    """Keeps ``till.sqlite3.highwater`` in step with the committed database (module doc)."""

    def __init__(self, db_path: str | os.PathLike[str], last: HighWaterMark | None = None):
        self.db_path = Path(db_path).expanduser().resolve()
        self.last = last
        self.writes = 0
        self.failures = 0
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0      # commit order (taken under SQLite's write lock)
        self._written_generation = 0

    # Core "commit": inside the transaction, before COMMIT (SQLite's write lock is held, so
    # generations follow the commit order).
    def on_commit(self, conn: Any) -> None:
        try:
            mark = mark_of_connection(conn.connection.driver_connection)
        except Exception:  # the mark must never break a sale
            log.exception("reading the high-water mark failed")
            self._local.pending = None
            return
        with self._lock:
            self._generation += 1
            self._local.pending = (self._generation, mark)

    def on_rollback(self, _conn: Any) -> None:
        self._local.pending = None

    # Session "after_commit": the COMMIT succeeded.
    def after_commit(self, _session: Any) -> None:
        pending = getattr(self._local, "pending", None)
        self._local.pending = None
        if pending is None:
            return
        generation, mark = pending
        with self._lock:
            if generation <= self._written_generation or mark == self.last:
                return
            try:
                write_mark(self.db_path, mark)
            except OSError as exc:
                self.failures += 1
                log.warning("could not write the high-water mark %s: %s", self.db_path, exc)
                return
            self.last = mark
            self._written_generation = generation
            self.writes += 1


def install_mark_writer(engine: Any, sessions: Any, db_path: str | os.PathLike[str],
                        last: HighWaterMark | None = None) -> MarkWriter:
    """Hook ``engine`` (the write engine) and ``sessions`` (its sessionmaker)."""
    from sqlalchemy import event

    writer = MarkWriter(db_path, last)
    event.listen(engine, "commit", writer.on_commit)
    event.listen(engine, "rollback", writer.on_rollback)
    event.listen(sessions, "after_commit", writer.after_commit)
    return writer
