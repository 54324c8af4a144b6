"""Every application test gets its own data folder ($POS_MEMBER_HOME)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def pos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("POS_MEMBER_HOME", str(home))
    return home


@pytest.fixture
def db_path(pos_home: Path) -> Path:
    return pos_home / "till.sqlite3"
