"""The status bar follows the real sync engine: online against the real central service,
offline when the service goes away (the sale is kept and waits), online again when it is back
and the waiting sale is delivered."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

from PySide6.QtWidgets import QApplication

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.sync.enrolment import enrol
from pos_member.sync.token_store import TokenStore
from tests.central.server_fixture import (  # noqa: F401 (fixtures)
    central_database_kind, central_server,
)
from tests.services.support import make_till

from .conftest import idle, login


def test_status_bar_goes_offline_and_back(qtbot, tmp_path, central_server, monkeypatch):
    from pos_member.sync import enrolment, engine as engine_mod
    from pos_member.ui.app import apply_look
    from pos_member.ui.main_window import MainWindow

    till = make_till(tmp_path)
    store = TokenStore("ui-till", tmp_path, use_keyring=False)
    # The application builds its engine with the default token store: point it at ours.
    monkeypatch.setattr(enrolment, "token_store_for", lambda _sessions: store)
    monkeypatch.setattr(engine_mod, "token_store_for", lambda _sessions: store, raising=False)
    enrol(till.ctx, central_server.base_url, central_server.enrol_code(), "UI till",
          token_store=store)

    apply_look(QApplication.instance())
    w = MainWindow(till.ctx, tmp_path, language="en", printer=False, sync=True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        qtbot.waitUntil(lambda: w.sync_engine is not None, timeout=10000)
        qtbot.waitUntil(lambda: w.status.sync.online, timeout=20000)
        qtbot.waitUntil(lambda: "Online" in w.status.connection.text())  # redraws coalesce

        central_server.stop()
        login(qtbot, w)
        sale = checkout(till.ctx, CheckoutRequest(
            str(uuid.uuid4()), till.login("S002", "1357"), (CartLine("C002", D(1)),),
            (Tender("cash", 2800),)))
        w.sync_engine.wake(force=True)
        qtbot.waitUntil(lambda: not w.status.sync.online, timeout=20000)
        qtbot.waitUntil(lambda: "Offline" in w.status.connection.text())
        qtbot.waitUntil(lambda: (w.status.sync.waiting or 0) >= 1, timeout=10000)

        central_server.start()
        w.sync_engine.wake(force=True)
        qtbot.waitUntil(lambda: w.status.sync.online and w.status.sync.waiting == 0,
                        timeout=30000)
        with central_server.read() as db:
            from sqlalchemy import text

            assert db.execute(text("SELECT count(*) FROM sales WHERE id = :i"),
                              {"i": sale.sale_id}).scalar_one() == 1
        idle(qtbot, w)
    finally:
        w.shutdown()
