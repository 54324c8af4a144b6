"""Schema upgrades, backups and integrity checks for the till database.

The Alembic configuration is built in code (:func:`alembic_config`); the migration scripts
live in ``pos_member/store/migrations`` inside the package. An upgrade:

1. reads the file's current revision; refuses a file that is newer than this program, or a
   file with tables but no Alembic version (not a till database);
2. when the file holds data and is behind the target, copies it with SQLite's online backup
   API to ``backups/<stem>-<UTC timestamp>-<revision>.sqlite3`` beside the database (never a
   plain file copy, which can tear a live WAL database);
3. runs all pending revisions in one ``BEGIN IMMEDIATE`` transaction on a connection with
   ``PRAGMA foreign_keys=OFF`` (a batch table copy would otherwise cascade-delete child rows),
   checks ``PRAGMA foreign_key_check`` before committing, and rolls everything back if any
   step or the check fails.

The caller is expected to hold the single-instance lock (:func:`db.acquire_instance_lock`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from pos_member.store.db import DEFAULT_BUSY_TIMEOUT_MS, _build_engine
from pos_member.store.paths import backups_dir_for

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ALEMBIC_VERSION_TABLE = "alembic_version"


class MigrationError(RuntimeError):
    """The database cannot be (or was not) brought to the wanted revision."""


@dataclass(frozen=True)
class UpgradeResult:
    before: str | None  # None: a new (empty) database
    after: str | None
    backup_path: Path | None  # where the pre-upgrade copy went, if one was made

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _ini_escape(value: str) -> str:
    return value.replace("%", "%%")  # Config values go through configparser interpolation


def alembic_config(db_path: str | os.PathLike[str] | None = None) -> Config:
    """An Alembic ``Config`` for the packaged migrations (no alembic.ini needed).

    With ``db_path`` it also carries ``sqlalchemy.url`` for commands run without a
    connection (``command.revision(..., autogenerate=True)`` from a developer's shell).
    """
    cfg = Config()
    cfg.set_main_option("script_location", _ini_escape(str(MIGRATIONS_DIR)))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.set_main_option("path_separator", "os")
    if db_path is not None:
        url = f"sqlite:///{Path(db_path).expanduser().resolve()}"
        cfg.set_main_option("sqlalchemy.url", _ini_escape(url))
    return cfg


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _script().get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise MigrationError("no migrations found in " + str(MIGRATIONS_DIR))
    return head


def revision_order() -> list[str]:
    """Every revision id, oldest first (the history is linear)."""
    return [rev.revision for rev in reversed(list(_script().walk_revisions()))]


def _connect_existing(db_path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection to an existing file (never creates one)."""
    con = sqlite3.connect(
        f"{db_path.as_uri()}?mode=rw", uri=True, timeout=DEFAULT_BUSY_TIMEOUT_MS / 1000
    )
    con.execute(f"PRAGMA busy_timeout = {DEFAULT_BUSY_TIMEOUT_MS}")
    return con


def _resolve(db_path: str | os.PathLike[str]) -> Path:
    return Path(db_path).expanduser().resolve()


def _user_tables(con: sqlite3.Connection) -> list[str]:
    rows = con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [r[0] for r in rows]


def current_revision(db_path: str | os.PathLike[str]) -> str | None:
    """The Alembic revision the file is at; None for a missing or empty database."""
    path = _resolve(db_path)
    if not path.exists() or path.stat().st_size == 0:
        return None
    con = _connect_existing(path)
    try:
        if ALEMBIC_VERSION_TABLE not in _user_tables(con):
            return None
        rows = con.execute(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}").fetchall()
    finally:
        con.close()
    if len(rows) > 1:
        raise MigrationError(f"{path} has several Alembic heads: {sorted(r[0] for r in rows)}")
    return rows[0][0] if rows else None


def backup(db_path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Copy a (possibly live) database to ``dest`` with SQLite's online backup API.

    The copy is written beside ``dest`` first, switched to a self-contained rollback-journal
    file, checked with ``PRAGMA quick_check`` and only then renamed into place.
    Raises ``FileExistsError`` rather than overwrite an earlier backup.
    """
    src_path = _resolve(db_path)
    dest_path = Path(dest).expanduser().resolve()
    if not src_path.exists():
        raise FileNotFoundError(src_path)
    if dest_path.exists():
        raise FileExistsError(dest_path)
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    partial = dest_path.with_name(dest_path.name + ".partial")
    partial.unlink(missing_ok=True)

    try:
        src = _connect_existing(src_path)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                verdict = dst.execute("PRAGMA quick_check").fetchone()
            finally:
                dst.close()
        finally:
            src.close()
    except BaseException:  # a full disk, an unreadable source: no half-written copy stays
        for leftover in (partial, partial.with_name(partial.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise
    if verdict is None or verdict[0] != "ok":
        partial.unlink(missing_ok=True)
        raise MigrationError(f"backup of {src_path} failed its check: {verdict!r}")
    os.replace(partial, dest_path)
    return dest_path


def _backup_dest(db_path: Path, backup_dir: Path, revision: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = backup_dir / f"{db_path.stem}-{stamp}-{revision}.sqlite3"
    n = 1
    while dest.exists():
        n += 1
        dest = backup_dir / f"{db_path.stem}-{stamp}-{revision}-{n}.sqlite3"
    return dest


def integrity_check(db_path: str | os.PathLike[str]) -> list[str]:
    """Problems found by ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``.

    An empty list means the file is sound.
    """
    con = _connect_existing(_resolve(db_path))
    try:
        problems = [
            f"integrity: {row[0]}"
            for row in con.execute("PRAGMA integrity_check").fetchall()
            if row[0] != "ok"
        ]
        problems += [
            f"foreign key: {table} row {rowid} refers to a missing row of {parent} (fk #{fkid})"
            for table, rowid, parent, fkid in con.execute("PRAGMA foreign_key_check")
        ]
    finally:
        con.close()
    return problems


def upgrade(
    db_path: str | os.PathLike[str],
    revision: str = "head",
    *,
    backup_dir: str | os.PathLike[str] | None = None,
) -> UpgradeResult:
    """Bring the database at ``db_path`` to ``revision`` (created if missing).

    Only upgrades: a file ahead of ``revision`` raises :class:`MigrationError`.
    ``backup_dir`` defaults to ``backups/`` beside the database.
    """
    path = _resolve(db_path)
    order = revision_order()
    script = _script()
    target = script.get_revision(revision)
    if target is None:  # pragma: no cover - "head" always resolves
        raise MigrationError(f"unknown revision {revision!r}")
    target_rev = target.revision

    before = current_revision(path)
    if before is None and path.exists() and path.stat().st_size > 0:
        con = _connect_existing(path)
        try:
            tables = _user_tables(con)
        finally:
            con.close()
        if tables:
            raise MigrationError(
                f"{path} has tables but no Alembic version; it is not a till database "
                f"made by this program (tables: {', '.join(sorted(tables)[:5])}...)"
            )
    if before is not None and before not in order:
        raise MigrationError(
            f"{path} is at revision {before!r}, which this version of POS Member does not "
            "know (was it opened by a newer version?); refusing to touch it"
        )
    if before == target_rev:
        return UpgradeResult(before, before, None)
    if before is not None and order.index(before) > order.index(target_rev):
        raise MigrationError(f"{path} is at {before}, ahead of {target_rev}; not downgrading")

    backup_path = None
    if before is not None:
        folder = Path(backup_dir) if backup_dir is not None else backups_dir_for(path)
        backup_path = backup(path, _backup_dest(path, folder, before))
        log.info("backed up %s (revision %s) to %s", path, before, backup_path)

    cfg = alembic_config()
    engine = _build_engine(path, foreign_keys=False)
    try:
        with engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target_rev)
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                # Raising inside the transaction rolls every revision back.
                raise MigrationError(f"upgrade left broken foreign keys: {broken[:10]}")
    finally:
        engine.dispose()

    after = current_revision(path)
    if after != target_rev:  # pragma: no cover - defensive
        raise MigrationError(f"upgrade of {path} ended at {after}, not {target_rev}")
    log.info("upgraded %s from %s to %s", path, before, after)
    return UpgradeResult(before, after, backup_path)


def upgrade_to_head(
    db_path: str | os.PathLike[str], *, backup_dir: str | os.PathLike[str] | None = None
) -> UpgradeResult:
    """Create or upgrade the database to the newest schema, backing it up first if needed."""
    return upgrade(db_path, "head", backup_dir=backup_dir)
