"""Review finding 15: malformed operator forms are a 422 with the field named, not a 500 (nor
a long loop for a huge row count)."""

from __future__ import annotations

import json

from tests.console.test_console_operations import Console, form_pairs


def _programme(op):
    return [(k, v) for k, v in form_pairs(op.get("/console/programme").text, "programme-form")
            if k != "csrf_token"]


def test_programme_row_counts_must_be_small_whole_numbers(console_server):
    op = Console(console_server, "operator")
    pairs = _programme(op)
    for key in ("t.tiers.rows", "md.rows"):
        assert any(k == key for k, _ in pairs), key
        for bad in ("lots", "-1", "99999999999"):
            answer = op.post("/console/programme", [(k, bad if k == key else v)
                                                    for k, v in pairs])
            assert answer.status_code == 422, (key, bad, answer.status_code)
            assert "row count" in answer.text


def test_winback_days_not_a_number_is_a_422(console_server):
    op = Console(console_server, "operator")
    answer = op.post("/console/coupons/winback", {"wb_days": "ninety", "wb_value": "15"})
    assert answer.status_code == 422 and "90 or 180 days" in answer.text


def test_a_quota_without_its_fields_is_a_422(console_server):
    op = Console(console_server, "operator")
    pairs = [(k, v) for k, v in form_pairs(op.get("/console/benefits").text, "benefits-form")
             if k != "csrf_token" and k != "b.quotas"]
    answer = op.post("/console/benefits", pairs + [("b.quotas", json.dumps([{"benefit": "A"}]))])
    assert answer.status_code == 422, answer.status_code
    assert "not complete" in answer.text
