"""The "Find printers" box of the set-up wizard and the settings screen.

One button starts :func:`pos_member.printing.discovery.discover` on a background thread (USB,
the Windows spooler, CUPS, serial ports, then port 9100 across the till's own subnet); a
progress bar follows the network scan, Cancel stops it within a moment, and each printer found
appears in the list as soon as it is found. Choosing one (double click, or "Use this printer")
emits :attr:`PrinterFinder.chosen` with its spec; the page it sits on puts it in its printer
field, and its own "test page" button prints on it.

The thread only reports through this object's signals (queued to the GUI thread); it never
touches a widget.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .screen import set_role

log = logging.getLogger(__name__)


class PrinterFinder(QWidget):
    chosen = Signal(str)                 # a printer spec
    finished = Signal(list)              # every FoundPrinter, when a search ends
    _found = Signal(object)              # FoundPrinter, from the thread
    _progress = Signal(object)           # discovery.Progress, from the thread
    _done = Signal(list, list, object)   # found, notes, error

    def __init__(self, parent: QWidget | None = None, *, networks=None, port: int | None = None,
                 local: bool = True):
        super().__init__(parent)
        self.setObjectName("printer_finder")
        self.networks = networks    # None: the till's own subnets
        self.port = port            # None: 9100
        self.local = local          # also USB, spooler, CUPS and serial
        self.results: list = []
        self.notes: list[str] = []
        self.error: BaseException | None = None
        self.searching = False
        self._cancel: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._stage = ""

        self.find_button = set_role(QPushButton(self), "option")
        self.find_button.setObjectName("finder_find")
        self.find_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("finder_cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("finder_progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.list = QListWidget(self)
        self.list.setObjectName("finder_list")
        self.list.setMaximumHeight(120)
        self.list.itemDoubleClicked.connect(lambda _i: self.use_selected())
        self.list.itemSelectionChanged.connect(self._sync)
        self.list.hide()
        self.use_button = set_role(QPushButton(self), "primary")
        self.use_button.setObjectName("finder_use")
        self.use_button.clicked.connect(self.use_selected)
        self.use_button.hide()
        self.status = set_role(QLabel(self), "muted")
        self.status.setObjectName("finder_status")
        self.status.setWordWrap(True)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.find_button)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.list)
        layout.addWidget(self.status)

        self._found.connect(self._on_found, Qt.ConnectionType.QueuedConnection)
        self._progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self.retranslate()

    # --- texts ----------------------------------------------------------------------------------

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.find_button.setText(self.tr("Find printers"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.use_button.setText(self.tr("Use this printer"))
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(self._item_text(item.data(Qt.ItemDataRole.UserRole)))
        self._show_status()

    def _kind_name(self, kind: str) -> str:
        return {"usb": self.tr("USB"), "win32": self.tr("Windows printer"),
                "cups": self.tr("CUPS queue"), "serial": self.tr("serial port"),
                "network": self.tr("network")}.get(kind, kind)

    def _item_text(self, p) -> str:
        if p is None:
            return ""
        text = f"{self._kind_name(p.kind)} · {p.name} — {p.spec}"
        if not p.likely:
            text += "  " + self.tr("(maybe not a printer)")
        return text

    def _show_status(self) -> None:
        if self.searching:
            stage = {"usb": self.tr("Looking at USB…"),
                     "win32": self.tr("Asking Windows for its printers…"),
                     "cups": self.tr("Asking CUPS for its queues…"),
                     "serial": self.tr("Listing serial ports…"),
                     "network": self.tr("Looking for network printers on port 9100…")}
            self.status.setText(stage.get(self._stage, self.tr("Searching…")))
            return
        if self.error is not None:
            self.status.setText(self.tr("The search failed: %1").replace("%1", str(self.error)))
            return
        if self._thread is None:
            self.status.setText(self.tr("Connect and switch on the printer, then find it here. "
                                        "Network printers must be on this till's network."))
            return
        sure = sum(1 for p in self.results if p.likely)
        if not self.results:
            text = self.tr("No printer found. Check the cable and the power, or enter the "
                           "printer below.")
        else:
            text = self.tr("%1 found (%2 certainly printers). Pick one and print a test page.") \
                .replace("%1", str(len(self.results))).replace("%2", str(sure))
        if self._cancelled:
            text = self.tr("Search cancelled.") + " " + text
        self.status.setText(text)

    # --- searching ------------------------------------------------------------------------------

    _cancelled = False

    def start(self) -> None:
        if self.searching:
            return
        from pos_member.printing import discovery

        self.searching, self.error, self._cancelled = True, None, False
        self.results, self.notes = [], []
        self.list.clear()
        self.list.hide()
        self.use_button.hide()
        self.progress.setRange(0, 0)   # busy until the network scan knows its size
        self.progress.show()
        self.cancel_button.show()
        self.find_button.setEnabled(False)
        cancel = self._cancel = threading.Event()
        networks, port, local = self.networks, self.port, self.local

        def work() -> None:
            found, notes, error = [], [], None
            try:
                found, notes = discovery.discover(
                    networks=networks, port=port or discovery.RAW_PORT, cancel=cancel,
                    progress=self._emit_progress, on_found=self._emit_found, local=local)
            except Exception as exc:
                log.warning("printer search failed: %s", exc)
                error = exc
            self._emit_done(found, notes, error)

        self._thread = threading.Thread(target=work, name="pos-printer-finder", daemon=True)
        self._thread.start()
        self._show_status()

    def _emit_found(self, p) -> None:
        try:
            self._found.emit(p)
        except RuntimeError:   # the widget is gone
            pass

    def _emit_progress(self, p) -> None:
        try:
            self._progress.emit(p)
        except RuntimeError:
            pass

    def _emit_done(self, found, notes, error) -> None:
        try:
            self._done.emit(found, notes, error)
        except RuntimeError:
            pass

    def cancel(self) -> None:
        if self.searching and self._cancel is not None:
            self._cancel.set()
            self._cancelled = True
        self.cancel_button.setEnabled(False)

    def wait(self, timeout: float = 10.0) -> bool:
        """For shutdown and tests: wait for the search thread to end."""
        t = self._thread
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True

    def _on_progress(self, p) -> None:
        if not self.searching:
            return
        self._stage = p.stage
        if p.stage == "network" and p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        self._show_status()

    def _on_found(self, p) -> None:
        if any(q.spec == p.spec for q in self.results):
            return
        self.results.append(p)
        item = QListWidgetItem(self._item_text(p))
        item.setData(Qt.ItemDataRole.UserRole, p)
        item.setToolTip(p.detail)   # how it was found: "answers ESC/POS status … (offline)"
        self.list.addItem(item)
        self.list.show()
        if self.list.currentRow() < 0 and p.likely:
            self.list.setCurrentRow(self.list.count() - 1)
        self._sync()

    def _on_done(self, found, notes, error) -> None:
        self.searching = False
        self.notes, self.error = list(notes), error
        for p in found:
            self._on_found(p)
        self.progress.hide()
        self.cancel_button.hide()
        self.cancel_button.setEnabled(True)
        self.find_button.setEnabled(True)
        self.find_button.setText(self.tr("Search again"))
        if self.notes:
            self.list.setToolTip("\n".join(self.notes))
        self._sync()
        self._show_status()
        self.finished.emit(list(self.results))

    # --- choosing -------------------------------------------------------------------------------

    def selected(self):
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _sync(self) -> None:
        self.use_button.setVisible(self.list.count() > 0)
        self.use_button.setEnabled(self.selected() is not None)

    def use_selected(self) -> None:
        p = self.selected()
        if p is not None:
            self.chosen.emit(p.spec)

    def hideEvent(self, event) -> None:
        """Leaving the page (or the screen) ends a search: nothing scans unseen."""
        self.cancel()
        super().hideEvent(event)

    def setEnabled(self, on: bool) -> None:
        super().setEnabled(on)
        if not on:
            self.cancel()
