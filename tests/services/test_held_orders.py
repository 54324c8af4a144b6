"""Held orders (挂单/取单) in the till database: several at once, kept across a restart (a new
context on the same file), re-priced at recall, and working on a frozen 0002 database upgraded
to head."""

from __future__ import annotations

import shutil
import uuid
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from pos_member.security.roles import Role
from pos_member.services import held_orders
from pos_member.services.checkout import CartLine, quote_basket
from pos_member.services.context import TillContext
from pos_member.services.errors import InvalidInput, NotFound
from pos_member.services.staff import StaffMember
from pos_member.store import migrate
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.models import HeldOrder, OutboxEvent, Product, Sale

FIXTURES = Path(__file__).resolve().parents[1] / "store" / "fixtures"


def _reopen(till) -> TillContext:
    """The till after a restart: new engines on the same file."""
    ctx = till.ctx
    return TillContext(sessions=session_factory(create_engine_for(till.path)),
                       readers=session_factory(create_engine_for(till.path, read_only=True)),
                       terminal_id=ctx.terminal_id, store_id=ctx.store_id, tz_name=ctx.tz_name,
                       clock=till.clock, online=lambda: False)


def test_several_orders_on_hold_survive_a_restart_and_come_back_whole(till, cashier):
    gold = till.members["gold"]
    cart_a = (CartLine("C002", D(2)), CartLine("R001", D(1)))
    p_a = quote_basket(till.ctx, cart_a, gold, ("M100-10",), None, 20)
    a = held_orders.hold(till.ctx, cashier, cart_a, member_id=gold, coupons=("M100-10",),
                         redeem_points=20, total_fen=p_a.total, label="gold member")
    till.clock.advance(minutes=1)
    cart_b = (CartLine("R001", D(1), 9000),)
    b = held_orders.hold(till.ctx, cashier, cart_b, total_fen=9000)
    assert [h.id for h in held_orders.list_held(till.ctx)] == [a.id, b.id]  # oldest first

    ctx = _reopen(till)
    assert held_orders.count_held(ctx) == 2
    r = held_orders.recall(ctx, a.id)
    assert [(ln.product.sku, ln.qty, ln.override) for ln in r.lines] == [
        ("C002", D(2), None), ("R001", D(1), None)]
    assert r.member.id == gold and r.entered == ("M100-10",) and r.redeem_points == 20
    assert r.pricing.total == p_a.total and not r.total_changed
    assert "M100-10" in [c.code for c in r.pricing.applied]
    assert [h.id for h in held_orders.list_held(ctx)] == [b.id]
    rb = held_orders.recall(ctx, b.id)
    assert [(ln.product.sku, ln.override) for ln in rb.lines] == [("R001", 9000)]
    assert rb.member is None and rb.pricing.total == 9000
    assert held_orders.list_held(ctx) == []
    with pytest.raises(NotFound):
        held_orders.recall(ctx, b.id)
    # nothing of it was a sale
    with till.session() as s:
        assert s.scalars(select(Sale)).all() == []
        assert s.scalars(select(OutboxEvent)).all() == []


def test_a_recalled_order_is_priced_with_todays_prices(till, cashier):
    cart = (CartLine("C002", D(1)), CartLine("B005", D(2)))
    held = held_orders.hold(till.ctx, cashier, cart, total_fen=2800 + 1800)
    with transaction(till.ctx.sessions) as s:
        s.get(Product, "C002").unit_price_fen = 3000   # the latte went up
        s.get(Product, "B005").active = False          # egg tarts are no longer sold
    r = held_orders.recall(till.ctx, held.id)
    assert r.missing == ("B005",)
    assert [ln.product.sku for ln in r.lines] == ["C002"]
    assert (r.old_total, r.new_total, r.total_changed) == (4600, 3000, True)


def test_an_empty_basket_cannot_be_held_and_a_discarded_order_is_gone(till, cashier):
    with pytest.raises(InvalidInput):
        held_orders.hold(till.ctx, cashier, ())
    h = held_orders.hold(till.ctx, cashier, (CartLine("B001", D(1)),), total_fen=1500)
    held_orders.discard(till.ctx, cashier, h.id)
    assert held_orders.list_held(till.ctx) == []
    with pytest.raises(NotFound):
        held_orders.discard(till.ctx, cashier, h.id)


