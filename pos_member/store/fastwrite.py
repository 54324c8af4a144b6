"""The till's hottest writes through the DBAPI cursor, inside the caller's transaction.

SQLAlchemy Core costs a few hundred microseconds per statement on a small machine; a checkout
writes a dozen. ``insert_rows`` compiles a plain INSERT once per table and column set, converts
values with the columns' own types (the same bind processing Core would apply), and runs one
``executemany`` on the session's own connection, so it commits or rolls back with everything
else in the unit of work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy import Boolean, Table
from sqlalchemy import exc as exc_mod
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

_DIALECT = sqlite.dialect()


def _converter(column) -> Callable[[Any], Any]:
    t = column.type
    if isinstance(t, TypeDecorator):
        return lambda v: t.process_bind_param(v, _DIALECT)
    if isinstance(t, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return lambda v: v


@lru_cache(maxsize=64)
def _plan(table: Table, names: tuple[str, ...]) -> tuple[str, tuple[Callable[[Any], Any], ...]]:
    cols = [table.c[n] for n in names]
    sql = (f'INSERT INTO "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
           f'VALUES ({", ".join("?" for _ in names)})')
    return sql, tuple(_converter(c) for c in cols)


def _table(model: type[DeclarativeBase] | Table) -> Table:
    return model if isinstance(model, Table) else model.__table__  # type: ignore[return-value]


def insert_rows(session: Session, model: type[DeclarativeBase] | Table,
                rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table."""
    if not rows:
        return
    table = _table(model)
    names = tuple(rows[0].keys())
    sql, convert = _plan(table, names)
    data = [tuple(f(row[n]) for f, n in zip(convert, names)) for row in rows]
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, data)
    except sqlite3.DatabaseError as exc:
        # The same exception types Core raises, so callers handle one kind.
        raise exc_mod.DBAPIError.instance(sql, data, exc, sqlite3.DatabaseError) from exc
    finally:
        cursor.close()


def execute_sql(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run one statement of plain SQL on the session's connection; returns its rows."""
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    except sqlite3.DatabaseError as exc:
        raise exc_mod.DBAPIError.instance(sql, params, exc, sqlite3.DatabaseError) from exc
    finally:
        cursor.close()
