"""``python -m pos_member db ...``: the till database from the command line.

  db migrate                upgrade to the newest schema (backs the file up first)
  db backup [DEST]          copy the database with SQLite's online backup API
  db check                  integrity, foreign keys and the audit log's hash chain
  db seed-demo [--members N] [--today YYYY-MM-DD] [--terminal-id ID]
                            fill the database with the demo brand
  db demo-codes [--members N] [--out DIR] [--ttl SECONDS]
                            demo members' codes (and QR PNGs), product barcodes
  db info                   path, revision, row counts
  db prune                  (pos_member.services.retention_cli) archive and delete old
                            confirmed data

Every command takes ``--db PATH`` (default: ``till.sqlite3`` in the data folder, which
``$POS_MEMBER_HOME`` overrides), before or after the command name. Errors are one line on
stderr: exit status 2 for bad input (a missing file, a bad number), 1 for a failure (a damaged
database, a broken audit chain, the till running on the database). Heavy imports happen inside
the commands, so ``pos-member --help`` and other commands stay fast.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

AUDIT_SLICE = 5000  # audit entries verified per slice (the log is never loaded whole)


def _fail(message: str, status: int = EXIT_FAILURE) -> Exception:
    # Imported here: pos_member.cli imports this module to register the commands.
    from pos_member.cli import CliError

    return CliError(message, status)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn anything unexpected into a one-line error (status 1); never a traceback."""

    @wraps(func)
    def run(args: argparse.Namespace) -> int:
        from pos_member.cli import CliError

        try:
            return func(args)
        except (CliError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - one line on stderr, never a traceback
            raise _fail(_describe(exc, getattr(args, "resolved_db", None))) from None

    return run


def _sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    """The sqlite3 error behind ``exc`` (SQLAlchemy wraps it as ``.orig``)."""
    orig = getattr(exc, "orig", None)
    for candidate in (exc, orig):
        if isinstance(candidate, sqlite3.Error):
            return candidate
    return None


def _damaged(exc: BaseException) -> bool:
    """True for "file is not a database" and "database disk image is malformed"."""
    error = _sqlite_error(exc)
    name = str(getattr(error, "sqlite_errorname", ""))
    return name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT"))


def _describe(exc: Exception, path: Path | None) -> str:
    where = f"{path}: " if path is not None else ""
    if _damaged(exc):
        return f"{where}not a sound SQLite database ({_one_line(_sqlite_error(exc) or exc)})"
    error = _sqlite_error(exc)
    if error is not None:
        return f"{where}database error: {_one_line(error)}"
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(exc, SQLAlchemyError):
        return f"{where}database error: {_one_line(exc)}"
    if isinstance(exc, OSError):
        return f"{exc.filename or path or ''}: {exc.strerror or _one_line(exc)}"
    return f"{where}{type(exc).__name__}: {_one_line(exc)}"


# ---------------------------------------------------------------------------------------------
# Helpers


def _db_path(args: argparse.Namespace) -> Path:
    from pos_member.store.paths import default_db_path

    raw = getattr(args, "db", None)
    if raw is not None and not str(raw).strip():
        raise _fail("--db needs a file path", EXIT_BAD_INPUT)
    path = default_db_path() if raw is None else Path(raw).expanduser().resolve()
    args.resolved_db = path  # for error messages
    return path


def _existing_db(args: argparse.Namespace) -> Path:
    path = _db_path(args)
    if not path.exists():
        raise _fail(f"no database at {path} (run `db migrate` to create one)", EXIT_BAD_INPUT)
    if not path.is_file():
        raise _fail(f"{path} is not a file", EXIT_BAD_INPUT)
    return path


def _lock(path: Path) -> Any:
    """The single-instance lock, so nothing changes the file under a running till."""
    from pos_member.store.db import InstanceLockedError, acquire_instance_lock

    try:
        return acquire_instance_lock(path)
    except InstanceLockedError as exc:
        raise _fail(str(exc)) from None


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that never creates the file."""
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    con.execute("PRAGMA busy_timeout = 5000")
    return con


def _revision_text(path: Path) -> str:
    from pos_member.store import migrate

    rev = migrate.current_revision(path)
    head = migrate.head_revision()
    if rev is None:
        return "none (empty: run `db migrate`)"
    if rev == head:
        return f"{rev} (head)"
    return f"{rev} (head is {head}: run `db migrate`)"


# ---------------------------------------------------------------------------------------------
# Commands


@_guarded
def cmd_migrate(args: argparse.Namespace) -> int:
    from pos_member.store import migrate

    path = _db_path(args)
    if path.exists() and not path.is_file():
        raise _fail(f"{path} is not a file", EXIT_BAD_INPUT)
    lock = _lock(path)
    try:
        before = migrate.current_revision(path)
        try:
            result = migrate.upgrade_to_head(path)
        except migrate.MigrationError as exc:
            raise _fail(str(exc)) from None
    finally:
        lock.release()
    print(f"database: {path}")
    print(f"before:   {before or 'none (new database)'}")
    print(f"after:    {result.after}")
    if result.backup_path is not None:
        print(f"backup:   {result.backup_path}")
    elif result.changed:
        print("backup:   none (the database was empty)")
    else:
        print("backup:   none (already at the newest revision)")
    return EXIT_OK


def _default_backup_dest(path: Path, revision: str | None) -> Path:
    from pos_member.store.paths import backups_dir_for

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = backups_dir_for(path)
    base = f"{path.stem}-{stamp}-{revision or 'empty'}"
    dest, n = folder / f"{base}.sqlite3", 1
    while dest.exists():
        n += 1
        dest = folder / f"{base}-{n}.sqlite3"
    return dest


@_guarded
def cmd_backup(args: argparse.Namespace) -> int:
    from pos_member.store import migrate

    path = _existing_db(args)
    revision = migrate.current_revision(path)
    if args.dest is None:
        dest = _default_backup_dest(path, revision)
    else:
        dest = Path(args.dest).expanduser()
        if dest.is_dir():
            dest = dest / _default_backup_dest(path, revision).name
        if dest.exists():
            raise _fail(f"{dest} already exists; choose another name", EXIT_BAD_INPUT)
        if dest.resolve() == path:
            raise _fail("the backup must not be the database itself", EXIT_BAD_INPUT)
    t0 = time.perf_counter()
    try:
        written = migrate.backup(path, dest)
    except FileExistsError:
        raise _fail(f"{dest} already exists; choose another name", EXIT_BAD_INPUT) from None
    except migrate.MigrationError as exc:
        raise _fail(str(exc)) from None
    size = written.stat().st_size
    print(f"backed up {path}")
    print(f"       to {written} ({size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)")
    return EXIT_OK


def _audit_entries(con: sqlite3.Connection) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(seq, fields) for each audit row in seq order; fields is a message when a row cannot
    even be read as an entry (its details are not JSON)."""
    cur = con.execute(
        "SELECT seq, at, actor, approver, action, details, prev_hash, hash "
        "FROM audit_log ORDER BY seq"
    )
    while True:
        rows = cur.fetchmany(1000)
        if not rows:
            return
        for seq, at, actor, approver, action, details, prev_hash, hash_ in rows:
            try:
                parsed = json.loads(details)
            except (TypeError, ValueError):
                yield seq, "its details are not JSON: the row was changed"
                continue
            yield seq, {
                "seq": seq, "at": at, "actor": actor, "approver": approver, "action": action,
                "details": parsed, "prev_hash": prev_hash, "hash": hash_,
            }


@dataclass(frozen=True)
class ChainReport:
    """What :func:`check_audit_chain` found: entries verified, and the first broken one."""

    verified: int
    broken_seq: int | None = None
    problem: str | None = None


def check_audit_chain(con: sqlite3.Connection) -> ChainReport:
    """Verify the audit log's hash chain with :func:`security.audit.verify_chain`, in slices
    (the log is never held whole); the report names the first broken entry by seq."""
    from pos_member.security.audit import AuditEntry, AuditFormatError, verify_chain

    verified = 0
    trusted: AuditEntry | None = None
    batch: list[AuditEntry] = []

    def flush() -> ChainReport | None:
        nonlocal trusted, verified
        broken = verify_chain(batch, after=trusted)
        if broken is not None:
            return ChainReport(
                verified + broken.index, broken.seq,
                f"audit log: entry seq {broken.seq} is broken ({broken.reason}): "
                f"{broken.message}",
            )
        verified += len(batch)
        if batch:
            trusted = batch[-1]
        batch.clear()
        return None

    for seq, fields in _audit_entries(con):
        problem = fields if isinstance(fields, str) else None
        if problem is None:
            try:
                batch.append(AuditEntry.from_dict(fields))  # type: ignore[arg-type]
            except AuditFormatError as exc:
                problem = f"the row does not hold an audit entry: {_one_line(exc)}"
        if problem is not None:
            # Entries before this one may already be broken: they are reported first.
            return flush() or ChainReport(
                verified, seq, f"audit log: entry seq {seq} is broken (malformed): {problem}"
            )
        if len(batch) >= AUDIT_SLICE:
            report = flush()
            if report is not None:
                return report
    return flush() or ChainReport(verified)


def check_acknowledged_head(con: sqlite3.Connection) -> str | None:
    """Compare the audit log with the head the central service acknowledged last (stored by
    the sync engine); print the outcome and return the problem, if any. A chain can be intact
    and still be wrong: cut short after a sync, or changed and re-hashed from some entry on."""
    from pos_member.store.repositories import AUDIT_ACK_KEY, parse_audit_ack

    has_state = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_state'").fetchone()
    row = con.execute("SELECT value FROM sync_state WHERE key = ?",
                      (AUDIT_ACK_KEY,)).fetchone() if has_state else None
    ack = parse_audit_ack(row[0] if row else None)
    if ack is None:
        print("acknowledged: none yet (no audit head acknowledged by a central service)")
        return None
    seq, digest = ack
    held = con.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
    if held is None:
        last = con.execute("SELECT max(seq) FROM audit_log").fetchone()[0] or 0
        print(f"acknowledged: entry seq {seq} is MISSING from the log")
        return (f"audit log: the central service acknowledged it up to entry seq {seq}, but it "
                f"ends at entry seq {last}: entries were deleted after a sync, or this "
                "database is an older copy")
    if held[0] != digest:
        print(f"acknowledged: entry seq {seq} DIFFERS from the central service's")
        return (f"audit log: entry seq {seq} has another hash than the one the central "
                f"service acknowledged ({digest[:12]}...): the log was changed and re-hashed "
                "after a sync")
    print(f"acknowledged: entry seq {seq} matches the central service's")
    return None


@_guarded
def cmd_check(args: argparse.Namespace) -> int:
    """Report on stdout; the first problem (and how many more) is the error on stderr."""
    from pos_member.store import migrate

    path = _existing_db(args)
    print(f"database:     {path}")
    print(f"revision:     {_revision_text(path)}")
    problems = migrate.integrity_check(path)
    integrity = [p for p in problems if p.startswith("integrity:")]
    foreign = [p for p in problems if not p.startswith("integrity:")]
    print(f"integrity:    {'ok' if not integrity else f'{len(integrity)} problem(s)'}")
    print(f"foreign keys: {'ok' if not foreign else f'{len(foreign)} broken reference(s)'}")

    con = _read_only(path)
    try:
        has_log = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
        ).fetchone()
        if not has_log:
            problems.append("audit log: there is no audit_log table (run `db migrate`)")
            print("audit log:    missing")
        else:
            chain = check_audit_chain(con)
            if chain.problem is not None:
                problems.append(chain.problem)
                print(f"audit log:    BROKEN at entry seq {chain.broken_seq} "
                      f"({chain.verified} entries before it verified)")
            else:
                print(f"audit log:    {chain.verified} entries, chain intact")
            problem = check_acknowledged_head(con)
            if problem is not None:
                problems.append(problem)
    finally:
        con.close()

    if problems:
        for line in problems[:20]:
            print(f"  {line}")
        if len(problems) > 20:
            print(f"  ... and {len(problems) - 20} more")
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise _fail(f"{problems[0]}{more}")
    print("ok")
    return EXIT_OK


