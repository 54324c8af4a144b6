"""Daily backups: one a day named by the date, the newest N kept, upgrade backups never
pruned, and the scheduler thread that makes them while the till runs."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pos_member.store import migrate
from pos_member.store.backups import (
    BackupScheduler,
    daily_backup,
    daily_backups,
    inspect_backup,
    keep_from_env,
    prune_daily_backups,
)
from pos_member.store.paths import backups_dir_for

SHANGHAI = timezone(timedelta(hours=8))


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2024, 5, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def till_db(db_path: Path) -> Path:
    migrate.upgrade_to_head(db_path)
    con = sqlite3.connect(db_path)
    with con:
        con.execute("INSERT INTO sync_state (key, value) VALUES ('marker', 'day 0')")
    con.close()
    return db_path


def marker(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT value FROM sync_state WHERE key = 'marker'").fetchone()[0]
    finally:
        con.close()


def set_marker(path: Path, value: str) -> None:
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE sync_state SET value = ? WHERE key = 'marker'", (value,))
    con.close()


def test_daily_backup_is_named_by_the_local_date_and_made_once_a_day(till_db):
    first = daily_backup(till_db, now=at(1))
    assert first is not None and first.created
    assert first.path == backups_dir_for(till_db) / "till-daily-2024-05-01.sqlite3"
    assert inspect_backup(first.path) == migrate.head_revision()
    assert marker(first.path) == "day 0"

    set_marker(till_db, "later on day 1")
    again = daily_backup(till_db, now=at(1, 23))
    assert again is not None and not again.created and again.path == first.path
    assert marker(first.path) == "day 0"  # the day's backup is not overwritten

    # 01:00 in Shanghai on 2 May is still 1 May in UTC: the store's local date counts
    next_day = daily_backup(till_db, now=at(2, 1))
    assert next_day.created and next_day.path.name == "till-daily-2024-05-02.sqlite3"
    assert marker(next_day.path) == "later on day 1"


def test_only_the_newest_n_daily_backups_are_kept(till_db):
    for day in range(1, 11):
        set_marker(till_db, f"day {day}")
        result = daily_backup(till_db, keep=3, now=at(day))
    assert [p.name for _d, p in daily_backups(till_db)] == [
        "till-daily-2024-05-08.sqlite3", "till-daily-2024-05-09.sqlite3",
        "till-daily-2024-05-10.sqlite3"]
    assert [p.name for p in result.pruned] == ["till-daily-2024-05-07.sqlite3"]
    assert marker(daily_backups(till_db)[-1][1]) == "day 10"


def test_pruning_never_touches_upgrade_backups_or_other_files(till_db, tmp_path):
    folder = backups_dir_for(till_db)
    folder.mkdir(parents=True, exist_ok=True)
    upgrade_backup = folder / "till-20240501T020000Z-0001.sqlite3"
    before_restore = folder / "till-20240502T020000Z-0002-before-restore.sqlite3"
    other_db_daily = folder / "other-daily-2024-01-01.sqlite3"
    for p in (upgrade_backup, before_restore, other_db_daily):
        migrate.backup(till_db, p)
    stale_partial = folder / "till-daily-2024-04-01.sqlite3.partial"
    stale_partial.write_bytes(b"half a copy")
    for day in range(1, 6):
        daily_backup(till_db, keep=2, now=at(day))
    assert upgrade_backup.exists() and before_restore.exists() and other_db_daily.exists()
    assert not stale_partial.exists()
    assert len(daily_backups(till_db)) == 2


def test_no_database_no_backup(db_path):
    assert daily_backup(db_path, now=at(1)) is None
    assert not backups_dir_for(db_path).exists()


def test_keep_must_be_positive_and_comes_from_the_environment(till_db, monkeypatch):
    with pytest.raises(ValueError):
        prune_daily_backups(till_db, keep=0)
    monkeypatch.setenv("POS_MEMBER_BACKUP_KEEP", "30")
    assert keep_from_env() == 30
    for bad in ("0", "-3", "many", ""):
        monkeypatch.setenv("POS_MEMBER_BACKUP_KEEP", bad)
        assert keep_from_env() == 14


def test_a_backup_taken_while_the_till_writes_is_sound(till_db):
    """The online backup API copies a consistent snapshot while another connection commits."""
    stop = threading.Event()

    def sell() -> None:
        con = sqlite3.connect(till_db, timeout=5)
        con.execute("PRAGMA journal_mode = WAL")
        n = 0
        while not stop.is_set():
            n += 1
            with con:
                con.execute("INSERT INTO sync_state (key, value) VALUES (?, 'x')", (f"k{n}",))
        con.close()

    writer = threading.Thread(target=sell)
    writer.start()
    try:
        time.sleep(0.05)
        results = [daily_backup(till_db, now=at(day)) for day in range(1, 4)]
    finally:
        stop.set()
        writer.join()
    for r in results:
        assert inspect_backup(r.path) == migrate.head_revision()
        assert migrate.integrity_check(r.path) == []


def test_the_scheduler_backs_up_at_start_and_when_the_day_turns(till_db):
    made: list[str] = []
    holder: list[BackupScheduler] = []

    def clock() -> datetime:  # three checks a "day"
        return at(1 + (holder[0].checks - 1) // 3)

    scheduler = BackupScheduler(till_db, keep=14, check_every=0.01, clock=clock,
                                on_backup=lambda r: made.append(r.path.name))
    holder.append(scheduler)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while scheduler.checks < 9 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        t0 = time.monotonic()
        scheduler.stop()
        stopped_in = time.monotonic() - t0
    assert not scheduler.is_alive()
    assert stopped_in < 2
    assert made[:3] == ["till-daily-2024-05-01.sqlite3", "till-daily-2024-05-02.sqlite3",
                        "till-daily-2024-05-03.sqlite3"]
    assert len(made) == len(set(made))  # once a day, however often it looks


def test_the_scheduler_stops_at_once_even_with_a_long_wait(till_db):
    scheduler = BackupScheduler(till_db, check_every=3600)
    scheduler.start()
    deadline = time.monotonic() + 10
    while scheduler.checks == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    scheduler.stop()
    assert time.monotonic() - t0 < 2
    assert scheduler.last_result is not None and scheduler.last_result.created


def test_a_failed_backup_is_reported_and_retried_not_raised(tmp_path):
    not_a_db = tmp_path / "home" / "till.sqlite3"
    not_a_db.parent.mkdir(parents=True)
    not_a_db.write_bytes(b"this is not a database" * 100)
    errors: list[BaseException] = []
    scheduler = BackupScheduler(not_a_db, check_every=0.01, on_error=errors.append)
    scheduler.start()
    deadline = time.monotonic() + 10
    while len(errors) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()
    assert len(errors) >= 2 and scheduler.last_error is not None
    assert daily_backups(not_a_db) == []


def test_a_failed_backup_leaves_no_partial_file(tmp_path):
    not_a_db = tmp_path / "home" / "till.sqlite3"
    not_a_db.parent.mkdir(parents=True)
    not_a_db.write_bytes(b"this is not a database" * 100)
    scheduler = BackupScheduler(not_a_db)
    assert scheduler.run_once() is None and scheduler.last_error is not None
    assert list(backups_dir_for(not_a_db).iterdir()) == []  # no .partial left behind
