"""Enrolment with one-time codes, and bearer tokens on the rest of the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from pos_central.auth import new_enrol_code


def enrol(server, code: str, store_id: str = "S001", name: str = "Till 1"):
    return requests.post(server.base_url + "/v1/enrol", timeout=30,
                         json={"code": code, "terminal_name": name, "store_id": store_id})


def test_a_code_enrols_one_terminal_once(central_server):
    code = central_server.enrol_code()
    first = enrol(central_server, code)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["token"].startswith("pmt_") and len(body["token"]) > 40
    assert body["store_id"] == "S001" and body["protocol_version"] == 1
    again = enrol(central_server, code, name="Till 2")
    assert again.status_code == 403
    assert again.json()["error"] == "enrolment_code_used"


def test_codes_are_case_and_hyphen_insensitive(central_server):
    code = central_server.enrol_code()
    typed = code.replace("-", " ").lower()
    assert enrol(central_server, typed).status_code == 201


def test_unknown_expired_and_other_store_codes_are_refused(central_server):
    assert enrol(central_server, "NOPE-NOPE-NOPE").json()["error"] == "enrolment_code_invalid"
    expired = new_enrol_code(central_server.db, ttl=timedelta(seconds=-1))
    answer = enrol(central_server, expired)
    assert answer.status_code == 403 and answer.json()["error"] == "enrolment_code_expired"
    bound = central_server.enrol_code(store_id="S777")
    answer = enrol(central_server, bound, store_id="S001")
    assert answer.status_code == 403 and "S777" in answer.json()["message"]
    assert enrol(central_server, bound, store_id="S777").status_code == 201


def test_the_token_opens_the_api(central_server):
    till = central_server.enrol("Till T")
    assert till.get("/v1/changes", params={"limit": 1}).status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer pmt_not-a-real-token", "Basic dXNlcjpwdw==",
                                    "Bearer", "pmt_token-without-scheme"])
@pytest.mark.parametrize("method,path", [("get", "/v1/changes"), ("post", "/v1/push"),
                                         ("get", "/v1/members/lookup?phone=13800000001")])
def test_a_bad_or_missing_token_is_401(central_server, header, method, path):
    headers = {"Authorization": header} if header else {}
    response = requests.request(method, central_server.base_url + path, headers=headers,
                                json={"events": []} if method == "post" else None, timeout=30)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_are_stored_hashed(central_server):
    from sqlalchemy import select

    from pos_central import models as m

    till = central_server.enrol("Till H")
    with central_server.read() as s:
        stored = s.execute(select(m.Terminal.token_hash)
                           .where(m.Terminal.id == till.terminal_id)).scalar_one()
    assert till.token not in stored and len(stored) == 64
