"""The status bar: online or offline, last sync, events waiting, printer, who is signed in.

The sync engine (another package, later) publishes a plain :class:`SyncState` through
:meth:`StatusBar.publish` from any thread; Qt queues it to the GUI thread. Bursts of updates
only mark the bar dirty; a 250 ms timer redraws once (Electrum's coalesced redraws). With no
sync engine the till is simply offline, and the waiting count comes from the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar, QWidget


@dataclass(frozen=True)
class SyncState:
    online: bool = False
    last_success: datetime | None = None  # aware
    waiting: int | None = None            # outbox events not yet accepted centrally
    conflicts: int = 0
    message: str = ""                     # the last error, for the tooltip


@dataclass(frozen=True)
class PrinterState:
    state: str = "unknown"  # unknown, online, offline, paper_out, cover_open, error, no_reply, none
    message: str = ""
    waiting: int = 0


class _Bridge(QObject):
    sync = Signal(object)
    printer = Signal(object)
    backup = Signal(object)  # the last daily backup's error text, or None when it worked


class StatusBar(QStatusBar):
    """Left: online/offline, last sync, events waiting, printer (and a failed backup). Right,
    always there: the open shift, the clock, who is signed in and a Sign out button."""

    sign_out_clicked = Signal()

    def __init__(self, parent: QWidget | None = None, tz=None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.tz = tz
        self.clock_source: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.shift_opened_at: datetime | None = None  # aware; None: no shift open
        self.shift_known = False  # until the first till status arrives
        self.sync = SyncState()
        self.printer = PrinterState()
        self.staff_name = ""
        self.connection = QLabel(self)
        self.connection.setObjectName("status_connection")
        self.last_sync = QLabel(self)
        self.last_sync.setObjectName("status_last_sync")
        self.waiting = QLabel(self)
        self.waiting.setObjectName("status_waiting")
        self.printer_label = QLabel(self)
        self.printer_label.setObjectName("status_printer")
        self.staff = QLabel(self)
        self.staff.setObjectName("status_staff")
        self.backup_error: str | None = None
        self.backup_label = QLabel(self)
        self.backup_label.setObjectName("status_backup")
        self.backup_label.setProperty("state", "offline")  # drawn like a warning
        self.backup_label.hide()
        for w in (self.connection, self.last_sync, self.waiting, self.printer_label,
                  self.backup_label):
            self.addWidget(w)
        self.shift = QLabel(self)
        self.shift.setObjectName("status_shift")
        self.clock = QLabel(self)
        self.clock.setObjectName("status_clock")
        self.sign_out_button = QPushButton(self)
        self.sign_out_button.setObjectName("status_sign_out")
        self.sign_out_button.clicked.connect(self.sign_out_clicked)
        self.sign_out_button.hide()  # shown while someone is signed in
        for w in (self.shift, self.clock, self.staff, self.sign_out_button):
            self.addPermanentWidget(w)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)  # the text changes once a minute; setText then
        self._clock_timer.timeout.connect(self.tick)
        self._clock_timer.start()
        self._bridge = _Bridge(self)
        self._bridge.sync.connect(self._take_sync)
        self._bridge.printer.connect(self._take_printer)
        self._bridge.backup.connect(self._take_backup)
        self._dirty = QTimer(self)
        self._dirty.setSingleShot(True)
        self._dirty.setInterval(250)
        self._dirty.timeout.connect(self.redraw)
        self.redraw()

    # --- inputs (any thread) -----------------------------------------------------------------

    def publish(self, state: SyncState) -> None:
        """The sync engine's state; safe to call from any thread."""
        self._bridge.sync.emit(state)

    def publish_printer(self, state: PrinterState) -> None:
        self._bridge.printer.emit(state)

    def publish_backup(self, error: str | None) -> None:
        """The daily backup failed (``error``, for the tooltip) or worked again (None); from
        any thread (the backup scheduler's)."""
        self._bridge.backup.emit(error)

    def set_waiting(self, count: int) -> None:
        """The outbox count, when the sync engine does not give one."""
        self.sync = replace(self.sync, waiting=count)
        self._dirty.start()

    def set_staff(self, name: str) -> None:
        self.staff_name = name
        self.sign_out_button.setVisible(bool(name))
        self.redraw()

    def set_shift(self, opened_at: datetime | None) -> None:
        """The open shift's opening time (aware), or None when no shift is open."""
        self.shift_known = True
        self.shift_opened_at = opened_at
        self.redraw()

    def _local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz) if self.tz else at

    def tick(self) -> None:
        """The clock (HH:MM in the store's time zone, the date in its tooltip)."""
        try:
            now = self._local(self.clock_source())
        except Exception:  # noqa: BLE001 - a clock that fails must not stop the bar
            return
        text = now.strftime("%H:%M")
        if text != self.clock.text():
            self.clock.setText(text)
            self.clock.setToolTip(now.strftime("%Y-%m-%d"))

    # --- drawing -----------------------------------------------------------------------------

    def _take_sync(self, state: SyncState) -> None:
        if state.waiting is None:
            state = replace(state, waiting=self.sync.waiting)
        self.sync = state
        if not self._dirty.isActive():
            self._dirty.start()

    def _take_backup(self, error: str | None) -> None:
        self.backup_error = error
        self.redraw()

    def _take_printer(self, state: PrinterState) -> None:
        self.printer = state
        if not self._dirty.isActive():
            self._dirty.start()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.redraw()
        super().changeEvent(event)

    def redraw(self) -> None:
        self.backup_label.setVisible(self.backup_error is not None)
        self.backup_label.setText(self.tr("⚠ Backup failed: see the log"))
        self.backup_label.setToolTip(self.backup_error or "")
        s = self.sync
        self.connection.setText(self.tr("● Online") if s.online else self.tr("● Offline"))
        self.connection.setProperty("state", "online" if s.online else "offline")
        self.connection.setToolTip(s.message)
        self.connection.style().unpolish(self.connection)
        self.connection.style().polish(self.connection)
        if s.last_success is None:
            self.last_sync.setText(self.tr("Last sync: never"))
        else:
            at = s.last_success.astimezone(self.tz) if self.tz else s.last_success
            self.last_sync.setText(self.tr("Last sync: %1").replace(
                "%1", at.strftime("%m-%d %H:%M")))
        waiting = "–" if s.waiting is None else str(s.waiting)
        text = self.tr("Waiting to sync: %1").replace("%1", waiting)
        if s.conflicts:
            text += " · " + self.tr("Conflicts: %1").replace("%1", str(s.conflicts))
        self.waiting.setText(text)
        p = self.printer
        words = {
            "unknown": self.tr("Printer: ready"), "online": self.tr("Printer: ready"),
            "offline": self.tr("Printer: offline"), "paper_out": self.tr("Printer: out of paper"),
            "cover_open": self.tr("Printer: cover open"), "error": self.tr("Printer: error"),
            "no_reply": self.tr("Printer: not answering"), "none": self.tr("Printer: none"),
        }
        ptext = words.get(p.state, p.state)
        if p.waiting:
            ptext += " · " + self.tr("%1 receipts waiting").replace("%1", str(p.waiting))
        self.printer_label.setText(ptext)
        self.printer_label.setProperty("state", "bad" if p.state not in ("unknown", "online")
                                       else "")
        self.printer_label.setToolTip(p.message)
        self.staff.setText(self.staff_name)
        self.sign_out_button.setText(self.tr("Sign out"))
        if not self.shift_known:
            self.shift.setText("")
            self.shift.setProperty("state", "")
        elif self.shift_opened_at is None:
            self.shift.setText(self.tr("No shift open"))
            self.shift.setProperty("state", "offline")
        else:
            self.shift.setText(self.tr("Shift open since %1").replace(
                "%1", self._local(self.shift_opened_at).strftime("%H:%M")))
            self.shift.setProperty("state", "")
        self.shift.style().unpolish(self.shift)
        self.shift.style().polish(self.shift)
        self.tick()
