"""A cashier takes a 美团 group-buy voucher in the payment dialog, as at the counter: types the
voucher's code, presses 美团, sees what it covers, uses it, pays the rest in cash. The real
central service on 127.0.0.1 verifies it with the simulated platform in its own process. And
the same with the central service unreachable: refused, nothing taken."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from pos_central.cross_channel_models import VoucherVerification
from pos_member.domain import demo_brand
from pos_member.store.models import Payment, Sale, VoucherUse
from pos_member.sync.online import OnlineClient, OnlineGateway
from tests.central.platform_sim import platform, platform_simulator  # noqa: F401
from tests.central.server_fixture import central_database_kind, central_server  # noqa: F401

from .conftest import click, idle, login, modal, scan, shot

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def _gateway(till, url: str, token: str) -> OnlineGateway:
    return OnlineGateway(till.ctx.sessions, client=OnlineClient(url, token,
                                                                read_timeout=20.0))


def _basket(qtbot, window):
    co = window.checkout
    for sku in ("C002", "C002", "R001"):
        scan(qtbot, co.entry, BARCODE[sku])
        idle(qtbot, window)
    return co


def test_cashier_scans_a_meituan_voucher_and_pays_the_rest_in_cash(qtbot, window, till,
                                                                     central_server, platform):  # noqa: F811
    terminal = central_server.enrol(store_id="demo-store")
    window.env.online_gateway = _gateway(till, central_server.base_url, terminal.token)
    code = platform.voucher("meituan", value_fen=8800, paid_fen=5990, title="双人下午茶套餐")
    login(qtbot, window)
    co = _basket(qtbot, window)
    total = co.sale.pricing.total
    assert total > 8800
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    qtbot.keyClicks(pay.reference, code, delay=60)  # typed as printed on the voucher
    pay.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is pay)
    qtbot.keyClick(pay.reference, Qt.Key.Key_F7)  # 美团
    qtbot.waitUntil(lambda: pay.vouchers.use.isVisible(), timeout=15000)
    assert "双人下午茶套餐" in pay.vouchers.info.text()
    assert "¥88.00" in pay.vouchers.info.text() and "¥59.90" in pay.vouchers.info.text()
    assert platform.state(code)["verifications"] == 0  # shown, not used yet
    shot(pay, "voucher_prepared_en")
    click(qtbot, pay.vouchers.use)
    qtbot.waitUntil(lambda: pay.payment.remaining == total - 8800, timeout=15000)
    assert [t.kind for t in pay.payment.tenders] == ["meituan"]
    assert pay.payment.tenders[0].reference == code
    assert platform.state(code)["verifications"] == 1
    click(qtbot, pay.tender_buttons["cash"])  # the rest, exact
    click(qtbot, pay.finish)
    modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    with till.session() as s:
        sale = s.scalars(select(Sale)).one()
        pays = {p.tender: (p.amount_fen, p.reference) for p in
                s.scalars(select(Payment).where(Payment.sale_id == sale.id))}
        assert pays["meituan"] == (8800, code) and pays["cash"][0] == total - 8800
        use = s.scalars(select(VoucherUse)).one()
        assert (use.code, use.sale_id, use.status) == (code, sale.id, "verified")
    with central_server.read() as s:
        row = s.get(VoucherVerification, use.key)
        assert row.status == "verified" and row.sale_id == sale.id


def test_a_voucher_taken_off_again_is_released(qtbot, window, till, central_server, platform):  # noqa: F811
    terminal = central_server.enrol(store_id="demo-store")
    window.env.online_gateway = _gateway(till, central_server.base_url, terminal.token)
    code = platform.voucher("douyin", value_fen=2000, code=f"7{uuid.uuid4().int % 10**11:011d}")
    login(qtbot, window)
    co = _basket(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    scan(qtbot, pay.reference, code)  # the voucher's QR code, a scanner burst
    qtbot.waitUntil(lambda: pay.reference.text() == code)
    click(qtbot, pay.vouchers.buttons["douyin"])
    qtbot.waitUntil(lambda: pay.vouchers.use.isVisible(), timeout=15000)
    click(qtbot, pay.vouchers.use)
    qtbot.waitUntil(lambda: len(pay.payment.tenders) == 1, timeout=15000)
    click(qtbot, pay.undo)  # the customer keeps the voucher for another day
    qtbot.waitUntil(lambda: platform.state(code)["status"] == "unused", timeout=15000)
    idle(qtbot, window)
    with till.session() as s:
        assert s.scalars(select(VoucherUse)).one().status == "cancelled"


def test_offline_the_voucher_is_refused_and_nothing_is_taken(qtbot, window, till):
    window.env.online_gateway = _gateway(till, "http://127.0.0.1:9", "token")  # nobody there
    login(qtbot, window)
    co = _basket(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    qtbot.keyClicks(pay.reference, "MT0000000001", delay=60)
    click(qtbot, pay.vouchers.buttons["meituan"])
    qtbot.waitUntil(lambda: "cannot be verified" in pay.message.text(), timeout=15000)
    assert pay.payment.tenders == [] and not pay.vouchers.use.isVisible()
    shot(pay, "voucher_offline_en")
