"""Screenshots of the shift, refund, reconciliation and settings screens and their dialogs in
both languages, with data on them (saved under test-output/screenshots, looked at by people);
and a check that no visible text on them is left in English after switching to Chinese."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal as D

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.staff import Approval

from .conftest import idle, login, modal, shot

MANAGER = Approval("S001", "2468")
# Words that stay as they are in Chinese: codes, keys, units, names from the data.
_ALLOWED = re.compile(r"^(X|Z|CSV|Esc|Ctrl|F\d+|P|kg|mm|gb\d+|English|USB|¥|\d+|jiao)$")


def _english_words(widget) -> list[str]:
    found = []
    for w in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton):
        if not w.isVisible():
            continue
        for word in re.findall(r"[A-Za-z]{2,}", w.text()):
            if not _ALLOWED.match(word):
                found.append(f"{w.objectName() or type(w).__name__}: {word}")
    return found


def test_every_manager_screen_in_both_languages(qtbot, window, till):
    login(qtbot, window, code="S001", pin="2468")
    staff = window.env.staff
    sale = checkout(till.ctx, CheckoutRequest(
        str(uuid.uuid4()), staff, (CartLine("C002", D(2)), CartLine("W001", D("0.25"))),
        (Tender("cash", 12240, tendered=20000),), member_id=till.members["gold"]))
    checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), staff, (CartLine("C002", D(1)),),
                                       (Tender("alipay", 2800),)))
    for language in ("en", "zh_CN"):
        window.language.set_language(language)
        QApplication.processEvents()
        suffix = "en" if language == "en" else "zh"
        for name in ("shifts", "refund", "reconcile", "settings"):
            window.show_screen(name)
            idle(qtbot, window)
            if name == "refund":
                window.refund_screen.open_code(sale.receipt_no)
                idle(qtbot, window)
                qtbot.waitUntil(lambda: window.refund_screen.detail is not None)
            QApplication.processEvents()
            shot(window, f"screen_{name}_{suffix}")
            if language == "zh_CN":
                screen = window.current_screen()
                leftovers = [w for w in _english_words(screen)
                             if not w.startswith(("settings_info", "refund_sale_header",
                                                  "message", "scan_"))]
                assert not leftovers, f"{name}: {leftovers}"
        # the dialogs
        window.show_screen("shifts")
        idle(qtbot, window)
        screen = window.shifts_screen
        screen.movement("paid_in")
        dialog = modal(qtbot, "cash_movement_dialog")
        shot(dialog, f"dialog_paid_in_{suffix}")
        dialog.reject()
        screen.close_shift()
        dialog = modal(qtbot, "blind_count_dialog")
        shot(dialog, f"dialog_blind_count_{suffix}")
        if language == "zh_CN":
            assert not _english_words(dialog), _english_words(dialog)
        dialog.reject()
        idle(qtbot, window)
    window.language.set_language("en")
