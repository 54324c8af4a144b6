"""The pull's lean page reader: members checked field by field exactly as strictly as the
protocol's MemberData, and stored exactly as the typed path would store them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pos_member.sync import protocol as p
from pos_member.sync.apply.members import _instant_text
from pos_member.sync.apply.pull import apply_changes_page
from pos_member.sync.apply.rows import utc_text
from pos_member.sync.lean import PageError, read_page
from tests.services.support import make_till


def member_data(**kw):
    mid = kw.pop("id", str(uuid.uuid4()))
    return {"id": mid, "phone": "13912345678", "card_no": "800000000001", "name": "王五",
            "birthday": "1990-02-28", "tier": "silver", "growth": 3200, "points": -5,
            "lots": [{"earned_on": "2026-01-01", "expires_on": "2027-12-31", "points": 10}],
            "marketing_consent": True, "registered_at": "2025-05-01T08:00:00+08:00",
            "last_purchase_at": "2026-11-20T04:00:00.123Z", "version": 7, **kw}


def body(*members, extra=()):
    changes = [{"entity": "member", "seq": i + 1, "id": m["id"], "deleted": False, "data": m}
               for i, m in enumerate(members)] + list(extra)
    return json.dumps({"changes": changes, "next_cursor": "9", "has_more": False,
                       "feed_id": "f", "server_time": "2026-11-24T07:00:00Z"}).encode()


def test_a_valid_page_reads_as_the_protocol_does():
    m = member_data()
    product = {"entity": "product", "seq": 9, "id": "C001", "deleted": False,
               "data": {"sku": "C001", "name": "美式", "unit_price_fen": 2200}}
    tomb = {"entity": "member", "seq": 10, "id": str(uuid.uuid4()), "deleted": True,
            "data": None, "merged_into": m["id"]}
    page = read_page(body(m, extra=[product, tomb]))
    assert page.members == [m] and page.next_cursor == "9" and page.feed_id == "f"
    assert [c.entity for c in page.changes] == ["product", "member"]
    assert str(page.changes[1].merged_into) == m["id"]
    typed = p.ChangesPage.model_validate_json(body(m))
    assert p.MemberData.model_validate(page.members[0]) == typed.changes[0].data


@pytest.mark.parametrize("field,value", [
    ("id", "not-a-uuid"), ("id", 12), ("growth", 1.5), ("growth", True), ("points", "5"),
    ("version", None), ("birthday", "1990-02-30"), ("birthday", "19900228"),
    ("registered_at", "2025-05-01T08:00:00"), ("registered_at", "yesterday"),
    ("last_purchase_at", 5), ("lots", {}), ("lots", [{"earned_on": "2026-01-01"}]),
    ("lots", [{"earned_on": "2026-01-01", "expires_on": "2027-12-31", "points": 1.0}]),
    ("tier", ""), ("name", None), ("phone", 13912345678), ("marketing_consent", "yes"),
])
def test_wrong_member_fields_are_refused(field, value):
    # as strict as the protocol's MemberData, or stricter (no unix-seconds instants, no
    # empty tier): what the service writes always passes
    with pytest.raises(PageError):
        read_page(body(member_data(**{field: value})))


@pytest.mark.parametrize("content", [
    b"", b"<html>", b"[]", b'{"changes": []}',
    (b'{"changes": {}, "next_cursor": "1", "has_more": false, "feed_id": "f"}'), body(extra=[{"entity": "product", "seq": 1,
                                                        "id": "X", "data": {"sku": "X"}}]),
    body(extra=["not an object"]), json.dumps({"changes": [{"entity": "member", "id": "a",
                                                            "data": member_data()}],
                                               "next_cursor": "1", "has_more": False,
                                               "feed_id": "f"}).encode(),
])
def test_broken_pages_are_refused(content):
    with pytest.raises(PageError):
        read_page(content)


instants = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1),
                        timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)),
                                                   timezone(timedelta(hours=-5, minutes=-30))]))


@settings(max_examples=300)
@given(instants)
def test_instants_are_stored_as_the_typed_path_stores_them(moment):
    wire = moment.isoformat().replace("+00:00", "Z")  # as the service writes them
    assert _instant_text(wire) == utc_text(moment)


def test_a_lean_page_stores_what_a_typed_page_stores(tmp_path):
    members = [member_data(phone=f"1391234{i:04d}", card_no=f"80000000{i:04d}")
               for i in range(20)]
    members[3]["registered_at"] = "2025-05-01T00:00:00Z"
    members[4]["last_purchase_at"] = None
    members[5]["lots"] = []
    content = body(*members)
    rows = []
    for name, page in (("lean", read_page(content)),
                       ("typed", p.ChangesPage.model_validate_json(content))):
        till = make_till(tmp_path / name)
        apply_changes_page(till.ctx.sessions, page)
        with till.ctx.read_sessions() as s:
            rows.append((
                s.execute(text("SELECT id, phone, phone_last4, card_no, name, birthday, tier, "
                               "growth, points, marketing_consent, registered_at, "
                               "last_purchase_at, origin, central_version FROM members "
                               "WHERE origin = 'central' AND central_version = 7 "
                               "ORDER BY id")).all(),
                s.execute(text("SELECT member_id, earned_on, expires_on, points FROM point_lots "
                               "WHERE member_id IN (SELECT id FROM members WHERE "
                               "central_version = 7) ORDER BY member_id")).all()))
    assert rows[0] == rows[1] and len(rows[0][0]) == 20
