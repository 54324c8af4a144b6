"""Registers the shift, refund, reconciliation and settings screens and the customer display
on the main window (``MainWindow.__init__`` calls :func:`install`).

Keys that open them from any screen once someone is signed in (the checkout screen uses F2–F11
for itself, so these take Ctrl): Ctrl+F6 shifts, Ctrl+F7 refund, Ctrl+F8 reconciliation
(manager), Ctrl+F9 settings, Ctrl+F5 the shift's sales history.
"""

from __future__ import annotations

import logging

from pos_member.services import settings

from .customer_display import CustomerDisplay
from .device_scanners import install as install_scanner_devices
from .i18n import translate
from .reconcile_screen import ReconcileScreen
from .sales_history import SalesHistoryScreen
from .refund_screen import RefundScreen
from .settings_screen import SettingsScreen
from .shifts_screen import ShiftScreen
from .worker import Op

log = logging.getLogger(__name__)

KEYS = {"shifts": "Ctrl+F6", "refund": "Ctrl+F7", "reconcile": "Ctrl+F8",
        "settings": "Ctrl+F9", "history": "Ctrl+F5"}


def install(window) -> None:
    env = window.env
    install_scanner_devices(window)  # serial or camera scanner, as chosen in settings
    window.shifts_screen = window.add_screen(
        ShiftScreen(env, window), menu=lambda: translate("ManagerScreens", "Shifts"),
        key=KEYS["shifts"])
    window.refund_screen = window.add_screen(
        RefundScreen(env, window), menu=lambda: translate("ManagerScreens", "Refund"),
        key=KEYS["refund"])
    window.reconcile_screen = window.add_screen(
        ReconcileScreen(env, window), menu=lambda: translate("ManagerScreens", "Reconciliation"),
        key=KEYS["reconcile"], manager_only=True)
    window.history_screen = window.add_screen(
        SalesHistoryScreen(env, window),
        menu=lambda: translate("ManagerScreens", "Sales history"), key=KEYS["history"])
    window.settings_screen = window.add_screen(
        SettingsScreen(env, window), menu=lambda: translate("ManagerScreens", "Settings"),
        key=KEYS["settings"])
    display = CustomerDisplay(env, window)
    window.customer_display = display
    # the settings screen's show/hide button follows the display, however it was closed
    display.shown_changed.connect(lambda _shown: window.settings_screen._sync_buttons())
    Op(settings.join_url, env.ctx).success(display.set_join_url) \
        .failure(lambda exc: log.warning("join link: %s", exc)).run(window.worker)
    env.staff_changed.connect(lambda staff: staff is None and display.show_idle())
    display.show_if_second_screen()
