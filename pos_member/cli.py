"""Command line: ``python -m pos_member COMMAND`` (also installed as ``pos-member``).

Commands:
  quote FILE|-     price a basket given as JSON and print the result as JSON
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:  # argparse is imported when the parser is built (not for a plain `run`)
    import argparse

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class CliError(Exception):
    """An error to report as one line on stderr with an exit status."""

    def __init__(self, message: str, status: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.status = status


def _read_input(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None


def cmd_quote(args: argparse.Namespace) -> int:
    import json

    from pos_member.services.quote import QuoteInputError, quote_text

    text = _read_input(args.file)
    try:
        result = quote_text(text)
    except QuoteInputError as exc:
        raise CliError(str(exc)) from None
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2 if args.pretty else None)
    sys.stdout.write("\n")
    return EXIT_OK


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv`` naming a command, only that command's module is imported
    (``python main.py`` starts the window without loading the store's or printer's CLI)."""
    import argparse

    parser = argparse.ArgumentParser(prog="pos-member", description="POS Member till")
    importlib.import_module("pos_member.version").add_version_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("quote", help="price a basket given as JSON (FILE, or - for stdin)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--pretty", action="store_true", help="indent the JSON output")
    p.set_defaults(func=cmd_quote)

    for name in _modules_for(argv):
        importlib.import_module(name).register(sub)
    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Modules that add sub-commands through their ``register(subparsers)``; imported only when the
# parser is built, so importing one package never drags in another's dependencies.
_COMMAND_MODULES = (
    "pos_member.commands",  # run, report
    "pos_member.store.cli",  # db ...
    "pos_member.printing.cli",  # print-test
    "pos_member.printing.discovery_cli",  # find-printers
    "pos_member.sync.cli",  # sync --once, sync status, sync enrol
    "pos_member.store.restore_cli",  # db restore (after store.cli: it joins the db group)
    "pos_member.services.retention_cli",  # db prune (joins the db group too)
    "pos_member.selftest",  # self-test
)
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []
# Which modules a command needs (the others are left unimported when that command runs).
_MODULES_OF = {
    "run": ("pos_member.commands",),
    "report": ("pos_member.commands",),
    "staff": ("pos_member.commands",),
    "scale-labels": ("pos_member.commands",),
    "db": ("pos_member.store.cli", "pos_member.store.restore_cli",
           "pos_member.services.retention_cli"),
    "print-test": ("pos_member.printing.cli",),
    "find-printers": ("pos_member.printing.discovery_cli",),
    "sync": ("pos_member.sync.cli",),
    "self-test": ("pos_member.selftest",),
    "quote": (),
}


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    words = [a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("-")]
    if words and words[0] in _MODULES_OF:
        return _MODULES_OF[words[0]]
    return _COMMAND_MODULES  # help, a typo, or no command: list everything


def main(argv: Sequence[str] | None = None) -> int:
    args = None
    words = list(argv if argv is not None else sys.argv[1:])
    if words[:1] == ["run"]:  # `python main.py`: the common options without the parser tree
        # (through the module's name, as its ``register`` is: commands imports this module)
        args = importlib.import_module(_MODULES_OF["run"][0]).quick_args(words[1:])
    if args is None:
        args = build_parser(argv).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"pos-member {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
