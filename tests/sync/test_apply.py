"""The store side of sync, without a service: change pages and push answers applied to a real
till database (tests.services.support.make_till)."""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.members import (
    REVOKED_SETTING,
    SIGNING_KEYS_SETTING,
    Registration,
    register,
)
from pos_member.services.rules import current_rules
from pos_member.services.shifts import open_shift
from pos_member.store import repositories as repo
from pos_member.store.models import (
    Barcode,
    Category,
    Coupon,
    Member,
    OutboxEvent,
    PointLot,
    PointsLedgerEntry,
    Product,
    Sale,
    SyncConflict,
)
from pos_member.sync import protocol as p
from pos_member.sync.apply.members import DEFERRED_KEY
from pos_member.sync.apply.pull import (
    CURSOR_KEY,
    FEED_ID_KEY,
    apply_changes_page,
    apply_member_lookup,
)
from pos_member.sync.apply.push import (
    MERGE_KIND,
    AnswerMismatch,
    PushedEvent,
    apply_push_results,
    count_open_conflicts,
)
from tests.services.support import make_till

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
FEED = "feed-1"


def page(*changes, cursor="10", more=False, feed=FEED) -> p.ChangesPage:
    return p.ChangesPage.model_validate({
        "changes": list(changes), "next_cursor": cursor, "has_more": more, "feed_id": feed,
        "server_time": "2026-11-24T07:00:00Z"})


def member(mid=None, phone="13912345678", card="800000000099", points=50, version=1, **kw):
    mid = mid or str(uuid.uuid4())
    data = {"id": mid, "phone": phone, "card_no": card, "name": "会员", "tier": "regular",
            "growth": 100, "points": points, "version": version,
            "lots": [{"earned_on": "2026-11-01", "expires_on": "2027-12-31",
                      "points": points}] if points > 0 else [],
            "registered_at": "2026-01-01T00:00:00Z", **kw}
    return {"entity": "member", "seq": 1, "id": mid, "deleted": False, "data": data}


def coupon(code, member_id=None, status="available", **kw):
    return {"entity": "coupon", "seq": 2, "id": code, "deleted": False,
            "data": {"code": code, "kind": "amount_off", "value_fen": 500,
                     "member_id": member_id, "status": status,
                     "valid_from": "2026-11-01T00:00:00", "valid_to": "2027-01-01T00:00:00",
                     **kw}}


def tomb(entity, key, merged_into=None):
    out = {"entity": entity, "seq": 3, "id": key, "deleted": True, "data": None}
    if merged_into:
        out["merged_into"] = merged_into
    return out


@pytest.fixture
def till(tmp_path):
    return make_till(tmp_path)


def sessions(till):
    return till.ctx.sessions


def test_members_upserted_with_lots_and_cursor_in_one_transaction(till):
    m = member(points=70)
    stats = apply_changes_page(sessions(till), page(m, cursor="42"))
    assert stats.members == 1
    with till.session() as s:
        row = s.get(Member, m["id"])
        assert (row.points, row.phone_last4, row.central_version, row.origin) == (
            70, "5678", 1, "central")
        assert [(lot.points, lot.expires_on) for lot in row.point_lots] == [
            (70, date(2027, 12, 31))]
        assert repo.get_setting(s, CURSOR_KEY) == "42"
        assert repo.get_setting(s, FEED_ID_KEY) == FEED
    again = member(m["id"], points=0, version=2)  # lots replaced, none left
    apply_changes_page(sessions(till), page(again, cursor="43"))
    with till.session() as s:
        assert s.get(Member, m["id"]).points == 0
        assert s.scalar(select(func.count()).select_from(PointLot)
                        .where(PointLot.member_id == m["id"])) == 0


def test_a_failing_page_changes_nothing_not_even_the_cursor(till):
    good = member()
    bad = coupon("BAD-1", value_fen=None)  # amount_off without an amount: a CHECK fails
    with pytest.raises(sqlite3.IntegrityError):  # raw cursor: the driver's own error
        apply_changes_page(sessions(till), page(good, bad, cursor="99"))
    with till.session() as s:
        assert s.get(Member, good["id"]) is None
        assert repo.get_setting(s, CURSOR_KEY) is None


