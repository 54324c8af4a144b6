"""A request the schema accepts never answers 500: bounds, dates, NUL bytes, time zones and
figures that do not add up are refused with a 422 that names the field (issue 10, item 5).

Over real HTTP against the live service, on SQLite and (when configured) on PostgreSQL.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from pos_member.sync import protocol as p
from tests.central.builders import refund_event, sale_event, shift_events

HUGE = 2**64 + 1  # beyond BIGINT (PostgreSQL) and SQLite's 64-bit integers


def refused(response: requests.Response, field: str, event_id: str | None = None) -> dict:
    """A 422 invalid_request whose details name ``field`` (a dotted suffix of a location)."""
    assert response.status_code == 422, (response.status_code, response.text[:500])
    body = response.json()
    p.ErrorResponse.model_validate(body)
    assert body["error"] == "invalid_request"
    locations = [".".join(map(str, d["loc"])) for d in body["details"]]
    assert any(loc.endswith(field) for loc in locations), (field, locations)
    if event_id is not None:
        assert body["event_ids"] == [event_id]  # so the till can park exactly that event
    return body


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def mutate(event: dict) -> None:
        target = event
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return mutate


# -- integers beyond 64 bits, and beyond their meaning -------------------------------------------

@pytest.mark.parametrize("path,value", [
    ("terminal_seq", HUGE),
    ("terminal_seq", 2**63),  # one past BIGINT
    ("payload.lines.0.line_no", HUGE),
    ("payload.total_fen", HUGE),
    ("payload.lines.0.unit_price_fen", 10**13),  # ¥100 billion for a coffee
    ("payload.points_earned", HUGE),
    ("payload.lines.0.points_redeemed", -HUGE),
    ("payload.rounding_fen", -HUGE),
    ("payload.payments.0.tendered_fen", HUGE),
])
def test_integers_beyond_their_range_are_422_naming_the_field(central_server, path, value):
    till = central_server.enrol()
    event = sale_event(till, member_id=None)
    _set(path, value)(event)
    refused(till.push([event]), path.split(".")[-1], event["event_id"])


def test_shift_cash_and_audit_integers_are_bounded(central_server):
    till = central_server.enrol()
    opened, moved, closed, head = shift_events(till)
    cases = [
        (opened, "payload.opening_float_fen", HUGE),
        (moved, "payload.amount_fen", HUGE),
        (closed, "payload.denominations.0.count", HUGE),
        (closed, "payload.denominations.0.denomination_fen", HUGE),
        (closed, "payload.sales_count", 2**63),
        (closed, "payload.tenders.0.counted_fen", -HUGE),
        (head, "payload.seq", HUGE),
    ]
    for event, path, value in cases:
        bad = copy.deepcopy(event)
        _set(path, value)(bad)
        refused(till.push([bad]), path.split(".")[-1], bad["event_id"])
    # The same events within bounds are applied.
    answer = till.push([opened, moved, closed, head])
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 4


def test_query_integers_and_cursors_beyond_range_are_422(central_server):
    till = central_server.enrol()
    refused(till.get("/v1/changes", params={"limit": str(HUGE)}), "limit")
    refused(till.get("/v1/changes", params={"cursor": "9" * 40}), "cursor")
    refused(till.get("/v1/changes", params={"cursor": "-1"}), "cursor")
    assert till.get("/v1/changes", params={"cursor": "9" * 18}).status_code == 409  # ahead


# -- dates and times -----------------------------------------------------------------------------

@pytest.mark.parametrize("path,value", [
    ("payload.sold_at", "0001-01-01T00:00:00+08:00"),  # before year 1 in UTC
    ("payload.sold_at", "9999-12-31T23:00:00-05:00"),  # after year 9999 in UTC
    ("payload.sold_at", "9999-12-31T00:00:00Z"),
    ("created_at", "0001-01-01T00:00:00Z"),
    ("payload.local_time", "9999-12-31T12:00:00"),  # its lot would expire in year 10000
    ("payload.local_time", "0001-01-01T00:00:00"),
    ("payload.local_time", "2026-02-30T12:00:00"),
    ("payload.local_time", "2026-05-20T12:00:00+08:00"),  # a wall clock has no offset
    ("payload.sold_at", 1_780_000_000),  # a unix time is not ISO 8601
])
def test_dates_out_of_range_are_422_naming_the_field(central_server, path, value):
    till = central_server.enrol()
    event = sale_event(till, member_id=None)
    _set(path, value)(event)
    refused(till.push([event]), path.split(".")[-1], event["event_id"])


def test_a_member_sale_in_year_9999_local_time_is_refused_not_a_500(central_server):
    from tests.central.builders import make_member
    till = central_server.enrol()
    event = sale_event(till, member_id=make_member(central_server))
    event["payload"]["local_time"] = "9999-12-31T23:59:59"
    refused(till.push([event]), "local_time", event["event_id"])


def test_a_birthday_in_year_1_is_refused(central_server):
    from tests.central.builders import registration_event, unique_phone
    till = central_server.enrol()
    event = registration_event(till, unique_phone())
    event["payload"]["birthday"] = "0001-01-01"
    refused(till.push([event]), "birthday", event["event_id"])


# -- text ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["payload.receipt_no", "payload.lines.0.name",
                                  "payload.staff_id", "payload.member_code_nonce"])
def test_nul_bytes_in_strings_are_422(central_server, path):
    till = central_server.enrol()
    event = sale_event(till, member_id=None)
    _set(path, "R\x00X")(event)
    refused(till.push([event]), path.split(".")[-1], event["event_id"])


def test_nul_bytes_and_lone_surrogates_elsewhere_are_422(central_server):
    response = requests.post(central_server.base_url + "/v1/enrol", timeout=30, json={
        "code": central_server.enrol_code(), "terminal_name": "Till\x00", "store_id": "S001"})
    refused(response, "terminal_name")
    till = central_server.enrol()
    refused(till.get("/v1/members/lookup", params={"phone": "1380000\x00"}), "phone")
    refused(till.get("/v1/members/lookup", params={"id": "\x00"}), "id")
    event = sale_event(till, member_id=None)
    body = json.dumps({"events": [event]}).replace('"name": "', '"name": "\\ud800', 1)
    response = till.http.post(till.base_url + "/v1/push", data=body.encode(), timeout=30,
                              headers={**till.headers, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text


def test_lookup_parameters_are_checked_by_their_shape(central_server):
    till = central_server.enrol()
    refused(till.get("/v1/members/lookup", params={"id": "not-a-uuid"}), "id")
    refused(till.get("/v1/members/lookup", params={"card": "12"}), "card")
    assert till.get("/v1/members/lookup", params={"card": "999999999999"}).status_code == 404


# -- time zones ----------------------------------------------------------------------------------

@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "../../etc/passwd", "Asia/Shanghai\x00",
                                "", "asia/shanghai"])
def test_unknown_time_zones_are_422(central_server, tz):
    till = central_server.enrol()
    event = sale_event(till, member_id=None)
    event["payload"]["tz"] = tz
    refused(till.push([event]), "tz", event["event_id"])
    opened = shift_events(till)[0]
    opened["payload"]["tz"] = tz
    refused(till.push([opened]), "tz", opened["event_id"])


# -- figures that do not add up ------------------------------------------------------------------

def _sale_with(till, **changes) -> dict:
    event = sale_event(till, member_id=None, total_fen=100)
    event["payload"].update(changes)
    return event


@pytest.mark.parametrize("build,field", [
    (lambda t: _sale_with(t, total_fen=10**15), "total_fen"),  # beyond any sale
    (lambda t: _sale_with(t, total_fen=10**12), "total_fen"),  # in range, but not 100
    (lambda t: _sale_with(t, subtotal_fen=5000), "subtotal_fen"),
    (lambda t: _sale_with(t, tier_discount_fen=50), "tier_discount_fen"),
    (lambda t: _sale_with(t, coupons=[{"code": "X1", "discount_fen": 30}]),
     "coupon_discount_fen"),
    (lambda t: _sale_with(t, payments=[{"tender": "cash", "amount_fen": 5400}]), "total_fen"),
    (lambda t: _set("payload.lines.0.paid_fen", 90)(e := _sale_with(t, total_fen=90)) or e,
     "lines.0.paid_fen"),
])
def test_sales_whose_figures_do_not_add_up_are_422_naming_the_field(central_server, build,
                                                                     field):
    till = central_server.enrol()
    event = build(till)
    body = refused(till.push([event]), field, event["event_id"])
    assert field.split(".")[-1] in body["message"]


def test_a_refund_whose_figures_do_not_add_up_is_422(central_server):
    till = central_server.enrol()
    sale = sale_event(till, member_id=None, total_fen=1800)
    assert till.push([sale]).status_code == 200
    refund = refund_event(till, sale)
    refund["payload"]["amount_fen"] = 5400  # the lines say 1800
    refused(till.push([refund]), "amount_fen", refund["event_id"])
    refund = refund_event(till, sale)
    refund["payload"]["payments"] = [{"tender": "wechat", "amount_fen": 5400}]
    refused(till.push([refund]), "amount_fen", refund["event_id"])
    good = refund_event(till, sale)
    good["payload"]["payments"] = [{"tender": "wechat", "amount_fen": 1800}]
    assert till.push([good]).json()["results"][0]["status"] in ("applied", "conflict")


def test_a_sale_whose_figures_add_up_with_points_and_a_points_tender_is_applied(central_server):
    from tests.central.builders import make_member
    till = central_server.enrol()
    event = sale_event(till, member_id=make_member(central_server, points=50), total_fen=2000,
                       points_redeemed=10, coupons=[("NOPE-1", 300)])
    event["payload"]["payments"].append({"tender": "points", "amount_fen": 1000})
    answer = till.push([event])
    assert answer.status_code == 200, answer.text
