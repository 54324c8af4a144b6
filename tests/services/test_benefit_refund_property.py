"""Property (hypothesis, real SQLite): a full refund of every sale restores the member's
benefit uses and the store's mall stock to what they were."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_member.domain.benefits import Claim, demo_programme
from pos_member.domain.mall import MallClaim
from pos_member.services import benefits as svc
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.services.errors import InvalidInput
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import open_shift
from pos_member.services.staff import Approval
from pos_member.store.db import transaction
from pos_member.store.models import MallStockCache, Product

from .support import T0, make_till

MANAGER = Approval("S001", "2468")
SALE = st.sampled_from(["upsize", "measure", "mug", "coffee_card_use"])


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(SALE, min_size=1, max_size=5), st.integers(0, 3))
def test_a_full_refund_restores_uses_and_stock(tmp_path_factory, sales, stock):
    till = make_till(tmp_path_factory.mktemp("till"), online=True)
    cashier = till.login("S002", "1357")
    open_shift(till.ctx, cashier, 50000)
    member = till.members["gold"]
    with transaction(till.ctx.sessions) as s:
        svc.set_programme(s, demo_programme())
        for sku, price in (("SVC-MEASURE", 20000), ("MALL-MUG", 0), ("CARD-COFFEE10", 25000)):
            s.add(Product(sku=sku, name=sku, name_en=sku, unit_price_fen=price, unit="pcs",
                          discountable=False, points_eligible=True))
        s.add(MallStockCache(reward="MUG", stock=stock, updated_at=T0))
    checkout(till.ctx, CheckoutRequest(  # a 10-cup card, for the card uses below
        str(uuid.uuid4()), cashier, (CartLine("CARD-COFFEE10", D(1)),),
        (Tender("wechat", 25000),), member_id=member))

    def state():
        with till.session() as s:
            bals = {(b.benefit, b.source): b.remaining
                    for b in svc.member_balances(s, member, "gold", till.ctx.local().date())}
            return bals, svc.mall_stock(s).get("MUG", 0)

    before = state()
    assert before[0][("UPSIZE", "quota")] == 2 and 10 in before[0].values()
    done = []
    for kind in sales:
        line, claims, mall = {
            "upsize": (CartLine("C002", D(1)), (Claim("UPSIZE", 0),), ()),
            "measure": (CartLine("SVC-MEASURE", D(1)), (Claim("HOME_MEASURE", 0),), ()),
            "mug": (CartLine("MALL-MUG", D(1)), (), (MallClaim("MUG", 0),)),
            "coffee_card_use": (CartLine("C002", D(1)), (Claim("COFFEE", 0),), ()),
        }[kind]
        try:
            total = quote_basket(till.ctx, (line,), member, claims=claims, mall=mall).total
            r = checkout(till.ctx, CheckoutRequest(
                str(uuid.uuid4()), cashier, (line,), (Tender("cash", total),) if total else (),
                member_id=member, benefit_claims=claims, mall_claims=mall, approval=MANAGER))
        except InvalidInput:
            continue  # refused with a reason (no use left, out of stock): nothing recorded
        done.append(r.sale_id)
    mid = state()
    assert all(v is None or v >= 0 for v in mid[0].values())  # never below zero at the till
    assert mid[1] >= 0
    for sale_id in done:
        refund_sale(till.ctx, cashier, sale_id, None, MANAGER, "")
    assert state() == before
