"""The QApplication: fonts, the style sheet, the translator, and the crash hook.

``create_application()`` is idempotent (tests get pytest-qt's QApplication and only the styling
is applied). ``install_crash_hook()`` replaces ``sys.excepthook``: an unexpected exception in a
slot is logged with its traceback and the cashier sees a calm dialog that says nothing was lost
and names the log file (:func:`log_file`), never a crash to the desktop. Nothing is lost
because the services write each business event in one transaction: a sale is recorded whole or
not at all, never half, and the basket on screen stays as it was.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from . import gc_guard
from .i18n import RESOURCES

log = logging.getLogger(__name__)

STYLE_SHEET = RESOURCES / "style" / "pos.qss"
FONT_DIR = RESOURCES / "fonts"
FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
                 "Source Han Sans SC", "SimHei", "Noto Sans", "DejaVu Sans", "Arial"]
BASE_POINT_SIZE = 12


def create_application(argv: list[str] | None = None, *, sizer: bool = True) -> QApplication:
    """The application, styled (:func:`apply_look`). ``sizer=False``: the touch sizer's event
    filter is left for the main window to install after its first paint (the launcher)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("POS Member")
    app.setOrganizationName("POSMember")
    gc_guard.install(app)
    apply_look(app, sizer=sizer)
    return app


def apply_look(app: QApplication, *, sizer: bool = True) -> None:
    """Fonts, the style sheet (with touch.qss in touch mode: set once, before any widget
    exists, so no widget is polished twice) and, unless ``sizer=False``, the touch sizer."""
    if FONT_DIR.is_dir():
        for path in sorted(FONT_DIR.glob("*.tt[fc]")) + sorted(FONT_DIR.glob("*.otf")):
            QFontDatabase.addApplicationFont(str(path))
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    try:
        sheet = STYLE_SHEET.read_text(encoding="utf-8")
    except OSError:
        log.warning("style sheet not found: %s", STYLE_SHEET)
        sheet = ""
    from . import touch

    # touch-sized rows on a touch screen; styled drop-down lists (the sizer)
    touch.install(app, sizer=sizer, base_sheet=sheet)


def log_file() -> Path:
    """The file the log goes to: the root logger's log file when one is set up
    (``pos_member.log_file``), else where that function puts it
    (``<data folder>/logs/pos-member.log``)."""
    from pos_member.log_file import StartFileHandler

    rotating = ()
    if "logging.handlers" in sys.modules:  # else no rotating handler can exist
        import logging.handlers

        rotating = (logging.handlers.RotatingFileHandler,)
    for handler in logging.getLogger().handlers:
        # the rotating file, or the plain one run starts with (pos_member/log_file.py)
        if isinstance(handler, (StartFileHandler, *rotating)):
            return Path(handler.baseFilename)
    from pos_member.store.paths import data_dir

    return data_dir() / "logs" / "pos-member.log"


def _flush_log() -> None:
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:  # noqa: BLE001, S110 - the hook must never raise
            pass


class CrashHook:
    """``sys.excepthook`` (and ``threading.excepthook``): log, then a calm dialog that names the
    log file (``log_path``, or :func:`log_file` at the time of the error)."""

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None,
                 log_path: str | Path | None = None):
        self.parent = parent
        self.log_path = Path(log_path) if log_path is not None else None
        self.count = 0
        self.last: BaseException | None = None
        self._showing = False
        self.show_dialog = True  # tests turn the dialog off and look at ``last``
        self.text = ""            # the dialog's last text

    def __call__(self, etype: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        self.count += 1
        self.last = value
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(etype, value, tb)))
        _flush_log()
        if self.show_dialog and QApplication.instance() is not None:
            # Defer: we may be inside a slot, or on another thread.
            QTimer.singleShot(0, self._show)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        self(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    def message(self) -> str:
        """The dialog's text in the current language, with the log file's path."""
        try:
            path = str(self.log_path or log_file())
        except Exception:  # noqa: BLE001 - the hook must never raise
            path = "logs/pos-member.log"
        return (QCoreApplication.translate(
            "CrashHook", "Something unexpected happened. Nothing that was saved is lost: a sale "
                         "is recorded in full or not at all, never half, and the basket on "
                         "screen is kept as it was. If it happens again, call your manager.")
            + "\n\n" + QCoreApplication.translate(
                "CrashHook", "The details are in the log file:\n%1").replace("%1", path))

    def _show(self) -> None:
        if self._showing:
            return
        self._showing = True
        try:
            from PySide6.QtCore import Qt  # not at import: the Qt namespace costs 11 ms or more
            from PySide6.QtWidgets import QMessageBox  # a class's type is made on first use

            box = QMessageBox(self.parent())
            box.setObjectName("crash_dialog")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle(QCoreApplication.translate("CrashHook", "Something went wrong"))
            self.text = self.message()
            box.setText(self.text)
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 420px; }")  # fewer lines
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.finished.connect(lambda _r: setattr(self, "_showing", False))
            self._box = box  # keep it alive when it has no parent
            box.open()
        except Exception:  # the hook must never raise
            self._showing = False
            log.exception("could not show the error dialog")


def install_crash_hook(parent: Callable[[], QWidget | None] = lambda: None,
                       log_path: str | Path | None = None) -> CrashHook:
    """``log_path``: the file the dialog names; by default the log's actual file."""
    hook = CrashHook(parent, log_path)
    sys.excepthook = hook
    threading.excepthook = hook._thread_hook
    return hook
