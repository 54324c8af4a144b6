"""``python -m pos_member db restore BACKUP``: roll the till database back to a backup.

    db restore --list                 the backups beside the database, newest first
    db restore BACKUP [--yes]         restore a backup (a file path, or a name in backups/)

The restore takes the single-instance lock (refused while the till runs on the database),
checks that BACKUP is a sound till database, backs the current database up first
(``...-before-restore.sqlite3``, so the restore itself can be undone) and writes the backup
into place with SQLite's backup API. Rolling back an upgrade: restore the backup the upgrade
made (``till-<stamp>-<old revision>.sqlite3``), then start the previous release of the program;
starting this release again would upgrade the database again (after a new backup).

This module adds ``restore`` to the ``db`` command group that ``pos_member.store.cli``
registers (it is listed after it in ``pos_member.cli._COMMAND_MODULES``); it creates the group
if that module is absent.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def _fail(message: str, status: int = EXIT_FAILURE) -> Exception:
    from pos_member.cli import CliError

    return CliError(message, status)


def _db_path(args: argparse.Namespace) -> Path:
    from pos_member.store.paths import default_db_path

    raw = getattr(args, "db", None)
    if raw is not None and not str(raw).strip():
        raise _fail("--db needs a file path", EXIT_BAD_INPUT)
    return default_db_path() if raw is None else Path(raw).expanduser().resolve()


def _resolve_backup(db: Path, name: str) -> Path:
    from pos_member.store.paths import backups_dir_for

    given = Path(name).expanduser()
    if given.is_file():
        return given.resolve()
    in_folder = backups_dir_for(db) / name
    if in_folder.is_file():
        return in_folder.resolve()
    raise _fail(f"no backup {name!r} (not a file, nor in {backups_dir_for(db)}); "
                "`db restore --list` shows them", EXIT_BAD_INPUT)


def _describe(path: Path) -> str:
    from pos_member.store.backups import RestoreError, inspect_backup

    try:
        revision = inspect_backup(path)
    except RestoreError:
        revision = "unreadable"
    st = path.stat()
    when = datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M")
    return f"{when}  {st.st_size / 1e6:8.1f} MB  revision {revision:<10} {path.name}"


def cmd_restore(args: argparse.Namespace) -> int:
    from pos_member.store import backups, migrate
    from pos_member.store.db import InstanceLockedError, acquire_instance_lock

    db = _db_path(args)
    if args.list or not args.backup:
        found = backups.list_backups(db)
        print(f"backups of {db} (newest first):")
        for p in found:
            print("  " + _describe(p))
        if not found:
            print("  none")
        if not args.list:
            raise _fail("name the backup to restore: db restore BACKUP", EXIT_BAD_INPUT)
        return EXIT_OK

    source = _resolve_backup(db, args.backup)
    try:
        revision = backups.inspect_backup(source)
    except backups.RestoreError as exc:
        raise _fail(str(exc)) from None
    try:
        lock = acquire_instance_lock(db)
    except InstanceLockedError as exc:
        raise _fail(f"{exc} Close the till before restoring a backup.") from None
    try:
        current = migrate.current_revision(db) if db.exists() else None
        print(f"database: {db} (revision {current or 'none'})")
        print(f"backup:   {source} (revision {revision})")
        if not args.yes and sys.stdin is not None and sys.stdin.isatty():
            answer = input("Replace the database with this backup? The current one is kept "
                           "as a backup first. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise _fail("not restored", EXIT_FAILURE)
        try:
            result = backups.restore_backup(db, source)
        except backups.RestoreError as exc:
            raise _fail(str(exc)) from None
    finally:
        lock.release()
    if result.safety_copy is not None:
        print(f"kept:     the database as it was, in {result.safety_copy}")
    for p in result.moved_aside:
        print(f"moved:    {p} (the old file could not be copied)")
    print(f"restored: revision {result.revision}")
    head = migrate.head_revision()
    if result.revision != head:
        print(f"note:     this program upgrades revision {result.revision} to {head} when it "
              "starts; to stay on the backup's schema, start the release that made it.")
    return EXIT_OK


def _db_group(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    db = sub.choices.get("db")
    if db is None:
        db = sub.add_parser("db", help="the till database",
                            description="The till database.")
        db.add_argument("--db", metavar="PATH", default=None,
                        help="the database file (default: till.sqlite3 in the data folder)")
        return db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    for action in db._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the db command has no sub-commands")  # pragma: no cover


def register(sub: argparse._SubParsersAction) -> None:
    cmds = _db_group(sub)
    if "restore" in cmds.choices:  # pos_member.store.cli has its own by now
        return
    text = "restore a backup (roll back an upgrade); the current database is backed up first"
    p = cmds.add_parser("restore", help=text, description=text)
    p.add_argument("backup", nargs="?", metavar="BACKUP",
                   help="the backup file, or its name in the backups folder")
    p.add_argument("--list", action="store_true", help="list the backups and exit")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    # SUPPRESS: a --db given before the command name is not reset by this one's default.
    p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                   help="the database file (default: till.sqlite3 in the data folder)")
    p.set_defaults(func=cmd_restore)
