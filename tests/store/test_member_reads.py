"""The lean member reads (store.member_reads) give what the ORM gives, column for column."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import text

from pos_member.store import member_reads
from pos_member.store.db import transaction
from pos_member.store.models import Member, PointLot
from pos_member.store.repositories import (
    find_member_by_card,
    find_member_by_last4,
    find_member_by_phone,
)
from tests.store.factories import T0, make_member


def _as_orm(s, member_id: str) -> dict[str, object]:
    m = s.get(Member, member_id)
    return {c.key: getattr(m, c.key) for c in Member.__table__.columns}


def test_record_has_every_member_column_in_the_select_order() -> None:
    assert member_reads.MEMBER_COLUMNS == tuple(c.name for c in Member.__table__.columns)
    assert tuple(f.name for f in dataclasses.fields(member_reads.MemberRecord)) == (
        member_reads.MEMBER_COLUMNS
    )


def test_records_equal_orm_objects_field_for_field(sessions) -> None:
    with transaction(sessions) as s:
        s.add(make_member("13800001234", id="full", card_no="C-1", name="王小明",
                          birthday=date(1990, 2, 28), tier="gold", growth=120, points=-5,
                          marketing_consent=True, registered_at=T0 - timedelta(days=400),
                          last_purchase_at=T0.astimezone(timezone(timedelta(hours=8))),
                          central_version=7))
        s.add(make_member("13900005678", id="bare", name="Ann"))
    with transaction(sessions) as s:
        # A value written by hand without a zone is UTC by contract (types.UTCDateTime).
        s.execute(text("UPDATE members SET updated_at = '2026-01-02T03:04:05' WHERE id = 'bare'"))
    with transaction(sessions) as s:
        full = find_member_by_card(s, "C-1")
        bare = find_member_by_phone(s, "13900005678")
        assert full is not None and bare is not None
        assert dataclasses.asdict(full) == _as_orm(s, "full")
        assert dataclasses.asdict(bare) == _as_orm(s, "bare")
        assert bare.updated_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert full.last_purchase_at is not None and full.last_purchase_at.tzinfo is UTC
        assert full.marketing_consent is True and bare.marketing_consent is False
        assert bare.birthday is None and bare.name_initials is None
        assert full.name_initials == "wxm"
        assert find_member_by_card(s, "C-2") is None
        assert find_member_by_phone(s, "13900000000") is None


def test_last_four_in_recency_order_and_limited(sessions) -> None:
    with transaction(sessions) as s:
        # bought 0, 2, 4 days ago; never bought, registered 11 and 13 days ago
        for i in range(5):
            s.add(make_member(f"138{i:04d}1234", id=f"m{i}",
                              last_purchase_at=T0 - timedelta(days=i) if i % 2 == 0 else None,
                              registered_at=T0 - timedelta(days=10 + i)))
        s.add(make_member("13900005678", id="other"))
    with transaction(sessions) as s:
        assert [m.id for m in find_member_by_last4(s, "1234")] == ["m0", "m2", "m4", "m1", "m3"]
        assert [m.id for m in find_member_by_last4(s, "1234", limit=2)] == ["m0", "m2"]
        assert [m.id for m in find_member_by_last4(s, "5678")] == ["other"]
        assert find_member_by_last4(s, "0000") == []


def test_lots_read_lean_match_the_relationship(sessions) -> None:
    with transaction(sessions) as s:
        m = make_member("13800001234", id="lots")
        m.point_lots = [
            PointLot(earned_on=date(2026, 3, 1), points=30, expires_on=date(2027, 3, 1)),
            PointLot(earned_on=date(2026, 1, 1), points=10, expires_on=date(2027, 1, 1)),
        ]
        s.add(m)
    with transaction(sessions) as s:
        lean = member_reads.point_lots(s, "lots")
        orm = sorted((lot.earned_on, lot.points, lot.expires_on)
                     for lot in s.get(Member, "lots").point_lots)
        assert lean == [(date(2026, 1, 1), 10, date(2027, 1, 1)),
                        (date(2026, 3, 1), 30, date(2027, 3, 1))]
        assert sorted(lean) == orm
        assert member_reads.point_lots(s, "nobody") == []


def test_a_record_is_read_in_the_callers_transaction(sessions) -> None:
    # Flushed but not committed: the lean read sees it, like the ORM query did.
    with transaction(sessions) as s:
        s.add(make_member("13600004321", id="new", card_no="C-9"))
        s.flush()
        found = find_member_by_card(s, "C-9")
        assert found is not None and found.id == "new"


def test_member_state_sums_only_unconfirmed_entries_by_sign_and_day(sessions) -> None:
    from pos_member.store import checkout_reads
    from pos_member.store.models import PointsLedgerEntry

    day_start = T0 - timedelta(hours=1)
    entries = [  # (kind, points, growth, at, confirmed)
        ("earn", 30, 300, T0, False),
        ("redeem", -7, 0, T0, False),                         # today
        ("redeem", -11, 0, day_start - timedelta(minutes=1), False),  # yesterday
        ("reverse_earn", -4, -40, T0, False),                 # negative, not a redemption
        ("earn", 1000, 5000, T0, True),                       # confirmed: not counted
        ("redeem", -500, 0, T0, True),
        ("adjust", 0, 9, T0, False),
    ]
    with transaction(sessions) as s:
        s.add(make_member("13800001234", id="m1"))
        s.add(make_member("13900005678", id="m2"))
        s.flush()
        for kind, points, growth, at, confirmed in entries:
            s.add(PointsLedgerEntry(member_id="m1", kind=kind, points=points, growth=growth,
                                    at=at, confirmed=confirmed))
        s.add(PointsLedgerEntry(member_id="m2", kind="redeem", points=-3, growth=0, at=T0,
                                confirmed=False))
    with transaction(sessions) as s:
        one = checkout_reads.member_state(s, "m1", day_start)
        other = checkout_reads.member_state(s, "m2", day_start)
        none = checkout_reads.member_state(s, "nobody", day_start)
    assert one is not None and other is not None and none is None
    assert (one.pending_out, one.pending_in, one.growth_delta, one.redeemed_today) == \
        (7 + 11 + 4, 30, 300 - 40 + 9, 7)
    assert (other.pending_out, other.pending_in, other.growth_delta, other.redeemed_today) == \
        (3, 0, 0, 3)
    with transaction(sessions) as s:
        bare = checkout_reads.member_state(s, "m1", T0 + timedelta(days=1))
        s.execute(text("UPDATE points_ledger SET confirmed = 1"))
        empty = checkout_reads.member_state(s, "m1", day_start)
    assert bare is not None and bare.redeemed_today == 0
    assert empty is not None and (empty.pending_out, empty.pending_in, empty.growth_delta,
                                  empty.redeemed_today) == (0, 0, 0, 0)
