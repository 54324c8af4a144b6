"""Sub-commands that need the whole till: `run` (what main.py starts) and `report x|z`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from pos_member.cli import CliError

if TYPE_CHECKING:  # argparse only when the parser is built (not for a plain `run`)
    import argparse


EXIT_DAMAGED = 2  # the database is damaged or missing: nothing was started or changed


def _tell(message: str) -> None:
    from pos_member.crash import tell_user

    tell_user(message)  # the windowed build has no console for the CliError's line


def unwritable_folder(exc: BaseException, folder: Path) -> CliError:
    """A data folder the till cannot write to (read-only disk, permissions), as one line."""
    where = getattr(exc, "filename", None) or folder
    why = getattr(exc, "strerror", None) or str(getattr(exc, "orig", exc))
    message = (f"the till cannot write to its data folder {folder} ({why}: {where}). Make the folder writable for this user, or set POS_MEMBER_HOME to "
               "a writable folder.")
    _tell(message)
    return CliError(message, status=EXIT_DAMAGED)


def _open(args: argparse.Namespace, **kw):
    from pos_member.app import open_till
    from pos_member.store.db import InstanceLockedError
    from pos_member.store.health import DatabaseDamaged
    from pos_member.store.paths import default_db_path

    try:
        return open_till(args.db, **kw)
    except InstanceLockedError as exc:
        _tell(str(exc))
        raise CliError(f"the till is already running: {exc}", status=1) from None
    except DatabaseDamaged as exc:
        logging.getLogger("pos_member").error("the till was not started: %s", exc)
        _tell(str(exc))
        raise CliError(f"the till was not started. {exc}", status=EXIT_DAMAGED) from None
    except Exception as exc:
        from pos_member.store.health import is_unwritable

        if not is_unwritable(exc):
            raise
        folder = (Path(args.db) if args.db else default_db_path()).resolve().parent
        raise unwritable_folder(exc, folder) from None


def cmd_report(args: argparse.Namespace) -> int:
    from pos_member.services.errors import ServiceError
    from pos_member.services.report_text import as_csv, as_text
    from pos_member.services.shifts import x_report, z_report

    till = _open(args, lock=False)
    try:
        figures = x_report(till.ctx) if args.kind == "x" else z_report(till.ctx, args.shift)
    except ServiceError as exc:
        raise CliError(exc.message, status=1) from None
    title = "X report (shift still open)" if args.kind == "x" else "Z report (shift closed)"
    sys.stdout.write(as_csv(figures) if args.format == "csv" else as_text(figures, title))
    return 0


def _startup_backup(till) -> None:
    """Today's backup at start-up (the scheduler keeps making one a day while the till runs).
    A failed backup is logged, told on stderr, and never stops the till."""
    from pos_member.store.backups import daily_backup, keep_from_env

    try:
        daily_backup(till.db_path, keep_from_env())
    except Exception as exc:
        logging.getLogger("pos_member").exception("the start-up backup failed")
        print(f"warning: today's backup failed ({type(exc).__name__}: {exc}); the till runs, "
              "and the backup is tried again at the next start. Details in the log.",
              file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    if args.self_test:
        from pos_member.selftest import main_from_args

        return main_from_args(args)
    from pos_member import log_file
    from pos_member.crash import install_excepthook

    try:
        # A plain file handler before the window; the rotating one follows (log_file.setup:
        # the launcher's first op, or below for --headless).
        log_path = log_file.start()
    except OSError as exc:
        from pos_member.store.health import is_unwritable
        from pos_member.store.paths import data_dir

        if not is_unwritable(exc):
            raise
        raise unwritable_folder(exc, data_dir()) from None
    install_excepthook(log_path)  # non-UI paths; the window installs its own dialog hook
    launch = None
    if not args.headless:
        try:
            from pos_member.ui.launcher import launch  # the cashier application
        except ImportError:  # a build without Qt: the till still runs headless
            launch = None
    if launch is not None:
        # Window first: the login screen is painted before the database stack loads; the
        # launcher opens the till (lock, upgrade with backup, demo data) on its DB worker.
        from pos_member.store.paths import default_db_path

        db_path = Path(args.db) if args.db else default_db_path()
        # The daily backups (store.backups.BackupScheduler, its first check a minute after
        # the start) are started by the launcher once the login screen is painted.
        return int(launch(str(db_path), seed_demo_if_new=not args.no_demo,
                          demo_members=args.demo_members, daily_backups=True))
    run_app = None
    from pos_member.app import setup_logging

    setup_logging()
    till = _open(args, seed_demo_if_new=not args.no_demo, demo_members=args.demo_members)
    try:
        _startup_backup(till)
        from pos_member.services.shifts import current_shift
        from pos_member.store import repositories as repo

        with till.ctx.read_sessions() as s:
            from sqlalchemy import func, select

            from pos_member.store.models import Member, Product

            members = s.scalar(select(func.count()).select_from(Member))
            products = s.scalar(select(func.count()).select_from(Product))
            shift = current_shift(s, till.ctx.terminal_id)
            pending = repo.count_pending_outbox(s)
        print(f"POS Member till ready: {till.db_path}")
        print(f"  terminal {till.ctx.terminal_id}, store {till.ctx.store_id}, {till.ctx.tz_name}")
        print(f"  {members} members, {products} products cached; "
              f"{'a shift is open' if shift else 'no shift open'}; {pending} events to sync")
        if till.seeded:
            print("  demo data was created on this first start (staff codes S001 manager "
                  "PIN 2468, S002 cashier PIN 1357)")
        print(f"  log file: {log_path}")
        from pos_member.store.paths import backups_dir_for

        print(f"  backups: {backups_dir_for(till.db_path)}")
        if run_app is None:
            print("The cashier window is not part of this build yet; use the command line: "
                  "`python -m pos_member --help`.")
        return 0
    finally:
        till.close()


def cmd_staff_add(args: argparse.Namespace) -> int:
    """Add a staff member; the PIN is asked for twice without echo unless --pin is given."""
    import getpass

    from pos_member.services.errors import ServiceError
    from pos_member.services.staff import add_staff

    pin = args.pin
    if pin is None:
        if not sys.stdin.isatty():
            pin = sys.stdin.readline().strip()
        else:
            pin = getpass.getpass("PIN: ")
            if getpass.getpass("PIN again: ") != pin:
                raise CliError("the two PINs differ")
    till = _open(args, lock=False)
    try:
        member = add_staff(till.ctx, args.code, args.name, args.role, pin)
    except ServiceError as exc:
        raise CliError(exc.message) from None
    finally:
        till.close()
    print(f"added {member.role.value} {member.name} (staff code {member.id})")
    return 0


def cmd_scale_labels(args: argparse.Namespace) -> int:
    """Show the store's scale label layouts, or set them (docs/ui.md, "Weighed goods")."""
    from pos_member.domain.scale import format_layouts
    from pos_member.services.catalogue import scale_layouts
    from pos_member.services.errors import ServiceError
    from pos_member.services.settings import save_scale_barcodes

    till = _open(args, lock=False)
    try:
        if args.layouts is not None:
            try:
                save_scale_barcodes(till.ctx, args.layouts)
            except ServiceError as exc:
                raise CliError(exc.message) from None
        layouts = scale_layouts(till.ctx)
    finally:
        till.close()
    print(format_layouts(layouts) or "(none: scale labels are not read)")
    for x in layouts:
        flags = ",".join(sorted(x.prefixes))
        print(f"  {flags}: {x.pattern} ({x.measure})")
    return 0


