"""Many rows into one table with one DBAPI ``executemany``, inside the session's transaction.

Core's ``connection.execute(insert(table), rows)`` costs about 30-50 µs a row on a small
machine in parameter processing (``construct_params`` and each column's bind processor, run
through the compiled statement's machinery). :func:`insert_rows` compiles a plain INSERT once
per table, column set and dialect, converts each value with the column type's own bind
processor for that dialect (the very conversion Core applies: the same text for dates and
times on SQLite, the same ``psycopg`` JSON wrapper on PostgreSQL) and hands the tuples to
``exec_driver_sql``, so errors are SQLAlchemy's (``IntegrityError``, ``OperationalError``)
as before.

A JSON value may be given already serialised as :class:`JSONText` (the push stores each
event's canonical JSON, which it has made for the content hash anyway): it is stored as that
text instead of being serialised again.

Rows go in the order given; a run of rows with another set of keys is its own statement.
A table with a Python-side column default that a row leaves out goes through Core instead
(which computes the default), so nothing here changes what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import StatementError

from pos_central.db import UTCDateTime


@dataclass(frozen=True, slots=True)
class JSONText:
    """A JSON column's value as JSON text already (stored as is)."""

    text: str


def _same(text: str) -> str:
    return text


def _json_processor(column, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's JSON bind processor, taking :class:`JSONText` as it is."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if dialect.name == "postgresql":
        from psycopg.types.json import Json

        def on_postgresql(value: Any) -> Any:
            if isinstance(value, JSONText):
                return Json(value.text, dumps=_same)
            return process(value) if process is not None else value
        return on_postgresql

    def elsewhere(value: Any) -> Any:
        if isinstance(value, JSONText):
            return value.text
        return process(value) if process is not None else value
    return elsewhere


def _utc_processor(column, dialect: Dialect) -> Callable[[Any], Any] | None:
    """:class:`~pos_central.db.UTCDateTime`'s processor; on SQLite the two steps Core takes
    (to naive UTC, then SQLite's ``DATETIME`` text with microseconds) done in one."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if dialect.name != "sqlite":
        return process

    def on_sqlite(value: Any) -> Any:
        if type(value) is not datetime or value.tzinfo is None:
            return process(value)  # None, and the errors, as Core has them
        v = value.astimezone(UTC)
        return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
                f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")
    return on_sqlite


def _processor(column, dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column.type, JSON):
        return _json_processor(column, dialect)
    if isinstance(column.type, UTCDateTime):
        return _utc_processor(column, dialect)
    return column.type.dialect_impl(dialect).bind_processor(dialect)


_PLANS: dict[tuple[Any, ...], tuple[str, tuple[Callable[[Any], Any] | None, ...]] | None] = {}


def _plan(table: Table, names: tuple[str, ...], dialect: Dialect):
    key = (table, names, dialect.name, dialect.paramstyle)
    if key in _PLANS:
        return _PLANS[key]
    plan = None
    given = set(names)
    if given <= set(table.c.keys()) and not any(
            c.default is not None and c.key not in given for c in table.c):
        columns = [table.c[n] for n in names]
        processors = tuple(_processor(c, dialect) for c in columns)
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
               f"VALUES ({', '.join(mark for _ in columns)})")
        if dialect.paramstyle in ("qmark", "format", "pyformat"):
            plan = (sql, processors)
    _PLANS[key] = plan
    return plan


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts of column keys) into ``table``, in their order."""
    start = 0
    while start < len(rows):
        names = tuple(rows[start])
        end = start + 1
        while end < len(rows) and tuple(rows[end]) == names:
            end += 1
        run = rows[start:end]
        plan = _plan(table, names, connection.dialect)
        if plan is None:
            connection.execute(insert(table), list(run))
        else:
            sql, processors = plan
            try:  # column by column: one map() of each column's processor
                columns = []
                for name, process in zip(names, processors):
                    values = [row[name] for row in run]
                    columns.append(values if process is None else list(map(process, values)))
                data = list(zip(*columns))
            except Exception as exc:  # as Core reports a value its bind processor refused
                raise StatementError(f"({type(exc).__module__}.{type(exc).__name__}) {exc}",
                                     sql, None, exc) from exc
            connection.exec_driver_sql(sql, data)
        start = end


def select_in(connection: Connection, sql: str, values: Sequence[Any],
              before: Sequence[Any] = (), size: int = 500) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (plain SQL whose ``{in}`` is a parenthesised list of
    placeholders, and whose other placeholders, ``{p}``, take ``before``) for ``values``, up
    to ``size`` at a time, as DBAPI tuples. For keys and numbers only: no bind processing.

    A few hundred keys in an ``IN`` list built by Core cost about 2 ms a statement (each
    value coerced as a literal, then expanded into its own parameter); this costs next to
    nothing."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    out: list[tuple[Any, ...]] = []
    for i in range(0, len(values), size):
        chunk = list(values[i:i + size])
        text = sql.format(p=mark, **{"in": "(" + ", ".join(mark for _ in chunk) + ")"})
        out.extend(tuple(row) for row in connection.exec_driver_sql(text, (*before, *chunk)))
    return out
