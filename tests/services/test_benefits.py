"""Benefits, count cards and the points mall through the till's services on a real SQLite file:
a count card sold, three uses, the refund giving back the 7/10 unused part; a quota spent and
refused the second time; the offline risk limit; a mall reward out of stock said before sale."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from pos_member.domain.benefits import Claim, demo_programme
from pos_member.domain.mall import MallClaim
from pos_member.services import benefits as svc
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.services.errors import InvalidInput
from pos_member.services.refunds import refund_sale
from pos_member.services.staff import Approval
from pos_member.store.db import transaction
from pos_member.store.models import (
    CountCardSold,
    MallStockCache,
    OutboxEvent,
    PointsLedgerEntry,
    Product,
    Sale,
)
from pos_member.sync.protocol import RefundPayload, SalePayload

from .support import T0

MANAGER = Approval("S001", "2468")


@pytest.fixture
def programme(till):
    with transaction(till.ctx.sessions) as s:
        svc.set_programme(s, demo_programme())
        for sku, name, price, cat in (("CARD-COFFEE10", "10杯咖啡次卡", 25000, None),
                                      ("SVC-MEASURE", "上门测量", 20000, None),
                                      ("MALL-MUG", "品牌马克杯", 0, None)):
            s.add(Product(sku=sku, name=name, name_en=name, category_id=cat,
                          unit_price_fen=price, unit="pcs", discountable=False,
                          points_eligible=sku != "MALL-MUG"))
        s.add(MallStockCache(reward="MUG", stock=1, updated_at=T0))
    return demo_programme()


def sale(cashier, lines, tenders, **kw):
    return CheckoutRequest(sale_id=str(uuid.uuid4()), staff=cashier, lines=tuple(lines),
                           tenders=tuple(tenders), **kw)


def balances(till, label, tier):
    with till.session() as s:
        return {(b.benefit, b.source): b.remaining
                for b in svc.member_balances(s, till.members[label], tier,
                                             till.ctx.local().date())}


def _payload(till, kind, key, value):
    with till.session() as s:
        for ev in s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)):
            if ev.payload[key] == value:
                return ev.payload
    raise AssertionError(f"no {kind} event")


def test_a_count_card_refunded_after_3_of_10_uses(till, cashier, manager, shift, programme):
    member = till.members["regular"]
    bought = checkout(till.ctx, sale(cashier, [CartLine("CARD-COFFEE10", D(1))],
                                     [Tender("wechat", 25000)], member_id=member))
    with till.session() as s:
        card = s.scalars(select(CountCardSold)).one()
        assert (card.uses_total, card.benefit, card.member_id) == (10, "COFFEE", member)
    card_id = card.id
    assert balances(till, "regular", "regular")[("COFFEE", card_id)] == 10
    wire = SalePayload.model_validate(_payload(till, "sale", "sale_id", bought.sale_id))
    assert wire.benefits.cards[0].uses == 10

    for _ in range(3):  # a latte (28.00) free from the card, each time
        r = checkout(till.ctx, sale(cashier, [CartLine("C002", D(1))], [], member_id=member,
                                    benefit_claims=(Claim("COFFEE", 0),)))
        assert r.pricing.total == 0 and r.pricing.benefit_discount == 2800
        assert r.pricing.benefits_used[0].source == card_id
        SalePayload.model_validate(_payload(till, "sale", "sale_id", r.sale_id))
    assert balances(till, "regular", "regular")[("COFFEE", card_id)] == 7

    out = refund_sale(till.ctx, cashier, bought.sale_id, None, MANAGER, "changed mind")
    assert out.outcome.money == 17500  # 7/10 of 250.00: only the unused uses are paid back
    refund = RefundPayload.model_validate(_payload(till, "refund", "refund_id", out.refund_id))
    assert [(str(c.card_id), c.uses_removed) for c in refund.benefits.cards] == [(card_id, 7)]
    assert ("COFFEE", card_id) not in balances(till, "regular", "regular")
    till.clock.advance(days=1)  # (the offline limit of 3 uses a day is spent today)
    with pytest.raises(InvalidInput, match="no COFFEE use left"):
        quote_basket(till.ctx, (CartLine("C002", D(1)),), member,
                     claims=(Claim("COFFEE", 0),))


def test_a_quota_of_one_a_year_is_spent_once(till, cashier, shift, programme):
    member = till.members["broke"]  # silver: 上门测量 once a year
    assert balances(till, "broke", "silver")[("HOME_MEASURE", "quota")] == 1
    r = checkout(till.ctx, sale(cashier, [CartLine("SVC-MEASURE", D(1))], [], member_id=member,
                                benefit_claims=(Claim("HOME_MEASURE", 0),)))
    assert r.pricing.total == 0
    use = SalePayload.model_validate(_payload(till, "sale", "sale_id", r.sale_id)).benefits.uses[0]
    assert (use.source, use.period_key, use.tier) == ("quota", "2026", "silver")
    assert balances(till, "broke", "silver")[("HOME_MEASURE", "quota")] == 0
    with pytest.raises(InvalidInput, match="no HOME_MEASURE use left this period"):
        checkout(till.ctx, sale(cashier, [CartLine("SVC-MEASURE", D(1))], [Tender("cash", 0)],
                                member_id=member, benefit_claims=(Claim("HOME_MEASURE", 0),)))


def test_a_benefit_never_covers_a_line_it_does_not_name(till, cashier, shift, programme):
    with pytest.raises(InvalidInput, match="does not cover"):
        quote_basket(till.ctx, (CartLine("B001", D(1)),), till.members["gold"],
                     claims=(Claim("UPSIZE", 0),))


def test_offline_uses_are_limited_per_member_and_day(till, cashier, shift, programme):
    member = till.members["gold"]  # gold: 2 free upsizes a month; limit offline: 3 a day
    for _ in range(2):  # 28.00 less the 3.00 upsize = 25.00, then gold 9折: 22.50
        r = checkout(till.ctx, sale(cashier, [CartLine("C002", D(1))], [Tender("cash", 2250)],
                                    member_id=member, benefit_claims=(Claim("UPSIZE", 0),)))
        assert (r.pricing.benefit_discount, r.pricing.tier_discount) == (300, 250)
    assert balances(till, "gold", "gold")[("UPSIZE", "quota")] == 0
    with transaction(till.ctx.sessions) as s:  # a third use recorded today, offline
        from pos_member.store.models import BenefitUse
        s.add(BenefitUse(id=str(uuid.uuid4()), member_id=member, benefit="HOME_MEASURE",
                         source="quota", period_key="2026", sale_id=str(uuid.uuid4()),
                         line_no=1, discount_fen=0, event_id=str(uuid.uuid4()),
                         at=till.clock.now, offline=1))
    with pytest.raises(InvalidInput, match="offline, at most 3 benefit uses"):
        quote_basket(till.ctx, (CartLine("SVC-MEASURE", D(1)),), member,
                     claims=(Claim("HOME_MEASURE", 0),))


def test_a_mall_reward_is_a_line_paid_with_points_and_out_of_stock_is_said_first(
        till, cashier, shift, programme):
    member = till.members["gold"]  # 800 points; a mug is 500
    with till.session() as s:
        offers = {o["reward"]: o for o in svc.offer_list(s, 800)}
    assert offers["MUG"]["ok"] and offers["MUG"]["stock"] == 1
    assert offers["CPN10"]["reason"] == "out_of_stock"  # this store holds none
    r = checkout(till.ctx, sale(cashier, [CartLine("MALL-MUG", D(1))], [], member_id=member,
                                mall_claims=(MallClaim("MUG", 0),), approval=MANAGER))
    assert r.pricing.mall_points == 500 and r.pricing.total == 0
    with till.session() as s:
        row = s.get(Sale, r.sale_id)
        assert row.points_redeemed == 500 and row.lines[0].points_redeemed == 500
        ledger = s.scalars(select(PointsLedgerEntry).where(
            PointsLedgerEntry.sale_id == r.sale_id)).one()
        assert (ledger.kind, ledger.points) == ("redeem", -500)
        assert svc.mall_stock(s)["MUG"] == 0
        offers = {o["reward"]: o for o in svc.offer_list(s, 300)}
    assert offers["MUG"]["reason"] == "out_of_stock"
    wire = SalePayload.model_validate(_payload(till, "sale", "sale_id", r.sale_id))
    assert wire.points_redeemed == 500 and wire.benefits.mall[0].points == 500
    with pytest.raises(InvalidInput, match="out of stock"):
        checkout(till.ctx, sale(cashier, [CartLine("MALL-MUG", D(1))], [], member_id=member,
                                mall_claims=(MallClaim("MUG", 0),), approval=MANAGER))
    out = refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER, "")
    assert out.outcome.points_returned == 500
    with till.session() as s:
        assert svc.mall_stock(s)["MUG"] == 1


def test_the_receipt_prints_the_benefit_and_the_mall_reward(till, cashier, shift, programme):
    from pos_member.printing.encode import encode_document
    from pos_member.printing.layout import Paper, layout_receipt
    from pos_member.printing.settings import PrinterSettings
    from pos_member.services.receipts import sale_receipt
    from tests.printing.escpos_decoder import decode

    member = till.members["gold"]
    r = checkout(till.ctx, sale(cashier, [CartLine("C002", D(1)), CartLine("MALL-MUG", D(1))],
                                [Tender("cash", 2250)], member_id=member,
                                benefit_claims=(Claim("UPSIZE", 0),),
                                mall_claims=(MallClaim("MUG", 1),), approval=MANAGER))
    data = sale_receipt(till.ctx, r.sale_id)
    latte = data.lines[0]
    assert latte.amount_fen == 2800  # at its shelf price, the benefit under it
    assert [(d.label, d.amount_fen) for d in latte.discounts] == [("权益 免费升杯 Free upsize",
                                                                   300)]
    assert data.lines[1].name.endswith("[积分兑换 500分 Points mall]")
    assert data.total_fen == 2250 and data.points_used == 500
    paper = Paper.make(48, "gb18030", None)
    payload = encode_document(layout_receipt(data, paper),
                              PrinterSettings("file:/dev/null", width=48, encoding="gb18030"))
    text = "\n".join(line.text for line in decode(payload, "gb18030").lines)
    assert "权益 免费升杯" in text and "-3.00" in text.replace("−", "-")
    assert "积分兑换 500分" in text


def test_a_count_card_is_sold_to_a_member_only(till, cashier, shift, programme):
    from pos_member.services.checkout import quote_basket as quote

    with pytest.raises(InvalidInput, match="a count card is sold to a member"):
        quote(till.ctx, (CartLine("CARD-COFFEE10", D(1)),))
