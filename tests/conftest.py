import gc
import os
import sys

import pytest

# Qt runs offscreen in every test run, with or without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_main_thread():
    """Once Qt runs in this process, garbage is collected on the main thread only, as the till
    does (pos_member.ui.gc_guard): a collection that a worker thread happens to start could free
    a Qt object on that thread and crash the whole run. Each test ends with a collection."""
    _guard_once_qt_runs()
    yield
    if _guard_once_qt_runs():
        gc.collect()


def _guard_once_qt_runs() -> bool:
    widgets = sys.modules.get("PySide6.QtWidgets")
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is not None:
        from pos_member.ui import gc_guard

        gc_guard.install(app)
        return True
    return False
