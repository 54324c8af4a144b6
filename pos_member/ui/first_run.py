"""First-run set-up: what a new till asks before its database exists.

The launcher shows :class:`FirstRunWizard` instead of the login screen when the till's database
file does not exist yet (or an earlier set-up was interrupted, see :func:`needs_first_run`).
Four pages, big touch targets, every text through ``tr()``:

1. language (中文 / English): switches the whole application at once;
2. the store's name and this till's name;
3. the receipt printer: a spec (``network:192.168.1.50:9100``, ``usb:04b8:0202``,
   ``file:/path``), the paper width (48 or 32 columns), the encoding, a test page printed on a
   short-lived background thread (a printer may take seconds to answer; never the GUI thread,
   and not the DB worker either), or "no printer for now";
4. the central service (address + enrolment code) or the demo brand (a tea and coffee shop:
   products, members, coupons and staff, to sell within a minute).

"Finish" runs ONE op on the DB worker, :func:`set_up_till`: it validates what was typed, opens
the till (creating and migrating the database, seeding the demo brand when chosen), stores the
settings through :mod:`pos_member.services.settings` and, for the central service, calls
``settings.enrol_terminal`` with the sync package's enrolment wired (a real ``POST /v1/enrol``;
the sync engine, started once the till is open, then pulls products and members). If
anything fails the database is deleted again, so nothing is left until set-up
succeeds: the page shows why, and the user can retry, go back, or pick the demo brand.

A file ``<db>.setup`` marks a set-up in progress. If the program dies half way (power cut during
an enrolment), the marker is still there at the next start, the wizard is shown again, and the
half-made database is replaced; a till never starts on a database its set-up did not finish.

Cancelling quits without creating anything.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .i18n import LANGUAGES, LanguageManager
from .scanner import make_scan_field
from .screen import MessageBar, alive, set_role
from .worker import DbWorker, Op

log = logging.getLogger(__name__)
translate = QCoreApplication.translate

MARKER_SUFFIX = ".setup"
ENCODINGS = ("gb18030", "big5", "utf8", "cp437", "cp850", "cp858", "cp1252", "cp866", "raster")
WIDTHS = (48, 32)
NAME_MAX = 100
DEMO, CENTRAL = "demo", "central"

# Bigger than the application's style sheet for the wizard's own choices.
STYLE = """
QPushButton[role="choice"] { min-height: 96px; min-width: 240px; font-size: 24px;
                             padding: 8px 24px; }
