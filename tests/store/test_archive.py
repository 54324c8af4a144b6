"""``db prune`` (store.archive): only what the central service confirmed, and only when old."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_member.store import archive, migrate
from pos_member.store.db import acquire_instance_lock
from pos_member.store.types import format_utc
from tests.store.test_db_cli import one_line_error, run

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def days_ago(n: float) -> str:
    return format_utc(NOW - timedelta(days=n))


def add_event(con: sqlite3.Connection, seq: int, status: str, age: float,
              sent_age: float | None = None) -> str:
    event_id = f"00000000-0000-4000-8000-{seq:012d}"
    payload = json.dumps({"seq": seq, "lines": ["x" * 50]}, separators=(",", ":"))
    sent = None if status == "pending" else days_ago(age if sent_age is None else sent_age)
    con.execute(
        "INSERT INTO outbox (event_id, terminal_seq, kind, payload, created_at, sent_at, status,"
        " attempts) VALUES (?, ?, 'sale', ?, ?, ?, ?, 1)",
        (event_id, seq, payload, days_ago(age), sent, status))
    return event_id


def add_job(con: sqlite3.Connection, status: str, age: float) -> int:
    cur = con.execute(
        "INSERT INTO receipt_print_jobs (kind, payload, status, attempts, created_at, printed_at,"
        " copy) VALUES ('receipt', ?, ?, 1, ?, ?, 0)",
        (b"\x1b@" + b"x" * 100, status, days_ago(age),
         days_ago(age) if status == "printed" else None))
    return int(cur.lastrowid)


def rows(con: sqlite3.Connection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prune") / "template.sqlite3"
    migrate.upgrade_to_head(path)
    return path


@pytest.fixture
def till(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "till.sqlite3"
    shutil.copy(template, path)
    return path


def test_prunes_only_old_confirmed_rows_and_archives_the_events(till: Path) -> None:
    con = sqlite3.connect(till, isolation_level=None)
    old_sent = [add_event(con, s, "sent", 200) for s in (1, 2, 3)]
    add_event(con, 4, "pending", 200)             # never accepted: kept
    add_event(con, 5, "conflict", 200)            # parked for the manager: kept
    add_event(con, 6, "sent", 200, sent_age=30)   # created long ago, confirmed lately: kept
    add_event(con, 7, "sent", 10)                 # recent: kept
    add_event(con, 8, "sent", 150)                # the newest event: always kept
    old_job = add_job(con, "printed", 120)
    kept_jobs = {add_job(con, "pending", 120), add_job(con, "failed", 120),
                 add_job(con, "printed", 5)}
    con.execute("INSERT INTO seen_nonces VALUES ('n-old', ?), ('n-new', ?)",
                (days_ago(100), days_ago(-1)))
    payloads = dict(rows(con, "SELECT event_id, payload FROM outbox"))

    dry = archive.prune(till, keep_days=90, dry_run=True, now=NOW)
    assert (dry.outbox_events, dry.print_jobs, dry.nonces, dry.dry_run) == (3, 1, 1, True)
    assert dry.outbox_bytes == sum(len(payloads[e]) for e in old_sent)
    assert rows(con, "SELECT count(*) FROM outbox") == [(8,)]
    assert not archive.default_archive_path(till).exists()

    result = archive.prune(till, keep_days=90, now=NOW)
    assert (result.outbox_events, result.print_jobs, result.nonces) == (3, 1, 1)
    assert result.archive == archive.default_archive_path(till)
    assert [r[0] for r in rows(con, "SELECT terminal_seq FROM outbox ORDER BY 1")] == [
        4, 5, 6, 7, 8]
    assert {r[0] for r in rows(con, "SELECT id FROM receipt_print_jobs")} == kept_jobs
    assert old_job not in kept_jobs
    assert rows(con, "SELECT nonce FROM seen_nonces") == [("n-new",)]

    arch = sqlite3.connect(result.archive)
    got = dict(rows(arch, "SELECT event_id, payload FROM outbox"))
    assert got == {e: payloads[e] for e in old_sent}  # the same text, byte for byte
    assert rows(arch, "SELECT DISTINCT status, archived_at FROM outbox") == [
        ("sent", format_utc(NOW))]
    arch.close()

    again = archive.prune(till, keep_days=90, now=NOW)
    assert again.rows == 0 and again.archive is None
    # a later run adds to the same archive
    later = archive.prune(till, keep_days=20, now=NOW)
    assert later.outbox_events == 1  # seq 6, confirmed 30 days ago
    arch = sqlite3.connect(result.archive)
    assert rows(arch, "SELECT count(*) FROM outbox") == [(4,)]
    arch.close()
    con.close()


def test_a_run_stopped_after_the_archive_copy_is_run_again(till: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(till, isolation_level=None)
    for s in (1, 2, 3):
        add_event(con, s, "sent", 200)
    target = tmp_path / "elsewhere.sqlite3"
    archive.prune(till, keep_days=90, archive=target, now=NOW)
    assert rows(con, "SELECT terminal_seq FROM outbox") == [(3,)]
    # the same events back in the till, as if the delete had not committed
    for s in (1, 2):
        add_event(con, s, "sent", 200)
    result = archive.prune(till, keep_days=90, archive=target, now=NOW)
    assert result.outbox_events == 2
    assert rows(sqlite3.connect(target), "SELECT count(*) FROM outbox") == [(2,)]
    con.close()


def test_without_archive_and_refusals(till: Path) -> None:
    con = sqlite3.connect(till, isolation_level=None)
    for s in (1, 2):
        add_event(con, s, "sent", 200)
    with pytest.raises(archive.PruneRefused, match="at least 7 days"):
        archive.prune(till, keep_days=3, now=NOW)
    with pytest.raises(archive.PruneRefused, match="own database"):
        archive.prune(till, archive=till, now=NOW)
    assert rows(con, "SELECT count(*) FROM outbox") == [(2,)]
    result = archive.prune(till, keep_days=90, archive=False, now=NOW)
    assert result.outbox_events == 1 and result.archive is None
    assert not archive.default_archive_path(till).exists()
    con.close()


EVENT = st.tuples(st.sampled_from(["pending", "sent", "conflict"]),
                  st.integers(0, 400), st.integers(0, 400))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENT, min_size=1, max_size=25), keep=st.integers(7, 365))
def test_property_nothing_unconfirmed_or_recent_is_touched(
    template: Path, tmp_path: Path, events: list[tuple[str, int, int]], keep: int,
) -> None:
    path = tmp_path / f"p{keep}-{len(events)}.sqlite3"
    shutil.copy(template, path)
    arch_path = tmp_path / "arch.sqlite3"
    arch_path.unlink(missing_ok=True)
    con = sqlite3.connect(path, isolation_level=None)
    for seq, (status, created, sent_after) in enumerate(events, start=1):
        add_event(con, seq, status, created, sent_age=max(0, created - sent_after))
    before = {r[1]: r for r in rows(con, "SELECT * FROM outbox")}
    con.close()
    archive.prune(path, keep_days=keep, archive=arch_path, now=NOW)
    con = sqlite3.connect(path)
    after = {r[1]: r for r in rows(con, "SELECT * FROM outbox")}
    con.close()
    cutoff = days_ago(keep)
    newest = max(r[2] for r in before.values())
    for event_id, row in before.items():
        status, created_at, sent_at, seq = row[7], row[5], row[6], row[2]
        may_go = status == "sent" and sent_at < cutoff and created_at < cutoff and seq < newest
        if may_go:
            assert event_id not in after
        else:
            assert after[event_id] == row  # untouched, every column
    gone = set(before) - set(after)
    archived = set()
    if arch_path.exists():
        archived = {r[0] for r in rows(sqlite3.connect(arch_path), "SELECT event_id FROM outbox")}
    assert archived == gone


def test_cli_dry_run_prune_lock_and_bad_input(tmp_path: Path, template: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    till = home / "till.sqlite3"
    shutil.copy(template, till)
    con = sqlite3.connect(till, isolation_level=None)
    real_now = datetime.now(UTC)
    for s in (1, 2, 3):
        con.execute(
            "INSERT INTO outbox (event_id, terminal_seq, kind, payload, created_at, sent_at,"
            " status, attempts) VALUES (?, ?, 'sale', '{}', ?, ?, 'sent', 1)",
            (f"e{s}", s, format_utc(real_now - timedelta(days=100)),
             format_utc(real_now - timedelta(days=100))))
    con.close()

    result = run(home, "prune", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would prune" in result.stdout and "outbox events sent:  2" in result.stdout
    assert "sales confirmed:     0" in result.stdout  # the sales policy runs too

    result = run(home, "prune", "--keep-days", "soon")
    assert result.returncode != 0
    assert "--keep-days needs a whole number" in one_line_error(result)
    result = run(home, "prune", "--keep-days", "2")
    assert result.returncode != 0 and "at least 7 days" in one_line_error(result)

    lock = acquire_instance_lock(till)
    try:
        result = run(home, "prune")
        assert result.returncode != 0
        one_line_error(result)
    finally:
        lock.release()

    result = run(home, "prune")
    assert result.returncode == 0, result.stderr
    assert "pruned" in result.stdout and "till-archive.sqlite3" in result.stdout
    assert "sales confirmed:     0" in result.stdout
    result = run(home, "prune", "--no-archive", "--dry-run")
    assert result.returncode == 0 and "sales:               kept (no archive)" in result.stdout
    con = sqlite3.connect(till)
    assert rows(con, "SELECT event_id FROM outbox") == [("e3",)]
    con.close()
    result = run(home, "check")
    assert result.returncode == 0, result.stdout + result.stderr
