"""Engine PRAGMAs, BEGIN IMMEDIATE, units of work and the single-instance lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from pos_member.store.db import (
    InstanceLockedError,
    acquire_instance_lock,
    create_engine_for,
    lock_path_for,
    session_factory,
    transaction,
)
from pos_member.store.models import SyncState
from pos_member.store.repositories import get_setting, set_setting


def test_pragmas_on_a_new_connection(engine) -> None:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert raw.isolation_level is None  # SQLAlchemy, not pysqlite, emits BEGIN


def test_pragmas_hold_for_every_pooled_connection(engine) -> None:
    conns = [engine.raw_connection() for _ in range(3)]  # three distinct DBAPI connections
    try:
        for conn in conns:
            assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        for conn in conns:
            conn.close()


def test_new_file_is_created_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "till.sqlite3"
    eng = create_engine_for(path)
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        eng.dispose()
    assert path.exists()


def test_transactions_begin_immediate(engine) -> None:
    # What SQLite itself runs (the BEGIN goes to the DBAPI connection, not through Core).
    statements: list[str] = []
    with engine.connect() as conn:
        conn.connection.driver_connection.set_trace_callback(statements.append)
    sessions = session_factory(engine)
    try:
        with transaction(sessions) as s:
            s.scalar(select(SyncState.value).where(SyncState.key == "x"))
    finally:
        with engine.connect() as conn:
            conn.connection.driver_connection.set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[1].startswith("SELECT")


def test_a_read_in_a_write_session_already_holds_the_write_lock(migrated_db: Path) -> None:
    a = create_engine_for(migrated_db)
    b = create_engine_for(migrated_db, busy_timeout_ms=200)
    try:
        with a.connect() as ca:
            ca.exec_driver_sql("SELECT 1 FROM sync_state").all()  # only a read, but IMMEDIATE
            with b.connect() as cb, pytest.raises(OperationalError, match="database is locked"):
                cb.exec_driver_sql("SELECT 1").all()
    finally:
        a.dispose()
        b.dispose()


def test_second_writer_waits_for_busy_timeout_then_fails(migrated_db: Path) -> None:
    a = create_engine_for(migrated_db)
    b = create_engine_for(migrated_db, busy_timeout_ms=400)
    try:
        with a.begin() as ca:
            ca.execute(text("INSERT INTO sync_state (key, value) VALUES ('a', '1')"))
            started = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                with b.begin() as cb:
                    cb.execute(text("INSERT INTO sync_state (key, value) VALUES ('b', '1')"))
            waited = time.monotonic() - started
        assert waited >= 0.35, f"gave up after {waited:.3f}s, before the busy timeout"
        assert waited < 3.0
    finally:
        a.dispose()
        b.dispose()


def test_second_writer_proceeds_once_the_first_commits(migrated_db: Path) -> None:
    """Two read-modify-write units of work on one file: serialised, no lost update."""
    a = create_engine_for(migrated_db)
    b = create_engine_for(migrated_db)
    sa, sb = session_factory(a), session_factory(b)
    with transaction(sa) as s:
        set_setting(s, "counter", "0")
    first_has_lock = threading.Event()
    errors: list[BaseException] = []

    def slow_increment() -> None:
        try:
            with transaction(sa) as s:
                value = int(get_setting(s, "counter") or "0")
                first_has_lock.set()
                time.sleep(0.3)
                set_setting(s, "counter", str(value + 1))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_has_lock.set()

    worker = threading.Thread(target=slow_increment)
    worker.start()
    try:
        assert first_has_lock.wait(5)
        started = time.monotonic()
        with transaction(sb) as s:  # waits at BEGIN IMMEDIATE, then reads the new value
            value = int(get_setting(s, "counter") or "0")
            set_setting(s, "counter", str(value + 1))
        waited = time.monotonic() - started
    finally:
        worker.join()
        a.dispose()
        b.dispose()
    assert not errors
    assert waited >= 0.1
    check = create_engine_for(migrated_db)
    try:
        with transaction(session_factory(check)) as s:
            assert get_setting(s, "counter") == "2"
    finally:
        check.dispose()


def test_read_only_engine_neither_locks_nor_writes(migrated_db: Path) -> None:
    writer = create_engine_for(migrated_db)
    reader = create_engine_for(migrated_db, read_only=True, busy_timeout_ms=200)
    try:
        with writer.begin() as w:
            w.execute(text("INSERT INTO sync_state (key, value) VALUES ('k', 'v')"))
            with reader.connect() as r:  # deferred BEGIN: reads while the writer holds the lock
                assert r.exec_driver_sql("SELECT count(*) FROM sync_state").scalar() == 0
        with reader.connect() as r:
            assert r.exec_driver_sql("SELECT value FROM sync_state").scalar() == "v"
            with pytest.raises(OperationalError, match="readonly"):
                r.exec_driver_sql("DELETE FROM sync_state")
    finally:
        writer.dispose()
        reader.dispose()


def test_transaction_commits_or_rolls_back(sessions) -> None:
    with transaction(sessions) as s:
        set_setting(s, "kept", "1")
    with pytest.raises(RuntimeError):
        with transaction(sessions) as s:
            set_setting(s, "lost", "1")
            raise RuntimeError("boom")
    with transaction(sessions) as s:
        assert get_setting(s, "kept") == "1"
        assert get_setting(s, "lost") is None


def test_savepoints_work_inside_a_unit_of_work(sessions) -> None:
    with transaction(sessions) as s:
        set_setting(s, "outer", "1")
        with pytest.raises(RuntimeError):
            with s.begin_nested():
                set_setting(s, "inner", "1")
                raise RuntimeError("roll back the savepoint only")
    with transaction(sessions) as s:
        assert get_setting(s, "outer") == "1"
        assert get_setting(s, "inner") is None


def test_objects_stay_readable_after_commit(sessions) -> None:
    with transaction(sessions) as s:
        set_setting(s, "k", "v")
        row = s.get(SyncState, "k")
    assert row is not None and row.value == "v"  # no DetachedInstanceError


# ---------------------------------------------------------------------------------------------
# Single-instance lock

_HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pos_member.store.db import acquire_instance_lock
    lock = acquire_instance_lock(sys.argv[1])
    print("locked", flush=True)
    sys.stdin.readline()
    lock.release()
    """
)