QPushButton[role="choice"]:checked { background: #1f6feb; color: white; border-color: #1a5fcc; }
QPushButton[role="option"] { min-height: 56px; font-size: 17px; }
QPushButton[role="option"]:checked { background: #1f2328; color: white; }
QFrame[role="card"] { background: white; border: 2px solid #d5d9df; border-radius: 12px; }
QFrame[role="card"][selected="true"] { border: 3px solid #1f6feb; }
QFrame[role="card"] QLabel { border: none; }
QLabel[role="step"] { color: #6e7781; font-size: 14px; }
QLabel[role="field"] { font-size: 17px; }
QLineEdit { min-height: 52px; font-size: 18px; }
QComboBox { min-height: 52px; font-size: 18px; }
QPushButton#wizard_next, QPushButton#wizard_back, QPushButton#wizard_cancel {
    min-height: 60px; min-width: 150px; font-size: 18px; }
QLabel#setup_message, QLabel#setup_test_result { padding: 10px 12px; font-size: 16px; }
"""


# --- what the wizard decides, and the work off the GUI thread ----------------------------------

def setup_marker(db_path: str | Path) -> Path:
    """``till.sqlite3`` -> ``till.sqlite3.setup``: present while a set-up is unfinished."""
    p = Path(db_path)
    return p.with_name(p.name + MARKER_SUFFIX)


def needs_first_run(db_path: str | Path) -> bool:
    """No database yet, an empty file, or a set-up that did not finish."""
    p = Path(db_path)
    try:
        return not p.exists() or p.stat().st_size == 0 or setup_marker(p).exists()
    except OSError:
        return False  # let opening the till report what is wrong with the path


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


class _Background(QObject):
    """Runs a function on a short-lived Python thread and calls back on the GUI thread."""

    _done = Signal(object, object, object)  # callback, result, exception

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._done.connect(self._deliver)
        self.running = 0

    def run(self, fn: Callable[..., Any], callback: Callable[[Any, BaseException | None], None],
            *args: Any) -> None:
        self.running += 1

        def work() -> None:
            result, error = None, None
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
                error = exc
            try:
                self._done.emit(callback, result, error)
            except RuntimeError:  # the wizard is gone
                pass

        threading.Thread(target=work, name="pos-first-run", daemon=True).start()

    def _deliver(self, callback, result, error) -> None:  # GUI thread
        self.running -= 1
        callback(result, error)


def _field_label(parent: QWidget) -> QLabel:
    label = set_role(QLabel(parent), "field")
    return label


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)


# --- the pages ----------------------------------------------------------------------------------

class _Page(QWidget):
    """A wizard page. ``changed`` says Next may have become (un)available."""

    changed = Signal()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        pass

    def heading(self) -> tuple[str, str]:
        return "", ""

    def complete(self) -> bool:
        return True

    def first_field(self) -> QWidget | None:
        return None


class LanguagePage(_Page):
    def __init__(self, language: LanguageManager, parent: QWidget | None = None):
        super().__init__(parent)
        self.language = language
        self.buttons: dict[str, QPushButton] = {}
        self.group = QButtonGroup(self)
        row = QHBoxLayout()
        row.addStretch(1)
        for code, label in (("zh_CN", "简体中文"), ("en", "English")):
            b = set_role(QPushButton(label, self), "choice")
            b.setObjectName(f"setup_lang_{code}")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.choose(c))
            self.group.addButton(b)
            row.addWidget(b)
            self.buttons[code] = b
        row.addStretch(1)
        self.note = set_role(QLabel(self), "subtitle")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(24)
        layout.addWidget(self.note)
        layout.addStretch(2)
        self.retranslate()

    def choose(self, code: str) -> None:
        if code not in LANGUAGES:
            return
        self.language.set_language(code)  # the whole application switches now
        self._sync()

    def _sync(self) -> None:
        for code, b in self.buttons.items():
            b.setChecked(code == self.language.language)

    def heading(self) -> tuple[str, str]:
        return (self.tr("Welcome to POS Member"),
                self.tr("Choose the till's language. 请选择收银台的语言。"))

    def retranslate(self) -> None:
        self.note.setText(self.tr("You can change it later in Settings, or with Ctrl+Shift+L."))
        self._sync()


class StorePage(_Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.store_label, self.till_label = _field_label(self), _field_label(self)
        self.store_name = QLineEdit(self)
        self.store_name.setObjectName("setup_store_name")
        self.store_name.setMaxLength(NAME_MAX)
        self.terminal_name = QLineEdit(self)
        self.terminal_name.setObjectName("setup_terminal_name")
        self.terminal_name.setMaxLength(NAME_MAX)
        self._terminal_edited = False
        self.terminal_name.textEdited.connect(lambda _t: setattr(self, "_terminal_edited", True))
        self.store_hint = set_role(QLabel(self), "muted")
        self.till_hint = set_role(QLabel(self), "muted")
        for w in (self.store_hint, self.till_hint):
            w.setWordWrap(True)
        for f in (self.store_name, self.terminal_name):
            f.textChanged.connect(lambda _t: self.changed.emit())
        grid = QGridLayout()
        grid.setVerticalSpacing(6)
        grid.addWidget(self.store_label, 0, 0)
        grid.addWidget(self.store_name, 1, 0)
        grid.addWidget(self.store_hint, 2, 0)
        grid.setRowMinimumHeight(3, 24)
        grid.addWidget(self.till_label, 4, 0)
        grid.addWidget(self.terminal_name, 5, 0)
        grid.addWidget(self.till_hint, 6, 0)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.retranslate()

    def heading(self) -> tuple[str, str]:
        return self.tr("Store and till"), self.tr("The names the screens, the reports and the "
                                                  "central service show.")

    def retranslate(self) -> None:
        self.store_label.setText(self.tr("Store name"))
        self.store_name.setPlaceholderText(self.tr("e.g. Corner Café, Jing'an"))
        self.store_hint.setText(self.tr("Shown at the top of the till's screens and reports."))
        self.till_label.setText(self.tr("Till name"))
        self.till_hint.setText(self.tr("Tells this till apart from the store's other tills."))
        if not self._terminal_edited:
            self.terminal_name.setText(self.tr("Till 1"))

    def complete(self) -> bool:
        return bool(self.store_name.text().strip() and self.terminal_name.text().strip())

    def first_field(self) -> QWidget | None:
        return self.store_name


class PrinterPage(_Page):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.background = _Background(self)
        self.last_result: TestPageResult | None = None
        self.last_error: BaseException | None = None
        self.testing = False
        self.spec_label = _field_label(self)
        self.spec = QLineEdit(self)
        self.spec.setObjectName("setup_printer_spec")
        self.spec.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.spec.textChanged.connect(lambda _t: self.changed.emit())
        self.examples = set_role(QLabel(self), "muted")
        self.examples.setWordWrap(True)
        self.examples.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.width_label = _field_label(self)
        self.width_buttons: dict[int, QPushButton] = {}
        self.width_group = QButtonGroup(self)
        width_row = QHBoxLayout()
        for w in WIDTHS:
            b = set_role(QPushButton(self), "option")
            b.setObjectName(f"setup_width_{w}")
            b.setCheckable(True)
            self.width_group.addButton(b)
            self.width_buttons[w] = b
            width_row.addWidget(b)
        self.width_buttons[48].setChecked(True)
        self.encoding_label = _field_label(self)
        self.encoding = QComboBox(self)
        self.encoding.setObjectName("setup_encoding")
        self.encoding.setMinimumWidth(240)
        for e in ENCODINGS:
            self.encoding.addItem(e, e)
        self.test_button = set_role(QPushButton(self), "option")
        self.test_button.setObjectName("setup_test_page")
        self.test_button.clicked.connect(self.test_page)
        self.none_button = set_role(QPushButton(self), "option")
        self.none_button.setObjectName("setup_no_printer")
        self.none_button.setCheckable(True)
        self.none_button.toggled.connect(self._no_printer_toggled)
        self.result = MessageBar(self)
        self.result.setObjectName("setup_test_result")
        from .printer_finder import PrinterFinder  # printers found, not typed (issue 15)

        self.finder = PrinterFinder(self)
        self.finder.chosen.connect(self.spec.setText)

        self.fields = QWidget(self)
        grid = QGridLayout(self.fields)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.spec_label, 0, 0)
        grid.addWidget(self.spec, 0, 1)
        grid.addWidget(self.examples, 1, 1)
        grid.addWidget(self.width_label, 2, 0)
        grid.addLayout(width_row, 2, 1)
        grid.addWidget(self.encoding_label, 3, 0)
        grid.addWidget(self.encoding, 3, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        grid.setVerticalSpacing(10)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button, 1)
        buttons.addWidget(self.none_button, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.finder)
        layout.addWidget(self.fields)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.retranslate()

    def heading(self) -> tuple[str, str]:
        return self.tr("Receipt printer"), self.tr("Connect the printer, enter where it is and "
                                                   "print a test page. No printer yet? Choose "
                                                   "\"No printer for now\".")

    def retranslate(self) -> None:
        self.spec_label.setText(self.tr("Printer"))
        self.spec.setPlaceholderText("network:192.168.1.50:9100")
        self.examples.setText(self.tr(
            "Network: network:192.168.1.50:9100 · USB: usb:04b8:0202 (vendor:product) · "
            "serial: serial:COM3 · a file or device: file:/dev/usb/lp0"))
        self.width_label.setText(self.tr("Paper"))
        self.width_buttons[48].setText(self.tr("80 mm (48 columns)"))
        self.width_buttons[32].setText(self.tr("58 mm (32 columns)"))
        self.encoding_label.setText(self.tr("Encoding"))
        self.encoding.setToolTip(self.tr("gb18030 for printers with Chinese fonts; raster "
                                         "prints Chinese as an image on any printer."))
        self.test_button.setText(self.tr("Testing…") if self.testing
                                 else self.tr("Print a test page"))
        self.none_button.setText(self.tr("No printer for now"))
        self._show_result()

    # --- values ---------------------------------------------------------------------------------

    @property
    def no_printer(self) -> bool:
        return self.none_button.isChecked()

    def width_value(self) -> int:
        return next(w for w, b in self.width_buttons.items() if b.isChecked())

    def values(self) -> tuple[str | None, int, str]:
        spec = None if self.no_printer else self.spec.text().strip()
        return spec, self.width_value(), self.encoding.currentData()

    def complete(self) -> bool:
        return self.no_printer or bool(self.spec.text().strip())

    def first_field(self) -> QWidget | None:
        return None if self.no_printer else self.spec

    def _no_printer_toggled(self, on: bool) -> None:
        self.fields.setEnabled(not on)
        self.finder.setEnabled(not on)
        self.test_button.setEnabled(not on and not self.testing)
        if on:
            self.result.clear_message()
        self.changed.emit()

    # --- the test page (background thread) --------------------------------------------------------

    def test_page(self) -> None:
        spec, width, encoding = self.values()
        if not spec:
            self.last_result, self.last_error = None, PrinterProblem("")
            self._show_result()
            return
        self.testing = True
        self.last_result, self.last_error = None, None
        self.test_button.setEnabled(False)
        self.retranslate()
        self.result.show_message(self.tr("Printing the test page on %1…").replace("%1", spec),
                                 "info", 0)
        self.changed.emit()
        self.background.run(print_test_page, self._tested, spec, width, encoding)

    def _tested(self, result: TestPageResult | None, error: BaseException | None) -> None:
        self.testing = False
        self.test_button.setEnabled(not self.no_printer)
        self.last_result, self.last_error = result, error
        if error is not None and not isinstance(error, PrinterProblem):
            log.error("the test page failed", exc_info=(type(error), error,
                                                        error.__traceback__))
        self.retranslate()
        self.changed.emit()

    def _show_result(self) -> None:
        r, e = self.last_result, self.last_error
        if self.testing or (r is None and e is None):
            return
        if e is not None:
            text = str(e) if isinstance(e, PrinterProblem) and str(e) else ""
            self.result.show_message(self.tr("These printer settings cannot be used: %1")
                                     .replace("%1", text) if text
                                     else self.tr("Enter the printer first."), "error", 0)
        elif r.ok:
            self.result.show_message(self.tr("Test page printed on %1 (%2 bytes). Check the "
                                             "paper: Chinese, the ruler and the QR code should "
                                             "be clear.").replace("%1", r.spec)
                                     .replace("%2", str(r.size)), "ok", 0)
        else:
            self.result.show_message(self.tr("Not printed on %1: %2. Check the cable, the "
                                             "power and the paper, then try again.")
                                     .replace("%1", r.spec).replace("%2", r.message),
                                     "error", 0)


class _Card(QFrame):
    """A big choice: a checkable title button and a description; the whole card clicks."""

    def __init__(self, name: str, parent: QWidget):
        super().__init__(parent)
        set_role(self, "card")
        self.setProperty("selected", "false")
        self.button = set_role(QPushButton(self), "option")
        self.button.setObjectName(name)
        self.button.setCheckable(True)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setStyleSheet("font-size: 15px; color: #57606a;")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setSpacing(10)
        self.layout_.addWidget(self.button)
        self.layout_.addWidget(self.text)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def mousePressEvent(self, event) -> None:
        if self.button.isEnabled():
            self.button.click()
        super().mousePressEvent(event)

    def set_selected(self, on: bool) -> None:
        value = "true" if on else "false"
        if self.property("selected") != value:
            self.setProperty("selected", value)
            _repolish(self)


class ModePage(_Page):
    def __init__(self, demo_allowed: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.demo_allowed = demo_allowed
        self.demo = _Card("setup_demo", self)
        self.central = _Card("setup_central", self)
        self.group = QButtonGroup(self)
        self.group.addButton(self.demo.button)
        self.group.addButton(self.central.button)
        self.demo.button.setEnabled(demo_allowed)
        self.url_label, self.code_label = _field_label(self.central), _field_label(self.central)
        self.url = make_scan_field(QLineEdit(self.central))
        self.url.setObjectName("setup_central_url")
        self.url.setPlaceholderText("https://pos.example.com")
        self.code = make_scan_field(QLineEdit(self.central))
        self.code.setObjectName("setup_enrolment_code")
        self.code.setPlaceholderText("7KQ4-M2XD-9RTB")
        grid = QGridLayout()
        grid.addWidget(self.url_label, 0, 0)
        grid.addWidget(self.url, 0, 1)
        grid.addWidget(self.code_label, 1, 0)
        grid.addWidget(self.code, 1, 1)
        grid.setColumnStretch(1, 1)
        self.central.layout_.addLayout(grid)
        for card in (self.demo, self.central):
            card.layout_.addStretch(1)
        for f in (self.url, self.code):
            f.textChanged.connect(lambda _t: self.changed.emit())
        self.group.buttonToggled.connect(lambda _b, _on: self._sync())
        (self.demo if demo_allowed else self.central).button.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.demo, 1)
        row.addWidget(self.central, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addStretch(1)
        self._sync()
        self.retranslate()

    @property
    def mode(self) -> str:
        return CENTRAL if self.central.button.isChecked() else DEMO

    def _sync(self) -> None:
        central = self.mode == CENTRAL
        self.demo.set_selected(not central)
        self.central.set_selected(central)
        for w in (self.url, self.code, self.url_label, self.code_label):
            w.setEnabled(central)
        if central and self.isVisible():
            (self.code if self.url.text() else self.url).setFocus()
        self.changed.emit()

    def heading(self) -> tuple[str, str]:
        return self.tr("Products and members"), self.tr(
            "Connect this till to your brand's central service, or try the till with the demo "
            "brand.")

    def retranslate(self) -> None:
        self.demo.button.setText(self.tr("Use the demo brand"))
        self.demo.text.setText(
            self.tr("A tea and coffee shop with drinks, bakery and retail goods, members with "
                    "points and coupons, and staff to sign in with (cashier S002, PIN 1357; "
                    "manager S001, PIN 2468). Sell within a minute.")
            if self.demo_allowed else
            self.tr("Not offered: this till was started without demo data."))
        self.central.button.setText(self.tr("Connect to the central service"))
        self.central.text.setText(self.tr("Your head office gives you the service's address "
                                          "and a one-time enrolment code for this till. "
                                          "Products and members then come from there."))
        self.url_label.setText(self.tr("Address"))
        self.code_label.setText(self.tr("Enrolment code"))

    def complete(self) -> bool:
        if self.mode == CENTRAL:
            return bool(self.url.text().strip() and self.code.text().strip())
        return self.demo_allowed

    def first_field(self) -> QWidget | None:
        return (self.code if self.url.text() else self.url) if self.mode == CENTRAL else None


# --- the wizard ---------------------------------------------------------------------------------

class FirstRunWizard(QDialog):
    """Shown by the launcher before a new till's database exists.

    ``completed(SetupResult)`` once the till is open (the wizard then closes itself); closing
    or "Cancel" rejects it (the launcher quits, nothing was created). ``worker`` is the main
    window's DB worker: the set-up op runs there, before any other.
    """

    completed = Signal(object)  # SetupResult

    def __init__(self, language: LanguageManager, worker: DbWorker, db_path: str | Path, *,
                 demo_allowed: bool = True, demo_members: int = 2000,
                 enrol_online: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("first_run_wizard")
        self.setStyleSheet(STYLE)
        self.language = language
        self.worker = worker
        self.db_path = Path(db_path)
        self.demo_members = demo_members
        self.enrol_online = enrol_online  # see set_up_till
        self.busy = False
        self.result_: SetupResult | None = None
        self.last_error: BaseException | None = None

        self.step = set_role(QLabel(self), "step")
        self.title = set_role(QLabel(self), "title")
        self.title.setObjectName("setup_title")
        self.subtitle = set_role(QLabel(self), "subtitle")
        self.subtitle.setWordWrap(True)
        self.language_page = LanguagePage(language, self)
        self.store_page = StorePage(self)
        self.printer_page = PrinterPage(self)
        self.mode_page = ModePage(demo_allowed, self)
        self.pages: list[_Page] = [self.language_page, self.store_page, self.printer_page,
                                   self.mode_page]
        self.stack = QStackedWidget(self)
        for p in self.pages:
            self.stack.addWidget(p)
            p.changed.connect(self._sync_buttons)
        self.message = MessageBar(self)
        self.message.setObjectName("setup_message")
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("wizard_back")
        self.back_button.clicked.connect(self.back)
        self.next_button = set_role(QPushButton(self), "primary")
        self.next_button.setObjectName("wizard_next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("wizard_cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.checking = _Background(self)

        head = QVBoxLayout()
        head.setSpacing(4)
        head.addWidget(self.step)
        head.addWidget(self.title)
        head.addWidget(self.subtitle)
        bottom = QHBoxLayout()
        bottom.addWidget(self.cancel_button)
        bottom.addStretch(1)
        bottom.addWidget(self.back_button)
        bottom.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 24)
        layout.addLayout(head)
        layout.addSpacing(12)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.resize(1024, 720)
        self.setMinimumSize(860, 640)
        self.retranslate()
        self.show_page(0)

    # --- texts ----------------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("POS Member: set up this till"))
        self.back_button.setText(self.tr("Back"))
        self.cancel_button.setText(self.tr("Cancel"))
        i = self.stack.currentIndex()
        page = self.stack.currentWidget()
        self.step.setText(self.tr("Step %1 of %2").replace("%1", str(max(i, 0) + 1))
                          .replace("%2", str(len(self.pages))))
        title, subtitle = page.heading() if isinstance(page, _Page) else ("", "")
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        last = i == len(self.pages) - 1
        self.next_button.setText(self.tr("Finish set-up") if last else self.tr("Next"))
        if self.busy:
            self._show_busy()
        elif self.last_error is not None:
            self.message.show_message(self.error_message(self.last_error), "error", 0)

    # --- navigation -----------------------------------------------------------------------------

    @property
    def index(self) -> int:
        return self.stack.currentIndex()

    def show_page(self, i: int) -> None:
        self.stack.setCurrentIndex(i)
        self.last_error = None
        self.message.clear_message()
        self.retranslate()
        self._sync_buttons()
        field = self.pages[i].first_field()
        (field or self.next_button).setFocus()

    def _sync_buttons(self) -> None:
        page = self.pages[self.index]
        self.next_button.setEnabled(not self.busy and page.complete()
                                    and not getattr(page, "testing", False))
        self.back_button.setEnabled(not self.busy and self.index > 0)
        self.cancel_button.setEnabled(not self.busy)
        self.stack.setEnabled(not self.busy)

    def back(self) -> None:
        if not self.busy and self.index > 0:
            self.show_page(self.index - 1)

    def next(self) -> None:
        if self.busy or not self.next_button.isEnabled():
            return
        page = self.pages[self.index]
        if page is self.printer_page and not self.printer_page.no_printer:
            spec, width, encoding = self.printer_page.values()
            self._set_busy(True)
            self.checking.run(check_printer, self._printer_checked, spec, width, encoding)
            return
        if page is self.mode_page:
            self.finish()
            return
        self.show_page(self.index + 1)

    def _printer_checked(self, _spec, error: BaseException | None) -> None:
        self._set_busy(False)
        if error is not None:
            self.last_error = error
            self.retranslate()
            return
        self.show_page(self.index + 1)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:  # Esc goes back a page; only "Cancel" cancels
            self.back()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.next()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.busy:  # the database is being made: wait for the op's answer
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)

    # --- finishing ------------------------------------------------------------------------------

    def choices(self) -> SetupChoices:
        spec, width, encoding = self.printer_page.values()
        mode = self.mode_page.mode
        return SetupChoices(
            language=self.language.language, store_name=self.store_page.store_name.text().strip(),
            terminal_name=self.store_page.terminal_name.text().strip(), printer=spec,
            printer_width=width, printer_encoding=encoding, mode=mode,
            central_url=self.mode_page.url.text().strip() if mode == CENTRAL else "",
            enrolment_code=self.mode_page.code.text().strip() if mode == CENTRAL else "")

    def finish(self) -> None:
        choices = self.choices()
        self.last_error = None
        self._set_busy(True)
        Op(set_up_till, self.db_path, choices, demo_members=self.demo_members,
           enrol_online=self.enrol_online) \
            .success(self._done).failure(self._failed).run(self.worker)

    def _set_busy(self, on: bool) -> None:
        self.busy = on
        if on:
            self._show_busy()
        else:
            self.message.clear_message()
        self._sync_buttons()

    def _show_busy(self) -> None:
        if self.index < len(self.pages) - 1:
            text = self.tr("Checking…")
        elif self.mode_page.mode == CENTRAL:
            text = self.tr("Creating the till's database and enrolling with the central "
                           "service…")
        else:
            text = self.tr("Creating the till's database with the demo brand… (a few seconds)")
        self.message.show_message(text, "info", 0)

    def _done(self, result: SetupResult) -> None:
        self.result_ = result
        self.busy = False
        self.completed.emit(result)
        if alive(self):
            self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.last_error = exc
        self.retranslate()

    def error_message(self, exc: BaseException) -> str:
        """Why set-up could not finish, in the current language."""
        if isinstance(exc, PrinterProblem):
            text = str(exc)
            return (self.tr("These printer settings cannot be used: %1").replace("%1", text)
                    if text else self.tr("Enter the printer first."))
        # (the store's module is loaded by the op that raised it: never imported here, on the
        # GUI thread)
        store_db = sys.modules.get("pos_member.store.db")
        if isinstance(exc, AlreadySetUp) or (
                store_db is not None and isinstance(exc, store_db.InstanceLockedError)):
            return self.tr("The till is already running on this computer, or another start "
                           "has just set it up. Close this window and start the till again.")
        code = getattr(exc, "code", None)
        message = getattr(exc, "message", None) or str(exc)
        known = {
            "bad_url": self.tr("Enter the central service's address, e.g. "
                               "https://pos.example.com"),
            "bad_enrolment_code": self.tr("An enrolment code has 12 letters and digits, e.g. "
                                          "7KQ4-M2XD-9RTB."),
            "offline": self.tr("The central service cannot be reached at this address. Check "
                               "the address and the network, then try again."),
            "timeout": self.tr("The central service did not answer in time. Try again in a "
                               "moment."),
            "server_error": self.tr("The central service has a problem right now. Try again "
                                    "later."),
            "enrolment_code_invalid": self.tr("This enrolment code is not valid (or not for "
                                              "this store). Ask your head office for a new "
                                              "one."),
            "enrolment_code_used": self.tr("This enrolment code has already been used. Ask "
                                           "your head office for a new one."),
            "enrolment_code_expired": self.tr("This enrolment code has expired. Ask your head "
                                              "office for a new one."),
            "bad_name": self.tr("Enter the store's name and the till's name."),
        }
        if code in known:
            text = known[code]
        elif code is not None:
            text = self.tr("The set-up could not finish: %1").replace("%1", message)
        else:
            log.error("first-run set-up failed", exc_info=(type(exc), exc, exc.__traceback__))
            text = self.tr("The set-up could not finish: %1. The details are in the log "
                           "file.").replace("%1", message)
        if self.index == len(self.pages) - 1:
            text += "\n" + (self.tr("Nothing was created: try again, or choose the demo brand "
                                   "for now.") if self.mode_page.mode == CENTRAL
                           else self.tr("Nothing was created: try again."))
        return text
