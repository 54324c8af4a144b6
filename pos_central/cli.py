"""``python -m pos_central``: serve, migrate, seed-demo, enrol-code, member-code, openapi,
expire-points, audit-status.

The database is ``--database-url``, else ``$POS_CENTRAL_DATABASE_URL``, else the SQLite file
``pos_central.db`` in the current directory.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from pos_central import migrations
from pos_central.db import DATABASE_URL_ENV, Database, resolve_database_url, utcnow


def _db(args: argparse.Namespace) -> Database:
    return Database(resolve_database_url(args.database_url))


def migrate(database_url: str) -> None:
    """Bring the database to the newest schema and give it rules and a signing key."""
    from pos_central.admin import bootstrap

    db = Database(database_url)
    try:
        migrations.upgrade(db.engine)
        with db.write() as s:
            bootstrap(s)
    finally:
        db.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = resolve_database_url(args.database_url)
    if not args.no_migrate:
        migrate(url)
    os.environ[DATABASE_URL_ENV] = url  # the factory reads it, in every worker
    uvicorn.run("pos_central.app:app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    url = resolve_database_url(args.database_url)
    migrate(url)
    print(f"database at head revision: {url}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from pos_central.demo import BRAND, seed_demo

    url = resolve_database_url(args.database_url)
    migrate(url)
    db = Database(url)
    with db.write() as s:
        counts = seed_demo(s, members=args.members)
    db.dispose()
    print(f"seeded {BRAND}: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    return 0


def cmd_enrol_code(args: argparse.Namespace) -> int:
    from pos_central.auth import new_enrol_code

    db = _db(args)
    code = new_enrol_code(db, store_id=args.store, ttl=timedelta(hours=args.hours))
    db.dispose()
    print(code)
    return 0


def cmd_member_code(args: argparse.Namespace) -> int:
    from pos_central import models as m
    from pos_central.keys import ensure_signing_key, issue_member_code, load_private
    from pos_central.loyalty import find_member

    db = _db(args)
    with db.write() as s:
        member, followed = find_member(s, args.member_id, lock=False)
        if member is None:
            card = s.execute(select(m.Member.id).where(m.Member.card_no == args.member_id)
                             ).scalar_one_or_none()
            member, followed = find_member(s, card, lock=False) if card else (None, False)
        if member is None:
            print(f"pos-central member-code: no member {args.member_id}", file=sys.stderr)
            return 2
        if followed:
            print(f"note: {args.member_id} was merged into {member.id}", file=sys.stderr)
        key = ensure_signing_key(s)
        code = issue_member_code(load_private(key), key.key_id, member.id, utcnow(),
                                 ttl_seconds=args.ttl)
    db.dispose()
    print(code)
    if args.qr:
        import qrcode

        qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(code)
        qr.make(fit=True)
        qr.print_ascii(out=sys.stdout, invert=True)
    return 0


def cmd_openapi(_args: argparse.Namespace) -> int:
    from pos_central.app import create_app

    json.dump(create_app("sqlite://").openapi(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


def cmd_expire_points(args: argparse.Namespace) -> int:
    from pos_central.loyalty import expire_all

    db = _db(args)
    with db.write() as s:
        total = expire_all(s, utcnow().date())
    db.dispose()
    print(f"expired {total} points")
    return 0


def cmd_audit_status(args: argparse.Namespace) -> int:
    from pos_central.admin import audit_status

    db = _db(args)
    with db.read() as s:
        rows = audit_status(s, broken_only=args.broken)
    db.dispose()
    for r in rows:
        where = f"{r['terminal_id']}  {r['store_id']}  {r['name']}"
        if r["head_seq"] is None:
            print(f"{where}  no audit head yet")
        elif not r["breaks"]:
            print(f"{where}  head {r['head_seq']}  ok")
        else:
            plural = "" if r["breaks"] == 1 else "s"
            print(f"{where}  head {r['head_seq']}  BROKEN ({r['breaks']} break{plural}, last "
                  f"{r['broken_at']:%Y-%m-%d %H:%M}Z; {r['conflict_kind']}: "
                  f"{r['conflict_message']})")
    if not rows:
        print("no terminals" if not args.broken else "no terminal's audit chain has broken")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pos_central",
                                     description="POS Member reference central service")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--database-url", default=None,
                       help=f"SQLAlchemy URL (default: ${DATABASE_URL_ENV} or "
                            "sqlite:///pos_central.db)")
        return p

    s = with_db(sub.add_parser("serve", help="run the HTTP service"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--no-migrate", action="store_true", help="do not migrate on start")
    s.add_argument("--log-level", default="info")
    s.set_defaults(func=cmd_serve)
    with_db(sub.add_parser("migrate", help="create or upgrade the schema")).set_defaults(
        func=cmd_migrate)
    d = with_db(sub.add_parser("seed-demo", help="write the demo brand (the till's own)"))
    d.add_argument("--members", type=int, default=1000,
                   help="demo members to create (default 1000, as the till's seed)")
    d.set_defaults(func=cmd_seed_demo)
    e = with_db(sub.add_parser("enrol-code", help="print a one-time terminal enrolment code"))
    # A code is issued for a store: the terminal it enrols belongs to that store for good and
    # the service refuses its events about any other store (docs/sync-api.md).
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--store", default=None,
                       help="the store the terminal will belong to (e.g. S001)")
    which.add_argument("--any-store", action="store_true",
                       help="let the till name its store when it enrols (development, demo)")
    e.add_argument("--hours", type=float, default=24.0, help="validity (default 24 hours)")
    e.set_defaults(func=cmd_enrol_code)
    c = with_db(sub.add_parser("member-code", help="print a member's dynamic code"))
    c.add_argument("member_id", help="member id (or card number)")
    c.add_argument("--qr", action="store_true", help="also draw it as a QR code")
    c.add_argument("--ttl", type=int, default=60, help="seconds the code is valid")
    c.set_defaults(func=cmd_member_code)
    sub.add_parser("openapi", help="print the OpenAPI document").set_defaults(func=cmd_openapi)
    a = with_db(sub.add_parser("audit-status", help="each terminal's acknowledged audit head, "
                               "and the terminals whose audit chain broke"))
    a.add_argument("--broken", action="store_true", help="only terminals whose chain broke")
    a.set_defaults(func=cmd_audit_status)
    with_db(sub.add_parser("expire-points", help="expire point lots past their last day")
            ).set_defaults(func=cmd_expire_points)
    from pos_central.console.cli import add_commands as add_console_commands

    add_console_commands(sub, with_db, _with_database)
    from pos_central.cross_channel_cli import add_commands as add_cross_channel_commands

    add_cross_channel_commands(sub, with_db, _with_database)
    return parser


def _with_database(command):
    """A command ``command(args, db)`` run with the --database-url database, then closed."""
    def run(args: argparse.Namespace) -> int:
        db = _db(args)
        try:
            return command(args, db)
        finally:
            db.dispose()
    return run


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `... | head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SQLAlchemyError as exc:
        print(f"pos-central {args.command}: database error: {exc.__class__.__name__}: "
              f"{str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
