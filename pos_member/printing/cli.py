"""``python -m pos_member print-test --printer SPEC``: print a test page through the queue.

Exit status 0 when the printer took the page, 1 when it did not (the reason on one line), 2 on
bad input (one line). The page goes through the same queue and transport as a receipt; with
``--queue FILE`` the job is kept in a JSON queue file, so a page that could not be printed
stays there.
"""

from __future__ import annotations

import argparse
import logging
from datetime import datetime

from pos_member.printing.text import ENCODINGS

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class _BadInput(Exception):
    pass


class _NotPrinted(Exception):
    pass


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "print-test", help="print a test page (settings, ruler, Chinese, styles, QR)",
        description="Print a test page on a receipt printer. SPEC is usb:VID:PID, "
                    "serial:DEVICE[:BAUD], network:HOST[:PORT], win32:PRINTER NAME, cups:QUEUE "
                    "or file:PATH.")
    p.add_argument("--printer", metavar="SPEC", help="the printer, e.g. network:192.168.1.50")
    p.add_argument("--width", metavar="32|48", default="48",
                   help="columns: 32 for 58 mm paper, 48 for 80 mm (default 48)")
    p.add_argument("--encoding", metavar="|".join(ENCODINGS[:4] + ("raster",)),
                   default="gb18030", help="the printer's text encoding, or raster to send "
                   "the page as an image (default gb18030)")
    p.add_argument("--qr", metavar="raster|native", default="raster",
                   help="QR code as an image or with the printer's own QR command")
    p.add_argument("--font", metavar="FILE", help="CJK font for raster mode (default: found "
                   "on the system)")
    p.add_argument("--no-status", action="store_true",
                   help="do not ask the printer for its status (printers without a back channel)")
    p.add_argument("--timeout", metavar="SECONDS", default="10",
                   help="seconds to wait for the printer (default 10)")
    p.add_argument("--queue", metavar="FILE", help="keep the job in this JSON queue file")
    p.set_defaults(func=cmd_print_test)


def _settings(args: argparse.Namespace):
    from pos_member.printing.settings import PrinterSettings, SettingsError

    if not args.printer:
        raise _BadInput("--printer SPEC is required (e.g. --printer network:192.168.1.50)")
    if args.width not in ("32", "48"):
        raise _BadInput(f"--width must be 32 or 48, not {args.width!r}")
    try:
        timeout = float(args.timeout)
    except ValueError:
        raise _BadInput(f"--timeout must be a number of seconds, not {args.timeout!r}") from None
    try:
        return PrinterSettings(args.printer, width=int(args.width), encoding=args.encoding,
                               qr=args.qr, font=args.font, status_query=not args.no_status,
                               connect_timeout=min(timeout, 5.0), io_timeout=timeout)
    except SettingsError as exc:
        raise _BadInput(str(exc)) from None


def cmd_print_test(args: argparse.Namespace) -> int:
    from pos_member.cli import CliError

    try:
        return _print_test(args)
    except _BadInput as exc:
        raise CliError(str(exc), EXIT_BAD_INPUT) from None
    except _NotPrinted as exc:
        raise CliError(str(exc), EXIT_FAILURE) from None


def _print_test(args: argparse.Namespace) -> int:
    from pos_member.printing.jobs import PRINTED, JsonFileJobStore, MemoryJobStore
    from pos_member.printing.printer import ReceiptPrinter
    from pos_member.printing.raster import FontNotFound
    from pos_member.printing.reports import layout_test_page

    settings = _settings(args)
    # the outcome is reported on one line below; keep the queue's warning off stderr
    logging.getLogger("pos_member.printing").addHandler(logging.NullHandler())
    try:
        store = JsonFileJobStore(args.queue) if args.queue else MemoryJobStore()
    except (OSError, ValueError) as exc:
        raise _BadInput(str(exc)) from None
    try:
        printer = ReceiptPrinter(settings, store)
    except FontNotFound as exc:
        raise _BadInput(f"{exc}; pass --font FILE") from None
    doc = layout_test_page(printer.paper, str(printer.spec), datetime.now().astimezone(),
                           qr_mode=settings.qr)
    job_id = printer.print_document(doc)
    if job_id is None:
        raise _NotPrinted("the test page could not be queued")
    printer.queue.run_once()          # one attempt, in this thread
    job = store.get(job_id)
    if job is not None and job.status == PRINTED:
        print(f"printed a test page on {printer.spec} ({len(job.payload)} bytes, "
              f"{settings.encoding}, {settings.width} columns)")
        return EXIT_OK
    reason = job.last_error if job is not None else "the job was lost"
    where = f"; job {job_id} kept in {args.queue}" if args.queue else ""
    raise _NotPrinted(f"not printed: {reason}{where}")

