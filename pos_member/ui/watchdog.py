"""A heartbeat on the GUI thread that measures event-loop lag and logs every block over 100 ms.

A QTimer fires every ``interval_ms``; when the loop was busy, the tick arrives late, and the
lateness is how long the GUI thread was blocked. Anki logs core calls over 200 ms; the till is
stricter because a cashier feels 100 ms on a scan. Nothing here fixes a block; it makes one
visible in the log file (``GUI thread blocked for 240 ms``) with the screen that was showing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

BLOCK_THRESHOLD_MS = 100.0


class Watchdog(QObject):
    blocked = Signal(float)  # milliseconds the GUI thread was blocked

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 50,
                 threshold_ms: float = BLOCK_THRESHOLD_MS,
                 where: Callable[[], str] | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.threshold_ms = threshold_ms
        self.where = where or (lambda: "")
        self.blocks: list[float] = []  # every block over the threshold, in ms
        self.max_lag_ms = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        lag = (now - self._last) * 1000.0 - self.interval_ms
        self._last = now
        self.max_lag_ms = max(self.max_lag_ms, lag)
        if lag > self.threshold_ms:
            self.blocks.append(lag)
            where = self.where()
            log.warning("GUI thread blocked for %.0f ms%s", lag, f" ({where})" if where else "")
            self.blocked.emit(lag)
