"""Fixtures for the store tests: every test gets its own data folder and database file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pos_member.store import migrate
from pos_member.store.db import create_engine_for, session_factory


@pytest.fixture(autouse=True)
def pos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("POS_MEMBER_HOME", str(home))
    return home


@pytest.fixture
def db_path(pos_home: Path) -> Path:
    return pos_home / "till.sqlite3"


@pytest.fixture
def migrated_db(db_path: Path) -> Path:
    migrate.upgrade_to_head(db_path)
    return db_path


@pytest.fixture
def engine(migrated_db: Path) -> Iterator[Engine]:
    eng = create_engine_for(migrated_db)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