# ``run``'s options that :func:`quick_args` reads: (dest, takes a value, converter).
_QUICK_RUN_OPTIONS = {
    "--db": ("db", True, str),
    "--no-demo": ("no_demo", False, None),
    "--demo-members": ("demo_members", True, int),
    "--headless": ("headless", False, None),
}
# What ``run``'s parser gives when an option is not given (register below; a test compares).
_RUN_DEFAULTS = {"db": None, "no_demo": False, "demo_members": 2000, "headless": False,
                 "self_test": False, "data_dir": None, "scratch": False, "require_ui": False,
                 "keep": False, "json": False}


def quick_args(argv: Sequence[str]):
    """``run``'s arguments (after the word ``run``) read without building the parser tree
    (argparse and every sub-command's options: every ``python main.py`` pays for them before
    its window), for the common options only: ``--db FILE``, ``--db=FILE``, ``--no-demo``,
    ``--demo-members N``, ``--headless``. Returns the namespace ``run``'s parser would give,
    or None for anything else (``--help``, ``--self-test``, an unknown or abbreviated option,
    a bad number, a value that looks like an option): the caller then uses the parser, with
    its usual behaviour and errors."""
    from types import SimpleNamespace

    values = dict(_RUN_DEFAULTS)
    i = 0
    while i < len(argv):
        word = argv[i]
        name, eq, value = word.partition("=")
        option = _QUICK_RUN_OPTIONS.get(name)
        if option is None:
            return None
        dest, takes_value, convert = option
        if takes_value:
            if not eq:
                i += 1
                if i >= len(argv):
                    return None
                value = argv[i]
            if not value or value.startswith("-"):
                return None
            try:
                values[dest] = convert(value)
            except ValueError:
                return None
        elif eq:
            return None  # ``--no-demo=x``: argparse's error
        else:
            values[dest] = True
        i += 1
    return SimpleNamespace(command="run", func=cmd_run, **values)


