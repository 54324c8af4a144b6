"""Bad requests get a 4xx with an ErrorResponse body that says what is wrong; never a 500."""

from __future__ import annotations

import copy
import json

import pytest
import requests

from pos_member.sync import protocol as p
from tests.central.builders import sale_event


def post_raw(till, body: bytes, content_type: str = "application/json") -> requests.Response:
    return till.http.post(till.base_url + "/v1/push", data=body, timeout=30,
                          headers={**till.headers, "Content-Type": content_type})


def assert_error(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = p.ErrorResponse.model_validate(response.json())
    assert body.error == code and body.message
    return response.json()


@pytest.mark.parametrize("body", [
    b"{", b'{"events": [', b"not json at all", b'{"events": [1, 2,]}', b"\xff\xfe\x00garbage",
    b'{"events": "x"', b"[" * 100_000 + b"]" * 100_000, b'{"events": [{"kind": "sale"}]} trailing',
])
def test_corrupt_json_is_422_with_a_clear_message(central_server, body):
    till = central_server.enrol()
    error = assert_error(post_raw(till, body), 422, "invalid_request")
    assert "JSON" in error["message"] or "events" in error["message"]


@pytest.mark.parametrize("mutate,where", [
    (lambda e: e.pop("event_id"), "event_id"),
    (lambda e: e.update(kind="teleport"), "events.0"),
    (lambda e: e.update(terminal_seq=0), "terminal_seq"),
    (lambda e: e.update(created_at="2026-01-01T10:00:00"), "created_at"),  # no offset
    (lambda e: e["payload"].update(total_fen=28.0), "total_fen"),  # money as a float
    (lambda e: e["payload"].update(total_fen="28.00"), "total_fen"),  # money as yuan text
    (lambda e: e["payload"]["lines"][0].update(qty=1.5), "qty"),  # a float quantity
    (lambda e: e["payload"]["lines"][0].update(qty="0"), "qty"),
    (lambda e: e["payload"].update(lines=[]), "lines"),
    (lambda e: e["payload"].update(surprise=True), "surprise"),  # unknown field
    (lambda e: e["payload"].update(sale_id="not-a-uuid"), "sale_id"),
    (lambda e: e["payload"].update(member_id=None, points_earned=3), "member_id"),
])
def test_invalid_events_are_422_naming_the_field(central_server, mutate, where):
    till = central_server.enrol()
    event = sale_event(till, member_id="00000000-0000-4000-8000-000000000001")
    mutate(event)
    error = assert_error(till.push([event]), 422, "invalid_request")
    assert where in error["message"] or any(where in ".".join(map(str, d["loc"]))
                                            for d in error["details"])


@pytest.mark.parametrize("body", [{}, {"events": []}, {"events": None}, [], "events", 42,
                                  {"events": [None]}, {"events": [{}]}])
def test_wrong_shapes_are_422(central_server, body):
    till = central_server.enrol()
    assert_error(till.post("/v1/push", data=json.dumps(body),
                           headers={"Content-Type": "application/json"}), 422, "invalid_request")


def test_an_empty_body_and_a_wrong_content_type_are_422(central_server):
    till = central_server.enrol()
    assert_error(post_raw(till, b""), 422, "invalid_request")
    valid = json.dumps({"events": [sale_event(till)]}).encode()
    assert_error(post_raw(till, valid, "text/plain"), 422, "invalid_request")


def test_too_many_events_in_one_push_is_422(central_server):
    till = central_server.enrol()
    event = sale_event(till)
    events = []
    for i in range(p.MAX_EVENTS_PER_PUSH + 1):
        e = copy.deepcopy(event)
        e["event_id"] = f"00000000-0000-4000-8000-{i:012d}"
        events.append(e)
    assert_error(till.push(events), 422, "invalid_request")


def test_an_oversized_body_is_413(central_server, monkeypatch):
    import pos_central.app as app_module

    till = central_server.enrol()
    monkeypatch.setattr(app_module, "MAX_BODY_BYTES", 1000)
    answer = post_raw(till, b" " * 5000)
    monkeypatch.undo()
    assert_error(answer, 413, "payload_too_large")


def test_an_enrolment_with_bad_fields_is_422(central_server):
    answer = requests.post(central_server.base_url + "/v1/enrol", timeout=30,
                           json={"code": "ABCD-EFGH", "terminal_name": "", "store_id": "S 1"})
    error = assert_error(answer, 422, "invalid_request")
    assert {d["loc"][-1] for d in error["details"]} == {"terminal_name", "store_id"}


def test_an_unsupported_protocol_version_is_400(central_server):
    answer = requests.get(central_server.base_url + "/v1/time", timeout=30,
                          headers={p.PROTOCOL_HEADER: "2"})
    assert_error(answer, 400, "unsupported_protocol")
    ok = requests.get(central_server.base_url + "/v1/time", timeout=30,
                      headers={p.PROTOCOL_HEADER: "1"})
    assert ok.status_code == 200 and ok.headers[p.PROTOCOL_HEADER] == "1"


def test_unknown_paths_and_methods_answer_in_the_error_model(central_server):
    assert_error(requests.get(central_server.base_url + "/v1/nothing", timeout=30), 404,
                 "not_found")
    answer = requests.get(central_server.base_url + "/v1/push", timeout=30)
    assert answer.status_code == 405 and "error" in answer.json()


def test_a_422_on_push_names_the_events_it_is_about(central_server):
    till = central_server.enrol()
    good, bad, worse = sale_event(till), sale_event(till), sale_event(till)
    bad["payload"]["total_fen"] = 1.5
    worse["event_id"] = "not-a-uuid"
    worse["payload"]["total_fen"] = "x"
    error = assert_error(till.push([good, bad, worse]), 422, "invalid_request")
    assert error["event_ids"] == [bad["event_id"]]
    assert "integer number of fen" in error["message"]
