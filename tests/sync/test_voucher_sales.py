"""A till's voucher sale end to end: the voucher verified through the central service (the
simulated platform behind it), the sale pushed by the sync engine, the verification bound to
the sale on the service; a voucher tender the service never verified becomes a
``voucher_unverified`` conflict on both sides (the sale kept)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from pos_central import models as cm
from pos_central.cross_channel_models import VoucherVerification
from pos_member.services import vouchers as sv
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.store.models import SyncConflict
from pos_member.sync.online import OnlineGateway
from tests.central.platform_sim import platform, platform_simulator  # noqa: F401
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import MEMBERS, SyncTill, seed_central_members


def test_voucher_sale_is_bound_on_the_service_and_a_forged_one_is_a_conflict(
        make_central_server, tmp_path, platform):  # noqa: F811
    server = make_central_server()
    seed_central_members(server, MEMBERS[:1])
    proxy = FaultProxy(server.host, server.port)
    try:
        till = SyncTill(tmp_path, server, proxy, "Till V")
        gateway = OnlineGateway(till.ctx.sessions, token_store=till.token_store)
        code = platform.voucher("douyin", value_fen=5600, paid_fen=3990)
        info = sv.prepare_voucher(gateway, "douyin", code)
        sale_id = str(uuid.uuid4())
        member = till.members["gold"]
        sv.verify_voucher(till.ctx, gateway, info, member, sale_id)
        cart = (CartLine("C002", Decimal(2)),)  # 2 x 28.00, gold 10 % off: 50.40
        checkout(till.ctx, CheckoutRequest(sale_id, till.cashier, cart,
                                           (Tender("douyin", 5040, reference=code),),
                                           member_id=member))
        forged = str(uuid.uuid4())
        checkout(till.ctx, CheckoutRequest(forged, till.cashier, (CartLine("C002", Decimal(1)),),
                                           (Tender("meituan", 2800, reference="MT9999999999"),)))
        till.settle()
        with server.read() as s:
            row = s.execute(select(VoucherVerification).where(
                VoucherVerification.code == code)).scalar_one()
            assert (row.sale_id, row.member_id, row.status) == (sale_id, member, "verified")
            kinds = {c.sale_id: c.kind for c in s.scalars(select(cm.Conflict))}
            assert kinds == {forged: "voucher_unverified"}
            assert s.get(cm.Sale, forged) is not None  # kept
        with till.ctx.read_sessions() as s:
            assert [c.kind for c in s.scalars(select(SyncConflict))] == ["voucher_unverified"]
        assert platform.state(code)["verifications"] == 1
    finally:
        proxy.close()
