"""A win-back offer end to end: the central service issues it to the 90-day dormant segment,
the coupon reaches the till through the feed, the till shows it (the dormant hint names it)
and applies it when the member comes back, and the central's recall report counts the return
and what was spent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from pos_central import admin, dormant
from pos_central import models as cm
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.services.members import member_coupons
from pos_member.store.models import Coupon
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import MEMBERS, SyncTill, seed_central_members


def test_winback_offer_through_the_feed_applied_and_counted(make_central_server, tmp_path):
    server = make_central_server()
    ids = seed_central_members(server, MEMBERS[:2])
    now = datetime.now(UTC).replace(microsecond=0)
    with server.write() as s:
        sleeper = admin.create_member(s, phone="13500009999", name="sleepy",
                                      last_purchase_at=now - timedelta(days=120)).id
        for member_id in ids.values():  # the others bought last week
            s.get(cm.Member, member_id).last_purchase_at = now - timedelta(days=7)
    with server.write() as s:
        campaign = dormant.issue_winback(s, 90, value_fen=1500, valid_days=14, now=now)
        campaign_id = campaign.id
        assert campaign.members == 1

    proxy = FaultProxy(server.host, server.port)
    try:
        till = SyncTill(tmp_path, server, proxy, "Till W")
        till.clock.now = now + timedelta(minutes=5)  # the offer is valid from now
        with till.ctx.read_sessions() as s:
            (code,) = s.scalars(select(Coupon.code).where(Coupon.member_id == sleeper))
        assert code.startswith("WB-")
        wallet = member_coupons(till.ctx, sleeper)
        assert code in wallet
        cart = (CartLine("C002", Decimal(2)),)
        pricing = quote_basket(till.ctx, cart, sleeper, tuple(wallet))
        assert code in {a.code for a in pricing.applied}
        hint = next(h for h in pricing.hints if h["kind"] == "dormant")
        assert hint["winback_coupon"] == code and hint["days"] >= 120
        checkout(till.ctx, CheckoutRequest(
            "00000000-0000-4000-8000-00000000b001", till.cashier, cart,
            (Tender("wechat", pricing.total, reference="wx"),), member_id=sleeper,
            coupon_codes=tuple(wallet)))
        till.settle()
        with server.read() as s:
            (r,) = dormant.recall_report(s, campaign_id)
        assert (r.issued, r.came_back, r.used_offer) == (1, 1, 1)
        assert r.spent_fen == pricing.total and r.recall_rate_bp == 10000
    finally:
        proxy.close()
