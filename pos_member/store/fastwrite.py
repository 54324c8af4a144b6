"""The till's hottest writes through the DBAPI cursor, inside the caller's transaction.

SQLAlchemy Core costs a few hundred microseconds per statement on a small machine; a checkout
writes a dozen. ``insert_rows`` compiles a plain INSERT once per table and column set, converts
values with the columns' own types (the same bind processing Core would apply), and runs one
``executemany`` on the session's own connection, so it commits or rolls back with everything
else in the unit of work.

:func:`dbapi` is that connection. Asking the session for it (``session.connection()``) walks
SQLAlchemy's transaction machinery each time, about 10 µs; a checkout asks for it a dozen
times, so it is kept in ``session.info`` with the session transaction it belongs to and asked
again only when that transaction is no longer the session's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable

from sqlalchemy import Boolean, Table
from sqlalchemy import exc as exc_mod
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

_DIALECT = sqlite.dialect()
_INFO_KEY = "pos_member.dbapi"


def dbapi(session: Session) -> Any:
    """The sqlite3 connection under ``session``, its transaction begun (BEGIN has run)."""
    txn = session.get_transaction()
    if txn is not None:
        cached = session.info.get(_INFO_KEY)
        if cached is not None and cached[0] is txn:
            return cached[1]
    con = session.connection().connection.driver_connection
    session.info[_INFO_KEY] = (session.get_transaction(), con)
    return con


def _bool(v: Any) -> Any:
    return v if v is None or v is True or v is False else int(bool(v))


def _converter(column) -> Callable[[Any], Any] | None:
    """What Core's bind processing does to a value of ``column`` (None: nothing)."""
    t = column.type
    if isinstance(t, TypeDecorator):
        return lambda v: t.process_bind_param(v, _DIALECT)
    if isinstance(t, Boolean):
        return _bool  # sqlite3 stores True and False as 1 and 0
    return None


@lru_cache(maxsize=64)
def _plan(table: Table, names: tuple[str, ...]
          ) -> tuple[str, Callable[[Any], tuple], tuple[tuple[int, Callable[[Any], Any]], ...]]:
    cols = [table.c[n] for n in names]
    sql = (f'INSERT INTO "{table.name}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
           f'VALUES ({", ".join("?" for _ in names)})')
    if len(names) == 1:
        name = names[0]
        get: Callable[[Any], tuple] = lambda row: (row[name],)  # noqa: E731
    else:
        get = itemgetter(*names)
    convert = tuple((i, f) for i, c in enumerate(cols) if (f := _converter(c)) is not None)
    return sql, get, convert


def _table(model: type[DeclarativeBase] | Table) -> Table:
    return model if isinstance(model, Table) else model.__table__  # type: ignore[return-value]


def insert_rows(session: Session, model: type[DeclarativeBase] | Table,
                rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table."""
    if not rows:
        return
    table = _table(model)
    sql, get, convert = _plan(table, tuple(rows[0].keys()))
    if convert:
        data = []
        for row in rows:
            values = list(get(row))
            for i, f in convert:
                values[i] = f(values[i])
            data.append(values)
    else:
        data = [get(row) for row in rows]
    con = dbapi(session)
    try:
        if len(data) == 1:
            con.execute(sql, data[0])
        else:
            con.executemany(sql, data)
    except sqlite3.DatabaseError as exc:
        # The same exception types Core raises, so callers handle one kind.
        raise exc_mod.DBAPIError.instance(sql, data, exc, sqlite3.DatabaseError) from exc


def execute_sql(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run one statement of plain SQL on the session's connection; returns its rows."""
    try:
        return dbapi(session).execute(sql, tuple(params)).fetchall()
    except sqlite3.DatabaseError as exc:
        raise exc_mod.DBAPIError.instance(sql, params, exc, sqlite3.DatabaseError) from exc
