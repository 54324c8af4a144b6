"""抹零 as the store's setting: the till rounds the total down to the jiao or the yuan, the
rounding is its own amount on the sale, and the store's choice overrides the brand's rules."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from pos_member.services import settings
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.services.errors import ApprovalNeeded, InvalidInput
from pos_member.services.staff import Approval
from pos_member.store.models import Sale

# a silver member (95 %): one croissant 15.00 → 14.25
CART = (CartLine("B001", D(1)),)


@pytest.mark.parametrize("mode,total,rounding", [("none", 1425, 0), ("jiao", 1420, 5),
                                                 ("yuan", 1400, 25)])
def test_the_store_setting_rounds_the_total_down(till, manager, mode, total, rounding):
    assert settings.save_cash_rounding(till.ctx, manager, mode) == mode
    assert settings.till_settings(till.ctx).cash_rounding == mode
    p = quote_basket(till.ctx, CART, till.members["silver"])
    assert (p.total, p.rounding) == (total, rounding)
    assert sum(line.rounding for line in p.lines) == rounding


def test_off_by_default_and_recorded_on_the_sale(till, manager, cashier, shift):
    assert settings.till_settings(till.ctx).cash_rounding == "none"
    assert quote_basket(till.ctx, CART, till.members["silver"]).total == 1425
    settings.save_cash_rounding(till.ctx, manager, "yuan")
    r = checkout(till.ctx, CheckoutRequest(
        sale_id=str(uuid.uuid4()), staff=cashier, lines=CART,
        tenders=(Tender("cash", 1400, tendered=2000),), member_id=till.members["silver"]))
    with till.session() as s:
        sale = s.get(Sale, r.sale_id)
        assert (sale.total_fen, sale.rounding_fen) == (1400, 25)


def test_only_a_manager_changes_it_and_only_to_a_known_mode(till, cashier, manager):
    with pytest.raises(ApprovalNeeded):
        settings.save_cash_rounding(till.ctx, cashier, "yuan")
    assert settings.save_cash_rounding(till.ctx, cashier, "jiao",
                                       approval=Approval("S001", "2468")) == "jiao"
    with pytest.raises(InvalidInput):
        settings.save_cash_rounding(till.ctx, manager, "fen")
    assert settings.till_settings(till.ctx).cash_rounding == "jiao"
