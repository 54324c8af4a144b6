"""Window-first start: the login screen is painted before the database stack is even imported.

``pos_member run`` (``commands.cmd_run``) opens the till first (SQLAlchemy, Alembic, the
migration check: about half a second) and then calls :func:`main_window.run_app`. This entry
does the same work in the other order, so a cashier sees the login screen in about the time a
bare PySide6 window takes to appear:

1. the QApplication, fonts, style sheet, translator and a main window holding only the login
   and lock screens (none of them imports the services);
2. after the login screen's first paint, ONE op on the DB worker imports the database stack
   and opens the till (lock, upgrade with backup, demo data on a first start) and puts the
   context in ``window.env.ctx``; a PIN typed meanwhile is checked by the next op, which the
   single worker runs after this one;
3. back on the GUI thread, the other screens are built one per event-loop turn
   (:meth:`MainWindow.attach` with ``staged=True``).

On a first start (no database file yet, see :func:`first_run.needs_first_run`) the set-up
wizard (:mod:`pos_member.ui.first_run`) is shown instead of the login screen: language, store and
till, printer, then the central service or the demo brand. Its "Finish" opens the till on the
same DB worker; then the main window appears and step 3 follows. Cancelling it quits and
leaves no database. A till that has a database never sees the wizard.

When the till opens, the ``language`` setting saved by the wizard or the settings screen is
applied (unless ``language=`` was given to :func:`launch`).

    python -m pos_member.ui.launcher [--db FILE] [--no-demo] [--demo-members N] [--no-setup]

``python main.py`` (``commands.cmd_run``) calls :func:`launch`. Tests call :func:`start`, which
builds the same thing without running the event loop.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class Launcher:
    """The main window (login first), or the first-run wizard before it; see the module doc."""

    def __init__(self, db: str | os.PathLike[str] | None = None, *,
                 seed_demo_if_new: bool = True, demo_members: int = 2000,
                 language: str | None = None, first_run: bool = True, sync: bool = True,
                 quit: Callable[[int], None] | None = None, backups=None,
                 daily_backups: bool = False):
        from .app import create_application, install_crash_hook
        from .i18n import DEFAULT_LANGUAGE
        from .main_window import MainWindow

        # The default path needs platformdirs (a few ms): resolved here only when the wizard
        # may be needed, otherwise on the worker.
        self.db_path = Path(db) if db else None
        if self.db_path is None and first_run:
            from pos_member.store.paths import default_db_path

            self.db_path = default_db_path()
        self.seed_demo_if_new = seed_demo_if_new
        self.demo_members = demo_members
        self.explicit_language = language
        self.app = create_application(sizer=False)  # the sizer: MainWindow.complete
        self._quit = quit or self.app.exit
        self.window = None
        self.wizard = None
        self.crash_hook = install_crash_hook(self._dialog_parent)
        self.sync = sync
        self.window = MainWindow(None, self.db_path.parent if self.db_path else Path("."),
                                 language=language or DEFAULT_LANGUAGE, sync=sync)
        self.opened: list = []
        self.failure: BaseException | None = None
        # The status bar is built after the first paint (MainWindow.complete): a backup result
        # that comes before it waits here, under the lock (the scheduler has its own thread).
        self._backup_lock = threading.Lock()
        self._status_built = False
        self._backup_waiting: tuple[str | None] | None = None
        self.backups = backups  # a store.backups.BackupScheduler: its failures reach the bar
        if backups is not None:
            self._hook_backups(backups)
        self._daily_backups = daily_backups  # made and started after the first paint

        self.damaged = None  # the DamagedDatabaseDialog, when the data is damaged
        if first_run and self.db_path is not None:
            from .first_run_check import needs_first_run  # a file's size: no wizard imported

            # A zero-byte file, or none where backups show a till lived, is damage, not a
            # first start: opening reports it (never a set-up over an old till's remains).
            if needs_first_run(self.db_path):
                from pos_member.store.health import looks_damaged

                if not looks_damaged(self.db_path):
                    self._complete_window()
                    self._show_wizard()
                    return
        # Only the login screen exists: the rest of the window is built after its first paint.
        self.window.first_painted.connect(self._open)
        self.window.show_for_till()  # maximized (ui/fit.py)

    def _complete_window(self) -> None:
        """The status bar, scanners, watchdog and global keys (MainWindow.complete), then a
        backup result that arrived before the status bar."""
        self.window.complete()
        with self._backup_lock:
            self._status_built = True
            waiting, self._backup_waiting = self._backup_waiting, None
        if waiting is not None:
            self.window.status.publish_backup(waiting[0])
        self._start_daily_backups()

    def _hook_backups(self, scheduler) -> None:
        scheduler.on_error = self._backup_failed
        scheduler.on_backup = lambda _result: self._publish_backup(None)

    def _start_daily_backups(self) -> None:
        """Today's backup a minute after the start (the window and the till open first, and a
        first start creates the database), then one a day while the till runs."""
        if not self._daily_backups or self.backups is not None:
            return
        from pos_member.store.backups import BackupScheduler, keep_from_env
        from pos_member.store.paths import default_db_path

        scheduler = BackupScheduler(self.db_path or default_db_path(), keep=keep_from_env())
        scheduler.first_delay = 60.0
        self._hook_backups(scheduler)
        scheduler.start()
        self.backups = scheduler
        self._own_backups = True

    _own_backups = False  # the scheduler was started here: close() stops it

    def _publish_backup(self, error: str | None) -> None:  # any thread
        with self._backup_lock:
            if not self._status_built:
                self._backup_waiting = (error,)
                return
        self.window.status.publish_backup(error)

    def _dialog_parent(self):
        if self.wizard is not None and self.wizard.isVisible():
            return self.wizard
        return self.window

    # --- first start --------------------------------------------------------------------------

    def _show_wizard(self) -> None:
        from .first_run import FirstRunWizard

        window = self.window
        window.scanner.enabled = False  # typing in the wizard is typing, not scans
        self.wizard = FirstRunWizard(window.language, window.worker, self.db_path,
                                     demo_allowed=self.seed_demo_if_new,
                                     demo_members=self.demo_members, enrol_online=self.sync)
        self.wizard.completed.connect(self._set_up)
        self.wizard.rejected.connect(self._cancelled)
        self.wizard.show()

    def _set_up(self, result) -> None:
        from .i18n import translate

        self.window.scanner.enabled = True
        self.window.env.data_dir = Path(result.till.db_path).parent
        self.window.show_for_till()
        self.window.raise_()
        self.window.activateWindow()
        self._attached(result.till)
        status = result.enrolment
        if status is not None:
            text = (translate("Launcher", "This till is enrolled with the central service. "
                                          "Products and members arrive with the first sync.")
                    if status.state == "enrolled"
                    else translate("Launcher", "The enrolment code is recorded; the till enrols "
                                               "when the sync service runs, then products and "
                                               "members arrive."))
            self.window.login.message.show_message(text, "info", 0)

    def _cancelled(self) -> None:
        log.info("first-run set-up cancelled: nothing was created")
        self._quit(0)

    # --- opening an existing till (or any till when the wizard is off) -------------------------

    def _open(self) -> None:
        from .worker import Op

        # First the op (a PIN typed from now on is checked after it), then the rest of the
        # window on this thread while the worker opens the till.
        Op(self._open_the_till).success(self._opened).failure(self._failed) \
            .run(self.window.worker)
        self._complete_window()

    def _open_the_till(self):  # on the DB worker
        from pos_member.app import open_till, setup_logging
        from pos_member.services.settings import till_settings
        from pos_member.store.paths import default_db_path

        setup_logging()
        path = self.db_path or default_db_path()
        self.window.env.data_dir = path.parent  # receipts and print jobs live beside it
        till = open_till(path, seed_demo_if_new=self.seed_demo_if_new,
                         demo_members=self.demo_members)
        self.window.env.ctx = till.ctx  # before any later op runs: they all come after this
        try:
            language = till_settings(till.ctx).language
        except Exception:
            log.exception("the saved language could not be read")
            language = ""
        return till, language

    def _opened(self, answer) -> None:
        till, language = answer
        from .i18n import LANGUAGES

        if (self.explicit_language is None and language in LANGUAGES
                and language != self.window.language.language):
            self.window.language.set_language(language)  # the setting the till saved
        self._attached(till)

    def _attached(self, till) -> None:
        from .i18n import translate

        self.opened.append(till)
        self.window.attach(till.ctx, staged=True)
        if till.seeded:
            self.window.login.message.show_message(translate(
                "MainWindow", "Demo data was created: cashier S002 PIN 1357, manager S001 PIN "
                              "2468."), "info", 0)

    def _failed(self, exc: BaseException) -> None:
        from pos_member.store.db import InstanceLockedError
        from pos_member.store.health import DatabaseDamaged, is_unwritable

        from .i18n import translate

        self.failure = exc
        if isinstance(exc, DatabaseDamaged) or is_unwritable(exc):
            self._show_damaged(exc)
            text = translate("Launcher", "The till cannot start: its data needs attention.")
        elif isinstance(exc, InstanceLockedError):
            self._refuse_second_start(exc)
            return
        else:
            log.error("the till could not be opened", exc_info=(type(exc), exc,
                                                                exc.__traceback__))
            text = translate("Launcher", "The till's database could not be opened; the "
                                         "details are in the log file.")
        self.window.login.message.show_message(text, "error", 0)
        self.window.login.till_unavailable = True  # a PIN typed meanwhile is refused
        self.window.login.pad.setEnabled(False)

    def _refuse_second_start(self, exc: BaseException) -> None:
        """Another till program holds this database: say so, and exit with status 1 (as
        ``run --headless`` does). No second login window is left running beside the first."""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QMessageBox

        from .i18n import translate

        log.error("second start refused: %s", exc)
        self.window.login.till_unavailable = True
        print(str(exc), file=sys.stderr)
        self.window.hide()
        box = QMessageBox(QMessageBox.Icon.Warning, translate("Launcher", "POS Member"),
                          translate("Launcher", "The till is already running on this computer. "
                                                "Use the window that is open; this one closes."),
                          QMessageBox.StandardButton.Ok)
        box.setObjectName("already_running_dialog")
        box.setDetailedText(str(exc))
        box.finished.connect(lambda _result: self._quit(1))
        self.refusal = box
        box.open()
        QTimer.singleShot(15000, box, box.accept)  # an unattended till does not wait on it

    refusal = None  # the "already running" message box, on a refused second start

    def _backup_failed(self, exc: BaseException) -> None:  # on the scheduler's thread
        from pathlib import Path as _Path

        from pos_member.app import setup_logging

        try:
            log_file = str(setup_logging())
        except OSError:
            log_file = str(_Path("logs") / "pos-member.log")
        self._publish_backup(f"{type(exc).__name__}: {exc} ({log_file})")

    # --- damaged data: a calm stop, the newest good backup, and its restore --------------------

    def _show_damaged(self, exc: BaseException) -> None:
        from pos_member.store.health import DatabaseDamaged

        from .damaged_dialog import UNWRITABLE, DamagedDatabaseDialog

        if isinstance(exc, DatabaseDamaged):
            log.error("the till was not started: %s", exc)
            problem, detail, backup = exc.problem, exc.detail, exc.backup
        else:
            log.error("the till cannot write to its data folder: %s", exc)
            problem, detail, backup = UNWRITABLE, str(exc), None
        if self.damaged is not None:
            self.damaged.deleteLater()
        self.damaged = DamagedDatabaseDialog(self.window, problem, detail, backup)
        self.damaged.restore_requested.connect(self._restore)
        self.damaged.quit_requested.connect(lambda: self._quit(2))
        self.damaged.open()

    def _restore(self, backup) -> None:
        from .worker import Op

        Op(self._restore_on_worker, Path(backup)).success(self._restored) \
            .failure(lambda exc: self.damaged.restore_failed(str(exc))).run(self.window.worker)

    def _restore_on_worker(self, backup: Path):  # on the DB worker
        from pos_member.store.backups import restore_backup
        from pos_member.store.db import acquire_instance_lock
        from pos_member.store.paths import default_db_path

        path = self.db_path or default_db_path()
        with acquire_instance_lock(path):
            result = restore_backup(path, backup)
        log.info("restored %s from %s at the manager's request (the damaged file kept as %s)",
                 path, backup, result.safety_copy or result.moved_aside)
        return result

    def _restored(self, _result) -> None:
        self.damaged.accept()
        self.damaged.deleteLater()
        self.damaged = None
        self.failure = None
        self.window.login.till_unavailable = False
        self.window.login.pad.setEnabled(True)
        self.window.login.message.clear_message()
        self._open()

    def close(self) -> None:
        if self.refusal is not None:
            self.refusal.finished.disconnect()
            self.refusal.hide()
            self.refusal.deleteLater()
            self.refusal = None
        if self.damaged is not None:
            self.damaged.hide()
            self.damaged.deleteLater()
            self.damaged = None
        if self.wizard is not None:
            self.wizard.rejected.disconnect(self._cancelled)
            self.wizard.hide()
            self.wizard.deleteLater()
        self.window.shutdown()
        if self._own_backups:
            self.backups.stop()
            self._own_backups = False
        for till in self.opened:
            till.close()
        self.opened = []


def start(db: str | os.PathLike[str] | None = None, *, seed_demo_if_new: bool = True,
          demo_members: int = 2000, language: str | None = None, first_run: bool = True,
          sync: bool = True, quit: Callable[[int], None] | None = None,
          backups=None, daily_backups: bool = False) -> Launcher:
    """Build the start (wizard or login screen) without running the event loop. ``sync``: run
    the sync engine once the till is open, and enrol from the wizard at once. ``backups``: a
    running store.backups.BackupScheduler whose results reach the status bar;
    ``daily_backups``: make and start one after the first paint (stopped by ``close()``)."""
    return Launcher(db, seed_demo_if_new=seed_demo_if_new, demo_members=demo_members,
                    language=language, first_run=first_run, sync=sync, quit=quit,
                    backups=backups, daily_backups=daily_backups)


def launch(db: str | None = None, *, seed_demo_if_new: bool = True,
           demo_members: int = 2000, language: str | None = None,
           first_run: bool = True, backups=None, daily_backups: bool = False) -> int:
    """Run the cashier application; returns the exit code (0 when the set-up is cancelled).

    ``first_run=False`` never shows the set-up wizard (a new database is made as before, with
    the demo brand when ``seed_demo_if_new``)."""
    from .main_window import _exit_when_painted

    launcher = start(db, seed_demo_if_new=seed_demo_if_new, demo_members=demo_members,
                     language=language, first_run=first_run, backups=backups,
                     daily_backups=daily_backups)
    if os.environ.get("POS_MEMBER_EXIT_WHEN_SHOWN"):  # bench/startup.py
        _exit_when_painted(launcher.app, launcher.wizard or launcher.window.login)
    try:
        return launcher.app.exec()
    finally:
        launcher.close()


def main(argv: list[str] | None = None) -> int:
    import argparse  # here: `python main.py` reaches launch() without it

    ap = argparse.ArgumentParser(prog="pos_member.ui.launcher")
    ap.add_argument("--db", help="database file (default: the user's data folder)")
    ap.add_argument("--no-demo", action="store_true", help="do not create demo data")
    ap.add_argument("--demo-members", type=int, default=2000, metavar="N")
    ap.add_argument("--no-setup", action="store_true",
                    help="never show the first-run set-up (a new database is made at once)")
    args = ap.parse_args(argv)
    return launch(args.db, seed_demo_if_new=not args.no_demo, demo_members=args.demo_members,
                  first_run=not args.no_setup)


if __name__ == "__main__":
    sys.exit(main())
