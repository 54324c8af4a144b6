"""Engine and sessions: SQLite (a file, the default) or PostgreSQL, and the column types both share.

SQLite: WAL journal, a busy timeout, foreign keys on, and SQLAlchemy emits BEGIN itself so a
write transaction can start with ``BEGIN IMMEDIATE`` (take the write lock first instead of
failing to upgrade a read lock half way). PostgreSQL: READ COMMITTED with row locks
(``SELECT ... FOR UPDATE``) where two workers could race.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

DEFAULT_DATABASE_URL = "sqlite:///pos_central.db"
DATABASE_URL_ENV = "POS_CENTRAL_DATABASE_URL"


def resolve_database_url(url: str | None = None) -> str:
    """The URL given, else ``$POS_CENTRAL_DATABASE_URL``, else an SQLite file in the cwd."""
    return url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite keeps it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (see below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        immediate = connection.get_execution_options().get("pos_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# What runs at the end of every write transaction, just before its commit. The change feed
# registers itself here (pos_central.changes: its numbers are taken last, at commit), so this
# module, which the tables build on, does not import the feed that builds on the tables.
_BEFORE_COMMIT: list[Callable[[Session], None]] = []


def before_commit(hook: Callable[[Session], None]) -> Callable[[Session], None]:
    """Run ``hook(session)`` at the end of each :meth:`Database.write`, before the commit."""
    if hook not in _BEFORE_COMMIT:
        _BEFORE_COMMIT.append(hook)
    return hook


class Database:
    """An engine and two session factories: reads, and writes (BEGIN IMMEDIATE on SQLite)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(pos_write=True),
                                   expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:  # closing ends the transaction; objects stay loaded
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one transaction: committed on success (the :func:`before_commit`
        hooks run last, so pending changes get their feed sequence numbers just before the
        commit), rolled back on any exception."""
        with self._write() as session:
            try:
                yield session
                for hook in _BEFORE_COMMIT:
                    hook(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
