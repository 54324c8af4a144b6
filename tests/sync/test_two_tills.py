"""Two tills, one service: what happens when they both sold offline.

A single-use coupon redeemed at both, and a member's points overdrawn by both: after both
sync, both sales exist, one conflict of each kind is recorded on the service and on the till
that arrived second, and the negative balance is reported, never clamped. The same phone
registered at both tills offline becomes one member.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from pos_central import admin
from pos_central import models as cm
from pos_member.services.shifts import x_report
from pos_member.store.models import (
    Coupon,
    Member,
    OutboxEvent,
    PointsLedgerEntry,
    Sale,
    SyncConflict,
)
from pos_member.sync.client import OfflineError
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import (
    MEMBERS,
    SyncTill,
    central_conflicts,
    central_points,
    check_settled,
    make_coupon,
    merges,
    seed_central_members,
)


@pytest.fixture
def world(make_central_server, tmp_path):
    server = make_central_server()
    ids = seed_central_members(server)
    with server.write() as s:
        spender = admin.create_member(s, phone="13512345678", name="两边花", growth=100,
                                      points=150, earned_on=date(2026, 1, 28))
        ids["spender"] = spender.id
    make_coupon(server, "ONCE-500", 500, member_id=ids["spender"])
    proxy = FaultProxy(server.host, server.port)
    a = SyncTill(tmp_path, server, proxy, "Till A")
    b = SyncTill(tmp_path, server, proxy, "Till B")
    opening = {ids[label]: points for label, _, points, _ in MEMBERS}
    opening[ids["spender"]] = 150
    yield server, proxy, a, b, ids, opening
    a.engine.close()
    b.engine.close()
    proxy.close()


def test_coupon_and_points_spent_at_two_offline_tills(world):
    server, proxy, a, b, ids, opening = world
    spender = ids["spender"]
    for till in (a, b):
        with till.ctx.read_sessions() as s:
            assert s.get(Coupon, "ONCE-500").member_id == spender
        assert till.view_points(spender) == (150, 100)

    proxy.offline = True
    # 10 lattes = 280.00, coupon -5.00, 100 points = -100.00: each till allows it offline
    sale_a = a.sell(spender, skus=(("C002", 10),), redeem=100, coupons=("ONCE-500",))
    sale_b = b.sell(spender, skus=(("C002", 10),), redeem=100, coupons=("ONCE-500",))
    assert isinstance(a.try_sync(), OfflineError) and isinstance(b.try_sync(), OfflineError)

    a.settle()  # A reaches the service first: coupon and points are A's
    report = b.settle()
    assert report.conflicts == 2
    a.settle()  # A learns the balance B left

    with server.read() as s:
        stored = set(s.scalars(select(cm.Sale.id)))
        conflicts = s.execute(select(cm.Conflict)).scalars().all()
    assert {sale_a, sale_b} <= stored  # a sale is never refused
    assert Counter(c.kind for c in conflicts) == {"coupon_already_used": 1,
                                                  "points_overdrawn": 1}
    assert {c.terminal_id for c in conflicts} == {b.central_terminal_id}
    assert central_conflicts(server, a.central_terminal_id) == {}

    # the balance: 150 - 100 + 17 (A earned on 175.00) - 100 -> -33, then B's 17 earned
    # points pay back part of the debt: -16. Negative, reported, not clamped.
    balance = central_points(server)[spender][0]
    assert balance == 150 - 100 + 17 - 100 + 17 == -16
    overdrawn = next(c for c in conflicts if c.kind == "points_overdrawn")
    assert overdrawn.detail["balance_after"] < 0 and overdrawn.sale_id == sale_b

    # till B stored both conflicts with the service's details; till A has none
    assert b.conflicts() == {"coupon_already_used": 1, "points_overdrawn": 1}
    assert a.conflicts() == {}
    with b.ctx.read_sessions() as s:
        rows = {c.kind: c.detail for c in s.scalars(select(SyncConflict))}
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")).one()
    assert rows["points_overdrawn"]["balance_after"] < 0
    assert rows["points_overdrawn"]["points_requested"] == 100
    assert rows["coupon_already_used"]["other_sale_id"] == sale_a
    assert "already used" in rows["coupon_already_used"]["message"]
    assert event.status == "conflict"
    assert x_report(b.ctx).open_conflicts == 2  # the manager sees them on the X report
    assert b.engine.status().conflicts_open == 2 and a.engine.status().conflicts_open == 0

    # both tills show the negative balance, and the coupon as used by A's sale
    assert a.view_points(spender)[0] == b.view_points(spender)[0] == -16
    for till in (a, b):
        with till.ctx.read_sessions() as s:
            coupon = s.get(Coupon, "ONCE-500")
            assert coupon.status == "used" and coupon.used_by_sale_id == sale_a
    check_settled(server, [a, b], opening)


def test_same_phone_registered_offline_at_two_tills_becomes_one_member(world):
    server, proxy, a, b, _ids, opening = world
    phone = "18600001234"
    proxy.offline = True
    x = a.register(phone, "王先到")
    y = b.register(phone, "王后到")
    a.sell(x, skus=(("C002", 5),))
    b.sell(y, skus=(("T002", 4),))
    b.sell(y, skus=(("B001", 2),))
    proxy.offline = False

    a.settle()
    report = b.settle()
    assert report.merges == 1
    a.settle()

    assert merges(server) == {y: x}  # the one that reached the service first survives
    assert b.conflicts() == {"member_merged": 1}
    assert b.engine.status().conflicts_open == 1  # the manager reviews it, as the X report
    with b.ctx.read_sessions() as s:
        assert s.get(Member, y) is None
        survivor = s.get(Member, x)
        assert survivor.phone == phone and survivor.central_version >= 1
        assert set(s.scalars(select(Sale.member_id))) == {x}
        assert set(s.scalars(select(PointsLedgerEntry.member_id))) == {x}
    points, growth = central_points(server)[x]
    assert points == 14 + 10 + 3  # 140.00, 104.00 and 30.00 paid: 1 point per 10 yuan
    assert a.view_points(x) == b.view_points(x) == (points, growth)
    check_settled(server, [a, b], {**opening, x: 0})


def test_a_pulled_member_whose_phone_a_local_registration_holds(world):
    """The service already has the phone (registered at till A and pushed); till B
    registered it offline too and pulls before it pushes: no crash, the local row stays, and
    the push's merge answer sorts it out."""
    server, _proxy, a, b, _ids, opening = world
    phone = "18600005678"
    x = a.register(phone)
    a.settle()
    y = b.register(phone)
    b.sell(y)
    b.engine.pull()  # the service's member with the same phone arrives first
    with b.ctx.read_sessions() as s:
        assert s.get(Member, y).phone == phone  # the local registration keeps it for now
        pulled = s.get(Member, x)
        assert pulled is not None and pulled.phone is None
    b.settle()  # push: the service merges y into x; then pull
    with b.ctx.read_sessions() as s:
        assert s.get(Member, y) is None
        assert s.get(Member, x).phone == phone
    a.settle()
    check_settled(server, [a, b], {**opening, x: 0})
