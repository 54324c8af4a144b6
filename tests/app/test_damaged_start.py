"""Start-up on damaged data never starts a new till over an old one.

A zero-byte, missing (with backups present) or corrupt ``till.sqlite3``, or one that lost
committed transactions (its ``-wal`` vanished), stops the start with a calm message naming the
problem and the newest good backup; nothing is created or changed. A truly empty data folder
still gets the demo till.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pos_member.app import open_till
from pos_member.store import health
from pos_member.store import repositories as repo
from pos_member.store.backups import daily_backup, restore_backup
from pos_member.store.db import transaction

from .support import run_main


def make_till(db: Path, sales: int = 0) -> str:
    """A till with the demo brand, today's backup, and ``sales`` terminal numbers handed out
    the way a sale takes them. Returns its terminal id."""
    till = open_till(db, seed_demo_if_new=True, demo_members=30)
    try:
        daily_backup(db)
        sell(till, sales)
        return till.ctx.terminal_id
    finally:
        till.close()
        _dispose(till)


def sell(till, n: int) -> None:
    for _ in range(n):
        with transaction(till.ctx.sessions) as s:
            repo.next_terminal_seq(s)


def _dispose(till) -> None:
    for factory in (till.ctx.sessions, till.ctx.readers):
        factory.kw["bind"].dispose()


def terminal_id_in(db: Path) -> str | None:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM sync_state WHERE key = 'terminal_id'").fetchone()
    finally:
        con.close()
    return row[0] if row else None


def assert_refused(out, *words: str) -> None:
    assert out.returncode == 2, out.stdout + out.stderr
    assert "till ready" not in out.stdout
    assert "Traceback" not in out.stderr
    for word in words:
        assert word in out.stderr, out.stderr
    assert "db restore" in out.stderr


def test_a_first_start_on_an_empty_folder_still_creates_the_demo_till(pos_home):
    out = run_main(pos_home, "--headless", "--demo-members", "20")
    assert out.returncode == 0, out.stderr
    assert "till ready" in out.stdout
    assert health.mark_path_for(pos_home / "till.sqlite3").is_file()


def test_a_zero_byte_database_is_refused_not_replaced_by_a_new_till(db_path):
    make_till(db_path)
    backup = next((db_path.parent / "backups").glob("till-daily-*.sqlite3"))
    db_path.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    out = run_main(db_path.parent, "--headless")
    assert_refused(out, "empty (0 bytes)", backup.name)
    assert db_path.stat().st_size == 0  # no new database, no new terminal id


def test_a_zero_byte_database_without_any_backup_is_refused_too(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    with pytest.raises(health.DatabaseDamaged) as caught:
        open_till(db_path, seed_demo_if_new=True)
    assert caught.value.problem == health.EMPTY and caught.value.backup is None
    assert "No sound backup" in str(caught.value)
    assert db_path.stat().st_size == 0


def test_a_missing_database_with_backups_present_is_refused(db_path):
    make_till(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    out = run_main(db_path.parent, "--headless")
    assert_refused(out, "is missing", "till-daily-")
    assert not db_path.exists()


def test_a_corrupt_database_is_found_at_start(db_path):
    make_till(db_path)
    con = sqlite3.connect(db_path)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    assert pages > 10
    with open(db_path, "r+b") as fh:  # scribble over a page in the middle of the file
        fh.seek(size * (pages // 2))
        fh.write(b"\xde\xad\xbe\xef" * (size // 4))
    out = run_main(db_path.parent, "--headless")
    assert_refused(out, "till-daily-")
    # SQLite names the damage by what it meets first: a failed quick_check, or a page it
    # cannot read at all ("database disk image is malformed").
    assert "damaged" in out.stderr or "cannot be read" in out.stderr, out.stderr


def test_garbage_in_place_of_the_database_is_refused(db_path):
    make_till(db_path)
    db_path.write_bytes(b"\0garbage" * 2000)
    with pytest.raises(health.DatabaseDamaged) as caught:
        open_till(db_path)
    assert caught.value.problem == health.CORRUPT
    assert caught.value.backup is not None and caught.value.backup.name.startswith("till-daily")


def test_a_database_that_lost_its_wal_is_behind_its_high_water_mark(db_path):
    make_till(db_path, sales=2)
    snapshot = db_path.read_bytes()  # closed and checkpointed: the whole database so far
    till = open_till(db_path)
    try:
        sell(till, 3)  # three more sales, then the -wal holding them vanishes
    finally:
        till.close()
        _dispose(till)
    assert health.read_mark(db_path).next_terminal_seq == 6
    db_path.write_bytes(snapshot)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    out = run_main(db_path.parent, "--headless")
    assert_refused(out, "is behind", "terminal sequence 5", "terminal sequence 2", "-wal")


def test_the_mark_follows_every_commit_and_never_runs_ahead(db_path):
    make_till(db_path)
    till = open_till(db_path)
    try:
        before = health.read_mark(db_path).next_terminal_seq
        sell(till, 2)
        assert health.read_mark(db_path).next_terminal_seq == before + 2
        with pytest.raises(RuntimeError):  # a rolled-back sale moves nothing
            with transaction(till.ctx.sessions) as s:
                repo.next_terminal_seq(s)
                raise RuntimeError("the sale failed")
        with transaction(till.ctx.sessions) as s:
            repo.get_setting(s, "store_tz")  # a commit that changes nothing
        assert health.read_mark(db_path).next_terminal_seq == before + 2
        assert health.read_mark(db_path).terminal_id == till.ctx.terminal_id
    finally:
        till.close()
        _dispose(till)


def test_a_database_of_another_terminal_is_refused(db_path, tmp_path):
    make_till(db_path)
    other = tmp_path / "other" / "till.sqlite3"
    make_till(other)
    shutil.copyfile(other, db_path)
    with pytest.raises(health.DatabaseDamaged) as caught:
        open_till(db_path)
    assert caught.value.problem == health.OTHER_TILL


def test_db_restore_after_damage_lets_the_till_start_again(db_path):
    terminal = make_till(db_path, sales=1)
    backup = next((db_path.parent / "backups").glob("till-daily-*.sqlite3"))
    db_path.write_bytes(b"")
    restored = run_main(db_path.parent, "db", "restore", backup.name, "--yes")
    assert restored.returncode == 0, restored.stderr
    out = run_main(db_path.parent, "--headless")
    assert out.returncode == 0, out.stderr
    assert terminal_id_in(db_path) == terminal  # the same till, not a new one
    assert f"terminal {terminal}" in out.stdout


def test_restoring_an_older_backup_rewrites_the_mark(db_path):
    make_till(db_path)  # the backup holds terminal sequence 0
    backup = next((db_path.parent / "backups").glob("till-daily-*.sqlite3"))
    till = open_till(db_path)
    try:
        sell(till, 4)
    finally:
        till.close()
        _dispose(till)
    restore_backup(db_path, backup)
    assert health.read_mark(db_path).next_terminal_seq == 1
    assert health.check_database(db_path) == "existing"


def test_an_unreadable_mark_is_ignored_not_fatal(db_path):
    make_till(db_path)
    health.mark_path_for(db_path).write_text("{half", encoding="utf-8")
    assert health.check_database(db_path) == "existing"


def _read_only_runner(home: Path):
    """Run ``main.py`` on ``home`` made read-only: with chmod for an ordinary user; as root
    (which ignores permissions) with a read-only bind mount in a private mount namespace."""
    import os
    import subprocess
    import sys

    from .support import ROOT, child_env

    if os.geteuid() != 0:
        for folder in (home, *[p for p in home.rglob("*") if p.is_dir()]):
            folder.chmod(0o555)
        return lambda *args: run_main(home, *args)
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "-m", "true"], capture_output=True,
                           check=False) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("as root a read-only folder needs a mount namespace (unshare -m), which "
                    "this machine does not allow")

    def run(*args: str):
        script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        return subprocess.run([unshare, "-m", "sh", "-c", script, str(home), sys.executable,
                               str(ROOT / "main.py"), *args], cwd=ROOT, env=child_env(home),
                              capture_output=True, text=True, check=False, timeout=180,
                              stdin=subprocess.DEVNULL)
    return run


def test_a_read_only_data_folder_gives_a_clear_message_not_a_traceback(db_path):
    make_till(db_path)
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{db_path}{suffix}").exists()  # closed cleanly
    out = _read_only_runner(db_path.parent)("--headless")
    try:
        assert out.returncode == 2, out.stdout + out.stderr
        assert "Traceback" not in out.stderr
        assert "cannot write to its data folder" in out.stderr
        assert "POS_MEMBER_HOME" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    finally:
        for folder in (db_path.parent, *[p for p in db_path.parent.rglob("*") if p.is_dir()]):
            folder.chmod(0o755)


def test_a_failed_start_up_backup_is_told_on_stderr_and_the_till_still_starts(db_path):
    make_till(db_path)
    backups = db_path.parent / "backups"
    shutil.rmtree(backups)
    backups.write_text("a file where the backups folder should be", encoding="utf-8")
    out = run_main(db_path.parent, "--headless")
    assert out.returncode == 0, out.stderr
    assert "till ready" in out.stdout
    assert "warning: today's backup failed" in out.stderr and "Traceback" not in out.stderr
