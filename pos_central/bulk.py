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

A list or dict for a JSON column is serialised by a prebuilt encoder in ``json.dumps``'s own
default form (the same text the column's processor writes, without building an encoder per
call).

Rows go in the order given; a run of rows with another set of keys is its own statement.
A table with a Python-side column default that a row leaves out goes through Core instead
(which computes the default), so nothing here changes what is stored.

:func:`update_rows` is the same for ``UPDATE ... WHERE key = ?`` (one statement per set of
columns), and :func:`select_rows` reads rows by key as plain tuples with each column's result
processor applied (what the ORM would have loaded, without the objects).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import StatementError

from pos_central.db import UTCDateTime

try:  # the C encoders json.dumps itself uses, made once
    from json.encoder import c_make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover - an interpreter without the C accelerator
    _c_make_encoder = None


@dataclass(frozen=True, slots=True)
class JSONText:
    """A JSON column's value as JSON text already (stored as is)."""

    text: str


def _same(text: str) -> str:
    return text


def _not_serialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def make_encoder(*, sort_keys: bool, compact: bool, ensure_ascii: bool) -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=..., separators=(",", ":") if compact else the default,
    ensure_ascii=...)`` as one prebuilt C encoder (json.dumps builds one per call)."""
    separators = (",", ":") if compact else (", ", ": ")
    if _c_make_encoder is None:  # pragma: no cover
        return json.JSONEncoder(sort_keys=sort_keys, separators=separators,
                                ensure_ascii=ensure_ascii).encode
    from json.encoder import encode_basestring, encode_basestring_ascii

    encode = _c_make_encoder(None, _not_serialisable,
                             encode_basestring_ascii if ensure_ascii else encode_basestring,
                             None, separators[1], separators[0], sort_keys, False, True)
    join = "".join

    def dumps(value: Any) -> str:
        return join(encode(value, 0))
    return dumps


# What SQLAlchemy's JSON type writes for a list or dict: json.dumps(value) with its defaults.
json_dumps = make_encoder(sort_keys=False, compact=False, ensure_ascii=True)


def _json_processor(column, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's JSON bind processor, taking :class:`JSONText` as it is."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    # Lists and dicts by the prebuilt encoder when the dialect serialises with json.dumps
    # (psycopg's Json adapter does too by default); anything else by the column's processor.
    plain = getattr(dialect, "_json_serializer", None) is None
    if dialect.name == "postgresql":
        from psycopg.types.json import Json

        def on_postgresql(value: Any) -> Any:
            kind = type(value)
            if kind is JSONText:
                return Json(value.text, dumps=_same)
            if plain and (kind is list or kind is dict):
                return Json(json_dumps(value), dumps=_same)
            return process(value) if process is not None else value
        return on_postgresql

    def elsewhere(value: Any) -> Any:
        kind = type(value)
        if kind is JSONText:
            return value.text
        if plain and (kind is list or kind is dict):
            return json_dumps(value)
        return process(value) if process is not None else value
    return elsewhere


def _utc_processor(column, dialect: Dialect) -> Callable[[Any], Any] | None:
    """:class:`~pos_central.db.UTCDateTime`'s processor; on SQLite the two steps Core takes
    (to naive UTC, then SQLite's ``DATETIME`` text with microseconds) done in one."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if dialect.name != "sqlite":
        return process

    memo: dict[datetime, str] = {}  # a batch's rows share many instants (received_at...)

    def on_sqlite(value: Any) -> Any:
        if type(value) is not datetime or value.tzinfo is None:
            return process(value)  # None, and the errors, as Core has them
        text = memo.get(value)  # equal aware datetimes are the same instant: the same text
        if text is None:
            v = value.astimezone(UTC)
            text = (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
                    f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")
            if len(memo) >= 65536:
                memo.clear()
            memo[value] = text
        return text
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


_UPDATES: dict[tuple[Any, ...],
               tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]] = {}


def update_rows(connection: Connection, table: Table, keys: Sequence[str],
                rows: Sequence[dict[str, Any]]) -> None:
    """``UPDATE table SET <the other columns of each row> WHERE <keys> = ...``, one
    ``executemany`` per set of columns, in the order given. Values are bound as
    :func:`insert_rows` binds them."""
    dialect = connection.dialect
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for names, run in groups.items():
        cache = (table, names, tuple(keys), dialect.name, dialect.paramstyle)
        plan = _UPDATES.get(cache)
        if plan is None:
            sets = [n for n in names if n not in keys]
            order = (*sets, *keys)
            mark = "?" if dialect.paramstyle == "qmark" else "%s"
            quote = dialect.identifier_preparer.quote
            sql = (f"UPDATE {quote(table.name)} SET "
                   + ", ".join(f"{quote(table.c[n].name)} = {mark}" for n in sets)
                   + " WHERE " + " AND ".join(f"{quote(table.c[k].name)} = {mark}"
                                              for k in keys))
            plan = _UPDATES[cache] = (sql, order, tuple(_processor(table.c[n], dialect)
                                                          for n in order))
        sql, order, processors = plan
        try:
            data = [tuple(value if process is None else process(value)
                          for value, process in zip((row[n] for n in order), processors))
                    for row in run]
        except Exception as exc:
            raise StatementError(f"({type(exc).__module__}.{type(exc).__name__}) {exc}",
                                 sql, None, exc) from exc
        connection.exec_driver_sql(sql, data)


def select_rows(connection: Connection, table: Table, names: Sequence[str], key: str,
                values: Sequence[Any], *, order_by: str | None = None, extra: str = "",
                lock: bool = False, size: int = 500) -> list[tuple[Any, ...]]:
    """The rows of ``table`` whose ``key`` is in ``values`` (keys or numbers), as tuples of
    ``names`` typed as Core would load them (each column's result processor); ``extra``: a
    further condition (plain SQL), ``order_by``: a column name; ``lock``: ``FOR UPDATE`` on
    PostgreSQL."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    sql = (f"SELECT {', '.join(quote(table.c[n].name) for n in names)} "
           f"FROM {quote(table.name)} WHERE {quote(table.c[key].name)} IN {{in}}")
    if extra:
        sql += f" AND {extra}"
    if order_by:
        sql += f" ORDER BY {quote(table.c[order_by].name)}"
    if lock and dialect.name == "postgresql":
        sql += " FOR UPDATE"
    processors = [table.c[n].type.dialect_impl(dialect).result_processor(dialect, None)
                  for n in names]
    rows = select_in(connection, sql, values, size=size)
    if not any(processors):
        return rows
    return [tuple(v if f is None else f(v) for v, f in zip(row, processors)) for row in rows]