def test_rows_that_arrive_before_what_they_refer_to_get_placeholders(till):
    owner = str(uuid.uuid4())
    # page 1: a coupon of a member not cached yet, a barcode of an unknown product, a
    # product of an unknown category (each changed after the other on the service)
    stats = apply_changes_page(sessions(till), page(
        coupon("MINE-1", owner),
        {"entity": "barcode", "seq": 3, "id": "6900000000999", "deleted": False,
         "data": {"code": "6900000000999", "sku": "NEW1"}},
        {"entity": "product", "seq": 4, "id": "NEW2", "deleted": False,
         "data": {"sku": "NEW2", "name": "新品", "category_id": "seasonal",
                  "unit_price_fen": 1200}}, cursor="4", more=True))
    assert stats.placeholders == 3
    with till.session() as s:
        assert s.get(Member, owner).central_version == 0
        assert s.get(Product, "NEW1").active is False
        assert s.get(Category, "seasonal").name == "seasonal"
        assert s.get(Coupon, "MINE-1").member_id == owner
    # page 2: the real rows replace the placeholders
    apply_changes_page(sessions(till), page(
        member(owner, phone="13800000077"),
        {"entity": "product", "seq": 6, "id": "NEW1", "deleted": False,
         "data": {"sku": "NEW1", "name": "真的", "unit_price_fen": 800}},
        {"entity": "category", "seq": 7, "id": "seasonal", "deleted": False,
         "data": {"id": "seasonal", "name": "季节限定"}}, cursor="7"))
    with till.session() as s:
        assert s.get(Member, owner).phone == "13800000077"
        assert s.get(Member, owner).central_version == 1
        assert (s.get(Product, "NEW1").name, s.get(Product, "NEW1").active) == ("真的", True)
        assert s.get(Category, "seasonal").name == "季节限定"
        assert s.get(Barcode, "6900000000999").sku == "NEW1"


def test_tombstones_in_dependency_order(till):
    apply_changes_page(sessions(till), page(tomb("barcode", "6900000000011"),
                                            tomb("product", "C001"), tomb("coupon", "M300-30"),
                                            tomb("category", "merch")))
    with till.session() as s:
        assert s.get(Product, "C001") is None and s.get(Coupon, "M300-30") is None
        assert s.get(Category, "merch") is None
        assert s.get(Product, "M001").category_id is None  # ON DELETE SET NULL


def test_rules_keys_and_revocations(till):
    raw = base64.b64encode(bytes(range(32))).decode()
    rules = current_rules(till.session()).to_dict()
    rules["tiers"][1]["min_growth"] = 2500
    apply_changes_page(sessions(till), page(
        {"entity": "rules", "seq": 1, "id": "7", "deleted": False,
         "data": {"version": 7, "effective_from": "2026-11-20T00:00:00Z", "rules": rules}},
        {"entity": "signing_key", "seq": 2, "id": "abc", "deleted": False,
         "data": {"key_id": "abc", "public_key": raw, "created_at": "2026-11-01T00:00:00Z"}},
        {"entity": "revoked_code", "seq": 3, "id": "key:k1", "deleted": False,
         "data": {"key_id": "k1", "revoked_at": "2026-11-20T00:00:00Z", "reason": "leak"}},
        {"entity": "revoked_code", "seq": 4, "id": "member:" + "1" * 8 + "-1111-4111-8111-"
         + "1" * 12, "deleted": False,
         "data": {"member_id": "11111111-1111-4111-8111-111111111111",
                  "revoked_at": "2026-11-20T00:00:00Z"}}))
    with till.session() as s:
        assert current_rules(s).tier_for_growth(2600).code == "silver"
        keys = json.loads(repo.get_setting(s, SIGNING_KEYS_SETTING))
        assert keys["abc"] == raw and "k1" in keys  # make_till's key stays
        revoked = json.loads(repo.get_setting(s, REVOKED_SETTING))
        assert revoked == {"key_ids": ["k1"],
                           "member_ids": ["11111111-1111-4111-8111-111111111111"]}
    apply_changes_page(sessions(till), page(tomb("revoked_code", "key:k1"),
                                            tomb("signing_key", "abc")))
    with till.session() as s:
        assert json.loads(repo.get_setting(s, REVOKED_SETTING))["key_ids"] == []
        assert "abc" not in json.loads(repo.get_setting(s, SIGNING_KEYS_SETTING))


