"""No two actions of one window share a key sequence: the checkout screen (with the main
window's own keys: lock, language) and the payment dialog, each as a cashier sees it. A key
bound twice fires one action at random, or neither (Qt's "ambiguous shortcut")."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QWidget

from pos_member.domain import demo_brand

from .conftest import click, idle, login, modal, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def _reachable(obj, root: QWidget) -> bool:
    """The binding is live while ``root`` is shown: its widget is enabled and not hidden
    inside ``root`` (a hidden page of a stack, another screen, does not count)."""
    w = obj if isinstance(obj, QWidget) else obj.parent()
    while isinstance(w, QWidget):
        if w is root:
            return True
        if w.isHidden():
            return False
        w = w.parentWidget()
    return True  # bound on an ancestor window of root (the main window's keys)


def _all_bindings(window: QWidget, root: QWidget) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}

    def add(seq: QKeySequence, what: str) -> None:
        for i in range(seq.count()):
            text = QKeySequence(seq[i]).toString()
            if text:
                keys.setdefault(text, []).append(what)

    for top in {window, root}:
        for sc in top.findChildren(QShortcut):
            if sc.isEnabled() and _reachable(sc, root):
                add(sc.key(), f"QShortcut {sc.parent().objectName() or type(sc.parent()).__name__}")
        for act in top.findChildren(QAction):
            if act.isEnabled() and not act.shortcut().isEmpty() and _reachable(act, root):
                add(act.shortcut(), f"QAction {act.text() or act.objectName()}")
        for b in top.findChildren(QAbstractButton):
            if not b.shortcut().isEmpty() and b.isEnabled() and _reachable(b, root):
                add(b.shortcut(), f"button {b.objectName() or b.text()}")
    return keys


def _bindings(window: QWidget, root: QWidget) -> dict[str, list[str]]:
    """The key sequences bound more than once."""
    return {k: v for k, v in _all_bindings(window, root).items() if len(v) > 1}


def test_no_two_actions_of_the_checkout_screen_share_a_key(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window)
    keys = _all_bindings(window, co)
    for key in ("F12", "Ctrl+B", "Ctrl+H", "Ctrl+R"):  # lock, benefits, hold, recall
        assert key in keys, sorted(keys)
    clashes = _bindings(window, co)
    assert not clashes, clashes


def test_no_two_actions_of_the_payment_dialog_share_a_key(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window)
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    idle(qtbot, window)
    keys = _all_bindings(pay, pay)
    # cash, card, ..., F6 the member's stored value (储值), F7/F8 the platform vouchers
    for key in ("Esc", "F6", "F7", "F8"):
        assert key in keys, sorted(keys)
    clashes = _bindings(pay, pay)
    assert not clashes, clashes
