"""Every dialog the screen-fit walk opens, in one place (docs/ui.md, "Screens that fit").

Screens need no entry: the walk shows every screen registered in ``window.screens``. A dialog
is an entry here: ``(name, class name, opener)``; the opener gets ``(qtbot, window, till)``
with a manager signed in on the checkout (a basket with a member on it) and returns the
dialog once it is open; the walk checks every window then on screen, saves a screenshot and
closes the dialogs. Openers run in this order, so one may rely on what an earlier one left
(the sale paid in ``payment`` is the one ``sale_done`` shows).

A dialog class that the walk cannot reach goes into ``NOT_WALKED`` with where it is checked
instead. ``test_screen_fit.py::test_every_dialog_is_in_the_catalogue`` fails for a QDialog
subclass of ``pos_member.ui`` that is in neither, so a new dialog is checked too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.domain import demo_brand

from .conftest import click, idle, modal, pin_pad, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}
WAIT = 20_000  # ms: the machine running the walk may be busy


def activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)


def _key(qtbot, window, key) -> None:
    activate(qtbot, window)
    qtbot.keyClick(window.checkout.entry, key)


def product_search(qtbot, window, till):
    _key(qtbot, window, Qt.Key.Key_F3)
    dialog = modal(qtbot, "product_search_dialog", timeout=WAIT)
    qtbot.keyClicks(dialog.field, "nt", delay=60)
    idle(qtbot, window, timeout=WAIT)
    return dialog


def lookup(qtbot, window, till):
    _key(qtbot, window, Qt.Key.Key_F2)
    dialog = modal(qtbot, "lookup_dialog", timeout=WAIT)
    pin_pad(qtbot, dialog.pad, "2222")
    idle(qtbot, window, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.results.count() == 2, timeout=WAIT)
    return dialog


def registration(qtbot, window, till):
    _key(qtbot, window, Qt.Key.Key_F4)
    dialog = modal(qtbot, "registration_dialog", timeout=WAIT)
    dialog.phone.setText("13612345678")
    dialog.name.setText("周敏")
    return dialog


def coupon_code(qtbot, window, till):
    _key(qtbot, window, Qt.Key.Key_F6)
    return modal(qtbot, "code_dialog", timeout=WAIT)


def quantity(qtbot, window, till):
    window.checkout.table.selectRow(0)
    window.checkout.ask_qty()
    return modal(qtbot, "qty_dialog", timeout=WAIT)


def weight(qtbot, window, till):
    activate(qtbot, window)
    scan(qtbot, window.checkout.entry, BARCODE["W001"])
    idle(qtbot, window, timeout=WAIT)
    return modal(qtbot, "weight_dialog", timeout=WAIT)


def reason(qtbot, window, till):
    window.checkout.table.selectRow(0)
    window.checkout.remove_line()
    return modal(qtbot, "reason_dialog", timeout=WAIT)


def approval(qtbot, window, till):
    from pos_member.services.errors import ApprovalNeeded
    from pos_member.ui.dialogs import ApprovalDialog

    need = ApprovalNeeded("a manager must approve", action="void", amount_fen=2800)
    dialog = ApprovalDialog(window, need, window.tr("Void the sale"))
    dialog.open()
    return modal(qtbot, "approval_dialog", timeout=WAIT)


def member_history(qtbot, window, till):
    click(qtbot, window.checkout.member_panel.history_button)
    dialog = modal(qtbot, "member_history_dialog", timeout=WAIT)
    idle(qtbot, window, timeout=WAIT)
    return dialog


def member_edit(qtbot, window, till):
    history = member_history(qtbot, window, till)
    click(qtbot, history.edit_button)
    return modal(qtbot, "member_edit_dialog", timeout=WAIT)


def payment(qtbot, window, till):
    activate(qtbot, window)
    click(qtbot, window.checkout.pay_button)
    dialog = modal(qtbot, "payment_dialog", timeout=WAIT)
    dialog.pad.field.setText("10")
    click(qtbot, dialog.tender_buttons["alipay"])
    return dialog


def sale_done(qtbot, window, till):
    pay = payment(qtbot, window, till)
    pay.pad.field.setText("500")
    click(qtbot, pay.tender_buttons["cash"])
    click(qtbot, pay.finish)
    done = modal(qtbot, "sale_done_dialog", timeout=WAIT)
    idle(qtbot, window, timeout=WAIT)
    qtbot.waitUntil(lambda: done.preview.pixmap() is not None
                    and not done.preview.pixmap().isNull(), timeout=WAIT)
    return done


def recall(qtbot, window, till):
    co = window.checkout
    activate(qtbot, window)
    scan(qtbot, co.entry, BARCODE["C004"])
    idle(qtbot, window, timeout=WAIT)
    click(qtbot, co.held.hold_button)
    idle(qtbot, window, timeout=WAIT)
    click(qtbot, co.held.recall_button)
    dialog = modal(qtbot, "recall_dialog", timeout=WAIT)
    idle(qtbot, window, timeout=WAIT)
    return dialog


def help_box(qtbot, window, till):
    window.show_help()
    return modal(qtbot, "help_box", timeout=WAIT)


def cash_movement(qtbot, window, till):
    window.show_screen("shifts")
    idle(qtbot, window, timeout=WAIT)
    window.shifts_screen.movement("paid_in")
    return modal(qtbot, "cash_movement_dialog", timeout=WAIT)


def blind_count(qtbot, window, till):
    window.show_screen("shifts")
    idle(qtbot, window, timeout=WAIT)
    window.shifts_screen.close_shift()
    return modal(qtbot, "blind_count_dialog", timeout=WAIT)


def damaged(qtbot, window, till):
    from pathlib import Path

    from pos_member.ui.damaged_dialog import DamagedDatabaseDialog

    backup = Path(window.env.data_dir) / "backups" / "till-2026-12-02.db"
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_bytes(b"")
    dialog = DamagedDatabaseDialog(window, "corrupt", "database disk image is malformed",
                                   backup)
    dialog.open()
    return modal(qtbot, "damaged_database", timeout=WAIT)


def recharge(qtbot, window, till):
    click(qtbot, window.checkout.member_panel.recharge_button)
    dialog = modal(qtbot, "recharge_dialog", timeout=WAIT)
    idle(qtbot, window, timeout=WAIT)
    return dialog


def activation(qtbot, window, till):
    from pos_member.ui.activation_dialog import ActivationDialog

    dialog = ActivationDialog(window, window.env, "13612345678")
    dialog.open()
    return modal(qtbot, "activation_dialog", timeout=WAIT)


def benefits(qtbot, window, till):
    click(qtbot, window.checkout.benefits.button)
    dialog = modal(qtbot, "benefits_dialog", timeout=WAIT)
    idle(qtbot, window, timeout=WAIT)
    return dialog


# (name, dialog class, opener): see the module docstring
DIALOGS = [
    ("product_search", "ProductSearchDialog", product_search),
    ("lookup", "MemberLookupDialog", lookup),
    ("registration", "RegistrationDialog", registration),
    ("coupon_code", "CodeDialog", coupon_code),
    ("quantity", "AmountDialog", quantity),
    ("weight", "WeightDialog", weight),
    ("reason", "ReasonDialog", reason),
    ("approval", "ApprovalDialog", approval),
    ("member_history", "MemberHistoryDialog", member_history),
    ("member_edit", "MemberEditDialog", member_edit),
    ("payment", "PaymentDialog", payment),
    ("sale_done", "SaleDoneDialog", sale_done),
    ("recall", "RecallDialog", recall),
    ("help", "QMessageBox", help_box),
    ("cash_movement", "CashMovementDialog", cash_movement),
    ("blind_count", "BlindCountDialog", blind_count),
    ("damaged_database", "DamagedDatabaseDialog", damaged),
    ("recharge", "RechargeDialog", recharge),
    ("activation", "ActivationDialog", activation),
    ("benefits", "BenefitsDialog", benefits),
]

# dialog classes the walk does not open, and where their layout is checked instead
NOT_WALKED = {
    "DecimalPadDialog": "the base of AmountDialog and WeightDialog (both walked)",
    "FirstRunWizard": "shown before a main window exists: tests/ui/test_first_run.py "
                      "screenshots every page",
}
