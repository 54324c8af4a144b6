"""The customer display follows the monitors: full screen on a second monitor when there is one,
moved when monitors are plugged in or out, hidden when the second one goes (a customer display
on the cashier's own screen would cover the till).

Which monitor: the first one that is not the main window's (the cashier's) screen, in the order
Qt lists them; with three or more, the first such one. ``QGuiApplication.screenAdded``,
``screenRemoved`` and ``primaryScreenChanged`` re-run the choice (a monitor switched on after
the till started is used at once; a monitor unplugged takes the display away with it).

Shown or hidden from the settings screen by hand, the display stays so until the monitors
change again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


def customer_screen(screens: list[QScreen], main_screen: QScreen | None) -> QScreen | None:
    """The monitor for the customer display: not the cashier's; None with one monitor."""
    if len(screens) < 2:
        return None
    main = main_screen if main_screen in screens else screens[0]
    return next((s for s in screens if s is not main), None)


class DisplayPlacement(QObject):
    def __init__(self, display: QWidget, main_window: QWidget | None = None, *,
                 screens: Callable[[], list[QScreen]] | None = None):
        super().__init__(display)
        self.display = display
        self.main_window = main_window
        self.screens = screens or QGuiApplication.screens
        self.screen: QScreen | None = None     # where the display is placed, if anywhere
        self.follow = True
        app = QGuiApplication.instance()
        app.screenAdded.connect(self._changed)
        app.screenRemoved.connect(self._changed)
        app.primaryScreenChanged.connect(self._changed)

    def _main_screen(self) -> QScreen | None:
        if self.main_window is not None:
            try:
                return self.main_window.screen()
            except RuntimeError:
                return None
        return QGuiApplication.primaryScreen()

    def place(self) -> bool:
        """Full screen on the customer's monitor; hidden when there is none. True if shown."""
        try:
            screens = list(self.screens())
        except RuntimeError:
            return False
        target = customer_screen(screens, self._main_screen())
        if target is None:
            if self.display.isVisible() and self.screen is not None:
                log.info("customer display: its monitor is gone; hidden")
                self.display.hide()
            self.screen = None
            return False
        self.screen = target
        self.display.setScreen(target)
        self.display.setGeometry(target.geometry())
        self.display.showFullScreen()
        log.info("customer display on %s (%dx%d)", target.name(), target.geometry().width(),
                 target.geometry().height())
        return True

    def _changed(self, *_args) -> None:
        if self.follow:
            # the list of screens is final once the event that changed it is handled
            QTimer.singleShot(0, self.place)