# Options are checked in the command rather than by argparse, so that a bad value is one line
# on stderr like every other error (argparse would print its usage too).


def _members_arg(text: str) -> int:
    from pos_member.store.seed import MAX_MEMBERS

    try:
        value = int(text.strip().replace("_", "").replace(",", ""))
    except ValueError:
        raise _fail(f"--members: not a whole number: {text!r}", EXIT_BAD_INPUT) from None
    if not 0 <= value <= MAX_MEMBERS:
        raise _fail(f"--members: must be between 0 and {MAX_MEMBERS:,}", EXIT_BAD_INPUT)
    return value


def _date_arg(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(f"--today: not a date (YYYY-MM-DD): {text!r}", EXIT_BAD_INPUT) from None


@_guarded
def cmd_seed_demo(args: argparse.Namespace) -> int:
    from pos_member.store import migrate
    from pos_member.store.seed import SeedError, seed_demo

    members = _members_arg(args.members)
    today = _date_arg(args.today)
    path = _db_path(args)
    if path.exists() and not path.is_file():
        raise _fail(f"{path} is not a file", EXIT_BAD_INPUT)
    lock = _lock(path)
    try:
        print(f"database: {path}", flush=True)
        try:
            seed_demo(
                path, members=members, today=today, terminal_id=args.terminal_id,
                report=lambda line: print(line, flush=True),
            )
        except SeedError as exc:
            raise _fail(str(exc), EXIT_BAD_INPUT) from None
        except migrate.MigrationError as exc:
            raise _fail(str(exc)) from None
    finally:
        lock.release()
    return EXIT_OK


@_guarded
def cmd_demo_codes(args: argparse.Namespace) -> int:
    from pos_member.store.demo_codes import (
        MAX_COUNT, MAX_TTL_SECONDS, NotADemoTill, as_text, demo_codes,
    )

    try:
        count, ttl = int(args.members), int(args.ttl)
    except ValueError:
        raise _fail("--members and --ttl are whole numbers", EXIT_BAD_INPUT) from None
    if not 1 <= count <= MAX_COUNT:
        raise _fail(f"--members: 1 to {MAX_COUNT}", EXIT_BAD_INPUT)
    if not 60 <= ttl <= MAX_TTL_SECONDS:
        raise _fail(f"--ttl: 60 to {MAX_TTL_SECONDS} seconds", EXIT_BAD_INPUT)
    path = _existing_db(args)
    con = _read_only(path)
    try:
        try:
            codes = demo_codes(con, count, Path(args.out) if args.out else None, ttl=ttl)
        except NotADemoTill as exc:
            raise _fail(str(exc)) from None
    finally:
        con.close()
    print(as_text(codes), end="")
    return EXIT_OK


_COUNTS = (  # label, table, query
    ("members", "members", "SELECT count(*) FROM members"),
    ("coupons", "coupons", "SELECT count(*) FROM coupons"),
    ("products", "products", "SELECT count(*) FROM products"),
    ("staff", "staff", "SELECT count(*) FROM staff"),
    ("sales", "sales", "SELECT count(*) FROM sales"),
    ("refunds", "refunds", "SELECT count(*) FROM refunds"),
    ("audit entries", "audit_log", "SELECT count(*) FROM audit_log"),
    ("outbox pending", "outbox", "SELECT count(*) FROM outbox WHERE status = 'pending'"),
    ("sync conflicts", "sync_conflicts",
     "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL"),
)


@_guarded
def cmd_info(args: argparse.Namespace) -> int:
    path = _existing_db(args)
    revision = _revision_text(path)
    con = _read_only(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = []
        for label, table, sql in _COUNTS:
            counts.append((label, con.execute(sql).fetchone()[0] if table in tables else None))
        terminal = (
            con.execute("SELECT value FROM sync_state WHERE key = 'terminal_id'").fetchone()
            if "sync_state" in tables else None
        )
        journal = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    size = path.stat().st_size
    print(f"path:           {path}")
    print(f"size:           {size / 1e6:.1f} MB (journal mode {journal})")
    print(f"revision:       {revision}")
    print(f"terminal:       {terminal[0] if terminal else '(not set)'}")
    for label, value in counts:
        print(f"{label + ':':<15} {'-' if value is None else f'{value:,}'}")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Registration


def _add_db_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--db", metavar="PATH", default=default,
        help="the database file (default: till.sqlite3 in the data folder; "
        "$POS_MEMBER_HOME sets the folder)",
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``db`` command group to the top-level sub-parsers."""
    db = sub.add_parser("db", help="the till database: migrate, backup, check, prune, seed-demo, info",
                        description="The till database.")
    _add_db_option(db, None)
    cmds = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> Any:
        p = cmds.add_parser(name, help=help_, description=help_)
        # SUPPRESS: a --db given before the command name is not reset by this one's default.
        _add_db_option(p, argparse.SUPPRESS)
        p.set_defaults(func=func)
        return p

    add("migrate", cmd_migrate, "upgrade the database to the newest schema (backed up first)")
    p = add("backup", cmd_backup, "copy the database with SQLite's online backup API")
    p.add_argument("dest", nargs="?", metavar="DEST",
                   help="file or folder for the copy (default: backups/ beside the database)")
    add("check", cmd_check,
        "check integrity, foreign keys and the audit log chain (exit 1 if anything is wrong)")
    p = add("seed-demo", cmd_seed_demo, "fill the database with the demo brand")
    p.add_argument("--members", default="1000", metavar="N",
                   help="how many demo members (default 1000; 1,000,000 for the benchmarks)")
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                   help="the store's date the demo is made for (default: today)")
    p.add_argument("--terminal-id", default=None, metavar="ID",
                   help="this till's terminal id, if not set yet (default: a new UUID)")
    add("info", cmd_info, "show the path, revision and row counts")
    p = add("demo-codes", cmd_demo_codes,
            "print demo members' codes and product barcodes to try the demo till with")
    p.add_argument("--members", default="5", metavar="N",
                   help="how many demo members (default 5, at most 100)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="also write QR code PNGs of the member codes and EAN-13 PNGs of the "
                   "product barcodes into DIR")
    p.add_argument("--ttl", default="3600", metavar="SECONDS",
                   help="how long the dynamic codes are valid (default 3600)")
