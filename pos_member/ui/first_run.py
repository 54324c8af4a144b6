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

The module is the wizard; its pages are in :mod:`pos_member.ui.first_run_pages` and the work
behind it (choices, printer check, :func:`set_up_till`) in :mod:`pos_member.ui.first_run_setup`,
both re-exported here.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .first_run_pages import (
    LanguagePage,
    ModePage,
    PrinterPage,
    StorePage,
    _Background,
    _Page,
)
from .first_run_setup import (  # noqa: F401 - re-exported: callers and tests use first_run.*
    CENTRAL,
    DEMO,
    ENCODINGS,
    MARKER_SUFFIX,
    NAME_MAX,
    WIDTHS,
    AlreadySetUp,
    PrinterProblem,
    SetupChoices,
    SetupResult,
    TestPageResult,
    check_printer,
    needs_first_run,
    print_test_page,
    set_up_till,
    setup_marker,
)
from .i18n import LanguageManager
from .screen import MessageBar, alive, set_role
from .worker import DbWorker, Op

log = logging.getLogger(__name__)
translate = QCoreApplication.translate

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
