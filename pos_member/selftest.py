"""``--self-test``: check that this build of the till can do what it does at run time.

    python main.py --self-test                 # this installation's data folder
    python main.py --self-test --data-dir DIR  # another data folder
    python main.py --self-test --scratch       # a temporary data folder (removed after)
    dist/pos-member/pos-member --self-test --scratch   # the built bundle, as build.sh runs it

By default the self-test checks the real installation: the data folder the till uses
(``$POS_MEMBER_HOME`` when set, otherwise this user's platform folder), and says which one and
why. A damaged database there (empty, missing where backups show a till lived, corrupt, behind
its high-water mark: pos_member/store/health.py) fails the database step with the message the
start-up gives, and the exit status is 2 like a refused start. A data folder with no till yet
(the first start has not happened) is left alone: the steps run in a temporary folder and the
first line says so, so the set-up wizard still greets the first start.

Steps, each reported on one line (``[ ok ]``, ``[skip]`` or ``[FAIL]``):

environment, data folder, log file, database (lock, migrate with backup, demo seed in a
temporary folder), audit chain, integrity, daily backup, receipt (layout, ESC/POS encoding,
python-escpos's dummy printer, bytes read back), raster receipt (when a CJK font is found),
main window (constructed offscreen and closed; skipped with the reason when the cashier
application cannot be imported, a failure with ``--require-ui``).

The exit status is 0 only when no step failed. On a given data folder nothing is written
except what a normal start writes (migration with its backup, today's daily backup, the log);
the till must not be running there (the single-instance lock is taken like at start).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pos_member.selftest_options import add_options  # also run --self-test's

log = logging.getLogger("pos_member.selftest")

OK, SKIP, FAIL = "ok", "skip", "fail"
_MARK = {OK: "[ ok ]", SKIP: "[skip]", FAIL: "[FAIL]"}
UI_MODULE = "pos_member.ui.main_window"
STORE_NAME = "自检门店 Self-test store"


@dataclass
class Step:
    name: str
    status: str
    detail: str
    seconds: float = 0.0


@dataclass
class Report:
    version: str
    frozen: bool
    data_dir: str
    temporary: bool
    steps: list[Step] = field(default_factory=list)
    damaged: bool = False   # the database step found damaged data (exit status 2)
    source: str = ""        # why this folder: --data-dir, POS_MEMBER_HOME, platform, scratch

    @property
    def passed(self) -> bool:
        return all(s.status != FAIL for s in self.steps)

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for s in self.steps if s.status == k) for k in (OK, SKIP, FAIL)}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["passed"] = self.passed
        return d


class Skipped(Exception):
    """Raised inside a step: report it as skipped, with this reason."""


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text[:300]}"


class _Runner:
    def __init__(self, report: Report, out: Callable[[str], None] | None):
        self.report = report
        self.out = out

    def step(self, name: str, fn: Callable[[], str], *, required: bool = True) -> Step:
        t0 = time.perf_counter()
        try:
            detail = fn()
            status = OK
        except Skipped as exc:
            status, detail = SKIP, str(exc)
        except Exception as exc:  # noqa: BLE001 - a failed step is reported, not raised
            from pos_member.store.health import DatabaseDamaged

            status, detail = (FAIL if required else SKIP), _one_line(exc)
            if isinstance(exc, DatabaseDamaged):  # the start-up's own words, whole
                self.report.damaged = True
                detail = str(exc)
                log.error("self-test step %s: %s", name, exc)
            else:
                log.error("self-test step %s failed:\n%s", name, traceback.format_exc())
        step = Step(name, status, detail, round(time.perf_counter() - t0, 3))
        self.report.steps.append(step)
        if self.out is not None:
            self.out(f"{_MARK[status]} {name:<14} {detail}  ({step.seconds:.2f} s)")
        return step


# ---------------------------------------------------------------------------------------------
# Steps


def _sample_receipt():
    from datetime import UTC, datetime

    from pos_member.printing.model import (
        CouponUse,
        LineDiscount,
        MemberInfo,
        ReceiptData,
        ReceiptLine,
        Tender,
    )

    return ReceiptData(
        store_name=STORE_NAME, store_address="上海市 测试路 1 号", terminal="T-SELFTEST",
        sale_number="T-SELFTEST-000001", sale_uuid="00000000-0000-4000-8000-0000000000aa",
        time=datetime(2024, 5, 1, 4, 30, tzinfo=UTC), tz="Asia/Shanghai", cashier="自检",
        lines=(
            ReceiptLine("珍珠奶茶 Pearl milk tea", "2", 1500, 3000,
                        (LineDiscount("银卡 95折", 150),)),
            ReceiptLine("牛肉 Beef", "0.350", 9500, 3325, unit="kg"),
        ),
        total_fen=5875, tenders=(Tender("cash", 6000, 10000, 4125),),
        member=MemberInfo("张三", "138****1234", "银卡", 120, 125, 5),
        tier_discount_fen=150, tier_discount_note="银卡 95折",
        coupons=(CouponUse("CPN-SELFTEST", "满30减3", 300,),),
        qr_payload="POSM:T-SELFTEST-000001",
    )


def _print_to_dummy(encoding: str, font: str | None = None) -> str:
    """Lay out and encode the sample receipt, send it to python-escpos's Dummy printer (which
    loads the capabilities data the bundle must carry) and read the bytes back."""
    from pos_member.printing.escpos_compat import dummy_printer
    from pos_member.printing.jobs import MemoryJobStore
    from pos_member.printing.printer import ReceiptPrinter
    from pos_member.printing.settings import PrinterSettings

    settings = PrinterSettings("file:self-test.bin", width=48, encoding=encoding, font=font)
    received: list[bytes] = []

    def send(payload: bytes, on_open) -> object:
        dummy = dummy_printer()
        dummy._raw(payload)
        received.append(bytes(dummy.output))
        return None

    printer = ReceiptPrinter(settings, MemoryJobStore(), send=send)
    data = _sample_receipt()
    doc = printer.document(data)
    payload = printer.encode(doc)
    job = printer.print_receipt(data, open_drawer=False)
    if job is None:
        raise RuntimeError("the receipt could not be queued")
    printer.queue.run_once()
    if not received:
        raise RuntimeError("the dummy printer received nothing")
    back = received[-1]
    if back != payload:
        raise RuntimeError(f"the printer received {len(back)} bytes, {len(payload)} were sent")
    if encoding == "gb18030" and "自检门店".encode("gb18030") not in back:
        raise RuntimeError("the store name is not in the GB18030 bytes")
    rows = sum(1 for _ in doc.blocks)
    extra = f", font {Path(printer.font.path).name}" if encoding == "raster" else ""
    return (f"{rows} blocks laid out, {len(payload)} bytes {encoding} sent to the dummy "
            f"printer and read back{extra}")


def _ui_step(till, data_dir: Path, require_ui: bool) -> str:
    import importlib

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        module = importlib.import_module(UI_MODULE)
    except ImportError as exc:
        if require_ui:
            raise
        raise Skipped(f"{UI_MODULE} cannot be imported ({_one_line(exc)})") from None
    from pos_member.ui.selftest_window import open_and_close  # Qt stays in pos_member.ui

    return open_and_close(module, till, data_dir)


# ---------------------------------------------------------------------------------------------


def _installation_folder() -> tuple[Path, str]:
    from pos_member.store import paths

    how = ("POS_MEMBER_HOME" if os.environ.get(paths.HOME_ENV_VAR, "").strip()
           else "this user's data folder")
    return paths.data_dir(), how


def _has_no_till(folder: Path) -> bool:
    """Nothing of a till in ``folder`` yet (no database, nothing showing one lived here)."""
    from pos_member.store import health, paths

    db = folder / paths.DB_FILENAME
    return not db.exists() and not health.looks_damaged(db)


def run_self_test(data_dir: str | os.PathLike[str] | None = None, *, require_ui: bool = False,
                  keep: bool = False, scratch: bool = False,
                  out: Callable[[str], None] | None = print) -> Report:
    """Run every step and return the report (printed line by line through ``out``).

    ``data_dir`` None: the installation's data folder (module doc); ``scratch``: a temporary
    folder, removed afterwards unless ``keep``."""
    from pos_member import __version__

    note = ""
    if scratch:
        temporary, source = True, "--scratch"
    elif data_dir is not None:
        temporary, source = False, "--data-dir"
    else:
        real, how = _installation_folder()
        temporary, source = False, how
        if _has_no_till(real):
            temporary, source = True, how
            note = (f"; {real} ({how}) has no till yet, so the checks run in a temporary "
                    "folder and leave it for the first start")
    if temporary:
        folder = Path(tempfile.mkdtemp(prefix="pos-member-self-test-"))
    elif data_dir is not None:
        folder = Path(data_dir).expanduser().resolve()
    else:
        folder = real
    os.environ["POS_MEMBER_HOME"] = str(folder)  # logs, backups, escpos cache: all in there
    frozen = bool(getattr(sys, "frozen", False))
    report = Report(__version__, frozen, str(folder), temporary, source=source)
    run = _Runner(report, out)
    if out is not None:
        why = " (temporary)" if temporary else f" ({source})"
        out(f"POS Member {__version__} self-test "
            f"({'built bundle' if frozen else 'from source'}), data folder {folder}{why}{note}")
    state: dict[str, Any] = {}
    try:
        _steps(run, folder, temporary, require_ui, state)
    finally:
        till = state.get("till")
        if till is not None:
            till.close()
        if temporary and not keep:
            _remove_tree(folder)
    if out is not None:
        c = report.counts()
        verdict = "passed" if report.passed else "FAILED"
        out(f"self-test {verdict}: {c[OK]} ok, {c[SKIP]} skipped, {c[FAIL]} failed")
    return report


def _remove_tree(folder: Path) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):  # let go of the log file (Windows cannot delete it)
        filename = getattr(handler, "baseFilename", "")
        if filename and Path(filename).is_relative_to(folder):
            root.removeHandler(handler)
            handler.close()
    shutil.rmtree(folder, ignore_errors=True)


def _steps(run: _Runner, folder: Path, temporary: bool, require_ui: bool,
           state: dict[str, Any]) -> None:
    from pos_member.store import paths

    def environment() -> str:
        import sqlite3

        return (f"Python {platform.python_version()} on {platform.system()} "
                f"{platform.machine()}, SQLite {sqlite3.sqlite_version}, "
                f"{'frozen in ' + str(getattr(sys, '_MEIPASS', '')) if getattr(sys, 'frozen', False) else 'source ' + str(Path(__file__).resolve().parents[1])}")

    run.step("environment", environment)

    def data_folder() -> str:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".self-test-probe"
        probe.write_text("ok", encoding="ascii")
        probe.unlink()
        if paths.data_dir() != folder:
            raise RuntimeError(f"the data folder resolves to {paths.data_dir()}, not {folder}")
        return f"{folder} is writable"

    if run.step("data folder", data_folder).status == FAIL:
        return

    def logs() -> str:
        from pos_member.app import setup_logging

        path = setup_logging()
        logging.getLogger("pos_member.selftest").info("self-test started")
        for h in logging.getLogger().handlers:
            h.flush()
        if not path.is_file() or path.stat().st_size == 0:
            raise RuntimeError(f"nothing was written to {path}")
        return f"rotating log file {path}"

    run.step("log file", logs)

    def database() -> str:
        from pos_member.app import open_till
        from pos_member.store import migrate
        from pos_member.store.paths import default_db_path

        db = default_db_path()
        before = migrate.current_revision(db) if db.exists() else None
        till = open_till(db, seed_demo_if_new=temporary, demo_members=50)
        state["till"] = till
        after = migrate.current_revision(db)
        head = migrate.head_revision()
        if after != head:
            raise RuntimeError(f"database at {after}, not at head {head}")
        if temporary:  # something for the chain check to verify
            from datetime import UTC, datetime

            from pos_member.services.staff import append_audit
            from pos_member.store.db import transaction

            with transaction(till.ctx.sessions) as s:
                append_audit(s, actor="self-test", action="self_test",
                             at=datetime.now(UTC), details={"version": run.report.version})
        how = "created" if before is None else (
            "already at head" if before == after else f"upgraded from {before}")
        seeded = ", demo data seeded" if till.seeded else ""
        return f"{db.name} {how}, revision {after} (head){seeded}; lock held"

    if run.step("database", database).status == FAIL:
        return
    till = state["till"]

    def audit() -> str:
        from pos_member.security.audit import verify_chain
        from pos_member.services.staff import load_audit_chain

        with till.ctx.read_sessions() as s:
            entries = load_audit_chain(s)
        broken = verify_chain(entries)
        if broken is not None:
            raise RuntimeError(f"entry seq {broken.seq} is broken ({broken.reason}): "
                               f"{broken.message}")
        return f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}, hash chain intact"

    run.step("audit chain", audit)

    def integrity() -> str:
        from pos_member.store import migrate

        problems = migrate.integrity_check(till.db_path)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise RuntimeError(problems[0] + more)
        return "integrity_check ok, foreign_key_check ok"

    run.step("integrity", integrity)

    def backup() -> str:
        from pos_member.store.backups import daily_backup, inspect_backup, keep_from_env

        result = daily_backup(till.db_path, keep_from_env())
        if result is None:
            raise RuntimeError("no database to back up")
        revision = inspect_backup(result.path)
        made = "written" if result.created else "already there"
        return f"{result.path.name} {made} (revision {revision}, sound)"

    run.step("daily backup", backup)
    run.step("receipt", lambda: _print_to_dummy("gb18030"))

    def raster() -> str:
        from pos_member.printing.raster import FontNotFound, find_cjk_font

        try:
            find_cjk_font()
        except FontNotFound as exc:
            raise Skipped(f"no CJK font for raster mode ({exc})") from None
        return _print_to_dummy("raster")

    run.step("raster receipt", raster)
    run.step("main window", lambda: _ui_step(till, folder, require_ui))


# ---------------------------------------------------------------------------------------------
# Command line


def main_from_args(args) -> int:
    as_json = bool(getattr(args, "json", False))
    report = run_self_test(getattr(args, "data_dir", None),
                           require_ui=bool(getattr(args, "require_ui", False)),
                           keep=bool(getattr(args, "keep", False)),
                           scratch=bool(getattr(args, "scratch", False)),
                           out=None if as_json else print)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    status = 0 if report.passed else (2 if report.damaged else 1)
    if "PySide6.QtCore" in sys.modules:
        # A window that failed half-way through its constructor may leave a QThread running,
        # and Qt aborts the process when such a thread is destroyed at exit (status -6). The
        # report is out: leave without tearing Qt down.
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(status)
    sys.stdout.flush()
    return status


def register(sub) -> None:
    p = sub.add_parser("self-test", help="check this installation: database, audit chain, "
                                         "backup, receipt printing, main window (offscreen)")
    add_options(p)
    p.set_defaults(func=main_from_args)
