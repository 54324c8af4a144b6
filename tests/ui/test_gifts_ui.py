"""Collecting a gift at the counter, as a cashier does it: the member shows the app code in
their birthday month, the panel offers the birthday gift with a Collect button, the cashier taps
it; the gift's coupon lands in the wallet and takes ¥10 off the latte on the counter, and a
second collection is not offered."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.domain.gifts import gift_coupon_code, gift_id
from pos_member.store.db import transaction
from pos_member.store.models import GiftIssued, Member, OutboxEvent, RuleVersion
from tests.services.support import T0

from .conftest import click, idle, login, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def test_collect_the_birthday_gift_and_use_it_on_this_sale(qtbot, window, till):
    member = till.members["silver"]
    with transaction(till.ctx.sessions) as s:
        s.add(RuleVersion(version=2, effective_from=T0, rules_json={
            "birthday_gift": {"kind": "coupon", "value": "10.00", "title": "生日礼¥10券"}}))
        s.get(Member, member).birthday = date(1992, 11, 18)
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, till.dynamic_code("silver"))
    idle(qtbot, window)
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window)
    assert co.sale.pricing.total == 2660  # silver 95折 on 28.00
    bar = co.member_panel.gift_bar
    qtbot.waitUntil(lambda: bar.isVisible() and "birthday" in bar.buttons)
    button = bar.buttons["birthday"]
    assert button.isEnabled() and button.text()
    click(qtbot, button)
    code = gift_coupon_code(gift_id(member, "birthday", "2026"))
    qtbot.waitUntil(lambda: co.sale.pricing is not None
                    and code in [a.code for a in co.sale.pricing.applied], timeout=8000)
    idle(qtbot, window)
    assert co.sale.pricing.total == 1660
    assert "birthday" not in bar.buttons and not bar.isVisible()
    assert code in co.message.text() and co.message.kind == "ok"
    with till.session() as s:
        assert s.get(GiftIssued, gift_id(member, "birthday", "2026")) is not None
        assert len(s.scalars(select(OutboxEvent).where(
            OutboxEvent.kind == "gift_issued")).all()) == 1


def test_the_member_day_coupon_is_offered_before_anything_is_scanned(qtbot, window, till):
    till.clock.advance(days=1)  # Wednesday: regular members may collect the ¥10 coupon
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, till.dynamic_code("regular"))
    idle(qtbot, window)
    bar = co.member_panel.gift_bar
    qtbot.waitUntil(lambda: bar.isVisible() and "member_day:wednesday" in bar.buttons)
    click(qtbot, bar.buttons["member_day:wednesday"])
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "member_day:wednesday" not in bar.buttons)
    member = till.members["regular"]
    with till.session() as s:
        row = s.get(GiftIssued, gift_id(member, "member_day:wednesday", "2026-11-25"))
        assert row is not None and row.kind == "member_day"