def _sell(till, member_id=None, coupons=(), redeem=0):
    cashier = till.login("S002", "1357")
    from pos_member.services.shifts import current_shift

    with till.session() as s:
        if current_shift(s, till.ctx.terminal_id) is None:
            open_shift(till.ctx, cashier, 0)
    from pos_member.services.checkout import quote_basket
    from pos_member.services.staff import Approval

    cart = (CartLine("C002", Decimal(5)),)
    total = quote_basket(till.ctx, cart, member_id, coupons, redeem_points=redeem).total
    sale_id = str(uuid.uuid4())
    checkout(till.ctx, CheckoutRequest(sale_id, cashier, cart, (Tender("wechat", total),),
                                       member_id, coupons, redeem_points=redeem,
                                       approval=Approval("S001", "2468") if redeem else None))
    return sale_id


def test_a_coupon_used_here_and_not_pushed_stays_used(till):
    _sell(till, coupons=("M100-10",))
    apply_changes_page(sessions(till), page(coupon("M100-10", threshold_fen=10000)))
    with till.session() as s:
        assert s.get(Coupon, "M100-10").status == "used"  # the service does not know yet
    with till.ctx.sessions() as s, s.begin():
        s.execute(text("UPDATE outbox SET status = 'sent'"))
    apply_changes_page(sessions(till), page(coupon("M100-10", threshold_fen=10000)))
    with till.session() as s:
        assert s.get(Coupon, "M100-10").status == "available"  # the service is the truth


def test_a_phone_held_by_a_local_registration_is_deferred_not_a_crash(till):
    cashier = till.login("S002", "1357")
    local, _ = register(till.ctx, cashier, Registration(phone="13811112222"))
    pulled = member(phone="13811112222", card="800000000123")
    stats = apply_changes_page(sessions(till), page(pulled))
    assert stats.deferred == 1
    with till.session() as s:
        assert s.get(Member, local.id).phone == "13811112222"
        assert s.get(Member, pulled["id"]).phone is None
        assert json.loads(repo.get_setting(s, DEFERRED_KEY)) == {
            pulled["id"]: {"phone": "13811112222"}}
    # the push answer says the local registration was merged into the pulled member
    ev = _outbox(till, "member_registered")[0]
    apply_push_results(sessions(till), [PushedEvent.from_payload(ev.event_id, ev.kind,
                                                                 ev.payload)],
                       _answer(ev, merges=[{"member_id": local.id, "merged_into": pulled["id"],
                                            "phone": "13811112222"}],
                               member={"member_id": pulled["id"], "points": 50, "growth": 100,
                                       "tier": "regular"}))
    with till.session() as s:
        assert s.get(Member, local.id) is None
        assert s.get(Member, pulled["id"]).phone == "13811112222"
        assert json.loads(repo.get_setting(s, DEFERRED_KEY)) == {}
        merge = s.scalars(select(SyncConflict)).one()
        assert merge.kind == MERGE_KIND and merge.detail["merged_into"] == pulled["id"]
        assert count_open_conflicts(s) == 1  # for the manager to review


def test_a_phone_held_by_a_stale_central_member_moves(till):
    old = member(phone="13822223333", card="800000000001")
    apply_changes_page(sessions(till), page(old))
    new = member(phone="13822223333", card="800000000002")  # the service moved the phone
    stats = apply_changes_page(sessions(till), page(new))
    assert stats.deferred == 0
    with till.session() as s:
        assert s.get(Member, new["id"]).phone == "13822223333"
        assert s.get(Member, old["id"]).phone is None


