import gc
import os
import sys

import pytest
from hypothesis import settings

# Qt runs offscreen in every test run, with or without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# No per-example deadline: the machines are shared and noisy, a slow example is not a wrong one
# (speed is measured in bench/, against a baseline of the same run). A property test without
# its own settings once failed with DeadlineExceeded on a loaded machine.
settings.register_profile("pos-member", deadline=None)
settings.load_profile("pos-member")


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


def _silenced_project_loggers() -> set[str]:
    import logging

    return {name for name, logger in logging.Logger.manager.loggerDict.items()
            if name.startswith(("pos_member", "pos_central")) and isinstance(logger, logging.Logger)
            and (logger.disabled or not logger.propagate)}


@pytest.fixture(autouse=True)
def _project_loggers_left_working():
    """A test must not leave the project's loggers disabled or cut off from the root logger:
    ``logging.config.dictConfig`` (as import-linter calls it in-process) disables every logger
    that exists, and the tests after it in the same worker then lost the records they check."""
    before = _silenced_project_loggers()
    yield
    after = _silenced_project_loggers() - before
    assert not after, f"this test left loggers disabled or not propagating: {sorted(after)}"
