"""The manager's reconciliation screen names the trust-boundary conflicts in the manager's
language: an event the service rejected (parked on the till) and a refund beyond its sale."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_member.store.db import transaction
from pos_member.store.models import SyncConflict

from .conftest import idle, login


def test_rejected_events_and_excess_refunds_are_named(qtbot, window, till):
    login(qtbot, window, code="S001", pin="2468")
    with transaction(till.ctx.sessions) as s:
        s.add(SyncConflict(event_id=str(uuid.uuid4()), kind="event_rejected",
                           detail={"message": "This terminal is enrolled for store S001; the "
                                              "event is for store S999.",
                                   "code": "foreign_store", "field": "payload.store_id"},
                           created_at=till.clock.now))
        s.add(SyncConflict(event_id=str(uuid.uuid4()), kind="refund_exceeds_sale",
                           detail={"message": "Refund RF1 goes beyond what is left of its sale",
                                   "excess": {"amount_fen": 1800}},
                           created_at=till.clock.now))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F8,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "reconcile")
    screen = window.reconcile_screen
    idle(qtbot, window)
    qtbot.waitUntil(lambda: screen.conflicts.rowCount() == 2)
    labels = {screen.conflicts.item(i, 1).text() for i in range(2)}
    assert labels == {"Rejected by the service (not applied)", "Refund beyond its sale"}
    window.language.set_language("zh_CN")
    QApplication.processEvents()
    labels = {screen.conflicts.item(i, 1).text() for i in range(2)}
    assert labels == {"被总部拒绝（未入账）", "退款超出原销售"}
