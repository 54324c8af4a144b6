"""Stored quotes (sales.quote_json): named fields with a format number, read by name, so a
release that adds a field still reads every quote already stored, and format 1 (positional
lists, written before format 2) still reads."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import update

from pos_member.domain import pricing as domain_pricing
from pos_member.domain.coupons import Reason
from pos_member.services import pricing_json
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.pricing_json import QuoteFormatError, pricing_from_dict, pricing_to_dict
from pos_member.store.db import transaction
from pos_member.store.models import Sale

FIXTURES = Path(__file__).parent / "fixtures"


def frozen(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_todays_quote_names_its_fields_and_carries_a_format_number():
    stored = frozen("quote_v2.json")
    r = pricing_from_dict(stored)
    assert stored["format"] == pricing_json.QUOTE_FORMAT == 2
    assert (r.subtotal, r.tier_discount, r.coupon_discount, r.points_value, r.total) == (
        18250, 1820, 1000, 2000, 13430)
    assert [(x.sku, x.amount, x.paid, x.points_redeemed) for x in r.lines] == [
        ("C002", 5600, 4119, 6), ("W001", 12600, 9270, 14), ("X900", 50, 41, 0)]
    assert r.applied[0].per_line == (307, 690, 3)
    assert r.rejected[0].reason is Reason.BELOW_THRESHOLD and r.rejected[0].shortfall == 33570
    assert r.multiplier == D(1) and r.tier_before == "gold"
    # what today's code writes is the frozen text, field for field (fields added since, such
    # as member prices' and gifts', come on top with their defaults)
    written = pricing_to_dict(r)
    assert {k: written[k] for k in stored if k != "lines"} == {
        k: v for k, v in stored.items() if k != "lines"}
    assert [{k: w[k] for k in s} for w, s in zip(written["lines"], stored["lines"])] == \
        stored["lines"]
    assert all(isinstance(x, dict) for x in pricing_to_dict(r)["lines"])


def test_a_format_1_quote_already_in_a_tills_database_still_reads():
    old, new = frozen("quote_v1.json"), frozen("quote_v2.json")
    assert "format" not in old and isinstance(old["lines"][0], list)
    assert pricing_from_dict(old) == pricing_from_dict(new)


@dataclasses.dataclass(frozen=True)
class LineResultNext(domain_pricing.LineResult):
    weight_g: int = 0  # a field a later release adds, with a default


@dataclasses.dataclass(frozen=True)
class PricingResultNext(domain_pricing.PricingResult):
    member_price_saving: int = 0


def test_a_stored_quote_reads_after_the_model_gains_a_field(monkeypatch):
    monkeypatch.setattr(pricing_json, "LineResult", LineResultNext)
    monkeypatch.setattr(pricing_json, "PricingResult", PricingResultNext)
    for name in ("quote_v2.json", "quote_v1.json"):
        r = pricing_from_dict(frozen(name))
        assert isinstance(r, PricingResultNext) and r.member_price_saving == 0
        assert [(type(x), x.weight_g, x.paid) for x in r.lines] == [
            (LineResultNext, 0, 4119), (LineResultNext, 0, 9270), (LineResultNext, 0, 41)]
        assert r.total == 13430
        # and writes the new field by name
        assert pricing_to_dict(r)["lines"][0]["weight_g"] == 0


def test_one_field_fewer_and_one_unknown_field_more():
    # a quote from another release: it lacks defaulted fields of today's model and carries
    # fields today's model does not know
    stored = frozen("quote_v2.json")
    del stored["redeem_limited_by"], stored["hints"], stored["rejected"][0]["shortfall"]
    stored["member_price_saving"] = 120
    stored["lines"][1]["weight_g"] = 350
    stored["format"] = 3
    r = pricing_from_dict(stored)
    assert r.redeem_limited_by is None and r.hints == () and r.rejected[0].shortfall == 0
    assert r.lines[1].paid == 9270 and not hasattr(r.lines[1], "weight_g")


def test_a_quote_missing_a_field_without_default_is_refused_by_name():
    stored = frozen("quote_v2.json")
    del stored["lines"][0]["paid"]
    with pytest.raises(QuoteFormatError, match=r"lines\[\]\.paid"):
        pricing_from_dict(stored)
    with pytest.raises(QuoteFormatError, match="format"):
        pricing_from_dict({**frozen("quote_v2.json"), "format": "two"})


def test_the_retry_of_a_sale_stored_with_a_format_1_quote_answers_from_it(till, cashier, shift):
    req = CheckoutRequest(sale_id=str(uuid.uuid4()), staff=cashier,
                          lines=(CartLine("C002", D(2)),), tenders=(Tender("cash", 5600),))
    first = checkout(till.ctx, req)
    old = copy.deepcopy(pricing_to_dict(first.pricing))
    old.pop("format")
    for key, names in (("lines", pricing_json._V1_LINE), ("applied", pricing_json._V1_APPLIED),
                       ("rejected", pricing_json._V1_REJECTED)):
        old[key] = [[rec[n] for n in names] for rec in old[key]]
    with transaction(till.ctx.sessions) as s:
        s.execute(update(Sale).where(Sale.id == first.sale_id).values(quote_json=old))
    again = checkout(till.ctx, req)
    assert again.duplicate and again.pricing == first.pricing