def register(sub: argparse._SubParsersAction) -> None:
    from pos_member.selftest_options import add_options as add_self_test_options
    from pos_member.version import add_version_option

    p = sub.add_parser("run", help="start the till (creates the database and demo data on "
                                   "first start)")
    p.add_argument("--db", help="database file (default: the user's data folder)")
    p.add_argument("--no-demo", action="store_true", help="do not create demo data")
    p.add_argument("--demo-members", type=int, default=2000, metavar="N")
    p.add_argument("--headless", action="store_true", help="prepare the till, start no window")
    p.add_argument("--self-test", action="store_true",
                   help="check this installation and exit 0 if every step passed "
                        "(see --data-dir, --require-ui)")
    add_version_option(p)
    add_self_test_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("staff", help="staff: add a cashier or manager (e.g. the first "
                                     "manager of a till set up from the central service)")
    staff_sub = p.add_subparsers(dest="staff_command", required=True, metavar="STAFF_COMMAND")
    a = staff_sub.add_parser("add", help="add a staff member (PIN asked without echo, or read "
                                         "from standard input)")
    a.add_argument("code", help="the staff code typed at log-in, e.g. S004")
    a.add_argument("name")
    a.add_argument("--role", choices=("cashier", "manager"), default="cashier")
    a.add_argument("--pin", help="the PIN (avoid: it stays in the shell history)")
    a.add_argument("--db", help="database file (default: the user's data folder)")
    a.set_defaults(func=cmd_staff_add)

    p = sub.add_parser("scale-labels", help="show or set how scale labels (EAN-13 prefixes "
                                            "20-29) are read, e.g. "
                                            "'20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC'")
    p.add_argument("layouts", nargs="?", help="the new layouts (empty string: read none)")
    p.add_argument("--db", help="database file (default: the user's data folder)")
    p.set_defaults(func=cmd_scale_labels)

    p = sub.add_parser("report", help="print the X (open shift) or Z (closed shift) report")
    p.add_argument("kind", choices=("x", "z"))
    p.add_argument("--shift", help="the closed shift's id (Z; default: the last one)")
    p.add_argument("--format", choices=("text", "csv"), default="text")
    p.add_argument("--db", help="database file (default: the user's data folder)")
    p.set_defaults(func=cmd_report)
