from pathlib import Path

import platformdirs
import pytest

from pos_member.store import paths


def test_env_var_sets_the_data_folder(pos_home: Path) -> None:
    assert paths.data_dir() == pos_home.resolve()
    assert paths.default_db_path() == pos_home.resolve() / "till.sqlite3"


def test_without_env_var_uses_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POS_MEMBER_HOME")
    expected = Path(platformdirs.user_data_dir("POSMember", appauthor=False, roaming=False))
    assert paths.data_dir() == expected
    assert paths.default_db_path() == expected / "till.sqlite3"


def test_blank_env_var_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POS_MEMBER_HOME", "  ")
    assert paths.data_dir().name == "POSMember"


def test_nothing_is_created(pos_home: Path) -> None:
    paths.default_db_path()
    assert not pos_home.exists()


def test_backups_go_beside_the_database(tmp_path: Path) -> None:
    assert paths.backups_dir_for(tmp_path / "x" / "till.sqlite3") == tmp_path / "x" / "backups"
