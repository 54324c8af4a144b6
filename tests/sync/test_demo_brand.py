"""`python -m pos_central seed-demo` seeds the till's own demo brand: an empty till that pulls
it has exactly pos_member.domain.demo_brand's catalogue, coupons, rules and members."""

from __future__ import annotations

from sqlalchemy import select

from pos_central.demo import seed_demo, store_today
from pos_member.domain import demo_brand
from pos_member.services.context import TillContext
from pos_member.services.rules import current_rules
from pos_member.store.db import create_engine_for, session_factory
from pos_member.store.migrate import upgrade_to_head
from pos_member.store.models import Barcode, Category, Coupon, Member, PointLot, Product
from pos_member.sync.engine import SyncEngine
from pos_member.sync.enrolment import enrol
from pos_member.sync.token_store import TokenStore


def test_an_empty_till_pulls_the_same_demo_brand(make_central_server, tmp_path):
    server = make_central_server()
    today = store_today()
    with server.write() as s:
        counts = seed_demo(s, members=25, today=today)
    assert counts["members_created"] == 25 and counts["products"] == len(demo_brand.PRODUCTS)

    path = tmp_path / "empty.sqlite3"
    upgrade_to_head(path)
    ctx = TillContext(sessions=session_factory(create_engine_for(path)),
                      terminal_id="T01", store_id="demo-store")
    store = TokenStore("t", tmp_path, use_keyring=False)
    enrol(ctx, server.base_url, server.enrol_code(), "Demo", token_store=store)
    report = SyncEngine(ctx, token_store=store).run_once()
    assert report.pulled.members == 25

    with ctx.sessions() as s:
        products = {p.sku: p for p in s.scalars(select(Product))}
        assert {sku: (p.name, p.category_id, p.unit_price_fen, p.unit, p.discountable,
                      p.points_eligible) for sku, p in products.items()} == {
            d.sku: (d.name, d.category, d.price, d.unit, d.discountable, d.points_eligible)
            for d in demo_brand.PRODUCTS}
        assert {b.code: b.sku for b in s.scalars(select(Barcode))} == {
            d.barcode: d.sku for d in demo_brand.PRODUCTS}
        assert {c.id: c.name for c in s.scalars(select(Category))} == {
            cid: name for cid, name, _ in demo_brand.CATEGORIES}
        coupons = {c.code: c for c in s.scalars(select(Coupon)) if c.member_id is None}
        assert set(coupons) == {c.code for c in demo_brand.COUPONS}
        # the demo members' own coupons come with them, under their names
        own = {c.code: (c.member_id, c.title) for c in s.scalars(
            select(Coupon).where(Coupon.member_id.is_not(None)))}
        assert own == {code: (demo_brand.member_id(i), c.name) for i in range(1, 26)
                       for code, c in demo_brand.personal_coupons(i)}
        for c in demo_brand.COUPONS:
            row = coupons[c.code]
            assert row.title == c.name
            assert (row.kind, row.value_fen, row.threshold_fen, row.stackable,
                    sorted(row.categories or []), sorted(row.weekdays or [])) == (
                c.kind, c.value, c.threshold, c.stackable, sorted(c.categories),
                sorted(c.weekdays))
            assert (row.valid_to - row.valid_from).days == c.valid_days
        rules = current_rules(s)
        assert rules.first_order_coupon == demo_brand.FIRST_ORDER_COUPON
        assert rules.win_back_offer == demo_brand.WIN_BACK_OFFER
        members = {m.id: m for m in s.scalars(select(Member))}
        for person in demo_brand.demo_members(25, today):
            row = members[person.id]
            assert (row.phone, row.card_no, row.name, row.birthday, row.growth, row.points) == (
                person.phone, person.card_no, person.name, person.birthday, person.growth,
                person.points)
            assert row.tier == rules.tier_for_growth(person.growth).code
            lots = s.scalars(select(PointLot.points).where(PointLot.member_id == person.id))
            assert sum(lots) == person.points