def test_a_merge_tombstone_repoints_this_tills_records(till):
    gold = till.members["gold"]
    sale_id = _sell(till, gold)
    survivor = member(phone="13955556666", card="800000000555")
    apply_changes_page(sessions(till), page(survivor, tomb("member", gold, survivor["id"])))
    with till.session() as s:
        assert s.get(Member, gold) is None
        assert s.get(Sale, sale_id).member_id == survivor["id"]
        assert set(s.scalars(select(PointsLedgerEntry.member_id))) == {survivor["id"]}
    # a survivor not cached yet: a placeholder made from the merged member
    silver = till.members["silver"]
    ghost = str(uuid.uuid4())
    apply_changes_page(sessions(till), page(tomb("member", silver, ghost)))
    with till.session() as s:
        row = s.get(Member, ghost)
        assert row.central_version == 0 and row.phone == "13900002222"
        assert s.get(Member, silver) is None


def _outbox(till, kind):
    with till.session() as s:
        return list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)
                              .order_by(OutboxEvent.terminal_seq)))


def _answer(ev, status="applied", conflicts=(), merges=(), member=None):
    return p.PushResponse.model_validate({
        "results": [{"event_id": ev.event_id, "terminal_seq": ev.terminal_seq, "kind": ev.kind,
                     "status": status, "conflicts": list(conflicts), "merges": list(merges),
                     "member": member}],
        "server_time": "2026-11-24T07:00:00Z"})


def test_push_answers_confirm_the_ledger_and_store_conflicts_once(till):
    gold = till.members["gold"]
    sale_id = _sell(till, gold, redeem=20)
    ev = _outbox(till, "sale")[0]
    pushed = [PushedEvent.from_payload(ev.event_id, ev.kind, ev.payload)]
    conflict = {"id": 7, "kind": "points_overdrawn", "message": "overdrawn",
                "member_id": gold, "sale_id": sale_id, "points_requested": 20,
                "points_available": 5, "balance_after": -3}
    balance = {"member_id": gold, "points": -3, "growth": 7140, "tier": "gold"}
    stats = apply_push_results(sessions(till), pushed, _answer(ev, "conflict", [conflict],
                                                               member=balance))
    assert stats.conflicts == 1
    with till.session() as s:
        assert s.get(OutboxEvent, ev.id).status == "conflict"
        row = s.scalars(select(SyncConflict)).one()
        assert row.kind == "points_overdrawn" and row.detail["balance_after"] == -3
        assert row.detail["message"] == "overdrawn"
        assert s.scalar(select(func.count()).select_from(PointsLedgerEntry)
                        .where(PointsLedgerEntry.confirmed.is_(False))) == 0
        m = s.get(Member, gold)
        assert (m.points, m.growth, m.tier) == (-3, 7140, "gold")
    # the same answer again (a replay): nothing doubles, and a stale balance is not applied
    with till.ctx.sessions() as s, s.begin():
        s.execute(text("UPDATE members SET points = 99 WHERE id = :id"), {"id": gold})
    apply_push_results(sessions(till), pushed, _answer(ev, "duplicate", [conflict],
                                                       member=balance))
    with till.session() as s:
        assert s.scalar(select(func.count()).select_from(SyncConflict)) == 1
        assert s.get(Member, gold).points == 99


def test_an_answer_that_does_not_match_the_push_is_refused(till):
    _sell(till)
    ev = _outbox(till, "sale")[0]
    other = PushedEvent(str(uuid.uuid4()), "sale")
    with pytest.raises(AnswerMismatch):
        apply_push_results(sessions(till), [other], _answer(ev))
    with till.session() as s:
        assert s.get(OutboxEvent, ev.id).status == "pending"


def test_a_member_looked_up_online_is_cached_with_coupons(till):
    found = p.MemberLookupResponse.model_validate({
        "member": member(phone="13700009999", card="800000000777")["data"],
        "coupons": [coupon("ONLINE-1", None)["data"]]})
    apply_member_lookup(sessions(till), found)
    with till.session() as s:
        assert s.get(Member, str(found.member.id)).phone == "13700009999"
        assert s.get(Coupon, "ONLINE-1") is not None
        assert repo.get_setting(s, CURSOR_KEY) is None
