"""`python -m pos_member db ...` run as real subprocesses, with POS_MEMBER_HOME in a tmp dir."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
import uuid
from pathlib import Path

import pytest

from pos_member.security.audit import canonical_json, make_entry
from pos_member.store import migrate
from pos_member.store.db import acquire_instance_lock

ROOT = Path(__file__).resolve().parents[2]


def run(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POS_MEMBER_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "pos_member", "db", *args], cwd=ROOT, env=env, check=False,
        capture_output=True, text=True, encoding="utf-8", timeout=timeout,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The error is a single line on stderr, never a traceback."""
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pos-member db: ")
    return lines[0]


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a database seeded with 40 demo members (made through the CLI)."""
    home = tmp_path_factory.mktemp("home")
    result = run(home, "seed-demo", "--members", "40", "--today", "2026-11-24")
    assert result.returncode == 0, result.stderr
    assert "members: added 40 with" in result.stdout
    assert "done in" in result.stdout
    return home


def test_migrate_creates_then_reports_nothing_to_do(tmp_path: Path) -> None:
    first = run(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    head = migrate.head_revision()
    assert "before:   none (new database)" in first.stdout
    assert f"after:    {head}" in first.stdout
    assert (tmp_path / "till.sqlite3").exists()
    second = run(tmp_path, "migrate")
    assert second.returncode == 0
    assert f"before:   {head}" in second.stdout
    assert "already at the newest revision" in second.stdout


def test_migrate_backs_an_old_database_up_first(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    migrate.upgrade(db, "0001")
    result = run(tmp_path, "migrate", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "before:   0001" in result.stdout
    backup_line = next(line for line in result.stdout.splitlines() if line.startswith("backup:"))
    backup = Path(backup_line.split(None, 1)[1])
    assert backup.exists() and backup.parent == tmp_path / "backups"
    assert migrate.current_revision(backup) == "0001"
    assert migrate.current_revision(db) == migrate.head_revision()


def test_seed_demo_twice_skips_what_exists(seeded_home: Path) -> None:
    again = run(seeded_home, "seed-demo", "--members", "40")
    assert again.returncode == 0, again.stderr
    assert "members: the table already holds 40 members, skipped" in again.stdout
    assert "products: all 28 already there, skipped" in again.stdout


def test_info(seeded_home: Path) -> None:
    result = run(seeded_home, "info")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"path:           {seeded_home / 'till.sqlite3'}" in out
    assert f"revision:       {migrate.head_revision()} (head)" in out
    assert "members:        40" in out
    assert "products:       28" in out
    assert "sales:          0" in out
    assert "outbox pending: 0" in out
    terminal = next(line for line in out.splitlines() if line.startswith("terminal:"))
    uuid.UUID(terminal.split()[1])  # a new till gets a UUID, as the sync protocol needs


def test_db_option_before_or_after_the_command(seeded_home: Path, tmp_path: Path) -> None:
    db = str(seeded_home / "till.sqlite3")
    for args in (("--db", db, "info"), ("info", "--db", db)):
        result = run(tmp_path, *args)  # the data folder itself is empty
        assert result.returncode == 0, result.stderr
        assert "members:        40" in result.stdout


def test_check_passes_on_a_sound_database(seeded_home: Path) -> None:
    result = run(seeded_home, "check")
    assert result.returncode == 0, result.stderr
    assert "integrity:    ok" in result.stdout
    assert "foreign keys: ok" in result.stdout
    assert "audit log:    0 entries, chain intact" in result.stdout
    assert result.stdout.rstrip().endswith("ok")


def _write_audit_chain(db: Path, n: int = 3) -> None:
    con = sqlite3.connect(db)
    prev = None
    for i in range(n):
        entry = make_entry(
            prev, actor="S002", approver="S001" if i % 2 else None, action="refund",
            at=datetime(2026, 11, 24, 3, i, tzinfo=UTC), details={"sale": f"s{i}", "fen": 100 * i},
        )
        con.execute(
            "INSERT INTO audit_log (seq, at, actor, approver, action, details, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.seq, entry.at, entry.actor, entry.approver, entry.action,
             canonical_json(entry.details).decode(), entry.prev_hash, entry.hash),
        )
        prev = entry
    con.commit()
    con.close()


def test_check_names_the_first_tampered_audit_entry(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    db = tmp_path / "till.sqlite3"
    _write_audit_chain(db)
    intact = run(tmp_path, "check")
    assert intact.returncode == 0, intact.stderr
    assert "audit log:    3 entries, chain intact" in intact.stdout

    con = sqlite3.connect(db)
    con.execute("""UPDATE audit_log SET details = '{"fen":99900,"sale":"s1"}' WHERE seq = 2""")
    con.commit()
    con.close()
    broken = run(tmp_path, "check")
    assert broken.returncode == 1
    error = one_line_error(broken)
    assert "seq 2" in error and "wrong_hash" in error
    assert "BROKEN at entry seq 2" in broken.stdout


def test_check_reports_an_audit_row_that_is_not_json(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    db = tmp_path / "till.sqlite3"
    _write_audit_chain(db)
    con = sqlite3.connect(db)
    con.execute("UPDATE audit_log SET details = 'garbage' WHERE seq = 3")
    con.commit()
    con.close()
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert "seq 3" in one_line_error(result)


def test_check_reports_a_missing_audit_entry(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").returncode == 0
    db = tmp_path / "till.sqlite3"
    _write_audit_chain(db, n=4)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM audit_log WHERE seq = 2")
    con.commit()
    con.close()
    result = run(tmp_path, "check")
    assert result.returncode == 1
    error = one_line_error(result)
    assert "seq 3" in error and "seq_gap" in error


@pytest.mark.parametrize("command", ["check", "info", "backup", "migrate", "seed-demo"])
def test_a_corrupt_file_is_reported_without_a_traceback(tmp_path: Path, command: str) -> None:
    db = tmp_path / "till.sqlite3"
    db.write_bytes(b"this is not a database, just some bytes\n" * 200)
    result = run(tmp_path, command)
    assert result.returncode == 1
    error = one_line_error(result)
    assert "not a sound SQLite database" in error and str(db) in error


def test_a_damaged_page_fails_the_check(tmp_path: Path) -> None:
    db = tmp_path / "till.sqlite3"
    assert run(tmp_path, "seed-demo", "--members", "300").returncode == 0
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'members'").fetchone()[0]
    con.close()
    # Scribble over the members table's root page, leaving the file header (page 1) intact.
    data = bytearray(db.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + page_size - 8] = os.urandom(page_size - 16)
    db.write_bytes(bytes(data))
    result = run(tmp_path, "check")
    assert result.returncode == 1
    one_line_error(result)


def test_backup_to_the_default_folder_and_to_a_file(seeded_home: Path, tmp_path: Path) -> None:
    result = run(seeded_home, "backup")
    assert result.returncode == 0, result.stderr
    made = sorted((seeded_home / "backups").glob("till-*.sqlite3"))
    assert made, result.stdout
    con = sqlite3.connect(made[-1])
    try:
        assert con.execute("SELECT count(*) FROM members").fetchone() == (40,)
    finally:
        con.close()

    dest = tmp_path / "copy.sqlite3"
    assert run(seeded_home, "backup", str(dest)).returncode == 0
    assert dest.exists()
    again = run(seeded_home, "backup", str(dest))
    assert again.returncode == 2
    assert "already exists" in one_line_error(again)

    folder = tmp_path / "folder"
    folder.mkdir()
    assert run(seeded_home, "backup", str(folder)).returncode == 0
    assert len(list(folder.glob("till-*.sqlite3"))) == 1


def test_commands_on_a_missing_database_are_bad_input(tmp_path: Path) -> None:
    for command in ("info", "check", "backup"):
        result = run(tmp_path, command)
        assert result.returncode == 2
        assert "no database at" in one_line_error(result)
    assert not (tmp_path / "till.sqlite3").exists()  # nothing was created


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--members", "-3"), "--members"),
        (("--members", "lots"), "--members"),
        (("--members", "20000000"), "--members"),
        (("--today", "2026-13-01"), "--today"),
        (("--terminal-id", ""), "terminal id"),
    ],
)
def test_seed_demo_bad_input(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(tmp_path, "seed-demo", *args)
    assert result.returncode == 2
    assert message in one_line_error(result)


def test_changes_are_refused_while_the_till_runs(tmp_path: Path) -> None:
    db = tmp_path / "till.sqlite3"
    migrate.upgrade_to_head(db)
    with acquire_instance_lock(db):
        for args in (("migrate",), ("seed-demo", "--members", "5")):
            result = run(tmp_path, *args)
            assert result.returncode == 1
            assert "already running" in one_line_error(result)
        # Reading is fine while it runs.
        assert run(tmp_path, "info").returncode == 0
        assert run(tmp_path, "check").returncode == 0
