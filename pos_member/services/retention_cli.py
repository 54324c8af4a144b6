"""``python -m pos_member db prune``: the retention policy (services/retention.py) from the
command line. It joins the ``db`` group of pos_member.store.cli (whose helpers it uses): the
policy stores Z figures through the services, which the store's own CLI may not import."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pos_member.store import cli as store_cli
from pos_member.store.restore_cli import _db_group


@store_cli._guarded
def cmd_prune(args: argparse.Namespace) -> int:
    from pos_member.store import archive, migrate

    from . import retention

    path = store_cli._existing_db(args)
    try:
        keep = int(args.keep_days)
    except ValueError:
        raise store_cli._fail(f"--keep-days needs a whole number of days, not "
                              f"{args.keep_days!r}", store_cli.EXIT_BAD_INPUT) from None
    if migrate.current_revision(path) != migrate.head_revision():
        raise store_cli._fail(f"{path} is at revision {store_cli._revision_text(path)}",
                              store_cli.EXIT_BAD_INPUT)
    target: Any = False if args.no_archive else (
        Path(args.archive).expanduser() if args.archive else True)
    lock = store_cli._lock(path)
    try:
        result = retention.prune(path, keep_days=keep, archive_events=target,
                                 sales=not args.no_archive and not args.events_only,
                                 dry_run=args.dry_run, compact=not args.no_compact)
    except archive.PruneRefused as exc:
        raise store_cli._fail(str(exc), store_cli.EXIT_BAD_INPUT) from None
    finally:
        lock.release()
    ev = result.events
    verb = "would prune" if ev.dry_run else "pruned"
    print(f"{verb} what the central service confirmed before {ev.cutoff}:")
    print(f"  outbox events sent:  {ev.outbox_events:,} ({ev.outbox_bytes / 1e6:.1f} MB)")
    print(f"  print jobs printed:  {ev.print_jobs:,} ({ev.print_bytes / 1e6:.1f} MB)")
    print(f"  expired code nonces: {ev.nonces:,}")
    if ev.archive is not None:
        print(f"  events {'would be ' if ev.dry_run else ''}archived to {ev.archive}")
    sold = result.sales
    if sold is None:
        print("  sales:               kept (no archive)" if args.no_archive
              else "  sales:               kept (--events-only)")
    else:
        print(f"  sales confirmed:     {sold.sales:,}"
              + (f" with {sold.refunds:,} refunds" if not sold.dry_run else ""))
        if sold.archive is not None:
            print(f"  sales archived to    {sold.archive}")
        if result.shifts_frozen:
            print(f"  Z figures stored:    {result.shifts_frozen:,} shifts")
    c = result.compaction
    if c is not None and c.how != "none":
        print(f"  file:                {c.size_before / 1e6:.1f} MB -> {c.size_after / 1e6:.1f} MB "
              f"({'one full VACUUM' if c.how == 'vacuum' else 'incremental vacuum'}, "
              f"{c.seconds:.1f} s)")
    return store_cli.EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmds = _db_group(sub)
    if "prune" in cmds.choices:
        return
    text = ("archive and delete what the central service confirmed more than --keep-days ago: "
            "sales with their refunds and ledger rows, outbox events, printed receipts' bytes "
            "and expired code nonces (never anything unconfirmed)")
    p = cmds.add_parser("prune", help=text, description=text)
    p.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                   help="the database file (default: till.sqlite3 in the data folder)")
    p.set_defaults(func=cmd_prune)
    p.add_argument("--keep-days", default="90", metavar="N",
                   help="keep the last N days (default 90, at least 7)")
    p.add_argument("--archive", default=None, metavar="PATH",
                   help="archive database for the events (default: <db>-archive.sqlite3); "
                   "sales go to one new file per run in <db>-archive/")
    p.add_argument("--no-archive", action="store_true",
                   help="delete events without an archive copy (sales are then kept)")
    p.add_argument("--events-only", action="store_true", help="keep the sales")
    p.add_argument("--no-compact", action="store_true",
                   help="leave the freed pages in the file (no vacuum)")
    p.add_argument("--dry-run", action="store_true", help="only count what would go")
