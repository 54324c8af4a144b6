"""Start the POS Member till: `python main.py` (see README.md)."""

import sys

from pos_member.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["run", *sys.argv[1:]]))
