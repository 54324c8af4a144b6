"""The main window: a stack of screens, the status bar, the scanner, the watchdog, and
``run_app(till)``, the entry point ``python main.py`` reaches through ``pos_member run``.

Adding a screen (see docs/ui.md)::

    window.add_screen(MyScreen(window.env), menu=lambda: tr("Shifts"), key="F6",
                      manager_only=False)
    window.show_screen("shifts")
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QStackedWidget

# Only what the login screen's first paint needs is imported here (issue 14 item 8): no
# database stack (services import SQLAlchemy; they are imported where used), and neither the
# other screens, the status bar, the scanners nor Qt's ``Qt`` namespace (11 ms or more to make
# its enums): :meth:`MainWindow.complete` imports those after the paint.
if TYPE_CHECKING:  # pragma: no cover
    from pos_member.services.context import TillContext

from . import fit
from .env import UiEnv
from .i18n import DEFAULT_LANGUAGE, LanguageManager
from .login import LoginScreen
from .screen import MessageBar, Screen
from .tiers import TierBook
from .worker import DbWorker, Op

log = logging.getLogger(__name__)

STATUS_POLL_MS = 15_000


class MainWindow(QMainWindow):
    screen_changed = Signal(str)
    ready = Signal()          # the till is open and every screen is built
    first_painted = Signal()  # the login screen has been painted once

    def __init__(self, ctx: TillContext | None, data_dir: Path, *,
                 language: str = DEFAULT_LANGUAGE,
                 language_manager: LanguageManager | None = None,
                 tier_book: TierBook | None = None, watchdog: bool = True,
                 printer: bool = True, sync: bool = False):
        """With ``ctx`` the window is complete when this returns. With ``ctx=None`` only the
        login screen exists (what its first paint needs): call :meth:`complete` for the status
        bar, the scanners, the watchdog and the global keys (the launcher does, right after the
        first paint), and :meth:`attach` once the till is open for the other screens."""
        super().__init__()
        self.setObjectName("main_window")
        self.is_ready = False
        self.is_complete = False
        self._want_printer = printer
        self._want_sync = sync  # the real application (launcher, run_app) syncs; tests choose
        self._want_watchdog = watchdog
        # Sized, and its density (compact.qss under 1400 px) set, before any child widget
        # exists: a style sheet set on the window later re-polishes every widget in it.
        fit.fit_main_window(self)  # 1280×800 when the screen has room, else what it has
        fit.apply_density(self)
        self.worker = DbWorker(self, on_failure=self._op_failed)
        self.language = language_manager or LanguageManager(self)
        if language != self.language.language:  # before any widget: no retranslation storm
            self.language.set_language(language)
        self.env = UiEnv(ctx, self.worker, self.language, Path(data_dir), self,
                         tiers=tier_book or TierBook())
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.screens: dict[str, Screen] = {}
        self.menu_entries: list[dict] = []
        self._screen_shortcuts: dict[str, list] = {}
        self._previous = "login"

        # the screen that needs no database to show (the rest: attach)
        self.login = LoginScreen(self.env)
        self.login.logged_in.connect(self._after_login)
        self.add_screen(self.login)
        self.login.installEventFilter(self)  # for first_painted

        fit.fit_main_window(self)  # again: the minimum size of what it now holds counts
        self.retranslate()
        self.show_screen("login")
        if ctx is not None:
            self.attach(ctx)

    def complete(self) -> None:
        """Everything of the window but the screens that need the till: the status bar, the
        scanners, the watchdog, the global keys and the dialog placer. Once; :meth:`attach`
        calls it too."""
        if self.is_complete:
            return
        self.is_complete = True
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeySequence, QShortcut

        from . import kiosk_keys
        from .scanner import LineScanner, WedgeScanner
        from .status import StatusBar
        from .watchdog import Watchdog

        ctx = self.env.ctx
        self.status = StatusBar(self, tz=ctx.tz if ctx is not None else None)
        self.setStatusBar(self.status)
        self.global_message = MessageBar(self)  # for scans with no screen to take them
        self.global_message.hide()

        # scanners (and the login screen's fields as scan fields)
        self.login.arm_scan_fields()
        self.scanner = WedgeScanner(self)
        self.scanner.install()
        self.scanner.scanned.connect(self.dispatch_scan)
        self.serial_scanner = LineScanner(self, "serial")
        self.serial_scanner.scanned.connect(self.dispatch_scan)
        self.env.scanner = self.scanner

        # the watchdog
        self.watchdog = Watchdog(self, where=lambda: self.current_name())
        if self._want_watchdog:
            self.watchdog.start()

        # global keys
        QShortcut(QKeySequence(Qt.Key.Key_F12), self, self.lock_till)
        QShortcut(QKeySequence(Qt.Key.Key_F1), self, self.show_help)
        QShortcut(QKeySequence("Ctrl+Shift+L"), self, self.toggle_language)
        kiosk_keys.install()  # the shortcuts also without an active window (no window manager)

        self.env.staff_changed.connect(
            lambda s: self.status.set_staff(f"{s.name} ({s.id})" if s else ""))
        self.status.sign_out_clicked.connect(self.request_sign_out)
        # what changes the outbox; the checkout's own notices ("checkout_...") do not
        self.env.changed.connect(lambda what: what.startswith("checkout")
                                 or self.refresh_status())
        self.language.changed.connect(lambda _l: self.retranslate())
        self._poll = QTimer(self)
        self._poll.setInterval(STATUS_POLL_MS)
        self._poll.timeout.connect(self.refresh_status)

        fit.install()  # every dialog stays inside the screen's available area
        from . import touch

        touch.install_sizer()  # after the first paint: see touch.install

    def show_for_till(self) -> None:
        """Shown as the till shows it: maximized on the screen's available area."""
        fit.show_for_till(self)

    def resizeEvent(self, event) -> None:
        fit.apply_density(self)  # compact buttons under 1200 px (resources/style/compact.qss)
        super().resizeEvent(event)

    _fitted_once = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted_once:
            # the window manager's frame is known once shown: keep the frame on the screen
            self._fitted_once = True
            QTimer.singleShot(0, self, self._fit_after_show)

    def _fit_after_show(self) -> None:
        if not (self.isMaximized() or self.isFullScreen()):
            fit.fit_main_window(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.login and event.type() == QEvent.Type.Paint:
            self.login.removeEventFilter(self)
            QTimer.singleShot(0, self.first_painted.emit)
        return False

    def attach(self, ctx, staged: bool = False) -> None:
        """The till is open: build the screens that need it, start the printer and the status
        polling. ``staged`` builds one part per event-loop turn, so the login screen stays
        responsive (the launcher uses it); otherwise all at once."""
        self.complete()
        self.env.ctx = ctx
        self.status.tz = ctx.tz
        self.status.clock_source = ctx.now  # the till's clock (tests control it)
        steps = [self._add_lock_and_menu, self._add_cashier_screens, self._add_manager_screens]
        if self._want_printer:
            steps.append(self._start_printer)
        if self._want_sync:
            steps.append(self._start_sync)
        steps.append(self._became_ready)
        if not staged:
            for step in steps:
                step()
            return

        def run_next() -> None:
            steps.pop(0)()
            if steps:
                QTimer.singleShot(0, run_next)

        QTimer.singleShot(0, run_next)

    def _add_lock_and_menu(self) -> None:
        from .login import LockScreen
        from .menu_screen import MenuScreen

        self.lock = LockScreen(self.env)
        self.lock.unlocked.connect(lambda: self.show_screen(self._previous or "checkout"))
        self.lock.sign_out.connect(self.sign_out)
        self.add_screen(self.lock)
        self.menu = MenuScreen(self.env, self)
        self.add_screen(self.menu)

    def _add_manager_screens(self) -> None:
        try:
            from .manager_screens import install as add_manager_screens  # shifts, refund ...
        except ImportError:
            return
        add_manager_screens(self)

    def _became_ready(self) -> None:
        from pos_member.services import catalogue

        self.is_ready = True
        self._poll.start()
        Op(catalogue.store_info, self.env.ctx).success(self._store_info).run(self.worker)
        self.refresh_status()
        self.ready.emit()

    # --- screens ------------------------------------------------------------------------------

    def _add_cashier_screens(self) -> None:
        try:
            from .checkout import CheckoutScreen
        except ImportError:  # during the foundation's first commit
            return
        self.checkout = CheckoutScreen(self.env, self)
        self.add_screen(self.checkout)

    def add_screen(self, screen: Screen, *, menu: Callable[[], str] | None = None,
                   key: str | None = None, manager_only: bool = False) -> Screen:
        """Register a screen. ``menu`` gives its (translated) label for the function menu;
        ``key`` a shortcut (e.g. "F6") that opens it from any screen once signed in."""
        if screen.name in self.screens:
            raise ValueError(f"a screen named {screen.name!r} is already registered")
        self.screens[screen.name] = screen
        self.stack.addWidget(screen)
        shortcuts = []
        for seq, fn, _desc in screen.shortcuts():  # none on the login screen
            from PySide6.QtGui import QShortcut

            sc = QShortcut(seq, self, fn)
            sc.setEnabled(False)
            shortcuts.append(sc)
        self._screen_shortcuts[screen.name] = shortcuts
        if menu is not None:
            self.menu_entries.append({"name": screen.name, "label": menu, "key": key,
                                      "manager_only": manager_only})
            if key:
                from PySide6.QtGui import QKeySequence, QShortcut

                QShortcut(QKeySequence(key), self,
                          lambda n=screen.name: self.env.staff and self.show_screen(n))
        return screen

    def show_screen(self, name: str) -> None:
        screen = self.screens[name]
        old = self.stack.currentWidget()
        if old is screen:
            screen.on_show()
            return
        if isinstance(old, Screen):
            old.on_hide()
            for sc in self._screen_shortcuts.get(old.name, []):
                sc.setEnabled(False)
            if old.name not in ("lock", "login"):
                self._previous = old.name
        self.stack.setCurrentWidget(screen)
        for sc in self._screen_shortcuts.get(name, []):
            sc.setEnabled(True)
        screen.on_show()
        self._set_title()
        self.screen_changed.emit(name)

    def current_screen(self) -> Screen:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def current_name(self) -> str:
        w = self.stack.currentWidget()
        return getattr(w, "name", "")

    # --- signing in and out -------------------------------------------------------------------

    def _after_login(self, staff) -> None:
        if not self.is_ready:  # signed in while the screens were still being built
            from PySide6.QtCore import Qt

            self.ready.connect(lambda: self._after_login(staff),
                               Qt.ConnectionType.SingleShotConnection)
            return
        from pos_member.services import catalogue

        Op(catalogue.till_status, self.env.ctx).success(self._check_shift).run(self.worker)

    def _check_shift(self, status) -> None:
        self.status.set_waiting(status.events_waiting)
        self.status.set_shift(status.shift_opened_at)
        self.env.shift_open = status.shift_open
        if status.shift_open or "checkout" not in self.screens:
            self.show_screen("checkout" if "checkout" in self.screens else "menu")
            return
        self.ask_open_shift()

    def ask_open_shift(self) -> None:
        """No shift is open: ask for the counted float (part B's shift screen does the rest)."""
        from .dialogs import AmountDialog

        dialog = AmountDialog(self, self.tr("Open a shift"),
                              self.tr("No shift is open on this till. Count the float in the "
                                      "drawer and enter it to start selling."), 50000)
        dialog.setObjectName("open_shift_dialog")
        if self.current_name() == "login" and self.env.staff is not None:
            self.login.opening_shift(self.env.staff.name)

        def opened(_shift_id) -> None:
            self.env.shift_open = True
            self.env.changed.emit("shift")
            self.show_screen("checkout")

        from pos_member.services import shifts

        def refused() -> None:  # the shift did not open: the sign-in form comes back
            if self.current_name() == "login":
                self.login.opening_shift(None)

        dialog.entered.connect(lambda fen: Op(shifts.open_shift, self.env.ctx, self.env.staff, fen)
                               .success(opened).finally_(refused).run(self.worker))
        dialog.rejected.connect(lambda: self.show_screen("checkout"))
        dialog.open()

    def lock_till(self) -> None:
        if self.env.staff is None or self.current_name() in ("login", "lock") \
                or "lock" not in self.screens:
            return
        self.show_screen("lock")

    def request_sign_out(self) -> None:
        """The status bar's Sign out: refused while a sale is on the checkout (the next
        cashier would inherit it), else back to the login screen."""
        if self.env.staff is None:
            return
        co = self.screens.get("checkout")
        sale = getattr(co, "sale", None)
        if sale is not None and not sale.empty:
            self.show_screen("checkout")
            co.message.show_message(
                lambda: self.tr("Finish, hold (Ctrl+H) or void this sale before signing out."),
                "warn")
            return
        self.sign_out()

    def sign_out(self) -> None:
        self.env.set_staff(None)
        self.show_screen("login")

    # --- scans --------------------------------------------------------------------------------

    def dispatch_scan(self, scan) -> None:  # a ui.scanner.Scan
        """A modal dialog that takes scans gets it first, then the current screen."""
        from PySide6.QtWidgets import QApplication

        from .i18n import scan_refusal
        from .scanner import CodeKind

        modal = QApplication.activeModalWidget()
        if modal is not None and hasattr(modal, "handle_scan") and modal.handle_scan(scan):
            return
        screen = self.current_screen()
        if modal is None and isinstance(screen, Screen) and screen.handle_scan(scan):
            return
        if scan.kind is CodeKind.REFUSED:
            text = scan_refusal(scan.reason, scan.message)
        elif self.env.staff is None:
            text = self.tr("Sign in first, then scan.")
        else:
            text = self.tr("This code cannot be used here.")
        target = getattr(screen, "message", None)
        if isinstance(target, MessageBar):
            target.show_message(text, "warn")
        else:
            self.statusBar().showMessage(text, 6000)

    # --- status -------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        if self.env.ctx is None:
            return
        from pos_member.services import catalogue

        Op(catalogue.till_status, self.env.ctx).latest("till_status") \
            .success(self._till_status) \
            .failure(lambda exc: log.warning("till status: %s", exc)).run(self.worker)
        # the brand's tiers (names, rates) as every screen and receipt names them; a sync
        # may have brought new rules
        Op(catalogue.loyalty_rules, self.env.ctx).latest("loyalty_rules") \
            .success(self._tier_rules) \
            .failure(lambda exc: log.warning("loyalty rules: %s", exc)).run(self.worker)

    def _till_status(self, st) -> None:
        self.status.set_waiting(st.events_waiting)
        self.status.set_shift(st.shift_opened_at)

    def _tier_rules(self, rules) -> None:
        if self.env.tiers.set_rules(rules):
            for screen in self.screens.values():
                screen.retranslate()
            self.env.changed.emit("catalogue")

    def _store_info(self, info: dict) -> None:
        self.env.store = info
        if self.env.receipts is not None:
            self.env.receipts.configure(info)
        for screen in self.screens.values():
            screen.retranslate()
        self.retranslate()

    sync_engine = None

    def _start_sync(self) -> None:
        """The sync engine on its own thread; its status reaches the status bar through the
        bridge, and a recorded sale wakes it. Built on the DB worker (it reads settings)."""
        from .status import SyncState

        def publish(st) -> None:  # the sync thread
            self.status.publish(SyncState(st.online, st.last_success, st.events_waiting,
                                          st.conflicts_open, st.last_error or ""))

        def started(engine) -> None:
            from pos_member.app import enroller

            self.sync_engine = engine
            self.env.enrol = enroller(engine)
            self.env.changed.connect(
                lambda what: engine.wake() if what in ("sale", "refund", "shift") else None)

        def start():
            from pos_member.app import start_sync

            return start_sync(self.env.ctx, publish)

        Op(start).success(started).failure(
            lambda exc: log.warning("sync could not start: %s", exc)).run(self.worker)

    def _start_printer(self) -> None:
        try:
            from .receipts import ReceiptService
        except ImportError:
            return
        try:
            from pos_member.services.receipts import print_job_store

            # Print jobs wait in the till's database, so a receipt held up by a printer that
            # is off or out of paper survives a restart.
            self.env.receipts = ReceiptService(self.env.data_dir, self.status.publish_printer,
                                               job_store=print_job_store(self.env.ctx)
                                               if self.env.ctx is not None else None)
        except Exception:
            log.exception("the receipt printer could not be set up; selling continues")

    # --- failures, help, language ---------------------------------------------------------------

    def _op_failed(self, exc: BaseException) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        from pos_member.services.errors import ServiceError

        from .i18n import error_text

        screen = self.current_screen()
        target = getattr(screen, "message", None)
        if isinstance(exc, ServiceError):
            text = error_text(exc)
            if isinstance(target, MessageBar):
                target.show_message(text, "error")
            else:
                self.statusBar().showMessage(text, 8000)
            return
        log.error("unexpected error in a database op", exc_info=(type(exc), exc,
                                                                  exc.__traceback__))
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Something went wrong"),
                          self.tr("The till could not finish this step. Nothing saved is lost; "
                                  "try again, and call your manager if it happens again."),
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def toggle_language(self) -> None:
        self.language.set_language("en" if self.language.language != "en" else "zh_CN")

    def show_help(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeySequence
        from PySide6.QtWidgets import QMessageBox

        lines = [self.tr("F1  this help"), self.tr("F12  lock the till"),
                 self.tr("Ctrl+Shift+L  switch language")]
        screen = self.current_screen()
        for seq, _fn, desc in (screen.shortcuts() if isinstance(screen, Screen) else []):
            lines.append(f"{seq.toString(QKeySequence.SequenceFormat.NativeText)}  {desc()}")
        for e in self.menu_entries:
            if e["key"]:
                lines.append(f"{e['key']}  {e['label']()}")
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Keyboard shortcuts"),
                          "\n".join(lines), QMessageBox.StandardButton.Ok, self)
        box.setObjectName("help_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self._set_title()

    def _set_title(self) -> None:
        store = self.env.store.get("store_name", "")
        screen = self.current_screen()
        part = screen.title() if isinstance(screen, Screen) else ""
        self.setWindowTitle(" · ".join(x for x in (self.tr("POS Member"), store, part) if x))

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        if self.sync_engine is not None:
            from pos_member.app import stop_sync

            stop_sync(self.sync_engine)
            self.sync_engine = None
            self.env.enrol = None
        if self.is_complete:
            self.watchdog.stop()
            self._poll.stop()
            self.scanner.uninstall()
        if getattr(self, "scanner_devices", None) is not None:  # serial / camera threads
            self.scanner_devices.stop()
        if self.env.receipts is not None:
            self.env.receipts.stop()
        self.worker.stop()


class _PaintProbe(QObject):
    def __init__(self, app):
        super().__init__(app)
        self.app = app

    def eventFilter(self, _obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QTimer.singleShot(0, self.app.quit)
        return False


def _exit_when_painted(app, widget) -> None:
    widget.installEventFilter(_PaintProbe(app))


def run_app(till) -> int:
    """Start the cashier application on an opened till (pos_member.app.OpenTill)."""
    from .app import create_application, install_crash_hook

    app = create_application()
    window_ref: list[MainWindow] = []
    install_crash_hook(lambda: window_ref[0] if window_ref else None)
    language = DEFAULT_LANGUAGE
    window = MainWindow(till.ctx, Path(till.db_path).parent, language=language, sync=True)
    window_ref.append(window)
    if till.seeded:
        from .i18n import translate

        window.login.message.show_message(translate(
            "MainWindow", "Demo data was created: cashier S002 PIN 1357, manager S001 PIN "
                          "2468."), "info", 0)
    if os.environ.get("POS_MEMBER_EXIT_WHEN_SHOWN"):  # bench/startup.py: time to first paint
        _exit_when_painted(app, window.login)
    window.show_for_till()  # maximized: the status bar stays on the screen
    try:
        return app.exec()
    finally:
        window.shutdown()
