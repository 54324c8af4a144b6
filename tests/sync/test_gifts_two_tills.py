"""Gifts over the real central service (issue 11 part A): the same birthday gift collected at
two offline tills is one gift and one conflict; the upgrade gift a sale issues arrives once; the
service's feed gives both tills member prices and the rules' member days and gifts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from pos_central import admin, loyalty
from pos_central import models as cm
from pos_central.gifts import GiftIssue
from pos_member.domain.gifts import gift_coupon_code, gift_id
from pos_member.domain.rules import DEFAULT_RULES
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import ServiceError
from pos_member.services.gifts import collect_gift, member_gifts
from pos_member.store.models import Coupon, GiftIssued, Product
from pos_member.sync import protocol as p
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import SyncTill, seed_central_members

RULES = DEFAULT_RULES.with_overrides({
    "birthday_gift": {"kind": "coupon", "value": "30.00", "title": "生日礼¥30券"},
    "upgrade_gifts": {"gold": {"kind": "coupon", "value": "50.00", "threshold": "200.00",
                               "title": "升级金卡礼"}},
})


def _setup(make_central_server, tmp_path):
    server = make_central_server()
    ids = seed_central_members(server)
    with server.write() as s:
        admin.set_rules(s, RULES, effective_from=datetime(2026, 1, 1, tzinfo=UTC))
        member = s.get(cm.Member, ids["regular"])
        member.birthday = date(1996, 11, 30)
        loyalty.touch(s, member)
        admin.upsert_product(s, p.ProductData(sku="C002", name="拿铁", category_id="coffee",
                                              unit_price_fen=2800,
                                              member_prices={"gold": 2500, "silver": 2600}))
    proxy = FaultProxy(server.host, server.port)
    a = SyncTill(tmp_path, server, proxy, "Till A")
    b = SyncTill(tmp_path, server, proxy, "Till B")
    return server, ids, proxy, a, b


def test_a_birthday_gift_collected_at_two_offline_tills_is_one_gift_and_one_conflict(
        make_central_server, tmp_path):
    server, ids, proxy, a, b = _setup(make_central_server, tmp_path)
    try:
        member = ids["regular"]
        for till in (a, b):
            (offer,) = member_gifts(till.ctx, member)
            assert (offer.kind, offer.status) == ("birthday", "claimable")
        proxy.offline = True
        got_a = collect_gift(a.ctx, a.cashier, member, "birthday")
        got_b = collect_gift(b.ctx, b.cashier, member, "birthday")
        assert got_a.gift_id == got_b.gift_id == gift_id(member, "birthday", "2026")
        assert got_a.coupon_code == got_b.coupon_code
        proxy.offline = False
        a.settle()
        report = b.settle()
        assert report.conflicts == 1
        assert b.conflicts()["gift_already_issued"] == 1 and a.conflicts() == {}
        for till, status in ((a, "issued"), (b, "conflict")):
            with till.ctx.read_sessions() as s:
                assert s.get(GiftIssued, got_a.gift_id).status == status
        with server.read() as s:
            (row,) = s.scalars(select(GiftIssue)).all()
            assert (row.gift_id, row.terminal_id) == (got_a.gift_id, a.central_terminal_id)
            (c,) = s.scalars(select(cm.Conflict).where(
                cm.Conflict.kind == "gift_already_issued")).all()
            assert c.terminal_id == b.central_terminal_id
            assert c.detail["other_terminal_id"] == a.central_terminal_id
            coupon = s.get(cm.Coupon, got_a.coupon_code)
            assert (coupon.member_id, coupon.value_fen, coupon.status) == (
                member, 3000, "available")
            assert s.query(cm.Coupon).filter(cm.Coupon.code.like("GF%")).count() == 1
        # a third collection is refused at either till, and a pushed retry changes nothing
        for till in (a, b):
            try:
                collect_gift(till.ctx, till.cashier, member, "birthday")
            except ServiceError as exc:
                assert exc.code == "gift_claimed"
            else:
                raise AssertionError("the birthday gift was issued twice on one till")
        a.settle()
        b.settle()
        with server.read() as s:
            assert len(s.scalars(select(GiftIssue)).all()) == 1
            assert len(s.scalars(select(cm.Conflict).where(
                cm.Conflict.kind == "gift_already_issued")).all()) == 1
    finally:
        a.engine.close()
        b.engine.close()
        proxy.close()


def test_a_till_that_has_the_feed_knows_the_gift_was_given(make_central_server, tmp_path):
    _server, ids, proxy, a, b = _setup(make_central_server, tmp_path)
    try:
        member = ids["regular"]
        collect_gift(a.ctx, a.cashier, member, "birthday")
        a.settle()
        b.settle()  # the wallet coupon arrives at B
        (offer,) = member_gifts(b.ctx, member)
        assert offer.status == "claimed"
        with b.ctx.read_sessions() as s:
            assert s.get(Coupon, gift_coupon_code(offer.gift_id)).member_id == member
    finally:
        a.engine.close()
        b.engine.close()
        proxy.close()


def test_member_prices_and_the_upgrade_gift_over_the_service(make_central_server, tmp_path):
    server, ids, proxy, a, b = _setup(make_central_server, tmp_path)
    try:
        with b.ctx.read_sessions() as s:
            assert s.get(Product, "C002").member_prices == {"gold": 2500, "silver": 2600}
        member = ids["silver"]  # growth 5950
        # 2 lattes at the silver member price 26.00: 52.00 -> growth 6002 -> gold
        r = checkout(a.ctx, CheckoutRequest(
            "6b0f3a52-7d1e-4c59-9a51-0a1e1b2c3d4e", a.cashier, (CartLine("C002", Decimal(2)),),
            (Tender("cash", 5200),), member_id=member))
        assert r.pricing.member_price_saving == 400 and r.pricing.tier_after == "gold"
        gid = gift_id(member, "upgrade:gold", "once")
        assert [(g.gift_id, g.status) for g in r.pricing.gifts] == [(gid, "issued")]
        report = a.settle()
        assert report.conflicts == 0
        with server.read() as s:
            row = s.get(GiftIssue, gid)
            assert row.sale_id == r.sale_id and row.kind == "upgrade"
            assert s.get(cm.Member, member).tier == "gold"
            assert s.get(cm.Coupon, gift_coupon_code(gid)).threshold_fen == 20000
            assert s.scalars(select(cm.Conflict)).all() == []
        b.settle()
        with b.ctx.read_sessions() as s:
            assert s.get(GiftIssued, gid) is None  # issued at A
            assert s.get(Coupon, gift_coupon_code(gid)).member_id == member
    finally:
        a.engine.close()
        b.engine.close()
        proxy.close()
