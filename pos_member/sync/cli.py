"""``python -m pos_member sync``: one sync cycle, the sync status, enrolment.

    python -m pos_member sync --once [--db FILE]        push everything, pull every page
    python -m pos_member sync status [--db FILE] [--json]
    python -m pos_member sync enrol URL CODE [--name NAME] [--ca-bundle FILE] [--db FILE]
    python -m pos_member sync parked [--json] [--export FILE] [--retry EVENT_ID] [--db FILE]

``--once`` and ``enrol`` take the till's single-instance lock (a running till syncs by itself);
``status`` only reads. Exit status 0 on success, 1 when the service could not be reached or
refused, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from pos_member.cli import EXIT_FAILURE, CliError


def _open(args: argparse.Namespace, lock: bool):
    from pos_member.app import open_till
    from pos_member.store.db import InstanceLockedError

    try:
        return open_till(args.db, lock=lock)
    except InstanceLockedError as exc:
        raise CliError(f"{exc} (a running till syncs by itself)", status=EXIT_FAILURE) from None


def _when(moment) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if moment else "never"


def _print_status(status, as_json: bool) -> None:
    if as_json:
        print(json.dumps({
            "state": status.state, "online": status.online,
            "last_success": status.last_success.isoformat() if status.last_success else None,
            "events_waiting": status.events_waiting, "conflicts_open": status.conflicts_open,
            "last_error": status.last_error,
        }, ensure_ascii=False))
        return
    print(f"state: {status.state} ({'online' if status.online else 'offline'})")
    print(f"last success: {_when(status.last_success)}")
    print(f"events waiting: {status.events_waiting}")
    print(f"open conflicts: {status.conflicts_open}")
    if status.last_error:
        print(f"last error: {status.last_error}")


def cmd_sync(args: argparse.Namespace) -> int:
    action = getattr(args, "sync_action", None)
    if action == "enrol":
        return _enrol(args)
    if action == "parked":
        return _parked(args)
    if action == "status" or not args.once:
        return _status(args)
    return _once(args)


def _once(args: argparse.Namespace) -> int:
    from pos_member.sync.client import SyncError
    from pos_member.sync.engine import SyncEngine

    till = _open(args, lock=True)
    engine = SyncEngine(till.ctx)
    try:
        report = engine.run_once()
    except SyncError as exc:
        raise CliError(f"{type(exc).__name__}: {exc.message}", status=EXIT_FAILURE) from None
    finally:
        status = engine.status()
        engine.close()
        till.close()
    pulled = report.pulled
    print(f"pushed {report.pushed} events in {report.batches} batches "
          f"({report.duplicates} already on the service, {report.conflicts} conflicts, "
          f"{report.merges} merges, {report.refused} refused)")
    print(f"pulled {pulled.changes} changes in {report.pages} pages ({pulled.members} members, "
          f"{pulled.deleted} deletions)" + (" from the start of a new feed"
                                             if report.restarted_feed else ""))
    _print_status(status, False)
    return 0


def _status(args: argparse.Namespace) -> int:
    from pos_member.sync.engine import SyncEngine

    till = _open(args, lock=False)
    try:
        status = SyncEngine(till.ctx).status()
    finally:
        till.close()
    _print_status(status, getattr(args, "json", False))
    return 0


def _parked(args: argparse.Namespace) -> int:
    """List, export or retry the events the central service refused for good."""
    from pos_member.sync import parked

    till = _open(args, lock=args.retry is not None)
    try:
        if args.retry is not None:
            try:
                parked.retry_parked(till.ctx.sessions, args.retry)
            except parked.NotParked as exc:
                raise CliError(str(exc)) from None
            print(f"event {args.retry} is back in the queue; it goes out with the next sync")
            return 0
        if args.export:
            count = parked.export_parked(till.ctx.sessions, args.export)
            print(f"{count} parked event(s) written to {args.export}")
            return 0
        events = parked.list_parked(till.ctx.sessions)
    finally:
        till.close()
    if args.json:
        print(json.dumps([{"event_id": e.event_id, "terminal_seq": e.terminal_seq,
                           "kind": e.kind, "reason_kind": e.reason_kind, "reason": e.reason,
                           "parked_at": e.parked_at} for e in events], ensure_ascii=False))
        return 0
    if not events:
        print("no parked events")
    for e in events:
        print(f"{e.event_id}  #{e.terminal_seq}  {e.kind}  {e.reason_kind}: {e.reason}")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from pos_member.services.errors import ServiceError
    from pos_member.store import repositories as repo
    from pos_member.store.db import transaction
    from pos_member.sync.enrolment import CA_BUNDLE, enrol

    till = _open(args, lock=True)
    try:
        if args.ca_bundle:
            with transaction(till.ctx.sessions) as s:
                repo.set_setting(s, CA_BUNDLE, args.ca_bundle)
        status = enrol(till.ctx, args.url, args.code, args.name or "")
    except ServiceError as exc:
        raise CliError(f"enrolment failed ({exc.code}): {exc.message}",
                       status=EXIT_FAILURE) from None
    finally:
        till.close()
    print(status.message)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="sync with the central service: --once, status, enrol")
    p.add_argument("--db", help="database file (default: the user's data folder)")
    p.add_argument("--once", action="store_true",
                   help="push every waiting event and pull every change, then exit")
    actions = p.add_subparsers(dest="sync_action", metavar="ACTION")
    s = actions.add_parser("status", help="what waits, open conflicts, the last success")
    s.add_argument("--db", default=argparse.SUPPRESS, help="database file")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    k = actions.add_parser("parked", help="events the service refused for good: list, "
                                          "--export FILE, --retry EVENT_ID")
    k.add_argument("--db", default=argparse.SUPPRESS, help="database file")
    k.add_argument("--json", action="store_true", help="print one JSON array")
    k.add_argument("--export", metavar="FILE", help="write payloads and reasons to a JSON file")
    k.add_argument("--retry", metavar="EVENT_ID", help="put one parked event back in the queue")
    e = actions.add_parser("enrol", help="enrol this till with a one-time code")
    e.add_argument("url", help="the central service, e.g. https://pos.example.com")
    e.add_argument("code", help="the one-time code, e.g. 7KQ4-M2XD-9RTB")
    e.add_argument("--name", help="this terminal's name on the service")
    e.add_argument("--ca-bundle", help="CA certificates to trust (a brand's private CA)")
    e.add_argument("--db", default=argparse.SUPPRESS, help="database file")
    p.set_defaults(func=cmd_sync)


if __name__ == "__main__":  # pragma: no cover
    from pos_member.cli import main

    sys.exit(main(["sync", *sys.argv[1:]]))
