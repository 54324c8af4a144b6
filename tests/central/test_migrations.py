"""The Alembic migrations build exactly the schema of the models, and go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from pos_central import migrations
from pos_central.db import make_engine
from pos_central.models import Base
from tests.central.server_fixture import isolated_database


def test_migrations_match_the_models(central_database_kind, tmp_path):
    with isolated_database(central_database_kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine)
            with engine.connect() as conn:
                diff = compare_metadata(
                    MigrationContext.configure(conn, opts={"compare_type": True}),
                    Base.metadata)
            assert diff == []
            assert migrations.current_revision(engine) == "0008"
            migrations.downgrade(engine, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            migrations.upgrade(engine)
            assert "events" in inspect(engine).get_table_names()
        finally:
            engine.dispose()


def test_the_service_refuses_to_start_on_an_empty_database(tmp_path):
    import asyncio

    import pytest

    from pos_central.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'empty.db'}")

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(RuntimeError, match="pos_central migrate"):
        asyncio.run(start())
