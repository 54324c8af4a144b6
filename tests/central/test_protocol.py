"""The wire models themselves: strict money, decimal strings, UTC, unknown fields."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from pos_central.push import event_hash
from pos_member.domain.coupons import CouponKind
from pos_member.sync import protocol as p

EVENT = TypeAdapter(p.Event)
CHANGE = TypeAdapter(p.Change)


def sale(**changes) -> dict:
    payload = {
        "sale_id": str(uuid.uuid4()), "receipt_no": "R1", "store_id": "S001",
        "sold_at": "2026-05-20T12:00:00+08:00", "local_time": "2026-05-20T12:00:00",
        "tz": "Asia/Shanghai",
        "lines": [{"line_no": 1, "sku": "B006", "qty": "0.350", "unit_price_fen": 12800,
                   "amount_fen": 4480, "paid_fen": 4480}],
        "subtotal_fen": 4480, "total_fen": 4480,
    }
    payload.update(changes)
    return {"event_id": str(uuid.uuid4()), "terminal_seq": 1, "kind": "sale",
            "created_at": "2026-05-20T04:00:00Z", "payload": payload}


def test_a_sale_parses_with_exact_quantities_and_utc_times():
    event = EVENT.validate_python(sale())
    assert isinstance(event, p.SaleEvent)
    assert event.payload.lines[0].qty == Decimal("0.350")
    assert event.payload.sold_at == datetime(2026, 5, 20, 4, 0, tzinfo=UTC)
    dumped = event.model_dump(mode="json")
    assert dumped["payload"]["lines"][0]["qty"] == "0.350"
    assert dumped["payload"]["sold_at"] == "2026-05-20T04:00:00Z"


@pytest.mark.parametrize("value", [12.0, 12.5, "12", "12.00", True, None, 10**16])
def test_money_is_strictly_integer_fen(value):
    with pytest.raises(ValidationError):
        EVENT.validate_python(sale(total_fen=value))


@pytest.mark.parametrize("qty", [0.35, 1, "", "1e3", "NaN", "Infinity", "-1", "0", "1,5"])
def test_quantities_are_positive_decimal_strings(qty):
    event = sale()
    event["payload"]["lines"][0]["qty"] = qty
    with pytest.raises(ValidationError):
        EVENT.validate_python(event)


def test_times_need_an_offset():
    with pytest.raises(ValidationError):
        EVENT.validate_python(sale(sold_at="2026-05-20T12:00:00"))
    event = sale()
    event["created_at"] = "2026-05-20T04:00:00"
    with pytest.raises(ValidationError):
        EVENT.validate_python(event)


def test_requests_refuse_unknown_fields_and_responses_ignore_them():
    with pytest.raises(ValidationError):
        EVENT.validate_python(sale(discount_everything=True))
    member = p.MemberData.model_validate({"id": str(uuid.uuid4()), "tier": "gold",
                                          "growth": 7000, "points": -5, "future_field": 1})
    assert member.points == -5


def test_every_event_kind_has_a_model():
    assert set(p.EVENT_MODELS) == {k.value for k in p.EventKind}
    assert set(p.ENTITY_TYPES) == {"member", "coupon", "category", "product", "barcode",
                                   "rules", "revoked_code", "signing_key",
                                   "benefit_rules", "mall_stock"}


def test_changes_parse_by_entity():
    tomb = CHANGE.validate_python({"entity": "member", "seq": 9, "id": "x", "deleted": True,
                                   "merged_into": str(uuid.uuid4())})
    assert isinstance(tomb, p.MemberChange) and tomb.data is None
    product = CHANGE.validate_python({"entity": "product", "seq": 10, "id": "C001", "data": {
        "sku": "C001", "name": "美式", "unit_price_fen": 2200}})
    assert product.data.unit_price_fen == 2200


def test_coupon_data_becomes_the_pricing_engines_coupon():
    data = p.CouponData(code="P8", kind="percent_off", rate="0.80", cap_fen=1000,
                        categories=["coffee"], weekdays=[3], valid_to=datetime(2027, 1, 1),
                        status="used")
    coupon = data.to_domain()
    assert coupon.kind is CouponKind.PERCENT_OFF and coupon.rate == Decimal("0.80")
    assert coupon.cap == 1000 and coupon.categories == frozenset({"coffee"})
    assert coupon.used is True
    with pytest.raises(ValueError):
        p.CouponData(code="bad", kind="amount_off").to_domain()  # no value


def test_the_event_hash_survives_a_round_trip_through_json():
    event = EVENT.validate_python(sale())
    again = EVENT.validate_python(json.loads(json.dumps(event.model_dump(mode="json"))))
    assert event_hash(event) == event_hash(again)
    changed = EVENT.validate_python(sale(receipt_no="R2"))
    assert event_hash(changed) != event_hash(event)


@given(fen=st.integers(min_value=0, max_value=10**12),
       qty=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(99999), places=3))
def test_money_and_quantities_round_trip_exactly(fen, qty):
    event = sale(total_fen=fen, subtotal_fen=fen)
    event["payload"]["lines"][0].update(amount_fen=fen, paid_fen=fen)
    event["payload"]["lines"][0]["qty"] = format(qty, "f")
    parsed = EVENT.validate_json(json.dumps(event))
    back = json.loads(json.dumps(parsed.model_dump(mode="json")))
    assert back["payload"]["total_fen"] == fen
    assert Decimal(back["payload"]["lines"][0]["qty"]) == qty


def test_an_omitted_field_and_its_default_are_the_same_content():
    sparse = sale()
    full = json.loads(json.dumps(sparse))
    full["payload"].update(points_earned=0, coupons=[], member_id=None, rounding_fen=0)
    assert event_hash(EVENT.validate_python(sparse)) == event_hash(EVENT.validate_python(full))
