"""Review findings 6 (gift part), 8 and 10: a gift's store-local date must be the store's date
at its instant and the gift recent; one gift per member and period across merged ids; the
wallet coupon is exactly the one the rules give (domain coupon_for). Each misuse is kept as
sent where the design says so, and reported."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from pos_central import admin
from pos_central import models as m
from pos_central.gifts import GiftIssue
from pos_member.domain.gifts import gift_coupon_code, gift_id
from pos_member.domain.rules import DEFAULT_RULES
from pos_member.sync import protocol as p
from tests.central.builders import _dump, make_member, registration_event, unique_phone

RULES = DEFAULT_RULES.with_overrides({"birthday_gift": {"value": "30.00", "title": "生日礼"}})


def _gift(till, member_id, *, at=None, local=None, valid_to=None, gid=None):
    at = at or datetime.now(UTC).replace(microsecond=0)
    start = (at + timedelta(hours=8)).replace(tzinfo=None)
    period = str(start.year)
    gid = gid or gift_id(member_id, "birthday", period)
    return _dump(p.GiftIssuedEvent(
        event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=at,
        payload=p.GiftIssuedPayload(
            gift_id=gid, member_id=member_id, kind="birthday", gift="birthday", period=period,
            coupon=p.GiftCouponData(code=gift_coupon_code(gid), kind="amount_off",
                                    value_fen=3000, valid_from=start,
                                    valid_to=valid_to or start + timedelta(days=30)),
            issued_at=at, local_date=local or start.date(), store_id=till.store_id)))


def _birthday_member(server, month: int, phone: str | None = None) -> str:
    member_id = make_member(server, phone=phone)
    with server.write() as s:
        admin.set_rules(s, RULES, effective_from=datetime(2026, 1, 1, tzinfo=UTC))
        s.get(m.Member, member_id).birthday = date(1990, month, 5)
    return member_id


def _reasons(result):
    return [(c["kind"], c["detail"].get("reason")) for c in result["conflicts"]]


def _coupon_status(server, code):
    with server.read() as s:
        return s.get(m.Coupon, code).status


def test_a_back_dated_gift_is_reported_and_its_coupon_not_spendable(central_server):
    till = central_server.enrol()
    old = datetime.now(UTC).replace(microsecond=0) - timedelta(days=120)
    member_id = _birthday_member(central_server, (old + timedelta(hours=8)).month)
    event = _gift(till, member_id, at=old)
    (r,) = till.push([event]).json()["results"]
    assert _reasons(r) == [("gift_mismatch", "stale")]
    assert _coupon_status(central_server, event["payload"]["coupon"]["code"]) == "void"


def test_a_local_date_other_than_the_instants_is_reported(central_server):
    till = central_server.enrol()
    now = datetime.now(UTC).replace(microsecond=0)
    member_id = _birthday_member(central_server, (now + timedelta(hours=8)).month)
    event = _gift(till, member_id, local=(now + timedelta(hours=8)).date() - timedelta(days=7))
    (r,) = till.push([event]).json()["results"]
    assert _reasons(r) == [("gift_mismatch", "local_date")]
    assert _coupon_status(central_server, event["payload"]["coupon"]["code"]) == "void"


def test_a_second_birthday_gift_through_a_merged_away_id_is_already_issued(central_server):
    till = central_server.enrol()
    now = datetime.now(UTC).replace(microsecond=0)
    phone = unique_phone()
    survivor = _birthday_member(central_server, (now + timedelta(hours=8)).month, phone)
    reg = registration_event(till, phone)
    merged = reg["payload"]["member_id"]
    till.push([reg])
    (first,) = till.push([_gift(till, survivor)]).json()["results"]
    assert first["conflicts"] == [], first
    second = _gift(till, merged)
    (r,) = till.push([second]).json()["results"]
    assert _reasons(r) == [("gift_already_issued", "merged_member")]
    with central_server.read() as s:
        assert s.get(m.Coupon, second["payload"]["coupon"]["code"]) is None
        assert len(s.scalars(select(GiftIssue).where(
            GiftIssue.member_id.in_([survivor, merged]))).all()) == 1


def test_a_gift_coupon_with_other_terms_than_the_rules_is_reported(central_server):
    till = central_server.enrol()
    now = datetime.now(UTC).replace(microsecond=0)
    member_id = _birthday_member(central_server, (now + timedelta(hours=8)).month)
    (r,) = till.push([_gift(till, member_id, valid_to=datetime(2099, 1, 1))]).json()["results"]
    assert _reasons(r) == [("gift_mismatch", "figures")]
