"""The scanner devices the till opens itself, as chosen in settings (``services.scanner_settings``):
a serial scanner (pyserial, :mod:`.serial_scanner`) or a camera (:mod:`.camera_scanner`). A
keyboard-wedge scanner needs nothing: the main window's :class:`~.scanner.WedgeScanner` always
listens, whatever is chosen here.

Every scan goes to ``window.dispatch_scan`` like a wedge scan: the modal dialog or the current
screen takes it (the checkout identifies the member, adds the product ...).

``install(window)`` (called by ``manager_screens.install``) makes ``window.scanner_devices``,
loads the choice on the DB worker and opens the device. :meth:`ScannerDevices.apply` switches
at once when settings change. ``frame_source_factory`` makes the camera's frame source (a
:class:`~.camera_scanner.QtCameraSource` by default; a test gives recorded frames).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from pos_member.services import scanner_settings
from pos_member.services.scanner_settings import ScannerSettings

from .camera_scanner import CameraScanner, CameraUnavailable, FrameSource, QtCameraSource
from .serial_scanner import SerialScannerReader, SerialUnavailable
from .worker import Op

log = logging.getLogger(__name__)


class ScannerDevices(QObject):
    changed = Signal()        # state or message changed (the settings screen shows them)

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.settings = ScannerSettings()
        self.state = "wedge"            # wedge, open, waiting, running, unavailable, error
        self.message = ""
        self.frame_source_factory: Callable[[str], FrameSource] = \
            lambda device_id: QtCameraSource(device_id)
        self.serial = SerialScannerReader(self)
        self.serial.data.connect(window.serial_scanner.feed_bytes,
                                 Qt.ConnectionType.QueuedConnection)
        self.serial.state_changed.connect(self._serial_state)
        self.camera: CameraScanner | None = None

    def apply(self, values: ScannerSettings) -> None:
        """Close what is open and open what ``values`` chooses."""
        self.stop()
        self.settings = values
        if values.source == "serial":
            try:
                self.serial.start(values.port, values.baud)
            except SerialUnavailable as exc:
                self._set("unavailable", str(exc))
                return
            self._set("waiting", "")
        elif values.source == "camera":
            try:
                source = self.frame_source_factory(values.camera)
            except CameraUnavailable as exc:
                log.warning("camera scanner: %s", exc)
                self._set("unavailable", str(exc))
                return
            except Exception as exc:  # a camera backend failing to start
                log.exception("camera scanner could not start")
                self._set("error", str(exc))
                return
            self.camera = CameraScanner(source, self)
            self.camera.scanned.connect(self.window_.dispatch_scan)
            self.camera.failed.connect(lambda text: self._set("error", text))
            self.camera.start()
            self._set("running", getattr(source, "description", ""))
        else:
            self._set("wedge", "")

    def stop(self) -> None:
        self.serial.stop()
        if self.camera is not None:
            self.camera.stop()
            self.camera.deleteLater()
            self.camera = None

    def _serial_state(self, state: str, message: str) -> None:
        if self.settings.source == "serial" and state != "stopped":
            self._set(state, message)

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        self.changed.emit()


def install(window) -> ScannerDevices:
    devices = ScannerDevices(window)
    window.scanner_devices = devices
    ctx = getattr(window.env, "ctx", None)
    if ctx is not None:
        Op(scanner_settings.scanner_settings, ctx).success(devices.apply) \
            .failure(lambda exc: log.warning("scanner settings: %s", exc)).run(window.worker)
    return devices
