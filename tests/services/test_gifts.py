"""Gifts at the till (issue 11 part A): member prices in checkout, the upgrade gift issued by the
sale that crosses 6000, collecting a birthday gift and a member-day coupon once."""

import uuid
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update

from pos_member.domain.gifts import gift_coupon_code, gift_id
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import ServiceError
from pos_member.services.gifts import collect_gift, member_gifts
from pos_member.store.db import transaction
from pos_member.store.models import Coupon, GiftIssued, Member, OutboxEvent, Product, RuleVersion

from .support import T0

GIFT_RULES = {
    "birthday_gift": {"kind": "coupon", "value": "30.00", "title": "生日礼¥30券"},
    "upgrade_gifts": {"gold": {"kind": "product", "sku": "C002", "title": "升级礼 拿铁一杯"}},
}


def set_rules(till, doc):
    with transaction(till.ctx.sessions) as s:
        s.add(RuleVersion(version=2, rules_json=doc, effective_from=T0))


def sale(till, cashier, member, lines, pay):
    return checkout(till.ctx, CheckoutRequest(
        sale_id=str(uuid.uuid4()), staff=cashier, lines=tuple(lines),
        tenders=(Tender("cash", pay),), member_id=till.members[member]))


def events(till, kind):
    with till.session() as s:
        return [e.payload for e in s.scalars(select(OutboxEvent).where(
            OutboxEvent.kind == kind).order_by(OutboxEvent.terminal_seq))]


def test_checkout_charges_the_member_price_and_keeps_the_shelf_price(till, cashier, shift):
    with transaction(till.ctx.sessions) as s:
        s.execute(update(Product).where(Product.sku == "C002").values(
            member_prices={"gold": 2400}))
    r = sale(till, cashier, "gold", [CartLine("C002", D(2))], 4800)
    (x,) = r.pricing.lines
    assert (x.shelf_amount, x.amount, x.member_price_saving, x.tier_discount) == (
        5600, 4800, 800, 0)
    assert r.pricing.total == 4800
    # a silver member has no member price for it: the shelf price less 95折
    r = sale(till, cashier, "silver", [CartLine("C002", D(1))], 2660)
    assert r.pricing.member_price_saving == 0 and r.pricing.total == 2660


def test_the_sale_that_crosses_6000_issues_the_upgrade_gift_for_the_next_sale(
        till, cashier, shift):
    set_rules(till, GIFT_RULES)
    # silver at 5950: ¥56 × 95折 = 53.20 paid -> growth 6003 -> gold
    r = sale(till, cashier, "silver", [CartLine("C002", D(2))], 5320)
    assert r.pricing.tier_after == "gold"
    mid = till.members["silver"]
    gid = gift_id(mid, "upgrade:gold", "once")
    (g,) = [g for g in r.pricing.gifts if g.kind == "upgrade"]
    assert (g.gift_id, g.status) == (gid, "issued")
    with till.session() as s:
        row = s.get(GiftIssued, gid)
        assert (row.kind, row.sale_id, row.coupon_code) == ("upgrade", r.sale_id,
                                                            gift_coupon_code(gid))
        coupon = s.get(Coupon, row.coupon_code)
        assert (coupon.member_id, coupon.kind, coupon.rate, coupon.cap_fen, coupon.skus) == (
            mid, "percent_off", "0", 2800, ["C002"])
    (ev,) = events(till, "gift_issued")
    assert ev["gift_id"] == gid and ev["sale_id"] == r.sale_id
    assert ev["coupon"]["skus"] == ["C002"]
    # the next sale (gold now) can use it: 2 lattes 9折 = 50.40, less one latte's ¥28
    till.clock.advance(minutes=5)
    r2 = checkout(till.ctx, CheckoutRequest(
        sale_id=str(uuid.uuid4()), staff=cashier, lines=(CartLine("C002", D(2)),),
        tenders=(Tender("cash", 2240),), member_id=mid, coupon_codes=(gift_coupon_code(gid),)))
    assert [(a.code, a.discount) for a in r2.pricing.applied] == [(gift_coupon_code(gid), 2800)]
    assert r2.pricing.tier_before == "gold" and r2.pricing.total == 2240
    # a later sale by the gold member issues nothing again
    r3 = sale(till, cashier, "silver", [CartLine("C002", D(1))], 2520)
    assert not [g for g in r3.pricing.gifts if g.status == "issued"]
    assert len(events(till, "gift_issued")) == 1


