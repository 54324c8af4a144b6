"""First-run set-up, the work behind the wizard (:mod:`pos_member.ui.first_run`): what it
decides (:class:`SetupChoices`), the printer check and test page, and :func:`set_up_till`, the
one op the wizard runs on the DB worker. No widgets here: the wizard's pages are in
:mod:`pos_member.ui.first_run_pages`.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .first_run_check import MARKER_SUFFIX, needs_first_run, setup_marker  # noqa: F401

log = logging.getLogger("pos_member.ui.first_run")

ENCODINGS = ("gb18030", "big5", "utf8", "cp437", "cp850", "cp858", "cp1252", "cp866", "raster")
WIDTHS = (48, 32)
NAME_MAX = 100
DEMO, CENTRAL = "demo", "central"


# --- what the wizard decides, and the work off the GUI thread ----------------------------------

@dataclass(frozen=True)
class SetupChoices:
    language: str
    store_name: str
    terminal_name: str
    printer: str | None           # a printing spec; None: no printer for now
    printer_width: int = 48
    printer_encoding: str = "gb18030"
    mode: str = DEMO              # DEMO or CENTRAL
    central_url: str = ""
    enrolment_code: str = ""


@dataclass
class SetupResult:
    till: Any                     # pos_member.app.OpenTill
    choices: SetupChoices
    enrolment: Any = None         # services.settings.EnrolmentStatus for the central choice


class PrinterProblem(ValueError):
    """The printer settings cannot be used (the message says why, in English)."""


@dataclass(frozen=True)
class TestPageResult:
    ok: bool
    spec: str
    size: int                     # bytes sent to the printer
    message: str                  # why it was not printed
    thread: int                   # the thread it ran on (tests check: not the GUI thread)


def check_printer(spec: str, width: int, encoding: str) -> str:
    """Validate the printer settings; returns the spec as stored."""
    from pos_member.printing.settings import PrinterSettings, SettingsError

    spec = (spec or "").strip()
    if not spec:
        raise PrinterProblem("enter the printer, e.g. network:192.168.1.50:9100")
    try:
        PrinterSettings(spec, width=int(width), encoding=encoding)
    except (SettingsError, ValueError, TypeError) as exc:
        raise PrinterProblem(str(exc)) from None
    return spec


def print_test_page(spec: str, width: int, encoding: str) -> TestPageResult:
    """Print the test page (as ``python -m pos_member print-test``) with one attempt, on the
    calling thread: the wizard calls it on a background thread."""
    from pos_member.printing.jobs import PRINTED, MemoryJobStore
    from pos_member.printing.printer import ReceiptPrinter
    from pos_member.printing.raster import FontNotFound
    from pos_member.printing.reports import layout_test_page
    from pos_member.printing.settings import PrinterSettings

    spec = check_printer(spec, width, encoding)
    settings = PrinterSettings(spec, width=int(width), encoding=encoding, connect_timeout=3.0,
                               io_timeout=8.0)
    try:
        printer = ReceiptPrinter(settings, MemoryJobStore())
    except (FontNotFound, OSError, ValueError) as exc:  # raster mode needs a CJK font
        raise PrinterProblem(str(exc)) from None
    doc = layout_test_page(printer.paper, str(printer.spec), datetime.now().astimezone(),
                           qr_mode=settings.qr)
    job_id = printer.print_document(doc)
    ident = threading.get_ident()
    if job_id is None:
        return TestPageResult(False, spec, 0, "the test page could not be laid out", ident)
    printer.queue.run_once()
    job = printer.queue.store.get(job_id)
    if job is not None and job.status == PRINTED:
        return TestPageResult(True, spec, len(job.payload), "", ident)
    return TestPageResult(False, spec, 0, (job.last_error if job is not None else "")
                          or "the printer did not answer", ident)


def _database_files(db_path: Path) -> list[Path]:
    return [db_path] + [db_path.with_name(db_path.name + s)
                        for s in ("-wal", "-shm", "-journal", ".highwater")]


def _delete_database(db_path: Path) -> None:
    for p in _database_files(db_path):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            log.exception("could not delete %s", p)


def _discard(till, db_path: Path) -> None:
    """Close an opened till's connections, delete its database (set-up did not finish), then
    release its lock (deleting while the lock is held: no other start sees half a file)."""
    for factory in (till.ctx.sessions, till.ctx.readers):
        engine = getattr(factory, "kw", {}).get("bind") if factory is not None else None
        if engine is not None:
            engine.dispose()
    _delete_database(db_path)
    till.close()


def _enrol(ctx, url: str, code: str, terminal_name: str, online: bool):
    from pos_member.app import enroller
    from pos_member.services import settings

    return settings.enrol_terminal(ctx, url, code, terminal_name,
                                   enrol=enroller(None) if online else None)


class AlreadySetUp(RuntimeError):
    """A database in service is already at this path (another start finished its set-up)."""


def set_up_till(db_path: str | Path, choices: SetupChoices, *, demo_members: int = 2000,
                enrol_online: bool = True) -> SetupResult:
    """On the DB worker: create the till as chosen, or leave nothing behind.

    For the central service ``settings.enrol_terminal`` is called; with ``enrol_online`` it is
    given the sync package's enrolment (``app.enroller``), so the code is sent now and a
    refusal comes back to the wizard. Without it the code is only recorded (pending).

    Raises what went wrong (``InvalidInput``/``ServiceError`` with a code, ``PrinterProblem``,
    ``InstanceLockedError``, ``AlreadySetUp`` ...) after deleting any database it created.
    """
    from pos_member.app import open_till, setup_logging
    from pos_member.services import settings
    from pos_member.store.db import acquire_instance_lock

    setup_logging()
    path = Path(db_path)
    # Everything that can be checked without a database is checked first.
    url = code = ""
    if choices.mode == CENTRAL:
        url = settings.normalise_central_url(choices.central_url)
        code = settings.normalise_enrolment_code(choices.enrolment_code)
    if choices.printer is not None:
        check_printer(choices.printer, choices.printer_width, choices.printer_encoding)
    marker = setup_marker(path)
    # The till's single-instance lock first: a second start (its own wizard) cannot touch
    # the files while this one makes them. InstanceLockedError when another start holds it.
    instance = acquire_instance_lock(path)
    till = None
    wrote_marker = False
    enrolment = None
    try:
        if path.exists() and path.stat().st_size > 0 and not marker.exists():
            # another start finished its set-up meanwhile: never delete a database in service
            raise AlreadySetUp(f"a database is already set up at {path}")
        marker.write_text(f"set-up started {datetime.now().astimezone().isoformat()}\n",
                          encoding="utf-8")
        wrote_marker = True
        _delete_database(path)  # an interrupted set-up's leftovers (the marker says so)
        till = open_till(path, lock=False, seed_demo_if_new=choices.mode == DEMO,
                         demo_members=demo_members)
        till.lock = instance  # released by till.close()
        ctx = till.ctx
        settings.save_store_name(ctx, choices.store_name)
        settings.save_terminal_name(ctx, choices.terminal_name)
        settings.save_language(ctx, choices.language)
        if choices.printer is not None:
            settings.save_printer(ctx, choices.printer, choices.printer_width,
                                  choices.printer_encoding)
        if choices.mode == CENTRAL:
            settings.save_central_url(ctx, url)
            enrolment = _enrol(ctx, url, code, choices.terminal_name, enrol_online)
            if enrolment.state == "failed":
                from pos_member.services.errors import ServiceError

                raise ServiceError(enrolment.message or "the enrolment failed",
                                   code="enrolment_failed")
    except BaseException:
        if till is not None:
            _discard(till, path)
        else:
            if wrote_marker:
                _delete_database(path)
            instance.release()
        if wrote_marker:
            marker.unlink(missing_ok=True)
        raise
    marker.unlink(missing_ok=True)
    log.info("first-run set-up done: %s, %s (%s)", path, choices.mode,
             enrolment.state if enrolment is not None else "demo brand")
    return SetupResult(till, choices, enrolment)
