"""Dormant members: the 90/180-day segments, a win-back offer issued to a segment (personal
coupons in the feed, nobody twice), and the recall figures after members come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pos_central import admin, dormant
from pos_central import models as m
from pos_central.cli import main
from tests.central.builders import sale_event, unique_phone


def _member(s, days_ago: int | None, now: datetime, consent: bool = True) -> str:
    member = admin.create_member(
        s, phone=unique_phone(), consent=consent,
        last_purchase_at=None if days_ago is None else now - timedelta(days=days_ago))
    if days_ago is None:
        member.registered_at = now - timedelta(days=400)
    return member.id


def test_segments_offer_and_recall(make_central_server, capsys):
    server = make_central_server()
    now = datetime.now(UTC)
    with server.write() as s:
        active = _member(s, 10, now)
        d100 = [_member(s, 100, now) for _ in range(3)]
        d200 = _member(s, 200, now, consent=False)
        never = _member(s, None, now)
    with server.read() as s:
        seg = {x.days: x for x in dormant.segments(s, now)}
    assert seg[90].members == 5 and seg[180].members == 2
    assert seg[90].with_consent == 4

    with server.write() as s:
        c = dormant.issue_winback(s, 90, value_fen=1500, valid_days=14, now=now)
        campaign_id = c.id
        assert c.members == 5
    with server.read() as s:
        coupons = s.execute(select(m.Coupon).where(m.Coupon.code.like("WB-%"))).scalars().all()
        assert {x.member_id for x in coupons} == {*d100, d200, never}
        assert active not in {x.member_id for x in coupons}
        assert all(x.value_fen == 1500 and x.threshold_fen == 0 for x in coupons)
    with server.write() as s:  # a second issue skips members who still hold an offer
        assert dormant.issue_winback(s, 90, value_fen=1500, now=now).members == 0

    till = server.enrol()
    code = next(x.code for x in coupons if x.member_id == d100[0])
    back = sale_event(till, member_id=d100[0], total_fen=4500, coupons=[(code, 1500)])
    back2 = sale_event(till, member_id=d200, total_fen=2000)
    results = till.push([back, back2]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results

    with server.read() as s:
        (r,) = dormant.recall_report(s, campaign_id)
    assert (r.issued, r.came_back, r.used_offer, r.spent_fen) == (5, 2, 1, 6500)
    assert r.recall_rate_bp == 4000
    with server.read() as s:
        seg = {x.days: x for x in dormant.segments(s, datetime.now(UTC))}
    assert seg[90].members == 3  # the two who came back are no longer dormant

    assert main(["dormant", "report", "--database-url", server.database_url]) == 0
    out = capsys.readouterr().out
    assert "came back 2 (40.00%)" in out and "spent ¥65.00" in out


def test_bad_offer_is_refused_with_a_message():
    import pytest

    with pytest.raises(ValueError, match="value"):
        dormant.issue_winback(None, 90, value_fen=0)  # type: ignore[arg-type]