def test_a_birthday_gift_is_collected_once(till, cashier, shift):
    set_rules(till, GIFT_RULES)
    mid = till.members["regular"]
    with transaction(till.ctx.sessions) as s:
        s.get(Member, mid).birthday = date(1995, 11, 9)
    (offer,) = [g for g in member_gifts(till.ctx, mid) if g.kind == "birthday"]
    assert offer.status == "claimable" and offer.period == "2026"
    got = collect_gift(till.ctx, cashier, mid, "birthday")
    assert got.coupon_code == gift_coupon_code(gift_id(mid, "birthday", "2026"))
    with pytest.raises(ServiceError, match="already"):
        collect_gift(till.ctx, cashier, mid, "birthday")
    assert [g.status for g in member_gifts(till.ctx, mid) if g.kind == "birthday"] == [
        "claimed"]
    assert len(events(till, "gift_issued")) == 1
    with till.session() as s:
        c = s.get(Coupon, got.coupon_code)
        assert (c.value_fen, c.member_id, c.status) == (3000, mid, "available")


def test_a_gift_not_offered_today_is_refused(till, cashier, shift):
    set_rules(till, GIFT_RULES)
    mid = till.members["gold"]  # no birthday on file
    with pytest.raises(ServiceError, match="not for this member"):
        collect_gift(till.ctx, cashier, mid, "birthday")


def test_the_member_day_coupon_is_collected_once_per_member_day(till, cashier, shift):
    mid = till.members["regular"]
    till.clock.advance(days=1)  # T0 is a Tuesday: now the default member day, Wednesday
    (offer,) = member_gifts(till.ctx, mid)
    assert (offer.gift, offer.status) == ("member_day:wednesday", "claimable")
    got = collect_gift(till.ctx, cashier, mid, "member_day:wednesday")
    with till.session() as s:
        assert s.get(Coupon, got.coupon_code).value_fen == 1000
    with pytest.raises(ServiceError):
        collect_gift(till.ctx, cashier, mid, "member_day:wednesday")
    till.clock.advance(days=7)
    (offer,) = member_gifts(till.ctx, mid)
    assert offer.status == "claimable" and offer.gift_id != got.gift_id


def test_the_receipt_shows_the_shelf_price_the_saving_and_the_upgrade_gift(till, cashier, shift):
    from pos_member.printing.encode import encode_document
    from pos_member.printing.layout import Paper, layout_receipt
    from pos_member.printing.settings import PrinterSettings
    from pos_member.services.receipts import sale_receipt
    from tests.printing.escpos_decoder import decode

    set_rules(till, {"upgrade_gifts": {"gold": {"value": "50.00", "title": "升级金卡礼¥50"}}})
    with transaction(till.ctx.sessions) as s:
        s.execute(update(Product).where(Product.sku == "C002").values(
            member_prices={"silver": 2600}))
    # silver 5950: 2 lattes at 26.00 = 52.00 -> growth 6002 -> gold
    r = sale(till, cashier, "silver", [CartLine("C002", D(2))], 5200)
    assert r.pricing.tier_after == "gold" and r.pricing.member_price_saving == 400
    data = sale_receipt(till.ctx, r.sale_id)
    (line,) = data.lines
    assert (line.unit_price_fen, line.amount_fen) == (2800, 5600)
    assert [(d.label, d.amount_fen) for d in line.discounts] == [("member_price", 400)]
    assert data.subtotal_fen - data.line_discounts_fen == data.total_fen == 5200
    assert data.member.gifts == ("升级金卡礼¥50",)
    paper = Paper.make(48, "gb18030", None)
    payload = encode_document(layout_receipt(data, paper),
                              PrinterSettings("file:/dev/null", width=48, encoding="gb18030"),
                              None)
    text = decode(payload, "gb18030").text()
    assert "会员价 Member price" in text and "-4.00" in text and "56.00" in text
    # (the printer's code page prints ¥ as its full-width ￥)
    assert "恭喜升级 Upgraded: 金卡" in text and "获得礼遇 Gift: 升级金卡礼￥50" in text
