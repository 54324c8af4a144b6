"""The foundation: the single DB worker and its op builder, the watchdog, the status bar fed
from another thread, the lock screen, the crash hook."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.services.errors import ApprovalNeeded, ServiceError
from pos_member.ui.status import PrinterState, SyncState
from pos_member.ui.watchdog import Watchdog
from pos_member.ui.worker import DbWorker, Op

from .conftest import click, gone, idle, login, modal, pin_pad


@pytest.fixture
def worker(qtbot):
    w = DbWorker()
    yield w
    w.stop()


def test_ops_run_in_order_on_one_thread_off_the_gui(qtbot, worker):
    threads, results = set(), []

    def work(n):
        threads.add(threading.get_ident())
        time.sleep(0.005)
        return n

    for n in range(5):
        Op(work, n).success(results.append).run(worker)
    qtbot.waitUntil(lambda: worker.pending == 0)
    assert results == [0, 1, 2, 3, 4]
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_latest_drops_superseded_ops_and_failures_come_back(qtbot, worker):
    gate = threading.Event()
    ran, got, errors, finals = [], [], [], []
    Op(gate.wait, 5).run(worker)  # keep the worker busy while three quotes queue up
    for n in range(3):
        Op(lambda n=n: ran.append(n) or n).latest("quote").success(got.append).run(worker)
    Op(lambda: (_ for _ in ()).throw(ServiceError("nope", code="x"))) \
        .failure(errors.append).finally_(lambda: finals.append(1)).run(worker)
    gate.set()
    qtbot.waitUntil(lambda: worker.pending == 0)
    assert ran == [2] and got == [2]
    assert [e.code for e in errors] == ["x"] and finals == [1]


def test_with_approval_retries_with_the_managers_approval(qtbot, worker):
    calls = []

    def protected(approval=None):
        calls.append(approval)
        if approval is None or approval.pin != "2468":
            raise ApprovalNeeded("void needs a manager's approval", action="void_line",
                                 code="approval_needed" if approval is None else "wrong_pin")
        return approval.login_code

    done = []
    Op(protected).with_approval(None, "Remove a line").success(done.append).run(worker)
    dialog = modal(qtbot, "approval_dialog")
    assert "remove a line" in dialog.explain.text()
    dialog.code.setText("S001")
    pin_pad(qtbot, dialog.pad, "1111")
    # refused: the same dialog says why and asks again, the action still named
    qtbot.waitUntil(lambda: dialog.message.kind == "error")
    assert not gone(dialog) and modal(qtbot, "approval_dialog") is dialog
    assert "remove a line" in dialog.explain.text() and dialog.code.text() == "S001"
    pin_pad(qtbot, dialog.pad, "2468")
    qtbot.waitUntil(lambda: done == ["S001"])
    qtbot.waitUntil(lambda: gone(dialog))
    assert [getattr(a, "pin", None) for a in calls] == [None, "1111", "2468"]


def test_watchdog_logs_a_blocked_gui_thread(qtbot, caplog):
    dog = Watchdog(interval_ms=20, where=lambda: "test")
    dog.start()
    qtbot.wait(60)
    with caplog.at_level(logging.WARNING, logger="pos_member.ui.watchdog"):
        time.sleep(0.25)  # the GUI thread does something it should not
        qtbot.waitUntil(lambda: bool(dog.blocks))
    dog.stop()
    assert dog.blocks[0] >= 150
    assert any("GUI thread blocked" in r.message and "(test)" in r.message
               for r in caplog.records)


def test_status_bar_follows_the_sync_engine_from_its_thread(qtbot, window):
    bar = window.status
    assert bar.connection.text() == "● Offline"
    at = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    t = threading.Thread(target=lambda: [bar.publish(SyncState(online=True, last_success=at,
                                                               waiting=n)) for n in (5, 4, 3)])
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bar.connection.text() == "● Online")
    assert bar.waiting.text() == "Waiting to sync: 3"
    assert bar.last_sync.text() == "Last sync: 11-24 14:30"  # Shanghai time
    bar.publish(SyncState(online=False, last_success=at, waiting=3, message="timed out"))
    qtbot.waitUntil(lambda: bar.connection.text() == "● Offline")
    bar.publish_printer(PrinterState("paper_out", "out of paper", 1))
    qtbot.waitUntil(lambda: "out of paper" in bar.printer_label.text())
    assert "1 receipts waiting" in bar.printer_label.text()


def test_wrong_pin_then_login_then_lock_and_unlock(qtbot, window):
    qtbot.keyClicks(window.login.code, "S002", delay=60)
    qtbot.waitUntil(lambda: window.login.code.text() == "S002")
    pin_pad(qtbot, window.login.pad, "9999")
    idle(qtbot, window)
    assert window.current_name() == "login"
    assert "Wrong PIN: 4 more tries" in window.login.message.text()
    login(qtbot, window)
    assert window.status.staff.text().startswith("李晓红")
    qtbot.keyClick(window.checkout.entry, Qt.Key.Key_F12)
    assert window.current_name() == "lock"
    pin_pad(qtbot, window.lock.pad, "0000")
    idle(qtbot, window)
    assert window.current_name() == "lock" and window.lock.message.kind == "error"
    pin_pad(qtbot, window.lock.pad, "1357")
    idle(qtbot, window)
    assert window.current_name() == "checkout"
    qtbot.keyClick(window.checkout.entry, Qt.Key.Key_F12)
    click(qtbot, window.lock.sign_out_button)
    assert window.current_name() == "login" and window.env.staff is None


def test_crash_hook_logs_and_keeps_running(qtbot, caplog):
    from pos_member.ui.app import CrashHook

    hook = CrashHook()
    hook.show_dialog = True
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            hook(type(exc), exc, exc.__traceback__)
    assert hook.count == 1 and "boom" in caplog.text
    box = None

    def shown():
        nonlocal box
        box = next((w for w in QApplication.topLevelWidgets()
                    if w.isVisible() and w.windowTitle() == "Something went wrong"), None)
        return box is not None

    qtbot.waitUntil(shown)
    assert "Nothing that was saved is lost" in box.text()
    box.close()


def test_help_lists_the_shortcuts(qtbot, window):
    login(qtbot, window)
    qtbot.keyClick(window.checkout.entry, Qt.Key.Key_F1)
    box = modal(qtbot, "help_box")
    text = box.text()
    for key in ("F2", "F9", "F12", "Del"):
        assert key in text
    box.close()


def test_none_survives_many_void_qt_calls(qtbot):
    """PySide6 6.12 on CPython 3.11 returns None from void methods without a reference; the
    guard in pos_member.ui keeps None alive (see pos_member/ui/_none_guard.py)."""
    import sys

    from PySide6.QtWidgets import QLabel

    import pos_member.ui  # noqa: F401 - applies the guard
    from pos_member.ui import _none_guard

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(100_000):
        label.setText("x")
    assert sys.getrefcount(None) > 1_000_000
    if sys.version_info < (3, 12):
        assert _none_guard._applied
        assert before - sys.getrefcount(None) >= 0  # (the bug may be fixed one day: fine)


def test_window_first_start_takes_a_pin_typed_before_the_till_is_open(qtbot, till, tmp_path):
    """The launcher's order: the login screen first, the till opened by an op on the worker,
    the other screens built in stages; a PIN typed in between is checked after the open."""
    import threading

    from pos_member.ui.main_window import MainWindow

    w = MainWindow(None, tmp_path, language="en")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    gate = threading.Event()
    assert w.env.ctx is None and "checkout" not in w.screens

    def open_the_till():  # what launcher.open_the_till does, held until the PIN is in
        gate.wait(5)
        w.env.ctx = till.ctx
        return till

    try:
        Op(open_the_till).success(lambda t: w.attach(t.ctx, staged=True)).run(w.worker)
        w.login.code.setText("S002")
        pin_pad(qtbot, w.login.pad, "1357")  # queued behind the open
        gate.set()
        qtbot.waitUntil(lambda: w.is_ready and "checkout" in w.screens)
        modal(qtbot, "open_shift_dialog").reject()
        qtbot.waitUntil(lambda: w.current_name() == "checkout")
        assert w.env.staff is not None and w.env.staff.id == "S002"
    finally:
        w.shutdown()
