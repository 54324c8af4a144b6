"""Start the POS Member till: `python main.py` (see README.md).

Also the entry point of the built program (installer/pos_member.spec):
`pos-member --version`, `pos-member --self-test`, `pos-member --headless`, and every command:
`pos-member db restore --list`, `pos-member report x` ...
"""

import os
import sys

if getattr(sys, "frozen", False):
    # The bundle's folder may be read-only (Program Files): never try to write bytecode
    # beside the migration scripts Alembic loads from files.
    sys.dont_write_bytecode = True
# A windowed Windows build has no console: give print() somewhere harmless to go, and have
# messages meant for the user (another till running, a crash before the window) shown in a box.
_windowed = sys.stdout is None or sys.stderr is None
for _name in ("stdout", "stderr"):
    if getattr(sys, _name) is None:
        setattr(sys, _name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115

import pos_member.crash
from pos_member.cli import main

pos_member.crash.windowed = _windowed


def command_line(args: list[str]) -> list[str]:
    """``main.py [OPTIONS]`` starts the till (the ``run`` command); ``main.py COMMAND ...``
    (``db restore``, ``report x``, ``print-test`` ...) runs that command, so the built program
    is the whole command line too; ``main.py --help`` lists the commands."""
    if args and (args[0] in ("-h", "--help") or not args[0].startswith("-")):
        return args
    return ["run", *args]


if __name__ == "__main__":
    raise SystemExit(main(command_line(sys.argv[1:])))
