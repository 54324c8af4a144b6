"""The QApplication: fonts, the style sheet, the translator, and the crash hook.

``create_application()`` is idempotent (tests get pytest-qt's QApplication and only the styling
is applied). ``install_crash_hook()`` replaces ``sys.excepthook``: an unexpected exception in a
slot is logged with its traceback and the cashier sees a calm dialog ("Something went wrong;
the sale in progress is kept"), never a crash to the desktop. Work already saved is safe in
the database: the services write each business event in one transaction.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from .i18n import RESOURCES

log = logging.getLogger(__name__)

STYLE_SHEET = RESOURCES / "style" / "pos.qss"
FONT_DIR = RESOURCES / "fonts"
FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
                 "Source Han Sans SC", "SimHei", "Noto Sans", "DejaVu Sans", "Arial"]
BASE_POINT_SIZE = 12


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("POS Member")
    app.setOrganizationName("POSMember")
    apply_look(app)
    return app


def apply_look(app: QApplication) -> None:
    if FONT_DIR.is_dir():
        for path in sorted(FONT_DIR.glob("*.tt[fc]")) + sorted(FONT_DIR.glob("*.otf")):
            QFontDatabase.addApplicationFont(str(path))
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    try:
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    except OSError:
        log.warning("style sheet not found: %s", STYLE_SHEET)


class CrashHook:
    """``sys.excepthook`` (and ``threading.excepthook``): log, then a calm dialog."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None):
        self.parent = parent
        self.count = 0
        self.last: BaseException | None = None
        self._showing = False
        self.show_dialog = True  # tests turn the dialog off and look at ``last``

    def __call__(self, etype: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        self.count += 1
        self.last = value
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(etype, value, tb)))
        if self.show_dialog and QApplication.instance() is not None:
            # Defer: we may be inside a slot, or on another thread.
            QTimer.singleShot(0, self._show)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        self(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    def _show(self) -> None:
        if self._showing:
            return
        self._showing = True
        try:
            box = QMessageBox(self.parent())
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle(QCoreApplication.translate("CrashHook", "Something went wrong"))
            box.setText(QCoreApplication.translate(
                "CrashHook", "Something unexpected happened. Nothing that was saved is lost, "
                             "and the basket on screen is kept. If it happens again, call your "
                             "manager; the details are in the log file."))
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.finished.connect(lambda _r: setattr(self, "_showing", False))
            self._box = box  # keep it alive when it has no parent
            box.open()
        except Exception:  # the hook must never raise
            self._showing = False
            log.exception("could not show the error dialog")


def install_crash_hook(parent: Callable[[], QWidget | None] = lambda: None) -> CrashHook:
    hook = CrashHook(parent)
    sys.excepthook = hook
    threading.excepthook = hook._thread_hook
    return hook
