"""Engine and session setup for the till's SQLite file, and the single-instance lock.

Every connection gets the same PRAGMAs (see docs/database.md for the reasons):

- ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers.
- ``synchronous=FULL``: with WAL, every committed transaction survives a power cut
  (NORMAL could lose the last commits).
- ``foreign_keys=ON``: SQLite enforces foreign keys only when asked, per connection.
- ``busy_timeout=5000``: a writer waits up to 5 s for the lock before "database is locked".

Write transactions start with ``BEGIN IMMEDIATE``: pysqlite's own transaction handling is
switched off (``isolation_level = None``) and SQLAlchemy's "begin" event emits the BEGIN, the
recipe from SQLAlchemy's SQLite dialect documentation ("Serializable isolation / Savepoints /
Transactional DDL"). Taking the write lock at BEGIN means two writers queue on the busy
timeout instead of both reading and then failing to upgrade their locks (SQLITE_BUSY with no
wait, the classic SQLite "deadlock"). It also makes DDL transactional, so a migration is one
atomic unit.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as exc_mod
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_BUSY_TIMEOUT_MS = 5000

# Execution option read by the "begin" hook: the BEGIN flavour to emit.
_BEGIN_OPTION = "pos_member_begin"


def _sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path))


def _build_engine(
    path: str | os.PathLike[str],
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    read_only: bool = False,
    foreign_keys: bool = True,
) -> Engine:
    """The engine builder behind :func:`create_engine_for`.

    ``foreign_keys=False`` exists for the migration runner only (a batch table copy with
    foreign keys on cascades deletes into child tables); application code never passes it.
    """
    db_path = Path(path).expanduser().resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    timeout_ms = int(busy_timeout_ms)
    if timeout_ms < 0:
        raise ValueError("busy_timeout_ms must be >= 0")

    engine = create_engine(
        _sqlite_url(db_path),
        # The driver's own busy timeout (seconds), matching the PRAGMA set below.
        connect_args={"timeout": timeout_ms / 1000.0},
    )
    begin_sql = "BEGIN" if read_only else "BEGIN IMMEDIATE"
    engine.update_execution_options(**{_BEGIN_OPTION: begin_sql})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise RuntimeError(f"could not switch {db_path} to WAL (got {mode!r})")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
            if read_only:
                cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # On the DBAPI connection itself: through Core (exec_driver_sql) the BEGIN cost 30-80 µs
        # of SQLAlchemy's statement machinery per transaction, a checkout's largest fixed cost
        # after its commit. A failure (SQLITE_BUSY after the busy timeout) is raised as the
        # same SQLAlchemy exception Core raises.
        sql = conn.get_execution_options().get(_BEGIN_OPTION, "BEGIN IMMEDIATE")
        try:
            conn.connection.driver_connection.execute(sql)
        except sqlite3.Error as exc:
            raise exc_mod.DBAPIError.instance(sql, (), exc, sqlite3.Error) from exc

    return engine


def create_engine_for(
    path: str | os.PathLike[str],
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    read_only: bool = False,
) -> Engine:
    """A SQLAlchemy engine over the SQLite file at ``path`` (parent folder created).

    Every transaction begins with ``BEGIN IMMEDIATE``. With ``read_only=True`` the engine's
    connections are ``PRAGMA query_only`` and begin with a plain (deferred) ``BEGIN``, so long
    reports and lookups never hold the write lock; use a separate read-only engine for them.
    The schema is not created here: run :func:`pos_member.store.migrate.upgrade_to_head`.
    """
    return _build_engine(path, busy_timeout_ms=busy_timeout_ms, read_only=read_only)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``.

    ``expire_on_commit=False``: objects stay readable after commit (a desktop app hands them
    to the UI thread after the unit of work is over; nothing is lazily reloaded behind its back).
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: Callable[[], Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises.

    ::

        with transaction(sessions) as s:
            s.add(sale)
            add_outbox_event(s, "sale", payload)
    """
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


# ---------------------------------------------------------------------------------------------
# Single-instance guard


class InstanceLockedError(RuntimeError):
    """Another process already has this till's database open."""


class InstanceLock:
    """An OS lock on ``<db>.lock``, held until :meth:`release` (or process exit).

    Keep a reference for the life of the app: the lock goes when the object is collected.
    """

    def __init__(self, lock_path: Path, handle: IO[str]) -> None:
        self.path = lock_path
        self._handle: IO[str] | None = handle

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.release()
        except Exception:
            pass


def lock_path_for(db_path: str | os.PathLike[str]) -> Path:
    """``till.sqlite3`` -> ``till.sqlite3.lock`` in the same folder."""
    p = Path(db_path).expanduser().resolve()
    return p.with_name(p.name + ".lock")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows runners only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        # flock locks belong to the open file, so a second open in the same process is
        # refused too (POSIX record locks via lockf would let it through).
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def acquire_instance_lock(db_path: str | os.PathLike[str]) -> InstanceLock:
    """Take the single-instance lock for the database at ``db_path`` or raise.

    Raises :class:`InstanceLockedError` at once (no waiting) when another process (or another
    lock object in this one) holds it. The lock file holds the owner's PID, for the message.
    """
    path = lock_path_for(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 - lives as long as the lock
    if not _try_lock(handle):
        owner = ""
        try:
            handle.seek(0)
            owner = handle.read(32).strip()
        except OSError:
            pass
        handle.close()
        who = f" (process {owner})" if owner.isdigit() else ""
        raise InstanceLockedError(
            f"POS Member is already running on this database{who}: {path}. "
            "Close the other window first; only one till program may use a database at a time."
        )
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
    except OSError:
        pass  # the PID is only informational
    return InstanceLock(path, handle)
