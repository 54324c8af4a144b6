"""Gifts pushed to the service (issue 11 part A): each gift id is applied once; a second issue
of it is a ``gift_already_issued`` conflict; a gift the service's rules do not give is kept and
reported as ``gift_mismatch`` with its reason; a replayed event changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pos_central import admin, gifts
from pos_central import models as m
from pos_central.gifts import GiftIssue
from pos_member.domain.gifts import gift_coupon_code, gift_id
from pos_member.domain.rules import DEFAULT_RULES
from pos_member.sync import protocol as p
from tests.central.builders import _dump, make_member

RULES = DEFAULT_RULES.with_overrides({
    "birthday_gift": {"value": "30.00", "title": "生日礼"},
    "upgrade_gifts": {"gold": {"value": "50.00"}},
})
AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fixed_dates_are_not_stale(monkeypatch):
    """These tests issue on fixed dates; the age limit is tested in test_gifts_trust.py."""
    monkeypatch.setattr(gifts, "MAX_GIFT_AGE", timedelta(days=365 * 100))


def gift_event(till, member_id: str, *, gift: str = "birthday", kind: str = "birthday",
               period: str = "2026", value_fen: int = 3000, local: date = date(2026, 11, 24),
               gid: str | None = None, event_id=None, at: datetime = AT) -> dict:
    gid = gid or gift_id(member_id, gift, period)
    start = (at + timedelta(hours=8)).replace(tzinfo=None)
    return _dump(p.GiftIssuedEvent(
        event_id=event_id or uuid.uuid4(), terminal_seq=till.take_seq(), created_at=AT,
        payload=p.GiftIssuedPayload(
            gift_id=gid, member_id=member_id, kind=kind, gift=gift, period=period,
            coupon=p.GiftCouponData(code=gift_coupon_code(gid), kind="amount_off",
                                    value_fen=value_fen, valid_from=start,
                                    valid_to=start + timedelta(days=30)),
            issued_at=at, local_date=local, store_id=till.store_id)))


def _birthday_member(server) -> str:
    member_id = make_member(server)
    with server.write() as s:
        admin.set_rules(s, RULES, effective_from=datetime(2026, 1, 1, tzinfo=UTC))
        s.get(m.Member, member_id).birthday = date(1990, 11, 5)
    return member_id


def test_the_same_gift_from_two_tills_is_one_gift_and_one_conflict(central_server):
    a, b = central_server.enrol("A"), central_server.enrol("B")
    member_id = _birthday_member(central_server)
    first = gift_event(a, member_id)
    (r1,) = a.push([first]).json()["results"]
    (r2,) = b.push([gift_event(b, member_id)]).json()["results"]
    assert r1["status"] == "applied" and r1["conflicts"] == []
    assert r2["status"] == "conflict"
    (c,) = r2["conflicts"]
    assert c["kind"] == "gift_already_issued" and c["other_terminal_id"] == a.terminal_id
    # the first till pushing its event again (a lost answer) changes nothing either
    (r3,) = a.push([first]).json()["results"]
    assert r3["status"] in ("applied", "duplicate") and r3.get("conflicts", []) == []
    with central_server.read() as s:
        (row,) = s.scalars(select(GiftIssue).where(GiftIssue.member_id == member_id)).all()
        assert row.terminal_id == a.terminal_id
        coupon = s.get(m.Coupon, gift_coupon_code(row.gift_id))
        assert (coupon.member_id, coupon.value_fen) == (member_id, 3000)
        assert len(s.scalars(select(m.Conflict).where(m.Conflict.member_id == member_id)
                             ).all()) == 1


def test_gifts_the_rules_do_not_give_are_kept_and_reported(central_server):
    a = central_server.enrol("A")
    member_id = _birthday_member(central_server)
    cases = [
        (gift_event(a, member_id, local=date(2026, 12, 2),
                    at=datetime(2026, 12, 2, 7, tzinfo=UTC)), "not_birthday_month"),
        (gift_event(a, member_id, period="2025"), "period"),
        # (another period: a second 2026 birthday gift under a made-up id is already issued)
        (gift_event(a, member_id, gid=str(uuid.uuid4()), period="2024"), "gift_id"),
        (gift_event(a, member_id, gift="upgrade:gold", kind="upgrade", period="once",
                    value_fen=5000), "tier_not_reached"),
    ]
    for event, reason in cases:
        (r,) = a.push([event]).json()["results"]
        assert r["status"] == "conflict", reason
        assert [(c["kind"], c["detail"]["reason"]) for c in r["conflicts"]] == [
            ("gift_mismatch", reason)]
    (r,) = a.push([gift_event(a, member_id, value_fen=9900, period="2026")]).json()["results"]
    # the same birthday gift id as the december one: already issued
    assert [c["kind"] for c in r["conflicts"]] == ["gift_already_issued"]
    with central_server.read() as s:
        assert len(s.scalars(select(GiftIssue).where(
            GiftIssue.member_id == member_id)).all()) == 4  # kept as issued