_TRY_LOCK = textwrap.dedent(
    """
    import sys
    from pos_member.store.db import InstanceLockedError, acquire_instance_lock
    try:
        acquire_instance_lock(sys.argv[1])
    except InstanceLockedError as exc:
        print("refused:", exc)
        sys.exit(3)
    print("acquired")
    """
)


def test_instance_lock_refuses_a_second_process(db_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        other = subprocess.run(
            [sys.executable, "-c", _TRY_LOCK, str(db_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert other.returncode == 3, other.stdout + other.stderr
        assert "already running" in other.stdout
        assert f"process {holder.pid}" in other.stdout

        with pytest.raises(InstanceLockedError):  # and this process too
            acquire_instance_lock(db_path)
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)

    again = subprocess.run(
        [sys.executable, "-c", _TRY_LOCK, str(db_path)], capture_output=True, text=True
    )
    assert again.returncode == 0 and "acquired" in again.stdout


def test_instance_lock_is_freed_when_the_holder_dies(db_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait(timeout=30)
    with acquire_instance_lock(db_path) as lock:
        assert lock.held
        assert lock.path == lock_path_for(db_path)
    assert not lock.held


def test_instance_lock_in_process_and_release(db_path: Path) -> None:
    lock = acquire_instance_lock(db_path)
    try:
        with pytest.raises(InstanceLockedError, match="already running"):
            acquire_instance_lock(db_path)
    finally:
        lock.release()
    lock.release()  # idempotent
    acquire_instance_lock(db_path).release()
    assert lock_path_for(db_path).name == "till.sqlite3.lock"


def test_store_imports_neither_qt_nor_the_network_stack(db_path: Path) -> None:
    code = (
        "import sys\n"
        "import pos_member.store.db, pos_member.store.migrate, pos_member.store.repositories\n"
        "from pos_member.store import migrate\n"
        "migrate.upgrade_to_head(sys.argv[1])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'requests')]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
