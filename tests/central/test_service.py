"""Member lookup, time, health, the OpenAPI document, and a restart of the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from pos_member.sync import protocol as p
from tests.central.builders import make_coupon, make_member, sale_event, unique_phone


def test_lookup_by_phone_card_and_id(central_server):
    till = central_server.enrol()
    phone = unique_phone()
    member_id = make_member(central_server, phone=phone, points=42, growth=3100)
    code = make_coupon(central_server, member_id=member_id)
    used = make_coupon(central_server, member_id=member_id)
    till.push([sale_event(till, member_id=member_id, coupons=[(used, 500)], total_fen=0)])
    by_phone = p.MemberLookupResponse.model_validate(
        till.get("/v1/members/lookup", params={"phone": phone}).json())
    assert str(by_phone.member.id) == member_id and by_phone.member.tier == "silver"
    assert by_phone.member.points == 42 and by_phone.member.lots[0].points == 42
    assert [c.code for c in by_phone.coupons] == [code]  # the used one is not offered
    card = by_phone.member.card_no
    for params in ({"card": card}, {"id": member_id}):
        answer = till.get("/v1/members/lookup", params=params).json()
        assert answer["member"]["id"] == member_id


def test_lookup_misses_and_bad_queries(central_server):
    till = central_server.enrol()
    missing = till.get("/v1/members/lookup", params={"phone": "13000000000"})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    for params in ({}, {"phone": "1", "card": "2"}, {"phone": "  "}):
        answer = till.get("/v1/members/lookup", params=params)
        assert answer.status_code == 422 and answer.json()["error"] == "invalid_request"


def test_time_and_health(central_server):
    before = datetime.now(UTC) - timedelta(seconds=1)
    body = requests.get(central_server.base_url + "/v1/time", timeout=30).json()
    server_time = p.TimeResponse.model_validate(body).server_time
    assert before <= server_time <= datetime.now(UTC) + timedelta(seconds=1)
    assert body["server_time"].endswith("Z")
    health = requests.get(central_server.base_url + "/v1/health", timeout=30)
    assert health.status_code == 200
    assert health.json() | {"version": ""} == {"status": "ok", "database": "ok",
                                                "protocol_version": 1, "version": ""}


def test_the_openapi_document_describes_the_wire_models(central_server):
    doc = requests.get(central_server.base_url + "/openapi.json", timeout=30).json()
    paths = set(doc["paths"])
    assert {"/v1/enrol", "/v1/push", "/v1/changes", "/v1/members/lookup", "/v1/time",
            "/v1/health"} <= paths
    schemas = doc["components"]["schemas"]
    for name in ("PushRequest", "PushResponse", "SalePayload", "ChangesPage", "MemberData",
                 "CouponData", "ErrorResponse", "ConflictInfo"):
        assert name in schemas, name
    assert schemas["SaleLine"]["properties"]["qty"]["type"] == "string"
    assert schemas["SalePayload"]["properties"]["total_fen"]["type"] == "integer"


def test_a_restart_loses_nothing(make_central_server):
    server = make_central_server()
    till = server.enrol()
    member_id = make_member(server)
    sale = sale_event(till, member_id=member_id, total_fen=5000)
    till.push([sale])
    port = server.port
    server.restart()
    assert server.port == port
    assert till.push([sale]).json()["results"][0]["status"] == "duplicate"
    answer = till.get("/v1/members/lookup", params={"id": member_id}).json()
    assert answer["member"]["points"] == 5
