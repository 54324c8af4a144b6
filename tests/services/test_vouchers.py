"""Group-buy vouchers at the till: the earning rule (growth yes, points no on the voucher
part), verification through the real central service and the simulated platform, the undo on a
full refund (and its record when the window has passed), and offline refusal."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from pos_member.domain.vouchers import points_after_vouchers
from pos_member.services import vouchers as sv
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.refunds import refund_sale
from pos_member.services.staff import Approval
from pos_member.store.models import VoucherUse
from pos_member.sync.online import OnlineClient, OnlineGateway
from tests.central.platform_sim import platform, platform_simulator  # noqa: F401
from tests.central.server_fixture import central_database_kind, central_server  # noqa: F401

MANAGER = Approval("S001", "2468")


@given(points=st.integers(0, 10**6), total=st.integers(0, 10**9), share=st.integers(0, 10**9))
def test_points_after_vouchers_never_exceed_and_fall_with_the_share(points, total, share):
    got = points_after_vouchers(points, total, share)
    assert 0 <= got <= points
    assert points_after_vouchers(points, total, share, points_on_vouchers=True) == points
    if share >= total and share > 0:  # all paid with vouchers
        assert got == 0
    if share == 0:
        assert got == points
    assert points_after_vouchers(points, total, min(share, total) // 2) >= got


def test_a_voucher_sale_earns_growth_on_all_and_points_on_the_money(till, cashier, shift):
    member = till.members["regular"]
    plain = checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier,
                                               (CartLine("C002", D(4)),),
                                               (Tender("cash", 11200),), member_id=member))
    mixed = checkout(till.ctx, CheckoutRequest(
        str(uuid.uuid4()), cashier, (CartLine("C002", D(4)),),
        (Tender("meituan", 5600, reference="MT0000009999"), Tender("cash", 5600)),
        member_id=member))
    assert plain.pricing.points_earned > 0
    assert mixed.pricing.growth_earned == plain.pricing.growth_earned
    assert mixed.pricing.points_earned == plain.pricing.points_earned * 5600 // 11200
    with pytest.raises(Exception, match="voucher needs its code"):
        checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, (CartLine("C002", D(1)),),
                                           (Tender("douyin", 2800),)))


def test_offline_a_voucher_is_refused():
    with pytest.raises(sv.VoucherOffline, match="cannot be verified offline"):
        sv.prepare_voucher(None, "meituan", "MT0000000001")
    with pytest.raises(sv.InvalidInput, match="4 to 64"):
        sv.prepare_voucher(None, "meituan", "x")


def _sell_with_voucher(till, cashier, gateway, code, value):
    info = sv.prepare_voucher(gateway, "meituan", code)
    assert info.value_fen == value
    sale_id = str(uuid.uuid4())
    sv.verify_voucher(till.ctx, gateway, info, None, sale_id)
    checkout(till.ctx, CheckoutRequest(sale_id, cashier, (CartLine("C002", D(1)),),
                                       (Tender("meituan", 2800, reference=code),)))
    return sale_id


def test_a_full_refund_undoes_the_voucher_and_a_late_one_is_recorded(
        till, cashier, shift, central_server, platform):  # noqa: F811
    terminal = central_server.enrol(store_id="demo-store")
    gateway = OnlineGateway(till.ctx.sessions, client=OnlineClient(central_server.base_url,
                                                                   terminal.token))
    code = platform.voucher("meituan", value_fen=2800)
    sale_id = _sell_with_voucher(till, cashier, gateway, code, 2800)
    assert platform.state(code)["verifications"] == 1
    result = refund_sale(till.ctx, cashier, sale_id, None, MANAGER)
    assert dict(result.payments) == {"meituan": 2800}
    (undo,) = sv.undo_for_refund(till.ctx, gateway, sale_id, result.refund_id)
    assert undo.undone and undo.result == "cancelled"
    assert platform.state(code)["status"] == "unused"
    assert sv.undo_for_refund(till.ctx, gateway, sale_id, result.refund_id) == []  # once

    late = platform.voucher("meituan", value_fen=2800)
    sale2 = _sell_with_voucher(till, cashier, gateway, late, 2800)
    platform.advance(3700)  # past the platform's hour
    result2 = refund_sale(till.ctx, cashier, sale2, None, MANAGER)
    (undo,) = sv.undo_for_refund(till.ctx, gateway, sale2, result2.refund_id)
    assert not undo.undone and undo.result == "window_passed"
    with till.session() as s:
        rows = {r.code: r for r in s.scalars(select(VoucherUse))}
    assert rows[code].status == "cancelled"
    assert (rows[late].status, rows[late].cancel_result) == ("cancel_failed", "window_passed")


def test_a_voucher_verified_for_a_sale_that_was_not_recorded_is_offered_again(
        till, cashier, shift, central_server, platform):  # noqa: F811
    terminal = central_server.enrol(store_id="demo-store")
    gateway = OnlineGateway(till.ctx.sessions, client=OnlineClient(central_server.base_url,
                                                                   terminal.token))
    code = platform.voucher("douyin", value_fen=2800)
    info = sv.prepare_voucher(gateway, "douyin", code)
    sale_id = str(uuid.uuid4())
    sv.verify_voucher(till.ctx, gateway, info, None, sale_id)
    (again,) = sv.unrecorded_uses(till.ctx, sale_id)  # the checkout failed: taken again
    assert (again.code, again.value_fen, again.key) == (code, 2800, info.key)
    checkout(till.ctx, CheckoutRequest(sale_id, cashier, (CartLine("C002", D(1)),),
                                       (Tender("douyin", 2800, reference=code),)))
    assert sv.unrecorded_uses(till.ctx, sale_id) == []
    assert sv.release_voucher(till.ctx, gateway, info.key) is True  # e.g. a void afterwards
    assert platform.state(code)["status"] == "unused"
