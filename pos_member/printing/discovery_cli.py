"""``python -m pos_member find-printers``: list the receipt printers this computer can see.

The same search as the set-up wizard's "Find printers" (``discovery.discover``): USB, the
Windows spooler, CUPS queues, serial ports, then port 9100 across the till's own subnet (or
the ``--network`` ranges given, which must be inside it or on loopback). One line per printer:
``SPEC<TAB>sure|maybe<TAB>NAME<TAB>HOW FOUND``, or ``--json``. The spec goes straight to
``print-test --printer``. Exit status 0 when something was found, 1 when nothing was, 2 on bad
input (a range the scanner refuses, one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("find-printers", help="list the receipt printers this computer can see",
                       description="Look for receipt printers: USB, Windows, CUPS, serial "
                                   "ports and network printers on port 9100 in this "
                                   "computer's own subnet.")
    p.add_argument("--network", metavar="CIDR", action="append",
                   help="scan this range instead of the own subnets (repeatable; at most "
                        "1024 addresses, inside an own subnet or on 127.0.0.0/8)")
    p.add_argument("--port", metavar="PORT", default="9100", help="TCP port (default 9100)")
    p.add_argument("--no-local", action="store_true", help="skip USB, spooler, CUPS, serial")
    p.add_argument("--no-network", action="store_true", help="skip the network scan")
    p.add_argument("--json", action="store_true", help="JSON output")
    p.set_defaults(func=cmd_find_printers)


def cmd_find_printers(args: argparse.Namespace) -> int:
    from pos_member.printing import discovery

    try:
        port = int(args.port)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        print(f"find-printers: --port must be 1-65535, not {args.port!r}", file=sys.stderr)
        return 2
    networks = [] if args.no_network else args.network
    try:
        if networks:
            for n in networks:
                discovery.check_range(n)
        found, notes = discovery.discover(networks=networks, port=port,
                                          local=not args.no_local)
    except discovery.ScanRefused as exc:
        print(f"find-printers: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"printers": [asdict(p) for p in found], "notes": notes},
                         ensure_ascii=False, indent=2))
    else:
        for p in found:
            print(f"{p.spec}\t{'sure' if p.likely else 'maybe'}\t{p.name}\t{p.detail}")
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        if not found:
            print("no printer found", file=sys.stderr)
    return 0 if found else 1
