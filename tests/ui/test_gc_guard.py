"""Garbage that a worker thread leaves behind is collected on the GUI thread."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from pos_member.ui import gc_guard


class _Tracked(QObject):
    """A Qt object in a reference cycle; records on which thread it is finalised."""

    freed_on: list[int] = []

    def __init__(self) -> None:
        super().__init__()
        self.me = self  # the cycle: only the cyclic collector can free it

    def __del__(self) -> None:
        _Tracked.freed_on.append(threading.get_ident())


def test_cycles_dropped_on_a_worker_thread_are_collected_on_the_gui_thread(qapp, qtbot):
    collector = gc_guard.install(qapp)
    assert not gc.isenabled()
    _Tracked.freed_on.clear()
    gc.collect()

    def work() -> None:
        _Tracked()  # garbage at once, kept alive only by its cycle
        # Allocate container objects far past the generation-0 threshold: with automatic
        # collection on, CPython would collect right here, on this thread.
        junk = [[] for _ in range(50 * gc.get_threshold()[0])]
        del junk

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert _Tracked.freed_on == []  # nothing collected on the worker
    qtbot.waitUntil(lambda: bool(_Tracked.freed_on), timeout=5000)
    assert _Tracked.freed_on == [threading.get_ident()]
    assert collector.collections >= 1


def test_the_till_application_moves_collection_to_the_gui_thread(qapp):
    from pos_member.ui.app import create_application

    app = create_application([])
    assert app is qapp
    assert not gc.isenabled()
