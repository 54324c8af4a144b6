"""Points are spent without a manager only against a dynamic member code that
``services.checkout`` itself verifies for that member, within its validity, once (issue 10,
item 7). The request carries the signed code as scanned, never a free-text nonce."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import ApprovalNeeded, ServiceError
from pos_member.services.members import lookup
from pos_member.store.models import OutboxEvent, Sale, SeenNonce

# T006 costs 9.90 (the gold member's 9折 makes 9.40 after rounding); 5 points = 5.00.
CART = (CartLine("T006", D(1)),)


def spend(till, cashier, member_label, code, **kw):
    req = CheckoutRequest(sale_id=str(uuid.uuid4()), staff=cashier, lines=CART,
                          tenders=(Tender("cash", 940),), member_id=till.members[member_label],
                          redeem_points=5, member_code=code, **kw)
    return checkout(till.ctx, req)


def n_sales(till):
    with till.session() as s:
        return s.scalar(select(func.count()).select_from(Sale))


def refused(till, cashier, label, code) -> str:
    with pytest.raises(ServiceError) as exc:
        spend(till, cashier, label, code)
    assert n_sales(till) == 0
    assert exc.value.message
    return exc.value.code


def test_a_verified_code_spends_points_and_its_nonce_travels_with_the_sale(till, cashier, shift):
    text = till.dynamic_code("gold")
    found = lookup(till.ctx, text)
    assert found.code_text == text
    r = spend(till, cashier, "gold", found.code_text)
    assert r.pricing.points_redeemed == 5
    with till.session() as s:
        assert s.get(SeenNonce, found.code.nonce) is not None
        ev = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")).one()
        assert ev.payload["member_code_nonce"] == found.code.nonce


def test_a_made_up_nonce_or_code_is_refused(till, cashier, shift):
    assert refused(till, cashier, "gold", "0123456789abcdef0123456789abcdef") == "code_foreign"
    genuine = till.dynamic_code("gold")
    forged = genuine[:-6] + ("AAAAAA" if not genuine.endswith("AAAAAA") else "BBBBBB")
    assert refused(till, cashier, "gold", forged) in ("code_bad_signature", "code_malformed")


def test_another_members_code_is_refused(till, cashier, shift):
    assert refused(till, cashier, "gold", till.dynamic_code("silver")) == "code_other_member"


def test_an_expired_code_is_refused_at_the_time_of_the_sale(till, cashier, shift):
    text = till.dynamic_code("gold")  # valid 60 s, plus the 30 s clock-skew allowance
    lookup(till.ctx, text)
    till.clock.advance(seconds=91)
    assert refused(till, cashier, "gold", text) == "code_expired"


def test_within_the_clock_skew_allowance_the_code_still_spends(till, cashier, shift):
    text = till.dynamic_code("gold")
    till.clock.advance(seconds=85)
    assert spend(till, cashier, "gold", text).pricing.points_redeemed == 5


def test_a_code_already_used_to_spend_points_is_refused_in_another_sale(till, cashier, shift):
    text = till.dynamic_code("gold")
    spend(till, cashier, "gold", text)
    with pytest.raises(ServiceError) as exc:
        spend(till, cashier, "gold", text)
    assert exc.value.code == "code_replayed"
    assert n_sales(till) == 1


def test_a_revoked_members_code_is_refused(till, cashier, shift):
    import json

    from pos_member.services.members import REVOKED_SETTING
    from pos_member.store import repositories as repo
    from pos_member.store.db import transaction

    text = till.dynamic_code("gold")
    with transaction(till.ctx.sessions) as s:
        repo.set_setting(s, REVOKED_SETTING, json.dumps({"member_ids": [till.members["gold"]]}))
    assert refused(till, cashier, "gold", text) == "code_revoked"


def test_without_a_code_spending_points_still_needs_a_manager(till, cashier, shift):
    with pytest.raises(ApprovalNeeded):
        spend(till, cashier, "gold", None)


def test_the_checkout_request_has_no_free_text_nonce(till, cashier, shift):
    with pytest.raises(TypeError):
        CheckoutRequest(sale_id=str(uuid.uuid4()), staff=cashier, lines=CART, tenders=(),
                        member_code_nonce="0123456789abcdef")  # type: ignore[call-arg]
