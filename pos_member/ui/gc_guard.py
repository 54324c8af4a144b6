"""Python's cyclic garbage collector runs only on the GUI thread.

CPython starts a collection on whichever thread happens to allocate past the threshold. When that
is the DB worker (or the sync or print thread) and the garbage holds a Qt object (a dialog, a
widget, a connection's closure in a reference cycle), the object is destroyed on a thread that
does not own it and Qt crashes the process ("Fatal Python error: Segmentation fault ...
Garbage-collecting" with the DB worker as the current thread: seen in the UI test suite).

The cure that Anki, pyqtgraph and others use: turn automatic collection off and collect on the
GUI thread from a timer, as often as the thresholds would have asked for it. Reference counting
still frees everything that is not in a cycle at once; only cycles wait for the next tick.
"""

from __future__ import annotations

import gc
import logging

import shiboken6
from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collect garbage on the thread that owns this object (the GUI thread), on a timer."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start(interval_ms)

    def check(self) -> None:
        """Collect the young generation when anything new is in it (cheap: it holds only what
        was allocated since the last tick), and the older ones when their thresholds say so, as
        CPython would. (Not only past generation 0's threshold: a worker that allocates and
        frees a lot brings the count back down and would leave its cycles waiting.)"""
        counts = gc.get_count()
        if counts[0] <= 0:
            return
        generation = 0
        if counts[1] > self.threshold[1]:
            generation = 1
        if counts[2] > self.threshold[2]:
            generation = 2
        gc.collect(generation)
        self.collections += 1

    def stop(self) -> None:
        """Give collection back to CPython (at shutdown, once no Qt object is left to free)."""
        self._timer.stop()
        gc.enable()


_installed: GuiThreadCollector | None = None


def install(app: QObject) -> GuiThreadCollector:
    """Install the collector once per process, owned by ``app`` (the QApplication)."""
    global _installed
    if _installed is None or not shiboken6.isValid(_installed):
        _installed = GuiThreadCollector(app)
        log.debug("automatic garbage collection moved to the GUI thread")
    return _installed
