"""Benefits and the points mall at the counter, as a cashier does it: the member shows the app
code, the cashier scans a latte, opens Benefits (Ctrl+B), redeems a use of the member's 10-cup card
(the latte goes to ¥0.00), then redeems a mug from the points mall (500 points; the ¥10 coupon
is listed as out of stock before anyone offers it), and takes the ¥0.00 sale."""

from __future__ import annotations

import uuid
from decimal import Decimal

from PySide6.QtCore import Qt
from sqlalchemy import select

from pos_member.domain import demo_brand
from pos_member.domain.benefits import demo_programme
from pos_member.services import benefits as svc
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.shifts import open_shift
from pos_member.store.db import transaction
from pos_member.store.models import (
    BenefitUse,
    MallRedemption,
    MallStockCache,
    OutboxEvent,
    Product,
    Sale,
)
from pos_member.sync.protocol import SalePayload
from tests.services.support import T0

from .conftest import activate, click, gone, idle, login, modal, scan

BARCODE = {p.sku: p.barcode for p in demo_brand.PRODUCTS}


def _setup(till) -> str:
    """The brand's programme on the till, the mug in stock, and a 10-cup card the member
    bought last week (through the services, as a till records it)."""
    member = till.members["gold"]
    with transaction(till.ctx.sessions) as s:
        svc.set_programme(s, demo_programme())
        for sku, name, price in (("CARD-COFFEE10", "10杯咖啡次卡", 25000),
                                 ("MALL-MUG", "品牌马克杯", 0), ("MALL-CPN10", "¥10券", 0)):
            s.add(Product(sku=sku, name=name, name_en=name, unit_price_fen=price, unit="pcs",
                          discountable=False, points_eligible=False))
        s.add(MallStockCache(reward="MUG", stock=2, updated_at=T0))
    staff = till.login("S001", "2468")
    shift = open_shift(till.ctx, staff, 10000)
    checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), staff,
                                       (CartLine("CARD-COFFEE10", Decimal(1)),),
                                       (Tender("wechat", 25000),), member_id=member))
    return shift


def _choose(qtbot, lst, text: str) -> None:
    for i in range(lst.count()):
        if text in lst.item(i).text():
            rect = lst.visualItemRect(lst.item(i))
            qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            assert lst.currentRow() == i
            return
    raise AssertionError(f"{text!r} not in {[lst.item(i).text() for i in range(lst.count())]}")


def test_redeem_a_count_card_use_and_a_mall_reward(qtbot, window, till):
    _setup(till)  # the shift the manager opened is the till's: the cashier sells in it
    login(qtbot, window, float_fen=None)
    co = window.checkout
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window, 15000)
    assert co.sale.member is not None
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window, 15000)
    assert co.sale.pricing.total == 2520  # gold 9折 on 28.00
    # the panel tells the cashier what the member has left
    hints = co.member_panel.hints.text()
    assert "免费升杯: 2 left this period" in hints
    assert "Count card 咖啡一杯: 10 left" in hints

    click(qtbot, co.benefits.button)
    dialog = modal(qtbot, "benefits_dialog")
    idle(qtbot, window, 15000)
    qtbot.waitUntil(lambda: dialog.benefits.count() > 0 and dialog.rewards.count() == 2,
                    timeout=15000)
    texts = [dialog.rewards.item(i).text() for i in range(dialog.rewards.count())]
    assert any("out of stock" in t and "¥10" in t for t in texts)  # said before it is offered
    _choose(qtbot, dialog.benefits, "10 left · count card")
    click(qtbot, dialog.use_button)
    qtbot.waitUntil(lambda: gone(dialog))
    idle(qtbot, window, 15000)
    assert co.sale.pricing.total == 0 and co.sale.pricing.benefit_discount == 2800
    assert "Count card 咖啡一杯: 9 left" in co.member_panel.hints.text()

    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # the shortcut
    dialog = modal(qtbot, "benefits_dialog")
    idle(qtbot, window, 15000)
    qtbot.waitUntil(lambda: dialog.rewards.count() == 2, timeout=15000)
    _choose(qtbot, dialog.rewards, "500 points")
    click(qtbot, dialog.reward_button)
    qtbot.waitUntil(lambda: gone(dialog))
    idle(qtbot, window, 15000)
    qtbot.waitUntil(lambda: len(co.sale.items) == 2, timeout=15000)
    idle(qtbot, window, 15000)
    assert co.sale.pricing.mall_points == 500 and co.sale.pricing.total == 0

    activate(qtbot, window)
    click(qtbot, co.pay_button)
    pay = modal(qtbot, "payment_dialog")
    click(qtbot, pay.finish)
    modal(qtbot, "sale_done_dialog")
    idle(qtbot, window, 15000)
    with till.session() as s:
        sales = s.scalars(select(Sale).order_by(Sale.terminal_seq)).all()
        sale = sales[-1]
        assert sale.points_redeemed == 500 and sale.total_fen == 0
        use = s.scalars(select(BenefitUse).where(BenefitUse.sale_id == sale.id)).one()
        assert use.benefit == "COFFEE" and use.discount_fen == 2800
        red = s.scalars(select(MallRedemption).where(MallRedemption.sale_id == sale.id)).one()
        assert (red.reward, red.points) == ("MUG", 500)
        assert svc.mall_stock(s)["MUG"] == 1
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")
                          .order_by(OutboxEvent.terminal_seq.desc())).first()
        wire = SalePayload.model_validate(event.payload)
        assert wire.benefits.uses[0].source == use.source and wire.points_redeemed == 500


def test_a_held_order_comes_back_with_its_benefit_redeemed(qtbot, window, till):
    """挂单 after redeeming a count-card use: Ctrl+H, Ctrl+R, Enter, and the latte is ¥0.00
    again (the claim used to be dropped, so the recalled order cost ¥25.20)."""
    _setup(till)
    login(qtbot, window, float_fen=None)
    co = window.checkout
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window, 15000)
    scan(qtbot, co.entry, BARCODE["C002"])
    idle(qtbot, window, 15000)
    click(qtbot, co.benefits.button)
    dialog = modal(qtbot, "benefits_dialog")
    idle(qtbot, window, 15000)
    qtbot.waitUntil(lambda: dialog.benefits.count() > 0, timeout=15000)
    _choose(qtbot, dialog.benefits, "10 left · count card")
    click(qtbot, dialog.use_button)
    qtbot.waitUntil(lambda: gone(dialog))
    idle(qtbot, window, 15000)
    assert co.sale.pricing.total == 0

    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, window, 15000)
    assert co.sale.empty
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    recall = modal(qtbot, "recall_dialog")
    idle(qtbot, window, 15000)
    qtbot.waitUntil(lambda: recall.list.count() == 1, timeout=15000)
    qtbot.keyClick(recall.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gone(recall))
    idle(qtbot, window, 15000)
    assert [i.product.sku for i in co.sale.items] == ["C002"]
    assert co.sale.pricing.total == 0 and co.sale.pricing.benefit_discount == 2800
    assert [(b, item.product.sku) for item, b, _src in co.sale.benefit_claims] == [
        ("COFFEE", "C002")]
    assert "Order recalled" in co.message.text()
