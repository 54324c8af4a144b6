"""The screen-fit walk: every screen and the dialogs of ``screen_catalogue`` at ONE screen size,
in both languages, checked by geometry (``pos_member.ui.fit.layout_problems``) with a
screenshot of the whole screen for each. It runs only inside the process that
``test_screen_fit.py`` starts with the offscreen platform's screen set to that size
(``POS_FIT_SCREEN=1366x768``); in an ordinary run it is skipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QDialog

from pos_member.ui import fit

from . import conftest
from .conftest import click, pin_pad, scan
from .screen_catalogue import BARCODE, DIALOGS, WAIT, activate

SIZE = os.environ.get("POS_FIT_SCREEN", "")
pytestmark = pytest.mark.skipif(not SIZE, reason="run by test_screen_fit.py at a screen size")


def idle(qtbot, window) -> None:
    conftest.idle(qtbot, window, timeout=WAIT)


def modal(qtbot, name):
    return conftest.modal(qtbot, name, timeout=WAIT)


def fresh_code(till) -> str:
    """A member's app code never seen before (a code is used once: the clock moves on)."""
    from datetime import timedelta

    till.clock.now += timedelta(seconds=61)
    return till.dynamic_code("silver")


def settle(rounds: int = 4) -> None:
    for _ in range(rounds):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()


def screen_picture(path: Path) -> None:
    """What the screen shows: the main window and the dialogs over it, where they are."""
    area = QGuiApplication.primaryScreen().geometry()
    picture = QPixmap(area.size())
    picture.fill()
    painter = QPainter(picture)
    tops = fit.visible_top_levels()
    tops.sort(key=lambda w: 0 if w.objectName() == "main_window" else 1)
    for top in tops:
        painter.drawPixmap(top.geometry().topLeft(), top.grab())
    painter.end()
    picture.save(str(path))


class Walk:
    def __init__(self, qtbot, window, till, out: Path, language: str):
        self.qtbot, self.window, self.till, self.out = qtbot, window, till, out
        self.language = language
        self.problems: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        settle()
        self.qtbot.wait(20)  # the dialog placer's deferred move
        settle()
        found = []
        for top in fit.visible_top_levels():
            found += fit.layout_problems(top)
        if found:
            self.problems[name] = found
        self.checked.append(name)
        screen_picture(self.out / f"{SIZE}_{self.language}_{len(self.checked):02d}_{name}.png")

    def close_dialogs(self) -> None:
        for top in QApplication.topLevelWidgets():
            if isinstance(top, QDialog) and top.isVisible():
                top.reject()
        settle()
        idle(self.qtbot, self.window)
        activate(self.qtbot, self.window)


def test_walk(qtbot, window, till):
    out = Path(os.environ["POS_FIT_OUT"])
    out.mkdir(parents=True, exist_ok=True)
    from pos_member.ui import touch

    assert touch.is_touch() == SIZE.endswith("-touch")
    window.show_for_till()
    qtbot.waitUntil(lambda: window.isMaximized() or window.width() >= 1000, timeout=WAIT)
    report: dict = {"size": SIZE, "screen": list(
        QGuiApplication.primaryScreen().availableGeometry().getRect()), "languages": {}}
    for language in ("en", "zh_CN"):
        window.language.set_language(language)
        walk = Walk(qtbot, window, till, out, language)
        # the login screen, with a message on it, then the float asked at the first sign-in
        if window.env.staff is not None:
            window.sign_out()
        window.login.message.show_message(window.tr("Sign in first, then scan."), "error")
        walk.check("login")
        window.login.code.clear()
        qtbot.keyClicks(window.login.code, "S001", delay=60)
        pin_pad(qtbot, window.login.pad, "2468")
        idle(qtbot, window)
        if window.current_name() != "checkout":
            dialog = modal(qtbot, "open_shift_dialog")
            walk.check("open_shift")
            dialog.pad.field.setText("500.00")
            click(qtbot, dialog.pad.ok)
        qtbot.waitUntil(lambda: window.current_name() == "checkout", timeout=WAIT)
        idle(qtbot, window)
        activate(qtbot, window)
        co = window.checkout
        for sku in ("C004", "T003", "B004", "R001"):
            scan(qtbot, co.entry, BARCODE[sku])
            idle(qtbot, window)
        co.identify(fresh_code(till))  # the walk checks layouts, not scanning
        idle(qtbot, window)
        qtbot.waitUntil(lambda co=co: co.sale.member is not None, timeout=WAIT)
        co.message.show_message(window.tr("This code cannot be used here."), "warn")
        walk.check("checkout")
        for name, _cls, opener in DIALOGS:
            if window.current_name() != "checkout":
                window.show_screen("checkout")
            if co.sale.empty or co.sale.member is None:  # the sale was paid: a new basket
                for sku in ("C004", "T003"):
                    scan(qtbot, co.entry, BARCODE[sku])
                    idle(qtbot, window)
                if co.sale.member is None:
                    co.identify(fresh_code(till))  # the walk checks layouts, not scanning
                    idle(qtbot, window)
                    qtbot.waitUntil(lambda co=co: co.sale.member is not None, timeout=WAIT)
            try:
                opener(qtbot, window, till)
            except Exception as exc:  # noqa: BLE001 - reported, and the walk goes on
                walk.problems[name] = [f"could not be opened: {exc!r}"[:400]]
            else:
                walk.check(name)
            walk.close_dialogs()
            if name == "sale_done":
                idle(qtbot, window)
        for name in list(window.screens):
            if name in ("login",):
                continue
            window.show_screen(name)
            idle(qtbot, window)
            walk.check(f"screen_{name}")
        window.show_screen("checkout")
        report["languages"][language] = {"checked": walk.checked, "problems": walk.problems}
    (out / f"report_{SIZE}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    window.language.set_language("en")
