"""Alembic environment for the till database.

Normally run by :func:`pos_member.store.migrate.upgrade_to_head`, which passes a ready
connection in ``config.attributes["connection"]`` (foreign keys off, transaction begun).
Run by hand (``alembic -c <ini> ...``), it opens ``sqlalchemy.url`` or the default database.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.types import TypeDecorator

from pos_member.store.db import _build_engine
from pos_member.store.models import metadata as target_metadata
from pos_member.store.paths import default_db_path

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import the project's column types (a later change to them would
    # rewrite history): render each TypeDecorator as the plain type it stores.
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: copy-and-move tables
        compare_type=True,
        render_item=_render_item,
        # With BEGIN IMMEDIATE issued by SQLAlchemy (see db.py), SQLite DDL is transactional,
        # so all pending revisions run in one transaction: all or nothing.
        transactional_ddl=True,
        **kwargs,
    )


def _assert_foreign_keys_off(connection: Any) -> None:
    on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if on:
        raise RuntimeError(
            "migrations must run with PRAGMA foreign_keys=OFF: a batch table copy would "
            "cascade-delete child rows"
        )


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or f"sqlite:///{default_db_path()}"
    _configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _assert_foreign_keys_off(connection)
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    url = config.get_main_option("sqlalchemy.url")
    path = url.removeprefix("sqlite:///") if url else str(default_db_path())
    engine = _build_engine(path, foreign_keys=False)
    try:
        with engine.connect() as conn, conn.begin():  # committed when the block ends
            _assert_foreign_keys_off(conn)
            _configure(connection=conn)
            context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
