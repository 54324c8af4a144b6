"""Bad input to the services is a clear ServiceError, never a database exception (issue 10,
item 8)."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.services.errors import InvalidInput, ServiceError
from pos_member.services.members import Registration, register
from pos_member.services.refunds import refund_sale
from pos_member.services.staff import Approval
from pos_member.store.models import CouponRedemption, Sale

MANAGER = Approval("S001", "2468")


def sale(cashier, lines, tenders, **kw):
    return CheckoutRequest(sale_id=kw.pop("sale_id", str(uuid.uuid4())), staff=cashier,
                           lines=tuple(lines), tenders=tuple(tenders), **kw)


def n_sales(till):
    with till.session() as s:
        return s.scalar(select(func.count()).select_from(Sale))


def test_a_repeated_chosen_coupon_is_applied_once_in_quote_and_checkout(till, cashier, shift):
    gold = till.members["gold"]
    cart = (CartLine("C002", D(10)),)  # 280.00, gold 9折 -> 252.00, NOTH-10 -> 242.00
    q = quote_basket(till.ctx, cart, gold, ("NOTH-10",), ("NOTH-10",) * 3)
    assert q.coupon_discount == 1000 and q.total == 24200
    r = checkout(till.ctx, sale(cashier, cart, [Tender("cash", 24200)], member_id=gold,
                                coupon_codes=("NOTH-10", "NOTH-10"),
                                chosen_coupons=("NOTH-10", "NOTH-10", "NOTH-10")))
    assert r.pricing.coupon_discount == 1000
    with till.session() as s:
        assert [x.coupon_code for x in s.scalars(select(CouponRedemption))] == ["NOTH-10"]


@pytest.mark.parametrize("kw, code", [
    (dict(lines=[CartLine("C002", D(1), 10**19)], tenders=[Tender("cash", 10**19)],
          approval=MANAGER), "bad_price"),
    (dict(lines=[CartLine("C002", D(10**18))], tenders=[Tender("cash", 28 * 10**20)]),
     "bad_quantity"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800, tendered=10**20)]),
     "bad_tender"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800.0)]), "bad_tender"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", None)]), "bad_tender"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", True)]), "bad_tender"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("voucher", 2800,
                                                          reference="x" * 500)]), "bad_tender"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("voucher", 2800,
                                                          reference="mt\x00123")]), "bad_tender"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800)], redeem_points=1.5,
          approval=MANAGER), "bad_points"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800)],
          coupon_codes="NOTH-10"), "bad_coupons"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800)],
          chosen_coupons="NOTH-10"), "bad_coupons"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800)], sale_id="x" * 300),
     "bad_sale_id"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800)], sale_id=""),
     "bad_sale_id"),
    (dict(lines=[CartLine("C002", D(1))], tenders=[Tender("cash", 2800)], member_id=42),
     "bad_member"),
    (dict(lines=[CartLine("C002", D(0))], tenders=[Tender("cash", 0)]), "bad_quantity"),
    (dict(lines=[CartLine("C002", D(-1))], tenders=[Tender("cash", 0)]), "bad_quantity"),
])
def test_bad_checkout_input_is_a_clear_refusal(till, cashier, shift, kw, code):
    with pytest.raises(InvalidInput) as exc:
        checkout(till.ctx, sale(cashier, kw.pop("lines"), kw.pop("tenders"), **kw))
    assert exc.value.code == code and exc.value.message
    assert n_sales(till) == 0


def test_unknown_sku_coupon_and_points_beyond_the_balance_are_service_errors(till, cashier,
                                                                            shift):
    regular = till.members["regular"]  # 20 points
    for kw, code in ((dict(lines=[CartLine("NOPE", D(1))]), "unknown_product"),
                     (dict(lines=[CartLine("C002", D(1))], coupon_codes=("NOPE",)),
                      "unknown_coupon"),
                     (dict(lines=[CartLine("C002", D(4))], member_id=regular, redeem_points=30,
                           approval=MANAGER), "points_limited")):
        with pytest.raises(ServiceError) as exc:
            checkout(till.ctx, sale(cashier, kw.pop("lines"), [Tender("cash", 11200)], **kw))
        assert exc.value.code == code
    assert n_sales(till) == 0


def test_a_refund_id_used_twice_is_refused_not_a_database_error(till, cashier, shift):
    sid = str(uuid.uuid4())
    checkout(till.ctx, sale(cashier, [CartLine("C002", D(2))], [Tender("cash", 5600)],
                            sale_id=sid))
    rid = str(uuid.uuid4())
    refund_sale(till.ctx, cashier, sid, {1: D(1)}, MANAGER, refund_id=rid)
    with pytest.raises(ServiceError) as exc:
        refund_sale(till.ctx, cashier, sid, {1: D(1)}, MANAGER, refund_id=rid)
    assert exc.value.code == "refund_recorded"
    with pytest.raises(InvalidInput) as exc:
        refund_sale(till.ctx, cashier, sid, {1: D(1)}, MANAGER, refund_id="not-a-uuid")
    assert exc.value.code == "bad_refund_id"


def test_bad_refund_input_is_a_clear_refusal(till, cashier, shift):
    sid = str(uuid.uuid4())
    checkout(till.ctx, sale(cashier, [CartLine("C002", D(2))], [Tender("cash", 5600)],
                            sale_id=sid))
    with pytest.raises(InvalidInput) as exc:
        refund_sale(till.ctx, cashier, sid, {1: D(1)}, MANAGER, reason=5)
    assert exc.value.code == "bad_reason"
    with pytest.raises(InvalidInput) as exc:
        refund_sale(till.ctx, cashier, sid, {"1": D(1)}, MANAGER)
    assert exc.value.code == "bad_refund"


def test_bad_registration_input_is_a_clear_refusal(till, cashier):
    with pytest.raises(InvalidInput) as exc:
        register(till.ctx, cashier, Registration("13911112222", name=5))
    assert exc.value.code == "bad_name"
    with pytest.raises(InvalidInput) as exc:
        register(till.ctx, cashier, Registration("13911113333", birthday="2000-01-01"))
    assert exc.value.code == "bad_birthday"
