"""Daily backups of the till database, their pruning, and restoring one (rolling back).

Backups live in ``backups/`` beside the database (``<data>/backups`` for the default one):

- ``till-daily-YYYY-MM-DD.sqlite3``: one a day, made at start-up and then by
  :class:`BackupScheduler` while the till runs; the newest ``keep`` (default 14) are kept.
- ``till-<UTC stamp>-<revision>.sqlite3``: made by :func:`migrate.upgrade_to_head` before a
  schema upgrade (and ``...-before-restore.sqlite3`` before a restore). These are never pruned
  here: they are how an upgrade is rolled back.

Every copy goes through :func:`migrate.backup` (SQLite's online backup API, then a
``quick_check``), never a plain file copy, so a backup taken while the till sells is sound.
This module imports neither Qt nor SQLAlchemy's ORM; the scheduler is a plain thread that
sleeps on a :class:`threading.Event`, so it stops at once when asked.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pos_member.store.paths import backups_dir_for

log = logging.getLogger(__name__)

DEFAULT_KEEP = 14
KEEP_ENV_VAR = "POS_MEMBER_BACKUP_KEEP"
DAILY_TAG = "daily"
CHECK_EVERY_S = 3600.0  # the scheduler looks once an hour whether today's backup exists


class RestoreError(RuntimeError):
    """The backup cannot be restored (missing, damaged, or not a till database)."""


@dataclass(frozen=True)
class DailyBackupResult:
    path: Path                 # today's backup (just made, or the one already there)
    created: bool              # False: today's backup existed already
    pruned: tuple[Path, ...] = field(default=())


def keep_from_env(default: int = DEFAULT_KEEP) -> int:
    """``$POS_MEMBER_BACKUP_KEEP`` when it is a whole number >= 1, else ``default``."""
    raw = os.environ.get(KEEP_ENV_VAR, "").strip()
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    return default


def _daily_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(stem)}-{DAILY_TAG}-(\d{{4}}-\d{{2}}-\d{{2}})\.sqlite3$")


def daily_backup_name(db_path: str | os.PathLike[str], day: date) -> str:
    return f"{Path(db_path).stem}-{DAILY_TAG}-{day.isoformat()}.sqlite3"


def daily_backups(db_path: str | os.PathLike[str],
                  backup_dir: str | os.PathLike[str] | None = None) -> list[tuple[date, Path]]:
    """The daily backups of ``db_path``, oldest first."""
    folder = Path(backup_dir) if backup_dir is not None else backups_dir_for(db_path)
    if not folder.is_dir():
        return []
    pattern = _daily_pattern(Path(db_path).stem)
    found = []
    for entry in folder.iterdir():
        m = pattern.match(entry.name)
        if m and entry.is_file():
            try:
                found.append((date.fromisoformat(m.group(1)), entry))
            except ValueError:
                continue
    return sorted(found)


def prune_daily_backups(db_path: str | os.PathLike[str], keep: int = DEFAULT_KEEP, *,
                        backup_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` daily backups (and left-over ``.partial`` files of
    daily backups); upgrade and restore backups are never touched. Returns what was deleted."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    folder = Path(backup_dir) if backup_dir is not None else backups_dir_for(db_path)
    backups = daily_backups(db_path, folder)
    doomed = [p for _day, p in backups[:-keep]]
    if folder.is_dir():
        pattern = _daily_pattern(Path(db_path).stem)
        doomed += [p for p in folder.glob("*.partial")
                   if pattern.match(p.name.removesuffix(".partial"))]
    deleted = []
    for p in doomed:
        try:
            p.unlink()
            deleted.append(p)
        except FileNotFoundError:
            continue
        except OSError as exc:  # e.g. a file held open on Windows: try again tomorrow
            log.warning("could not delete old backup %s: %s", p, exc)
    return deleted


def daily_backup(db_path: str | os.PathLike[str], keep: int = DEFAULT_KEEP, *,
                 now: datetime | None = None,
                 backup_dir: str | os.PathLike[str] | None = None) -> DailyBackupResult | None:
    """Make today's backup of ``db_path`` unless there is one, then prune to ``keep``.

    "Today" is the local date of ``now`` (default: this machine's clock, local time). Returns
    None when there is no database yet (nothing to back up). Safe while the till sells: the
    online backup API reads a consistent snapshot without blocking writers.
    """
    from pos_member.store import migrate  # lazily: alembic is heavy
    path = Path(db_path).expanduser().resolve()
    if not path.exists() or path.stat().st_size == 0:
        return None
    moment = now if now is not None else datetime.now().astimezone()
    folder = Path(backup_dir) if backup_dir is not None else backups_dir_for(path)
    dest = folder / daily_backup_name(path, moment.date())
    created = False
    if not dest.exists():
        migrate.backup(path, dest)
        created = True
        log.info("daily backup of %s written to %s", path, dest)
    pruned = prune_daily_backups(path, keep, backup_dir=folder)
    for p in pruned:
        log.info("old daily backup deleted: %s", p)
    return DailyBackupResult(dest, created, tuple(pruned))


class BackupScheduler(threading.Thread):
    """Makes the daily backup at start and then checks once an hour (``check_every``) whether
    the day has turned; :meth:`stop` wakes it at once. A failed backup is logged (and given to
    ``on_error``) and tried again at the next check; it never stops the till.

    ::

        scheduler = BackupScheduler(till.db_path)
        scheduler.start()
        ...
        scheduler.stop()
    """

    def __init__(self, db_path: str | os.PathLike[str], *, keep: int = DEFAULT_KEEP,
                 check_every: float = CHECK_EVERY_S,
                 clock: Callable[[], datetime] | None = None,
                 on_backup: Callable[[DailyBackupResult], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        super().__init__(name="pos-member-daily-backup", daemon=True)
        self.db_path = Path(db_path)
        self.keep = keep
        self.check_every = check_every
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.on_backup = on_backup
        self.on_error = on_error
        self.last_result: DailyBackupResult | None = None
        self.last_error: BaseException | None = None
        self.checks = 0
        self._stop_event = threading.Event()

    def run_once(self) -> DailyBackupResult | None:
        self.checks += 1
        try:
            result = daily_backup(self.db_path, self.keep, now=self.clock())
        except Exception as exc:  # a full disk or a locked file must not stop the till
            self.last_error = exc
            log.exception("daily backup of %s failed; trying again in %.0f s", self.db_path,
                          self.check_every)
            if self.on_error is not None:
                self.on_error(exc)
            return None
        self.last_error = None
        if result is not None:
            self.last_result = result
            if result.created and self.on_backup is not None:
                self.on_backup(result)
        return result

    first_delay: float = 0.0  # seconds before the first check (the till starts first)

    def run(self) -> None:
        if self.first_delay and self._stop_event.wait(self.first_delay):
            return
        while not self._stop_event.is_set():
            self.run_once()
            self._stop_event.wait(self.check_every)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the thread to end and wait for it (a backup under way is finished first)."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


# ---------------------------------------------------------------------------------------------
# Restore


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    revision: str | None       # the revision of the restored database
    previous_revision: str | None
    safety_copy: Path | None   # the database as it was before the restore (None: there was none)
    moved_aside: tuple[Path, ...] = ()  # files renamed away because they could not be copied


def inspect_backup(backup: str | os.PathLike[str]) -> str:
    """Check that ``backup`` is a sound till database; returns its revision."""
    from pos_member.store import migrate  # lazily: alembic is heavy
    path = Path(backup).expanduser()
    if not path.is_file():
        raise RestoreError(f"no backup file at {path}")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            verdict = con.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            rows = (con.execute(f"SELECT version_num FROM {migrate.ALEMBIC_VERSION_TABLE}")
                    .fetchall() if migrate.ALEMBIC_VERSION_TABLE in tables else [])
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{path} is not a sound SQLite database ({exc})") from None
    if verdict is None or verdict[0] != "ok":
        raise RestoreError(f"{path} failed its check: {verdict[0] if verdict else 'no answer'}")
    if len(rows) != 1:
        raise RestoreError(f"{path} is not a till database (it has no schema revision)")
    return str(rows[0][0])


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _move_aside(path: Path) -> tuple[Path, ...]:
    stamp = _stamp()
    moved = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            dest = src.with_name(f"{path.name}.replaced-{stamp}{suffix}")
            os.replace(src, dest)
            moved.append(dest)
    return tuple(moved)


def restore_backup(db_path: str | os.PathLike[str],
                   backup: str | os.PathLike[str]) -> RestoreResult:
    """Put the database at ``db_path`` back to the state held in ``backup``.

    The caller must hold the single-instance lock (no till may be running on the file).
    First the current database is itself backed up (``<stem>-<stamp>-<revision>-before-
    restore.sqlite3``), so a restore can be undone; a current file too damaged to copy is
    renamed aside instead. The backup is then written into place with SQLite's backup API,
    which replaces the whole database, WAL included, in one step.
    """
    from pos_member.store import migrate  # lazily: alembic is heavy
    path = Path(db_path).expanduser().resolve()
    source = Path(backup).expanduser().resolve()
    if source == path:
        raise RestoreError("the backup is the database itself")
    revision = inspect_backup(source)

    previous: str | None = None
    safety: Path | None = None
    moved: tuple[Path, ...] = ()
    if path.exists() and path.stat().st_size > 0:
        try:
            previous = migrate.current_revision(path)
            dest = backups_dir_for(path) / (
                f"{path.stem}-{_stamp()}-{previous or 'none'}-before-restore.sqlite3")
            n = 1
            while dest.exists():
                n += 1
                dest = dest.with_name(dest.name.replace("-before-restore",
                                                        f"-before-restore-{n}"))
            safety = migrate.backup(path, dest)
        except (sqlite3.DatabaseError, migrate.MigrationError) as exc:
            log.warning("the current database %s could not be copied (%s); moving it aside",
                        path, exc)
            moved = _move_aside(path)

    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(path, timeout=migrate.DEFAULT_BUSY_TIMEOUT_MS / 1000)
        try:
            src.backup(dst)
            verdict = dst.execute("PRAGMA quick_check").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    if verdict is None or verdict[0] != "ok":  # pragma: no cover - the source was checked
        raise RestoreError(f"the restored database failed its check: {verdict!r}")
    after = migrate.current_revision(path)
    if after != revision:  # pragma: no cover - defensive
        raise RestoreError(f"restored database is at {after}, expected {revision}")
    from pos_member.store import high_water_mark

    try:  # the restored database is the till's state now: its high-water mark too
        high_water_mark.refresh_mark(path)
    except (OSError, sqlite3.DatabaseError) as exc:
        log.warning("could not rewrite the high-water mark beside %s (%s); removing it", path,
                    exc)
        high_water_mark.mark_path_for(path).unlink(missing_ok=True)
    log.info("restored %s from %s (revision %s; was %s; safety copy %s)", path, source,
             revision, previous, safety)
    return RestoreResult(source, revision, previous, safety, moved)


def list_backups(db_path: str | os.PathLike[str]) -> list[Path]:
    """Every backup file of ``db_path`` in its backups folder, newest first (by mtime)."""
    folder = backups_dir_for(db_path)
    if not folder.is_dir():
        return []
    stem = Path(db_path).stem
    files = [p for p in folder.glob(f"{stem}-*.sqlite3") if p.is_file()]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