def test_held_orders_work_on_a_0002_database_upgraded_to_head(tmp_path):
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    assert migrate.current_revision(path) == "0002"
    result = migrate.upgrade_to_head(path, backup_dir=tmp_path / "backups")
    assert result.after == migrate.head_revision() and "0004" in migrate.revision_order()
    ctx = TillContext(sessions=session_factory(create_engine_for(path)),
                      readers=session_factory(create_engine_for(path, read_only=True)),
                      terminal_id=str(uuid.uuid4()), store_id="s", tz_name="Asia/Shanghai",
                      online=lambda: False)
    with transaction(ctx.sessions) as s:
        s.add(Product(sku="T1", name="茶", unit_price_fen=1200, unit="pcs", discountable=True,
                      points_eligible=True))
    staff = StaffMember("staff-1", "张三", Role.CASHIER)
    h = held_orders.hold(ctx, staff, (CartLine("T1", D(3)),), total_fen=3600)
    with ctx.read_sessions() as s:
        assert s.get(HeldOrder, h.id).payload["lines"] == [
            {"sku": "T1", "qty": "3", "override": None}]
    r = held_orders.recall(ctx, h.id)
    assert r.pricing.total == 3600 and not r.total_changed
    assert held_orders.list_held(ctx) == []


def _benefits_programme(till):
    from pos_member.domain.benefits import demo_programme
    from pos_member.services import benefits as svc
    from pos_member.store.models import MallStockCache

    with transaction(till.ctx.sessions) as s:
        svc.set_programme(s, demo_programme())
        for sku, name, price in (("SVC-MEASURE", "上门测量", 20000), ("MALL-MUG", "品牌马克杯", 0)):
            s.add(Product(sku=sku, name=name, name_en=name, unit_price_fen=price, unit="pcs",
                          discountable=False, points_eligible=sku != "MALL-MUG"))
        s.add(MallStockCache(reward="MUG", stock=1, updated_at=till.clock()))


def test_a_held_order_keeps_its_benefits_and_mall_rewards_on_their_lines(till, cashier):
    """挂单 of a basket with a benefit (a free upsize) and a mall reward: the recalled order
    prices the same, the claims on the same products though a line before them is gone."""
    from pos_member.domain.benefits import Claim
    from pos_member.domain.mall import MallClaim

    _benefits_programme(till)
    gold = till.members["gold"]
    cart = (CartLine("B005", D(1)), CartLine("C002", D(1)), CartLine("MALL-MUG", D(1)))
    claims, mall = (Claim("UPSIZE", 1),), (MallClaim("MUG", 2),)
    before = quote_basket(till.ctx, cart, gold, claims=claims, mall=mall)
    assert before.benefit_discount == 300 and before.mall_points == 500
    held = held_orders.hold(till.ctx, cashier, cart, member_id=gold, total_fen=before.total,
                            claims=claims, mall=mall)
    r = held_orders.recall(_reopen(till), held.id)
    assert r.claims == claims and r.mall == mall and r.dropped_claims == ()
    assert r.pricing.total == before.total and not r.total_changed
    assert (r.pricing.benefit_discount, r.pricing.mall_points) == (300, 500)

    # held again, and the egg tart (line 0) is no longer sold: the claims follow their lines
    held = held_orders.hold(till.ctx, cashier, cart, member_id=gold, total_fen=before.total,
                            claims=claims, mall=mall)
    with transaction(till.ctx.sessions) as s:
        s.get(Product, "B005").active = False
    r = held_orders.recall(till.ctx, held.id)
    assert r.missing == ("B005",)
    assert r.claims == (Claim("UPSIZE", 0),) and r.mall == (MallClaim("MUG", 1),)
    assert (r.pricing.benefit_discount, r.pricing.mall_points) == (300, 500)
    with pytest.raises(InvalidInput):
        held_orders.hold(till.ctx, cashier, cart, member_id=gold, claims=(Claim("UPSIZE", 3),))


def test_a_benefit_spent_while_the_order_waited_is_left_out_and_named(till, cashier, shift):
    from pos_member.domain.benefits import Claim
    from pos_member.services.checkout import CheckoutRequest, Tender, checkout

    _benefits_programme(till)
    member = till.members["broke"]  # silver: 上门测量 once a year
    cart = (CartLine("SVC-MEASURE", D(1)), CartLine("C002", D(1)))
    claims = (Claim("HOME_MEASURE", 0),)
    p = quote_basket(till.ctx, cart, member, claims=claims)
    held = held_orders.hold(till.ctx, cashier, cart, member_id=member, total_fen=p.total,
                            claims=claims)
    # meanwhile the member uses the year's measurement in another sale
    checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, (CartLine("SVC-MEASURE", D(1)),),
                                       (Tender("cash", 0),), member_id=member,
                                       benefit_claims=claims))
    r = held_orders.recall(till.ctx, held.id)
    assert r.dropped_claims == ("HOME_MEASURE",) and r.claims == ()
    assert r.pricing.benefit_discount == 0 and r.total_changed
    assert r.new_total == quote_basket(till.ctx, cart, member).total
