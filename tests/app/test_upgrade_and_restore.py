"""Upgrading a database made by the previous release keeps every sale, member and outbox
event and leaves a backup; restoring that backup rolls the upgrade back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pos_member.app import open_till
from pos_member.cli import main
from pos_member.store import migrate
from pos_member.store.backups import (
    RestoreError,
    daily_backup,
    inspect_backup,
    list_backups,
    restore_backup,
)
from pos_member.store.db import acquire_instance_lock

from .support import (
    KEPT_TABLES,
    MEMBERS,
    PREVIOUS_RELEASE_REVISION,
    SALES,
    dump,
    make_previous_release_db,
)

HEAD = migrate.head_revision()


def test_previous_release_database_upgrades_with_every_row_kept_and_a_backup(db_path):
    assert PREVIOUS_RELEASE_REVISION != HEAD
    before = make_previous_release_db(db_path)
    assert len(before["members"]) == MEMBERS and len(before["sales"]) == SALES

    till = open_till(db_path)
    try:
        assert migrate.current_revision(db_path) == HEAD
        for table in KEPT_TABLES:
            assert dump(db_path, table) == before[table], table
        with till.ctx.read_sessions() as s:
            from sqlalchemy import func, select

            from pos_member.store.models import Member, Sale
            from pos_member.store.repositories import count_pending_outbox

            assert s.scalar(select(func.count()).select_from(Member)) == MEMBERS
            assert s.scalar(select(func.count()).select_from(Sale)) == SALES
            pending = sum(1 for row in before["outbox"] if "pending" in row)
            assert count_pending_outbox(s) == pending
        assert till.ctx.terminal_id == "T01"  # the settings came through too
    finally:
        till.close()
    assert migrate.integrity_check(db_path) == []

    backups = [p for p in list_backups(db_path) if "daily" not in p.name]
    assert len(backups) == 1
    backup = backups[0]
    assert backup.name.endswith(f"-{PREVIOUS_RELEASE_REVISION}.sqlite3")
    assert inspect_backup(backup) == PREVIOUS_RELEASE_REVISION
    for table in KEPT_TABLES:
        assert dump(backup, table) == before[table], table


def test_restoring_the_upgrade_backup_rolls_the_upgrade_back(db_path):
    before = make_previous_release_db(db_path)
    open_till(db_path).close()
    upgrade_backup = next(p for p in list_backups(db_path) if "daily" not in p.name)
    # the till sold something after the upgrade
    con = sqlite3.connect(db_path)
    with con:
        con.execute("UPDATE members SET points = 999 WHERE id = 'member-0001'")
    con.close()

    with acquire_instance_lock(db_path):
        result = restore_backup(db_path, upgrade_backup)
    assert result.revision == PREVIOUS_RELEASE_REVISION and result.previous_revision == HEAD
    assert migrate.current_revision(db_path) == PREVIOUS_RELEASE_REVISION
    for table in KEPT_TABLES:
        assert dump(db_path, table) == before[table], table
    assert migrate.integrity_check(db_path) == []
    # the state before the restore was kept, and can itself be restored
    assert result.safety_copy is not None and result.safety_copy.name.endswith(
        f"-{HEAD}-before-restore.sqlite3")
    assert inspect_backup(result.safety_copy) == HEAD
    con = sqlite3.connect(result.safety_copy)
    assert con.execute("SELECT points FROM members WHERE id = 'member-0001'").fetchone() == (999,)
    con.close()
    # and starting this release again upgrades it again, after a new backup
    open_till(db_path).close()
    assert migrate.current_revision(db_path) == HEAD
    assert dump(db_path, "members") == before["members"]


def test_restore_refuses_what_is_not_a_sound_till_database(db_path, tmp_path):
    migrate.upgrade_to_head(db_path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not sqlite" * 500)
    other = tmp_path / "other.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (x)")
    con.close()
    for bad, words in ((junk, "not a sound SQLite database"), (other, "not a till database"),
                       (tmp_path / "missing.sqlite3", "no backup file")):
        with pytest.raises(RestoreError, match=words):
            restore_backup(db_path, bad)
    with pytest.raises(RestoreError, match="itself"):
        restore_backup(db_path, db_path)
    assert migrate.current_revision(db_path) == HEAD


def test_restore_over_a_damaged_database_moves_it_aside(db_path, tmp_path):
    migrate.upgrade_to_head(db_path)
    good = daily_backup(db_path).path
    db_path.write_bytes(b"\0garbage" * 2000)  # the disk ate it
    result = restore_backup(db_path, good)
    assert result.safety_copy is None and result.moved_aside
    assert result.moved_aside[0].read_bytes().startswith(b"\0garbage")
    assert migrate.current_revision(db_path) == HEAD
    assert migrate.integrity_check(db_path) == []


def test_restore_into_a_missing_database(db_path):
    migrate.upgrade_to_head(db_path)
    good = daily_backup(db_path).path
    db_path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    result = restore_backup(db_path, good)
    assert result.previous_revision is None and result.safety_copy is None
    assert migrate.current_revision(db_path) == HEAD


# --- the command line ------------------------------------------------------------------------


def test_db_restore_command(db_path, capsys):
    before = make_previous_release_db(db_path)
    open_till(db_path).close()
    name = next(p for p in list_backups(db_path) if "daily" not in p.name).name

    assert main(["db", "restore", "--list", "--db", str(db_path)]) == 0
    listed = capsys.readouterr().out
    assert name in listed and f"revision {PREVIOUS_RELEASE_REVISION}" in listed

    assert main(["db", "--db", str(db_path), "restore", name, "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"restored: revision {PREVIOUS_RELEASE_REVISION}" in out
    assert "before-restore" in out and f"upgrades revision {PREVIOUS_RELEASE_REVISION}" in out
    assert dump(db_path, "sales") == before["sales"]


def test_db_restore_is_refused_while_the_till_runs(db_path, capsys):
    migrate.upgrade_to_head(db_path)
    backup = daily_backup(db_path).path
    till = open_till(db_path)
    try:
        assert main(["db", "restore", str(backup), "--yes", "--db", str(db_path)]) == 1
    finally:
        till.close()
    err = capsys.readouterr().err
    assert "already running" in err and "Close the till" in err


def test_db_restore_bad_input(db_path, capsys):
    migrate.upgrade_to_head(db_path)
    assert main(["db", "restore", "nope.sqlite3", "--db", str(db_path)]) == 2
    assert "db restore --list" in capsys.readouterr().err
    assert main(["db", "restore", "--db", str(db_path)]) == 2  # lists, then asks for a name
    captured = capsys.readouterr()
    assert "backups of" in captured.out and "name the backup" in captured.err
