"""The keyboard-wedge scanner on a busy machine: bursts are told from typing by the key events'
own timestamps (the window system's clock), not by when the GUI thread gets to them, and a
field that expects a PIN never feeds the scanner."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from pos_member.security.keys import generate_key_pair
from pos_member.security.member_codes import issue_dynamic_code
from pos_member.services.errors import ApprovalNeeded
from pos_member.ui.scanner import CodeKind, WedgeScanner, mark_pin_field
from pos_member.ui.worker import Op

from .conftest import gone, login, modal

STALL_S = 0.3  # the GUI thread does something slow mid-burst
KEY_MS = 8     # a wedge scanner's key interval by its own (the window system's) clock


def member_code() -> str:
    private, _public = generate_key_pair()
    return issue_dynamic_code(private, "k1", "M-0000001", datetime.now(UTC))


def key_event(ch: str, stamp: int) -> QKeyEvent:
    if ch == "\r":
        ev = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier,
                       "\r")
    else:
        shift = Qt.KeyboardModifier.ShiftModifier if ch.isupper() else \
            Qt.KeyboardModifier.NoModifier
        ev = QKeyEvent(QEvent.Type.KeyPress, ord(ch.upper()), shift, ch)
    ev.setTimestamp(stamp)
    return ev


def post_keys(widget, text: str, first_stamp: int, step_ms: int) -> int:
    """Queue key presses as the window system would (each with its own timestamp); returns the
    next key's timestamp."""
    stamp = first_stamp
    for ch in text:
        QApplication.postEvent(widget, key_event(ch, stamp))
        stamp += step_ms
    return stamp


@pytest.fixture
def field(qtbot):
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    edit.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
    return edit


@pytest.fixture
def scanner(qtbot):
    s = WedgeScanner()
    s.install()
    yield s
    s.uninstall()


@pytest.mark.parametrize("timer_first", [False, True],
                         ids=["keys-before-timer", "timer-before-keys"])
def test_burst_split_by_a_stalled_gui_thread_is_one_scan(qtbot, field, scanner, timer_first):
    code = member_code()
    assert len(code) > 20
    got = []
    scanner.scanned.connect(got.append)
    half = len(code) // 2
    start = 1_000_000
    next_stamp = post_keys(field, code[:half], start, KEY_MS)

    def rest() -> None:
        post_keys(field, code[half:] + "\r", next_stamp, KEY_MS)

    def stall() -> None:
        # the scanner kept typing while the GUI thread was busy: its keys wait in the queue,
        # and the scanner's own gap timer has long expired when the loop comes back
        time.sleep(STALL_S)
        if timer_first:
            QTimer.singleShot(0, rest)  # the expired gap timer runs before the keys arrive
        else:
            rest()

    QTimer.singleShot(0, stall)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    qtbot.wait(100)
    assert [(s.kind, s.text) for s in got] == [(CodeKind.MEMBER, code)]
    assert field.text() == ""  # no key of the burst leaked into the field


def test_typing_delivered_in_a_late_clump_stays_typing(qtbot, field, scanner):
    """Keys a person typed 150 ms apart, delivered together after a stall: typing, not a scan,
    and the Enter goes to the field."""
    entered = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    with qtbot.assertNotEmitted(scanner.scanned, wait=200):
        post_keys(field, "6900000000017\r", 5_000_000, 150)
        qtbot.waitUntil(lambda: bool(entered), timeout=3000)
    assert entered == ["6900000000017"]


def test_keys_without_timestamps_fall_back_to_the_arrival_clock(qtbot, field, scanner):
    got = []
    scanner.scanned.connect(got.append)
    qtbot.keyClicks(field, "6900000000017")  # QTest sends timestamp 0: arrival times decide
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert [s.text for s in got] == ["6900000000017"] and field.text() == ""
    with qtbot.assertNotEmitted(scanner.scanned, wait=100):
        qtbot.keyClicks(field, "4321", delay=60)
        qtbot.keyClick(field, Qt.Key.Key_Return, delay=60)
    assert field.text() == "4321"


@pytest.mark.parametrize("kind", ["password", "marked"])
def test_a_pin_field_never_feeds_the_scanner(qtbot, field, scanner, kind):
    if kind == "password":
        field.setEchoMode(QLineEdit.EchoMode.Password)
    else:
        mark_pin_field(field)
    entered = []
    field.returnPressed.connect(lambda: entered.append(field.text()))
    with qtbot.assertNotEmitted(scanner.scanned, wait=100):
        qtbot.keyClicks(field, "246813")  # as fast as a scanner
        qtbot.keyClick(field, Qt.Key.Key_Return)
        post_keys(field, "97\r", 9_000_000, 2)
        qtbot.waitUntil(lambda: len(entered) == 2)
    assert entered == ["246813", "24681397"]


def test_pin_typed_fast_after_tab_in_the_approval_dialog(qtbot, window):
    """The manager types the staff code, Tab, the PIN and Enter at full speed: the PIN goes to
    the PIN field; a wrong one is denied, the right one approves."""
    login(qtbot, window)
    calls, done = [], []
    scans = []
    window.scanner.scanned.connect(scans.append)

    def protected(approval=None):
        calls.append(approval)
        if approval is None or approval.pin != "2468":
            raise ApprovalNeeded("void needs a manager's approval", action="void_line",
                                 code="approval_needed" if approval is None else "wrong_pin")
        return approval.login_code

    Op(protected).with_approval(window, "Remove a line").success(done.append).run(window.worker)

    def type_approval(pin: str):
        dialog = modal(qtbot, "approval_dialog")
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.code)
        dialog.code.clear()  # after a refused PIN the same dialog is asked again
        qtbot.keyClicks(dialog.code, "S001")
        qtbot.keyClick(dialog.code, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is dialog.pad.field
        qtbot.keyClicks(dialog.pad.field, pin)
        qtbot.keyClick(dialog.pad.field, Qt.Key.Key_Return)
        return dialog

    first = type_approval("1111")
    qtbot.waitUntil(lambda: first.message.kind == "error")  # denied: the wrong PIN was tried
    assert modal(qtbot, "approval_dialog") is first  # asked again in the same dialog
    first.code.setFocus()
    type_approval("2468")
    qtbot.waitUntil(lambda: done == ["S001"])
    assert [getattr(a, "pin", None) for a in calls] == [None, "1111", "2468"]
    assert scans == []


def test_member_code_scanned_while_the_checkout_stalls(qtbot, window, till):
    """End to end: the checkout identifies the member although the GUI thread stalled 300 ms in
    the middle of the burst."""
    login(qtbot, window)
    co = window.checkout
    code = till.dynamic_code("gold")
    half = len(code) // 2
    next_stamp = post_keys(co.entry, code[:half], 2_000_000, KEY_MS)

    def stall() -> None:
        time.sleep(STALL_S)
        post_keys(co.entry, code[half:] + "\r", next_stamp, KEY_MS)

    QTimer.singleShot(0, stall)
    qtbot.waitUntil(lambda: co.sale.member is not None, timeout=5000)
    assert co.sale.member.id == till.members["gold"] and co.sale.via == "dynamic_code"
    assert co.entry.text() == ""
