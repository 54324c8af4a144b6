"""The self-test's "main window" step: open the cashier window offscreen and close it.

Lives in pos_member.ui so that pos_member.selftest itself never imports Qt.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
from PySide6.QtGui import QGuiApplication


def open_and_close(module, till, data_dir: Path) -> str:
    """Build ``module.MainWindow`` on the opened till, let its DB worker settle, close it;
    returns a one-line description for the self-test report."""
    app_module = importlib.import_module("pos_member.ui.app")
    app = app_module.create_application([sys.argv[0] if sys.argv else "pos-member"])
    window_cls = module.MainWindow
    params = inspect.signature(window_cls).parameters
    kwargs = {k: v for k, v in (("watchdog", False), ("printer", False)) if k in params}
    qm_note = ""
    try:
        from pos_member.ui import i18n

        language = i18n.DEFAULT_LANGUAGE
        if language != "en" and not i18n.qm_path(language).is_file():
            qm_note = f"; translation {i18n.qm_path(language).name} missing, English used"
            language = "en"
        if "language" in params:
            kwargs["language"] = language
    except ImportError:
        language = None
    window = window_cls(till.ctx, data_dir, **kwargs)
    try:
        window.show()
        deadline = time.monotonic() + 15
        worker = getattr(window, "worker", None)
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if worker is None or getattr(worker, "pending", 0) == 0:
                break
            time.sleep(0.01)
        else:
            raise RuntimeError("the window's database worker did not finish within 15 s")
        QCoreApplication.processEvents()
        title = window.windowTitle()
        screen = getattr(window, "current_name", lambda: "")()
        lang = getattr(getattr(window, "language", None), "language", language)
        if language not in (None, "en") and lang != language:
            raise RuntimeError(f"the window did not switch to {language} (translations?)")
    finally:
        window.close()
        shutdown = getattr(window, "shutdown", None)
        if callable(shutdown):
            shutdown()
        window.deleteLater()
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents,
                                       QDeadlineTimer(200))
    del app
    return (f"main window opened on the {QGuiApplication.platformName()} platform "
            f"(screen {screen or '?'}, title {title!r}, language {lang}) and closed{qm_note}")
