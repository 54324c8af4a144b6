"""Order-number activation at the counter, driven like a cashier: F4 (join), "Online order
number", the order number and phone typed, Activate; the member is on the sale with the
welcome coupon, against the real central service. The same order a second time is refused."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from sqlalchemy import select

from pos_central.activation import import_orders
from pos_member.store.models import Coupon, Member
from pos_member.sync.online import OnlineClient, OnlineGateway
from tests.central.server_fixture import central_database_kind, central_server  # noqa: F401

from .conftest import activate, click, gone, idle, login, modal, shot


def _open_activation(qtbot, window):
    activate(qtbot, window)
    qtbot.keyClick(window.checkout.entry, Qt.Key.Key_F4)
    reg = modal(qtbot, "registration_dialog")
    click(qtbot, reg.online_order)
    return reg, modal(qtbot, "activation_dialog")


def test_join_with_an_online_order_number_once(qtbot, window, till, central_server):  # noqa: F811
    terminal = central_server.enrol(store_id="demo-store")
    window.env.online_gateway = OnlineGateway(
        till.ctx.sessions, client=OnlineClient(central_server.base_url, terminal.token))
    order_no = "TB" + uuid.uuid4().hex[:10].upper()
    phone = "139" + str(uuid.uuid4().int)[:8]
    with central_server.write() as s:
        assert import_orders(s, f"order_no,phone,amount\n{order_no},{phone},128.00\n"
                             ).imported == 1
    login(qtbot, window)
    reg, dialog = _open_activation(qtbot, window)
    qtbot.keyClicks(dialog.order, order_no, delay=60)
    qtbot.keyClicks(dialog.phone, phone, delay=60)
    qtbot.keyClicks(dialog.name, "Online Li", delay=60)
    shot(dialog, "activation_dialog_en")
    click(qtbot, dialog.ok)
    qtbot.waitUntil(lambda: gone(dialog) and gone(reg), timeout=15000)
    idle(qtbot, window)
    co = window.checkout
    qtbot.waitUntil(lambda: co.sale.member is not None, timeout=10000)
    with till.session() as s:
        member = s.scalars(select(Member).where(Member.phone == phone)).one()
        assert member.id == co.sale.member_id and member.name == "Online Li"
        coupon = s.get(Coupon, f"WEL-{order_no}")
        assert coupon is not None and coupon.value_fen == 2000 and coupon.member_id == member.id
    assert "WEL-" in co.message.text()

    reg, dialog = _open_activation(qtbot, window)
    qtbot.keyClicks(dialog.order, order_no, delay=60)
    qtbot.keyClicks(dialog.phone, phone, delay=60)
    click(qtbot, dialog.ok)
    qtbot.waitUntil(lambda: "one order activates once" in dialog.message.text(), timeout=15000)
    assert dialog.isVisible()
    shot(dialog, "activation_used_twice_en")
