"""A camera as a barcode scanner: for tills without a scanner, and for a member who shows the
member code on a phone.

Three parts, so that a test (or another camera library) can replace the first:

- a :class:`FrameSource` emits ``frame(QImage)`` on the GUI thread: :class:`QtCameraSource`
  (QtMultimedia's ``QCamera`` into a ``QVideoSink``; QtMultimedia is in ``pyside6-addons``, the
  optional extra ``pos-member[camera]``, imported only when a camera is used), or
  :class:`RecordedFrames` (images played back at a frame rate, for tests and demonstrations);
- :class:`FrameDecoder` decodes frames with zxing-cpp on its own thread. It keeps only the
  newest frame: a camera gives 30 frames a second and decoding one may take longer, so frames
  that arrive while one is being decoded replace each other and the GUI thread never waits;
- :class:`CameraScanner` ties them together and emits ``scanned(Scan)`` with ``source="camera"``
  like the other scanners. A code held in front of the camera is decoded in frame after frame:
  the same text is reported once, and again only after it has been out of sight for
  ``repeat_after_s`` (so a member can scan the same code again for the next sale).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from .scanner import classify_code

log = logging.getLogger(__name__)

CAMERA_EXTRA = "pip install pos-member[camera] (pyside6-addons: QtMultimedia)"


class CameraUnavailable(RuntimeError):
    """No camera can be used: QtMultimedia missing, no camera found, or it failed to start."""


def qt_multimedia():
    """The QtMultimedia module, or :class:`CameraUnavailable` saying how to get it."""
    try:
        from PySide6 import QtMultimedia
    except ImportError:
        raise CameraUnavailable("the camera needs QtMultimedia, which is not installed: "
                                + CAMERA_EXTRA) from None
    return QtMultimedia


def list_cameras() -> list[tuple[str, str]]:
    """(id, description) of each camera; empty without QtMultimedia or cameras."""
    try:
        mm = qt_multimedia()
    except CameraUnavailable:
        return []
    out = []
    for dev in mm.QMediaDevices.videoInputs():
        out.append((bytes(dev.id()).decode("utf-8", "replace"), dev.description()))
    return out


class FrameSource(QObject):
    """Emits ``frame(QImage)`` on the GUI thread between :meth:`start` and :meth:`stop`."""

    frame = Signal(QImage)
    failed = Signal(str)

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class RecordedFrames(FrameSource):
    """Images (files or QImages) played in order at ``fps``, then again if ``loop``."""

    def __init__(self, frames: Iterable[QImage | str | Path], parent: QObject | None = None, *,
                 fps: float = 10.0, loop: bool = False):
        super().__init__(parent)
        self.frames: list[QImage] = []
        for f in frames:
            image = f if isinstance(f, QImage) else QImage(str(f))
            if image.isNull():
                raise ValueError(f"cannot read the frame {f}")
            self.frames.append(image)
        self.loop = loop
        self.played = 0
        self._i = 0
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(1000 / fps)))
        self._timer.timeout.connect(self._next)

    def start(self) -> None:
        self._i = 0
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def _next(self) -> None:
        if self._i >= len(self.frames):
            if not self.loop or not self.frames:
                self._timer.stop()
                return
            self._i = 0
        image = self.frames[self._i]
        self._i += 1
        self.played += 1
        self.frame.emit(image)


class QtCameraSource(FrameSource):
    """A camera through QtMultimedia. ``device_id`` empty: the system's default camera."""

    def __init__(self, device_id: str = "", parent: QObject | None = None):
        super().__init__(parent)
        mm = qt_multimedia()
        devices = mm.QMediaDevices.videoInputs()
        if not devices:
            raise CameraUnavailable("no camera is connected to this computer")
        device = next((d for d in devices
                       if bytes(d.id()).decode("utf-8", "replace") == device_id), None)
        if device is None:
            if device_id:
                log.warning("camera %r not found; using the default camera", device_id)
            device = mm.QMediaDevices.defaultVideoInput()
        self.description = device.description()
        self.camera = mm.QCamera(device, self)
        self.session = mm.QMediaCaptureSession(self)
        self.sink = mm.QVideoSink(self)
        self.session.setCamera(self.camera)
        self.session.setVideoSink(self.sink)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.camera.errorOccurred.connect(lambda _e, text: self.failed.emit(text))

    def start(self) -> None:
        self.camera.start()

    def stop(self) -> None:
        self.camera.stop()

    def _on_frame(self, frame) -> None:
        image = frame.toImage()
        if not image.isNull():
            self.frame.emit(image)


