"""Review finding 1: a coupon bound to a member is spent only in that member's sales (merges
followed), and only inside its validity window. A misuse keeps the sale but is a
``coupon_invalid`` conflict; another member's coupon stays available to its owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pos_central import admin
from pos_central import models as m
from pos_member.sync import protocol as p
from tests.central.builders import (
    make_coupon,
    make_member,
    registration_event,
    sale_event,
    unique_code,
    unique_phone,
)


def _coupon(server, code):
    with server.read() as s:
        return s.get(m.Coupon, code)


def test_another_members_coupon_in_an_anonymous_sale_is_a_conflict(central_server):
    till = central_server.enrol()
    owner = make_member(central_server)
    code = make_coupon(central_server, member_id=owner)
    sale = sale_event(till, total_fen=1000, coupons=[(code, 500)])
    (result,) = till.push([sale]).json()["results"]
    assert result["status"] == "conflict", result
    (conflict,) = result["conflicts"]
    assert conflict["kind"] == "coupon_invalid"
    assert conflict["coupon_code"] == code
    # The sale is kept; the coupon stays with its owner.
    assert _coupon(central_server, code).status == "available"
    # ... who can still spend it.
    (mine,) = till.push([sale_event(till, member_id=owner, total_fen=1000,
                                    coupons=[(code, 500)])]).json()["results"]
    assert mine["status"] == "applied", mine
    assert _coupon(central_server, code).status == "used"


def test_another_members_coupon_in_a_members_sale_is_a_conflict(central_server):
    till = central_server.enrol()
    owner, thief = make_member(central_server), make_member(central_server)
    code = make_coupon(central_server, member_id=owner)
    (result,) = till.push([sale_event(till, member_id=thief, total_fen=1000,
                                      coupons=[(code, 500)])]).json()["results"]
    assert [c["kind"] for c in result["conflicts"]] == ["coupon_invalid"]
    assert _coupon(central_server, code).status == "available"


def test_a_coupon_of_a_merged_away_id_is_the_survivors(central_server):
    till = central_server.enrol()
    phone = unique_phone()
    survivor = make_member(central_server, phone=phone)
    reg = registration_event(till, phone)  # the same phone at a till: merged into survivor
    merged = reg["payload"]["member_id"]
    assert till.push([reg]).json()["results"][0]["status"] in ("applied", "conflict")
    old = make_coupon(central_server, member_id=merged)
    new = make_coupon(central_server, member_id=survivor)
    (a,) = till.push([sale_event(till, member_id=survivor, total_fen=1000,
                                 coupons=[(old, 500)])]).json()["results"]
    (b,) = till.push([sale_event(till, member_id=merged, total_fen=1000,
                                 coupons=[(new, 500)])]).json()["results"]
    assert not [c for c in a["conflicts"] + b["conflicts"] if c["kind"].startswith("coupon")]
    assert _coupon(central_server, old).status == "used"
    assert _coupon(central_server, new).status == "used"


def test_a_coupon_outside_its_window_is_a_conflict(central_server):
    till = central_server.enrol()
    member = make_member(central_server)
    now = datetime.now(UTC)
    expired, early = unique_code("EXP"), unique_code("EARLY")
    with central_server.write() as s:
        admin.upsert_coupon(s, p.CouponData(code=expired, kind="amount_off", value_fen=500,
                                            member_id=member, valid_to=now - timedelta(days=1)))
        admin.upsert_coupon(s, p.CouponData(code=early, kind="amount_off", value_fen=500,
                                            valid_from=now + timedelta(days=3)))
    (a,) = till.push([sale_event(till, member_id=member, total_fen=1000,
                                 coupons=[(expired, 500)])]).json()["results"]
    (b,) = till.push([sale_event(till, total_fen=1000,
                                 coupons=[(early, 500)])]).json()["results"]
    assert [c["kind"] for c in a["conflicts"]] == ["coupon_invalid"]
    assert [c["kind"] for c in b["conflicts"]] == ["coupon_invalid"]
    assert "expired" in a["conflicts"][0]["message"]
    # A window case is the coupon's own holder: it is spent (not reusable), with the conflict.
    assert _coupon(central_server, expired).status == "used"
    # Inside the window (naive = store-local) it is fine.
    ok = unique_code("OK")
    with central_server.write() as s:
        admin.upsert_coupon(s, p.CouponData(
            code=ok, kind="amount_off", value_fen=500,
            valid_from=(now + timedelta(hours=8) - timedelta(minutes=5)).replace(tzinfo=None),
            valid_to=(now + timedelta(hours=8) + timedelta(minutes=5)).replace(tzinfo=None)))
    (c,) = till.push([sale_event(till, total_fen=1000, coupons=[(ok, 500)])]).json()["results"]
    assert c["status"] == "applied", c
