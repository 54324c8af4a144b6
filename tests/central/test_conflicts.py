"""Two tills offline: one single-use coupon, one member's points, one phone number.

A sale is never refused; what collides becomes a conflict record, reported in the push answer
of the till that arrived second, while the balance is allowed to go negative and is reported.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from pos_central import models as m
from tests.central.builders import (
    make_coupon,
    make_member,
    member_via_api,
    refund_event,
    registration_event,
    sale_event,
    unique_phone,
)


def conflicts(server, **where) -> list[m.Conflict]:
    with server.read() as s:
        query = select(m.Conflict)
        for name, value in where.items():
            query = query.where(getattr(m.Conflict, name) == value)
        return list(s.execute(query).scalars())


def sales_count(server, *sale_ids) -> int:
    with server.read() as s:
        return s.execute(select(func.count()).select_from(m.Sale)
                         .where(m.Sale.id.in_(sale_ids))).scalar_one()


def test_two_tills_redeem_the_same_single_use_coupon(central_server):
    a, b = central_server.enrol("A"), central_server.enrol("B")
    member_id = make_member(central_server)
    code = make_coupon(central_server, member_id=member_id, value_fen=500)
    sale_a = sale_event(a, member_id=member_id, total_fen=2300, coupons=[(code, 500)])
    sale_b = sale_event(b, member_id=member_id, total_fen=2300, coupons=[(code, 500)])

    (first,) = a.push([sale_a]).json()["results"]
    (second,) = b.push([sale_b]).json()["results"]
    assert first["status"] == "applied"
    assert second["status"] == "conflict"
    (conflict,) = second["conflicts"]
    assert conflict["kind"] == "coupon_already_used"
    assert conflict["coupon_code"] == code
    assert conflict["sale_id"] == sale_b["payload"]["sale_id"]
    assert conflict["other_sale_id"] == sale_a["payload"]["sale_id"]
    assert conflict["other_terminal_id"] == a.terminal_id
    # Both sales exist, both earned their points, one conflict is recorded.
    assert sales_count(central_server, sale_a["payload"]["sale_id"],
                       sale_b["payload"]["sale_id"]) == 2
    assert member_via_api(a, member_id)["points"] == 4
    (row,) = conflicts(central_server, coupon_code=code)
    assert row.id == conflict["id"] and row.terminal_id == b.terminal_id
    # The replay of the second push still tells about the conflict.
    (replay,) = b.push([sale_b]).json()["results"]
    assert replay["status"] == "duplicate" and replay["conflicts"] == second["conflicts"]
    assert len(conflicts(central_server, coupon_code=code)) == 1


def test_two_tills_overdraw_the_same_members_points(central_server):
    a, b = central_server.enrol("A"), central_server.enrol("B")
    member_id = make_member(central_server, points=100)
    sale_a = sale_event(a, member_id=member_id, total_fen=0, points_redeemed=80)
    sale_b = sale_event(b, member_id=member_id, total_fen=0, points_redeemed=80)

    (first,) = a.push([sale_a]).json()["results"]
    (second,) = b.push([sale_b]).json()["results"]
    assert first["status"] == "applied" and first["member"]["points"] == 20
    assert second["status"] == "conflict"
    (conflict,) = second["conflicts"]
    assert conflict["kind"] == "points_overdrawn"
    assert (conflict["points_requested"], conflict["points_available"],
            conflict["balance_after"]) == (80, 20, -60)
    assert second["member"]["points"] == -60  # reported, never clamped
    member = member_via_api(b, member_id)
    assert member["points"] == -60 and member["lots"] == []
    assert len(conflicts(central_server, member_id=member_id, kind="points_overdrawn")) == 1
    assert sales_count(central_server, sale_a["payload"]["sale_id"],
                       sale_b["payload"]["sale_id"]) == 2
    # Later earnings first pay the debt back; only the rest opens a lot.
    till = central_server.enrol("C")
    till.push([sale_event(till, member_id=member_id, total_fen=100000)])  # +100 points
    member = member_via_api(till, member_id)
    assert member["points"] == 40 and [lot["points"] for lot in member["lots"]] == [40]


def test_concurrent_pushes_race_for_one_coupon_and_one_balance(central_server):
    tills = [central_server.enrol(f"R{i}") for i in range(4)]
    member_id = make_member(central_server, points=100)
    code = make_coupon(central_server, member_id=member_id)
    sales = [sale_event(t, member_id=member_id, total_fen=0, points_redeemed=40,
                        coupons=[(code, 500)]) for t in tills]
    barrier = threading.Barrier(len(tills))
    answers: dict[int, dict] = {}

    def push(i: int) -> None:
        barrier.wait()
        response = tills[i].push([sales[i]])
        answers[i] = response.json()["results"][0] if response.ok else {"error": response.text}

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(tills))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    kinds = sorted(c["kind"] for a in answers.values() for c in a["conflicts"])
    assert kinds.count("coupon_already_used") == 3  # exactly one sale got the coupon
    assert kinds.count("points_overdrawn") == 2  # 100 covers two redemptions of 40
    assert member_via_api(tills[0], member_id)["points"] == 100 - 4 * 40
    assert len(conflicts(central_server, coupon_code=code)) == 3


def test_redemption_takes_the_soonest_expiring_lots_first(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=30, earned_on=date(2025, 5, 1))
    from pos_central import loyalty

    with central_server.write() as s:
        member = s.get(m.Member, member_id)
        loyalty.Account.load(s, member).add_points(50, date(2026, 5, 1),
                                                   loyalty.current_rules(s))
        loyalty.touch(s, member)
    till.push([sale_event(till, member_id=member_id, total_fen=0, points_redeemed=40)])
    member = member_via_api(till, member_id)
    assert member["points"] == 40
    assert [(lot["expires_on"], lot["points"]) for lot in member["lots"]] == [
        ("2027-12-31", 40)]


def test_registrations_of_one_phone_on_two_tills_merge(central_server):
    a, b = central_server.enrol("A"), central_server.enrol("B")
    phone = unique_phone()
    reg_a = registration_event(a, phone, name="林一", consent=False)
    reg_b = registration_event(b, phone, name="林一", birthday="1990-04-01", consent=True)
    first_id, second_id = reg_a["payload"]["member_id"], reg_b["payload"]["member_id"]

    (first,) = a.push([reg_a]).json()["results"]
    assert first["status"] == "applied" and first["merges"] == []
    sale_b = sale_event(b, member_id=second_id, total_fen=3000)
    second, sale_result = b.push([reg_b, sale_b]).json()["results"]
    assert second["status"] == "applied"
    assert second["merges"] == [{"member_id": second_id, "merged_into": first_id,
                                 "phone": phone}]
    # The sale for the merged-away id credits the surviving member.
    assert sale_result["member"]["member_id"] == first_id
    assert sale_result["member"]["points"] == 3

    lookup = b.get("/v1/members/lookup", params={"id": second_id}).json()
    assert lookup["member"]["id"] == first_id and lookup["resolved_from"] == second_id
    assert lookup["member"]["birthday"] == "1990-04-01"  # filled from the later registration
    assert lookup["member"]["marketing_consent"] is True
    by_phone = a.get("/v1/members/lookup", params={"phone": phone}).json()
    assert by_phone["member"]["id"] == first_id and by_phone["resolved_from"] is None

    # Till A learns from the change feed: the second id is a tombstone pointing at the first.
    changes = _all_changes(a)
    tomb = [c for c in changes if c["entity"] == "member" and c["id"] == second_id]
    assert tomb and tomb[-1]["deleted"] is True and tomb[-1]["merged_into"] == first_id
    survivor = [c for c in changes if c["entity"] == "member" and c["id"] == first_id][-1]
    assert survivor["data"]["points"] == 3

    # A third registration of the phone merges too; a replay changes nothing.
    reg_c = registration_event(a, phone)
    (third,) = a.push([reg_c]).json()["results"]
    assert third["merges"][0]["merged_into"] == first_id
    assert a.push([reg_c]).json()["results"][0]["status"] == "duplicate"
    with central_server.read() as s:
        assert s.execute(select(func.count()).select_from(m.MemberMergeRow)
                         .where(m.MemberMergeRow.merged_into == first_id)).scalar_one() == 2


def test_concurrent_registrations_of_one_phone_make_one_member(central_server):
    tills = [central_server.enrol(f"P{i}") for i in range(3)]
    phone = unique_phone()
    regs = [registration_event(t, phone) for t in tills]
    barrier = threading.Barrier(len(tills))
    results = {}

    def push(i):
        barrier.wait()
        results[i] = tills[i].push([regs[i]]).json()["results"][0]

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(tills))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    survivors = {r["member"]["member_id"] for r in results.values()}
    assert len(survivors) == 1
    assert sum(len(r["merges"]) for r in results.values()) == 2
    with central_server.read() as s:
        assert s.execute(select(func.count()).select_from(m.Member)
                         .where(m.Member.phone == phone)).scalar_one() == 1


def test_a_refund_reverses_points_and_gives_the_coupon_back(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=10)
    code = make_coupon(central_server, member_id=member_id)
    sale = sale_event(till, member_id=member_id, total_fen=5000, coupons=[(code, 500)],
                      points_redeemed=10)
    till.push([sale])
    assert member_via_api(till, member_id)["points"] == 5
    refund = refund_event(till, sale, points_reversed=5, growth_reversed=50,
                          points_returned=10, coupons_restored=[code])
    (result,) = till.push([refund]).json()["results"]
    assert result["status"] == "applied"
    assert result["member"] == {"member_id": member_id, "points": 10, "growth": 0,
                                "tier": "regular"}
    coupons = till.get("/v1/members/lookup", params={"id": member_id}).json()["coupons"]
    assert [c["code"] for c in coupons] == [code]


def test_a_refund_of_points_already_spent_leaves_a_negative_balance(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    earning = sale_event(till, member_id=member_id, total_fen=10000)  # +10 points
    spending = sale_event(till, member_id=member_id, total_fen=0, points_redeemed=10)
    till.push([earning, spending])
    (result,) = till.push([refund_event(till, earning, points_reversed=10,
                                        growth_reversed=100)]).json()["results"]
    assert result["status"] == "conflict"
    assert result["conflicts"][0]["kind"] == "negative_balance"
    assert result["conflicts"][0]["balance_after"] == -10
    assert member_via_api(till, member_id)["points"] == -10


def test_a_refund_of_an_unknown_sale_is_applied_with_a_conflict(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=20)
    ghost = sale_event(till, member_id=member_id, total_fen=2000)  # never pushed
    (result,) = till.push([refund_event(till, ghost, points_reversed=2,
                                        growth_reversed=20)]).json()["results"]
    assert [c["kind"] for c in result["conflicts"]] == ["unknown_sale"]
    assert member_via_api(till, member_id)["points"] == 18


def test_unknown_and_withdrawn_coupons_are_conflicts(central_server):
    from pos_central import admin

    till = central_server.enrol()
    code = make_coupon(central_server)
    with central_server.write() as s:
        admin.void_coupon(s, code)
    sale = sale_event(till, total_fen=1000, coupons=[(code, 500), ("NO-SUCH-COUPON", 100)])
    (result,) = till.push([sale]).json()["results"]
    assert sorted(c["kind"] for c in result["conflicts"]) == ["coupon_unknown", "coupon_void"]


def _all_changes(till) -> list[dict]:
    cursor, out = "0", []
    while True:
        page = till.get("/v1/changes", params={"cursor": cursor, "limit": 1000}).json()
        out.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return out