class FrameDecoder(QObject):
    """Decodes the newest submitted frame on a thread; ``decoded(str)`` on the GUI thread."""

    decoded = Signal(str)

    def __init__(self, parent: QObject | None = None, *, max_side: int = 1280):
        super().__init__(parent)
        self.max_side = max_side
        self.frames_decoded = 0       # frames looked at (for tests and the settings screen)
        self.frames_dropped = 0       # replaced by a newer frame before being looked at
        self.last_ms = 0.0            # time to decode the last frame
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pending: QImage | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        __import__("zxingcpp")  # a missing decoder says so here, not on the thread

        if self._thread is not None and self._thread.is_alive():
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stop,),
                                        name="pos-camera-decoder", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 0.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and wait:
            self._thread.join(wait)
        self._thread = None

    def submit(self, image: QImage) -> None:
        """From the GUI thread: the newest frame (a copy, the camera reuses its buffers)."""
        copy = image.copy()
        with self._lock:
            if self._pending is not None:
                self.frames_dropped += 1
            self._pending = copy
        self._wake.set()

    def idle(self) -> bool:
        with self._lock:
            return self._pending is None and not self._busy

    _busy = False

    def _run(self, stop: threading.Event) -> None:
        import zxingcpp

        while not stop.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            with self._lock:
                image, self._pending = self._pending, None
                self._busy = image is not None
            if image is None:
                continue
            t0 = time.perf_counter()
            try:
                texts = decode_image(image, zxingcpp, self.max_side)
            except Exception:  # a frame the decoder chokes on must not end scanning
                log.exception("camera frame could not be decoded")
                texts = []
            self.last_ms = (time.perf_counter() - t0) * 1000
            self.frames_decoded += 1
            with self._lock:
                self._busy = False
            for text in texts:
                if stop.is_set():
                    return
                try:
                    self.decoded.emit(text)
                except RuntimeError:
                    return


def decode_image(image: QImage, zxingcpp=None, max_side: int = 1280) -> list[str]:
    """The codes zxing-cpp reads in ``image`` (grayscale, scaled down to ``max_side``)."""
    if zxingcpp is None:
        import zxingcpp
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    if max(gray.width(), gray.height()) > max_side:
        gray = gray.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
    results = zxingcpp.read_barcodes(gray)
    return [r.text for r in results if r.valid and r.text]


class CameraScanner(QObject):
    """A frame source and a decoder: ``scanned(Scan)`` for each code seen (once per showing)."""

    scanned = Signal(object)
    failed = Signal(str)

    def __init__(self, source: FrameSource, parent: QObject | None = None, *,
                 repeat_after_s: float = 2.0):
        super().__init__(parent)
        self.source = source
        source.setParent(self)
        self.repeat_after_s = repeat_after_s
        self.decoder = FrameDecoder(self)
        self._seen: dict[str, float] = {}    # text -> when last decoded (monotonic)
        source.frame.connect(self.decoder.submit)
        source.failed.connect(self.failed)
        self.decoder.decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)
        self.running = False

    def start(self) -> None:
        self.decoder.start()
        self.source.start()
        self.running = True

    def stop(self) -> None:
        self.running = False
        try:
            self.source.stop()
        finally:
            self.decoder.stop()

    def _on_decoded(self, text: str) -> None:
        if not self.running:
            return
        now = time.monotonic()
        last = self._seen.get(text)
        self._seen[text] = now
        for t, at in list(self._seen.items()):
            if now - at > 60:
                del self._seen[t]
        if last is not None and now - last < self.repeat_after_s:
            return   # the same code still in front of the camera
        scan = classify_code(text, "camera")
        log.info("camera scan: %s (%d characters)", scan.kind.value, len(text))
        self.scanned.emit(scan)
