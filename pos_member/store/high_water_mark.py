"""The high-water mark: ``till.sqlite3.highwater``, the committed state a database must not be behind.

What it is for: :mod:`pos_member.store.health` refuses to start a till on a database that is
*behind* what this till had committed (a ``-wal`` that vanished, a stale copy put back), that
belongs to another terminal, or that is missing where a till lived. The rule it checks is
one-sided: **a database below the mark is damaged**; a database at or above it passes. So the
mark may lag the database (the check is then weaker by the lag, never wrong), but it must
never be ahead of what was committed (that would refuse a sound till).

What it holds: the terminal id, the next terminal sequence number (also the receipt counter)
and the central feed id and pull cursor the till reached.

How it is kept: :func:`install_mark_writer` hooks the write engine. Inside each committing
transaction it reads those four ``sync_state`` rows (one indexed SELECT, under SQLite's write
lock, so the reads follow the commit order), and after the COMMIT succeeded (with
``synchronous=FULL`` it is on disk by then) it writes them to the file when a value changed.
A rolled-back or failed commit moves nothing.

The file (format 2) is two fixed-size slots, each one line of JSON padded with spaces::

    {"check":"…","cursor":null,"feed_id":null,"format":2,"generation":8,
     "next_terminal_seq":12,"terminal_id":"…","written_at":"…"}          \n

``check`` is the first 16 hex digits of the SHA-256 of the line's JSON without it (sorted keys,
compact, ASCII). A mark follows a commit by overwriting, in place, the slot of the older of
the two records (slot ``generation % 2``): one small write into a file that exists, about
0.01-0.02 ms, where rewriting the file (a temporary file and ``os.replace``) cost 0.4-2.4 ms
p50 and 6-10 ms p99 on the CI machine: more than the COMMIT's own fsync. The reader takes the
slot with the highest generation whose check holds. Why this keeps the rule:

- a write interrupted by a power cut can only spoil the slot being written: its check fails
  and the other slot, one commit older, is used (behind, so safe);
- nothing is fsynced (as before): after a power cut the file may be some commits behind,
  never ahead, because every record was taken from a transaction that had committed;
- a process killed between its COMMIT and the write leaves the mark one commit behind;
- the mark is written after every commit that changes it, not every N commits or on a timer:
  a lost ``-wal`` loses the commits since the last checkpoint (SQLite checkpoints every
  1,000 pages, a couple of dozen sales), and a mark lagging by N commits would miss a loss of
  N commits or fewer.

The first write of a :class:`MarkWriter`, and :func:`write_mark` (a start after a sound check,
``db restore``), write the whole file anew (temporary file and ``os.replace``, both slots);
so does a slot write that fails or a record too long for its slot. A format-1 file (one JSON
object, written by earlier releases) is still read; a file that cannot be read is ignored
with a warning (the check is skipped, as before). :mod:`pos_member.store.backups` rewrites
the mark after a restore (both build on this module, so neither needs the other for it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MARK_SUFFIX = ".highwater"
MARK_FORMAT = 2
SLOT_SIZE = 256  # bytes per slot (a larger multiple when a record does not fit)
_CHECK_DIGITS = 16

_TERMINAL_ID, _NEXT_SEQ = "terminal_id", "next_terminal_seq"
_FEED, _CURSOR = "sync_feed_id", "sync_cursor"
_MARK_KEYS = (_TERMINAL_ID, _NEXT_SEQ, _FEED, _CURSOR)
_MARK_SQL = (f"SELECT key, value FROM sync_state WHERE key IN "
             f"({', '.join(repr(k) for k in _MARK_KEYS)})")
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


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
# The file's records


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _check(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:_CHECK_DIGITS]


_ENCODE = json.JSONEncoder(ensure_ascii=True).encode  # a string or None


def encode_record(mark: HighWaterMark, generation: int) -> bytes:
    """One slot's line (without padding): the mark, its generation and its check.

    The same bytes as ``_dumps`` of the record with its check (what the reader verifies;
    tests/store/test_high_water_mark.py compares them), put together from its parts: the
    keys below are in sorted order, and ``check`` sorts before all of them.
    """
    if type(generation) is not int or type(mark.next_terminal_seq) is not int:
        raise TypeError("a mark's generation and sequence are integers")
    body = (f'"cursor":{_ENCODE(mark.cursor)},"feed_id":{_ENCODE(mark.feed_id)},'
            f'"format":{MARK_FORMAT},"generation":{generation},'
            f'"next_terminal_seq":{mark.next_terminal_seq},'
            f'"terminal_id":{_ENCODE(mark.terminal_id)},'
            f'"written_at":"{datetime.now(UTC).isoformat(timespec="seconds")}"')
    return f'{{"check":"{_check("{" + body + "}")}",{body}}}'.encode("ascii")


def _slot_size(record: bytes) -> int:
    need = len(record) + 1  # the newline
    return max(SLOT_SIZE, -(-need // SLOT_SIZE) * SLOT_SIZE)


def _slot(record: bytes, size: int) -> bytes:
    return record.ljust(size - 1) + b"\n"


def _decode_record(line: str) -> tuple[int, HighWaterMark] | None:
    """(generation, mark) of a format-2 line whose check holds; None otherwise."""
    try:
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("format") != MARK_FORMAT:
            return None
        check = data.pop("check")
        if check != _check(_dumps(data)):
            return None
        seq, generation = data["next_terminal_seq"], data["generation"]
        if type(seq) is not int or type(generation) is not int:
            return None
        return generation, HighWaterMark(data.get("terminal_id"), seq, data.get("feed_id"),
                                         data.get("cursor"))
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None


def parse_mark(data: bytes) -> HighWaterMark:
    """The mark a file's bytes hold: the newest slot whose check holds (format 2), or the
    one object of format 1. Raises ValueError when neither is there."""
    text = data.decode("utf-8")
    found = [r for r in map(_decode_record, text.splitlines()) if r is not None]
    if found:
        return max(found, key=lambda r: r[0])[1]
    old = json.loads(text)  # format 1: one JSON object
    if not isinstance(old, dict) or "format" in old:
        raise ValueError("no slot of the mark passes its check")
    return HighWaterMark(old.get("terminal_id"), int(old["next_terminal_seq"]),
                         old.get("feed_id"), old.get("cursor"))


# ---------------------------------------------------------------------------------------------
# Reading and writing the mark


def read_mark(db_path: str | os.PathLike[str]) -> HighWaterMark | None:
    """The mark beside ``db_path``; None when there is none or it cannot be read (then the
    check is simply skipped: the file is a hint, written without fsync)."""
    path = mark_path_for(db_path)
    try:
        return parse_mark(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("the high-water mark %s cannot be read (%s); not using it", path, exc)
        return None


def _write_file(path: Path, mark: HighWaterMark, generation: int) -> int:
    """Write the whole file anew, both slots holding ``mark`` (generations ``generation - 1``
    and ``generation``); returns the slot size."""
    records = [encode_record(mark, generation - 1), encode_record(mark, generation)]
    size = max(_slot_size(r) for r in records)
    # slot g % 2 holds generation g
    if generation % 2 == 0:
        records.reverse()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(b"".join(_slot(r, size) for r in records))
    os.replace(tmp, path)
    return size


def write_mark(db_path: str | os.PathLike[str], mark: HighWaterMark) -> None:
    """Write the mark file anew (temporary file and ``os.replace``)."""
    _write_file(mark_path_for(db_path), mark, 2)


def _write_slot(path: Path, record: bytes, size: int, generation: int) -> None:
    """Overwrite the slot of ``generation`` in place (the file must exist)."""
    fd = os.open(path, os.O_WRONLY | _O_BINARY)
    try:
        os.lseek(fd, (generation % 2) * size, os.SEEK_SET)
        data = _slot(record, size)
        if os.write(fd, data) != len(data):
            raise OSError("short write to the high-water mark")
    finally:
        os.close(fd)


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
        self.path = mark_path_for(self.db_path)
        self.last = last
        self.writes = 0
        self.failures = 0
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0      # commit order (taken under SQLite's write lock)
        self._written_generation = 0
        # The file's layout once this writer wrote it whole: (slot size, last generation).
        # None: the next write rewrites the whole file.
        self._layout: tuple[int, int] | None = None

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
                self._write(mark)
            except OSError as exc:
                self.failures += 1
                self._layout = None  # start again from a whole file
                log.warning("could not write the high-water mark %s: %s", self.path, exc)
                return
            self.last = mark
            self._written_generation = generation
            self.writes += 1

    def _write(self, mark: HighWaterMark) -> None:
        if self._layout is not None:
            size, last = self._layout
            record = encode_record(mark, last + 1)
            if len(record) < size:
                try:
                    _write_slot(self.path, record, size, last + 1)
                except OSError:  # e.g. the file was removed: write it whole below
                    pass
                else:
                    self._layout = (size, last + 1)
                    return
        self._layout = None
        self._layout = (_write_file(self.path, mark, 2), 2)


def install_mark_writer(engine: Any, sessions: Any, db_path: str | os.PathLike[str],
                        last: HighWaterMark | None = None) -> MarkWriter:
    """Hook ``engine`` (the write engine) and ``sessions`` (its sessionmaker)."""
    from sqlalchemy import event

    writer = MarkWriter(db_path, last)
    event.listen(engine, "commit", writer.on_commit)
    event.listen(engine, "rollback", writer.on_rollback)
    event.listen(sessions, "after_commit", writer.after_commit)
    return writer
