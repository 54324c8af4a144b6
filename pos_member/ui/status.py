"""The status bar: online or offline, last sync, events waiting, printer, who is signed in.

The sync engine (another package, later) publishes a plain :class:`SyncState` through
:meth:`StatusBar.publish` from any thread; Qt queues it to the GUI thread. Bursts of updates
only mark the bar dirty; a 250 ms timer redraws once (Electrum's coalesced redraws). With no
sync engine the till is simply offline, and the waiting count comes from the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


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
    def __init__(self, parent: QWidget | None = None, tz=None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.tz = tz
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
        self.addPermanentWidget(self.staff)
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
        self.redraw()

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
