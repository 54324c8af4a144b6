"""Is the database on disk the till's whole database? Checked before a till is opened.

A till must never start a new database (with a new terminal id) over the remains of an old
one, nor sell on a file that lost committed sales. :func:`check_database` looks, before
anything writes, for:

- ``missing``: no ``till.sqlite3`` although the folder shows a till lived here (backups in
  ``backups/``, or a high-water mark file);
- ``empty``: a zero-byte ``till.sqlite3`` (outside an unfinished first-run set-up);
- ``corrupt``: a file SQLite cannot read, or one ``PRAGMA quick_check`` finds damaged;
- ``behind``: a database behind its own high-water mark (see below): committed transactions
  are gone, typically a ``-wal`` file that vanished (copied without it, deleted, restored by
  a file-sync tool) while sales were in it;
- ``other_till``: the file belongs to another terminal than the one that last wrote here.

It raises :class:`DatabaseDamaged`, whose message names the problem and the newest backup that
passes its check, and says how to restore it (``db restore``). The start-up code turns that
into a calm message (command line: stderr and exit status 2; window: a dialog).

High-water mark
---------------
``till.sqlite3.highwater`` beside the database holds the terminal id, the next terminal
sequence number (which is also the receipt counter: the receipt number is made from it) and
the central feed id and pull cursor the till reached. The rule checked here is one-sided: a
database *below* the mark has lost committed transactions; one at or above it passes. So the
mark may lag the database (a weaker check) but must never lead it (a false alarm).
:func:`install_mark_writer` hooks the write engine: inside each committing transaction it reads
those four ``sync_state`` rows (one indexed SELECT), and after the commit succeeded it writes
them into the file when a value changed, overwriting in place the older of the file's two
checked slots (no new file, no rename, no fsync). The file is therefore never ahead of what was
committed; after a power cut it may be a little behind, or one slot spoiled (its check fails
and the other, one commit older, is used), which only makes the check weaker, never wrong.
``db restore`` rewrites it from the restored database. The mark itself, its file format and
the reasoning live in :mod:`pos_member.store.high_water_mark` (re-exported here).
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from pos_member.store.high_water_mark import (  # noqa: F401 - re-exported: callers use health.*
    MARK_SUFFIX,
    HighWaterMark,
    MarkWriter,
    install_mark_writer,
    mark_of_connection,
    mark_of_database,
    mark_path_for,
    read_mark,
    refresh_mark,
    remove_mark,
    write_mark,
)
from pos_member.store.paths import backups_dir_for

log = logging.getLogger(__name__)

SETUP_MARKER_SUFFIX = ".setup"  # pos_member.ui.first_run: an unfinished first-run set-up

MISSING, EMPTY, CORRUPT, BEHIND, OTHER_TILL = "missing", "empty", "corrupt", "behind", "other_till"


class DatabaseDamaged(RuntimeError):
    """The database cannot be used as it is; the message says what and which backup to use."""

    def __init__(self, problem: str, detail: str, db_path: Path, backup: Path | None):
        self.problem = problem
        self.detail = detail
        self.db_path = db_path
        self.backup = backup
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.detail} {advice(self.backup)}"


def advice(backup: Path | None) -> str:
    """What to do, naming the newest good backup (the same words everywhere)."""
    if backup is None:
        return ("No sound backup was found in the backups folder. Nothing was changed; ask "
                "for help before starting this till again.")
    when = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return (f"The newest good backup is {backup.name} ({when}). Nothing was changed; restore "
            f"it with: pos-member db restore {backup.name}")


# ---------------------------------------------------------------------------------------------
# The check


def newest_good_backup(db_path: str | os.PathLike[str]) -> Path | None:
    """The newest backup of ``db_path`` that passes its check (None: there is none)."""
    from pos_member.store.backups import RestoreError, inspect_backup, list_backups

    for candidate in list_backups(db_path):
        if candidate.name.endswith("-before-restore.sqlite3"):
            continue  # the state a restore replaced: not what a restore should bring back
        try:
            inspect_backup(candidate)
        except (RestoreError, OSError):
            continue
        return candidate
    return None


def _has_history(path: Path) -> bool:
    folder = backups_dir_for(path)
    backups = folder.is_dir() and any(folder.glob(f"{path.stem}-*.sqlite3"))
    return bool(backups) or mark_path_for(path).exists()


def _damaged(problem: str, detail: str, path: Path) -> DatabaseDamaged:
    return DatabaseDamaged(problem, detail, path, newest_good_backup(path))


def looks_damaged(db_path: str | os.PathLike[str]) -> bool:
    """The cheap half of :func:`check_database` (no SQLite): a missing file where a till lived,
    or a zero-byte one. The launcher asks this before offering the first-run set-up."""
    path = Path(db_path).expanduser().resolve()
    try:
        if not path.exists():
            return _has_history(path)
        return path.stat().st_size == 0 and not path.with_name(
            path.name + SETUP_MARKER_SUFFIX).exists()
    except OSError:
        return False


def is_unwritable(exc: BaseException) -> bool:
    """A read-only disk or folder, or missing permissions (not any OSError: others may be
    bugs worth their traceback in the log)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    text = str(getattr(exc, "orig", exc)).lower()  # SQLAlchemy wraps sqlite3's errors
    return "readonly database" in text or "unable to open database file" in text


