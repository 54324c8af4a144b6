"""Touch or mouse: rows and buttons a finger can hit on a touch till (issue 16 item 18).

Touch mode is on when the system reports a touch screen (``QInputDevice``) or
``POS_MEMBER_TOUCH=1``; ``POS_MEMBER_TOUCH=0`` turns it off (a till whose touch screen is not
used). In touch mode resources/style/touch.qss is appended to the application's style sheet
(buttons, list rows, drop-down rows and fields >= 44 px, wider scroll bars) and every table's
rows are at least 44 px (row heights are not a style-sheet property). In both modes every
combo box gets a styled delegate, without which Qt's default combo delegate ignores the
style sheet's ``::item`` rules (the drop-down list would not be styled nor sized).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QInputDevice
from PySide6.QtWidgets import QApplication

# The widget classes the sizer looks at are imported where it runs (after the first paint):
# PySide makes each Qt class's Python type on first use.

from .i18n import RESOURCES

TOUCH_ROW = 44  # px: the smallest row or button a finger hits reliably
TOUCH_SHEET = RESOURCES / "style" / "touch.qss"
ENV = "POS_MEMBER_TOUCH"


def touch_screen_present() -> bool:
    return any(d.type() == QInputDevice.DeviceType.TouchScreen for d in QInputDevice.devices())


def wanted() -> bool:
    """Touch mode as the environment and the hardware say."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("1", "yes", "true", "on"):
        return True
    if value in ("0", "no", "false", "off"):
        return False
    return touch_screen_present()


class _Sizer(QObject):
    def __init__(self, app: QApplication):
        super().__init__(app)
        self.touch = False

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Polish:
            from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QTableView

            if isinstance(obj, QComboBox) and not isinstance(obj.itemDelegate(),
                                                              QStyledItemDelegate):
                obj.setItemDelegate(QStyledItemDelegate(obj))
            elif self.touch and isinstance(obj, QTableView):
                size_rows(obj)
        return False


def size_rows(table, height: int = TOUCH_ROW) -> None:
    header = table.verticalHeader()
    header.setMinimumSectionSize(max(header.minimumSectionSize(), height))
    header.setDefaultSectionSize(max(header.defaultSectionSize(), height))


_sizer: _Sizer | None = None
_touch = False  # the mode :func:`install` set (the sizer may come later: install_sizer)
_base_sheet: str | None = None


def install(app: QApplication, touch: bool | None = None, *, sizer: bool = True,
            base_sheet: str | None = None) -> bool:
    """Set touch mode (``None``: :func:`wanted`) and the application's style sheet with it
    (``base_sheet``, else the application's current one, e.g. as ``app.apply_look`` set it),
    and install the sizer unless ``sizer=False``. Returns the mode.

    ``sizer=False`` is for the window-first start: the sizer is an application-wide Python
    event filter, so every event of the first show and paint would go through Python (the
    login screen's show-to-paint took 34-55 ms with it, 5-9 ms without); the main window
    installs it after its first paint (:func:`install_sizer`, from ``MainWindow.complete``).
    The login screen has neither a combo box nor a table, so the sizer has nothing to do for
    it; widgets made before it are fixed when it is installed."""
    global _base_sheet, _touch
    on = wanted() if touch is None else touch
    sheet = app.styleSheet() if base_sheet is None else base_sheet
    extra = _touch_sheet()
    if extra and extra in sheet:
        sheet = sheet.replace("\n" + extra, "")
    _base_sheet = sheet
    _touch = on
    if _sizer is not None:
        _sizer.touch = on
    app.setStyleSheet(sheet + ("\n" + extra if on and extra else ""))
    if sizer:
        install_sizer(app)
    if on:
        from PySide6.QtWidgets import QTableView

        for w in app.allWidgets():
            if isinstance(w, QTableView):
                size_rows(w)
    return on


def install_sizer(app: QApplication | None = None) -> None:
    """Install the sizer's event filter (once) and give the widgets made before it what it
    gives new ones (a styled delegate for every combo box, touch-sized table rows)."""
    global _sizer
    app = app or QApplication.instance()
    if app is None or _sizer is not None:
        return
    from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QTableView

    _sizer = _Sizer(app)
    _sizer.touch = _touch
    app.installEventFilter(_sizer)
    for w in app.allWidgets():
        if isinstance(w, QComboBox) and not isinstance(w.itemDelegate(), QStyledItemDelegate):
            w.setItemDelegate(QStyledItemDelegate(w))
        elif _touch and isinstance(w, QTableView):
            size_rows(w)


def is_touch() -> bool:
    return _touch


def _touch_sheet() -> str:
    try:
        return TOUCH_SHEET.read_text(encoding="utf-8")
    except OSError:
        return ""
