"""The console's commands of ``python -m pos_central``: console-admin (create a staff
account, or set a new password) and console-publish-due (publish scheduled programme
versions whose time has come, for a cron job; the service also does it by itself)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

PASSWORD_ENV = "POS_CONSOLE_PASSWORD"


def cmd_console_admin(args: argparse.Namespace, db) -> int:
    from pos_central.console import auth
    from pos_central.console.tables import ConsoleStaff

    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            print(f"console-admin: give the password in ${PASSWORD_ENV} or run it at a "
                  "terminal", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("console-admin: the passwords differ", file=sys.stderr)
            return 2
    try:
        with db.write() as s:
            existing = s.execute(select(ConsoleStaff).where(
                ConsoleStaff.username == args.username.strip().lower())).scalar_one_or_none()
            if existing is not None and args.reset_password:
                auth.set_password(s, existing, password)
                existing.active = True
                print(f"new password set for {existing.username} ({existing.role}); "
                      "their sessions ended")
                return 0
            row = auth.create_staff(s, args.username, password, args.role, args.name or "")
            print(f"created {row.username} ({row.role})")
    except auth.ConsoleAuthError as exc:
        print(f"console-admin: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_console_publish_due(_args: argparse.Namespace, db) -> int:
    from pos_central.console.programme import publish_due_if_any

    published = publish_due_if_any(db)
    print(f"published rules versions {', '.join(map(str, published))}" if published
          else "nothing due")
    return 0


def add_commands(sub, with_db, run_with_db) -> None:
    a = with_db(sub.add_parser("console-admin", help="create a console staff account "
                               f"(password from ${PASSWORD_ENV} or asked)"))
    a.add_argument("username")
    a.add_argument("--role", default="admin", choices=("admin", "operator", "read_only"))
    a.add_argument("--name", default="", help="display name")
    a.add_argument("--reset-password", action="store_true",
                   help="set a new password for an existing account instead")
    a.set_defaults(func=run_with_db(cmd_console_admin))
    with_db(sub.add_parser("console-publish-due", help="publish the programme versions "
                           "whose time has come")).set_defaults(
        func=run_with_db(cmd_console_publish_due))
