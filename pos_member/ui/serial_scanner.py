"""A serial (RS-232 or USB virtual COM) barcode scanner, read with pyserial on its own thread.

QtSerialPort is not in PySide6-Essentials, so the port is opened with pyserial (an optional
dependency: ``pip install pos-member[devices]``). :class:`SerialScannerReader` reads bytes on
a daemon thread and hands them to the GUI thread through a queued signal; the main window's
:class:`~pos_member.ui.scanner.LineScanner` turns them into scans (CR, LF or CRLF ends a code).

A scanner unplugged while the till runs (a USB-serial adapter pulled out) is reopened every
``retry_s`` seconds until it is back; :attr:`state_changed` says what is happening, for the
settings screen and the log. Nothing here blocks the GUI thread: ``stop()`` only sets an event
(the thread ends within its 0.2 s read timeout).
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class SerialUnavailable(RuntimeError):
    """pyserial is not installed."""


def _serial():
    try:
        import serial  # type: ignore[import-not-found]
    except ImportError:
        raise SerialUnavailable("a serial scanner needs pyserial "
                                "(pip install pos-member[devices])") from None
    return serial


class SerialScannerReader(QObject):
    data = Signal(bytes)                 # bytes read, on the GUI thread
    state_changed = Signal(str, str)     # state (open, waiting, error, stopped), message

    def __init__(self, parent: QObject | None = None, *, retry_s: float = 2.0):
        super().__init__(parent)
        self.retry_s = retry_s
        self.port = ""
        self.baud = 9600
        self.state = "stopped"
        self.message = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state_from_thread.connect(self._set_state, Qt.ConnectionType.QueuedConnection)

    _state_from_thread = Signal(str, str)

    def start(self, port: str, baud: int = 9600) -> None:
        """Open ``port`` (``/dev/ttyUSB0``, ``COM3``) and read until :meth:`stop`."""
        self.stop()
        serial = _serial()  # fail here, on the caller's thread, with a clear message
        self.port, self.baud = port, int(baud)
        stop = self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(serial, port, int(baud), stop),
                                        name="pos-serial-scanner", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 0.0) -> None:
        self._stop.set()
        t = self._thread
        if t is not None and wait:
            t.join(wait)
        self._thread = None
        if self.state != "stopped":
            self._set_state("stopped", "")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _emit_state(self, state: str, message: str) -> None:
        try:
            self._state_from_thread.emit(state, message)
        except RuntimeError:  # the object is gone
            pass

    def _set_state(self, state: str, message: str) -> None:
        if (state, message) == (self.state, self.message):
            return
        self.state, self.message = state, message
        self.state_changed.emit(state, message)

    def _run(self, serial, port: str, baud: int, stop: threading.Event) -> None:
        warned = False
        while not stop.is_set():
            try:
                dev = serial.Serial(port, baudrate=baud, timeout=0.2)
            except (serial.SerialException, OSError, ValueError) as exc:
                text = " ".join(str(exc).split())[:200]
                if not warned:
                    log.warning("serial scanner %s: %s", port, text)
                    warned = True
                self._emit_state("waiting", text)
                stop.wait(self.retry_s)
                continue
            warned = False
            log.info("serial scanner on %s at %d baud", port, baud)
            self._emit_state("open", "")
            try:
                while not stop.is_set():
                    chunk = dev.read(256)
                    if chunk and not stop.is_set():
                        try:
                            self.data.emit(bytes(chunk))
                        except RuntimeError:
                            return
            except (serial.SerialException, OSError) as exc:
                text = " ".join(str(exc).split())[:200]
                log.warning("serial scanner %s lost: %s", port, text)
                self._emit_state("waiting", text)
                stop.wait(self.retry_s)
            finally:
                try:
                    dev.close()
                except Exception:
                    pass