def check_database(db_path: str | os.PathLike[str], *, quick_check: bool = True) -> str:
    """``"new"`` (nothing here: a first start may create the till) or ``"existing"`` (sound as
    far as checked); raises :class:`DatabaseDamaged`. Call it holding the instance lock."""
    path = Path(db_path).expanduser().resolve()
    if not path.exists():
        if _has_history(path):
            raise _damaged(MISSING, f"The till's database {path.name} is missing from {path.parent}, "
                                    "but this folder has backups of it: it is not a new till.",
                           path)
        return "new"
    if path.stat().st_size == 0:
        if path.with_name(path.name + SETUP_MARKER_SUFFIX).exists():
            return "new"  # a first-run set-up that did not finish
        raise _damaged(EMPTY, f"The till's database {path} is empty (0 bytes): its data is "
                              "gone.", path)
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=5.0)
        try:
            if quick_check:
                rows = [r[0] for r in con.execute("PRAGMA quick_check(3)").fetchall()]
                if rows != ["ok"]:
                    raise _damaged(CORRUPT, f"The till's database {path} is damaged "
                                            f"(SQLite's check: {'; '.join(rows)[:200]}).", path)
            found = mark_of_connection(con)
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            # WAL needs to write -shm beside the file: a read-only folder or file.
            raise PermissionError(errno.EACCES, f"SQLite cannot write the database ({exc})",
                                  str(path)) from None
        if "locked" in text or "busy" in text:
            raise
        raise _damaged(CORRUPT, f"The till's database {path} cannot be read ({exc}).",
                       path) from None
    except sqlite3.DatabaseError as exc:
        raise _damaged(CORRUPT, f"The till's database {path} cannot be read ({exc}).",
                       path) from None
    mark = read_mark(path)
    if mark is not None:
        _compare(path, found, mark)
    return "existing"


def _compare(path: Path, found: HighWaterMark, mark: HighWaterMark) -> None:
    if mark.terminal_id and found.terminal_id and found.terminal_id != mark.terminal_id:
        raise _damaged(OTHER_TILL, f"The database {path} belongs to terminal "
                                   f"{found.terminal_id}, but this folder's till is terminal "
                                   f"{mark.terminal_id}.", path)
    lost = found.next_terminal_seq < mark.next_terminal_seq
    if (not lost and mark.cursor and found.feed_id == mark.feed_id
            and (mark.cursor or "").isdigit()):
        lost = not (found.cursor or "0").isdigit() or int(found.cursor or "0") < int(mark.cursor)
    if mark.terminal_id and not found.terminal_id:
        lost = True
    if lost:
        raise _damaged(BEHIND, f"The till's database {path} is behind what this till had "
                               f"recorded (it reached {mark.describe()}; the file holds "
                               f"{found.describe()}): recent sales are missing, probably "
                               f"with a lost {path.name}-wal file.", path)
