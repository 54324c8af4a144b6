"""``--version``: the program's version, the newest database schema it knows, and what runs it."""

from __future__ import annotations

import argparse
import sys


def version_text() -> str:
    import platform

    from pos_member import __version__

    try:
        from pos_member.store.migrate import head_revision

        schema = head_revision()
    except Exception as exc:  # noqa: BLE001 - a broken bundle still says what it is
        schema = f"unknown ({type(exc).__name__})"
    how = "bundle" if getattr(sys, "frozen", False) else "source"
    return (f"POS Member {__version__} (database schema {schema}; Python "
            f"{platform.python_version()}, {platform.system()}, {how})")


class VersionAction(argparse.Action):
    """Like argparse's "version" action, but the text is made only when asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print the version and exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit()


def add_version_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action=VersionAction)
