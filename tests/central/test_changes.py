"""The change feed: cursor paging, every entity type, tombstones, and no skipped changes."""

from __future__ import annotations

import base64
import threading
from decimal import Decimal

from pos_central import admin
from pos_member.sync import protocol as p
from tests.central.builders import make_member, sale_event


def pull_all(till, cursor: str = "0", limit: int = 500) -> tuple[list[dict], str, int]:
    out, pages = [], 0
    while True:
        response = till.get("/v1/changes", params={"cursor": cursor, "limit": limit})
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        out.extend(page["changes"])
        assert int(page["next_cursor"]) >= int(cursor)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return out, cursor, pages


def test_a_new_service_feeds_rules_and_the_signing_key(make_central_server):
    server = make_central_server()
    till = server.enrol()
    changes, cursor, _ = pull_all(till)
    by_entity = {c["entity"]: c for c in changes}
    assert set(by_entity) == {"rules", "signing_key"}
    rules = p.RulesChange.model_validate(by_entity["rules"]).data
    assert rules.version == 1 and rules.rules["tiers"][1]["code"] == "silver"
    from pos_member.domain.rules import Rules
    assert Rules.from_dict(rules.rules).tier_for_growth(6000).code == "gold"
    key = by_entity["signing_key"]["data"]
    assert key["algorithm"] == "Ed25519" and len(base64.b64decode(key["public_key"])) == 32
    # Nothing new: an empty page that keeps the cursor.
    page = till.get("/v1/changes", params={"cursor": cursor}).json()
    assert page["changes"] == [] and page["next_cursor"] == cursor and not page["has_more"]


def test_paging_with_a_cursor_sees_every_entity_once_in_order(make_central_server):
    from pos_central.demo import seed_demo

    server = make_central_server()
    with server.write() as s:
        seed_demo(s, members=8)
    till = server.enrol()
    changes, cursor, pages = pull_all(till, limit=7)
    assert pages >= 10
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    keys = [(c["entity"], c["id"]) for c in changes]
    assert len(keys) == len(set(keys))  # each entity once, at its latest sequence
    kinds = {c["entity"] for c in changes}
    # benefit_rules and mall_stock: the benefit programme and the points-mall stock (61ed08b)
    assert kinds == {"rules", "signing_key", "category", "product", "barcode", "member",
                     "coupon", "benefit_rules", "mall_stock"}
    page = p.ChangesPage.model_validate(till.get("/v1/changes", params={"limit": 5000}).json())
    assert len(page.changes) == len(changes) and not page.has_more
    products = [c for c in page.changes if c.entity == "product"]
    assert len(products) == 28 and all(isinstance(c.data.unit_price_fen, int) for c in products)
    latte = next(c.data for c in products if c.data.sku == "C002")
    assert latte.unit_price_fen == 2800 and latte.category_id == "coffee"
    members = [c.data for c in page.changes if c.entity == "member"]
    from pos_central.demo import store_today
    from pos_member.domain.demo_brand import demo_member

    first = demo_member(1, store_today())  # the same member the till's demo seed makes
    gold = next(x for x in members if x.phone == first.phone)
    assert str(gold.id) == first.id and gold.card_no == first.card_no
    assert gold.points == first.points and sum(lot.points for lot in gold.lots) == first.points
    coupons = {c.data.code: c.data for c in page.changes if c.entity == "coupon"}
    assert coupons["GOLD-80"].to_domain().rate == Decimal("0.80")
    assert {c.kind for c in coupons.values()} == {"amount_off", "percent_off"}

    # Changes after the cursor only: one sale touches one member.
    member_id = gold.id
    till.push([sale_event(till, member_id=str(member_id), total_fen=1000)])
    later, _, _ = pull_all(till, cursor)
    assert [(c["entity"], c["id"]) for c in later] == [("member", str(member_id))]
    assert later[0]["data"]["points"] == first.points + 1 and later[0]["data"]["version"] > gold.version


def test_deletions_arrive_as_tombstones(make_central_server):
    from pos_central.demo import seed_demo

    server = make_central_server()
    with server.write() as s:
        seed_demo(s, members=8)
    till = server.enrol()
    _, cursor, _ = pull_all(till)
    with server.write() as s:
        admin.delete_product(s, "R005")
        admin.delete_coupon(s, "WELCOME-15")
        admin.revoke_member_codes(s, "00000000-0000-4000-8000-00000000000a", "lost phone")
    later, cursor2, _ = pull_all(till, cursor)
    got = {(c["entity"], c["id"]): c for c in later}
    assert got[("product", "R005")]["deleted"] is True and got[("product", "R005")]["data"] is None
    barcode = next(c for c in later if c["entity"] == "barcode")
    assert barcode["deleted"] is True
    assert got[("coupon", "WELCOME-15")]["deleted"] is True
    revoked = got[("revoked_code", "member:00000000-0000-4000-8000-00000000000a")]
    assert revoked["deleted"] is False and revoked["data"]["reason"] == "lost phone"
    with server.write() as s:
        admin.unrevoke(s, "member:00000000-0000-4000-8000-00000000000a")
    (undo,), _, _ = pull_all(till, cursor2)
    assert undo["entity"] == "revoked_code" and undo["deleted"] is True


def test_a_revoked_key_and_its_successor(make_central_server):
    from pos_central.keys import ensure_signing_key

    server = make_central_server()
    till = server.enrol()
    _, cursor, _ = pull_all(till)
    with server.write() as s:
        old = ensure_signing_key(s).key_id
        admin.revoke_key(s, old, "rotated")
    with server.write() as s:
        new = ensure_signing_key(s).key_id
    later, _, _ = pull_all(till, cursor)
    keys = {c["id"]: c["data"] for c in later if c["entity"] == "signing_key"}
    assert keys[old]["active"] is False and keys[new]["active"] is True
    assert any(c["id"] == f"key:{old}" for c in later if c["entity"] == "revoked_code")


def test_cursor_errors(central_server):
    till = central_server.enrol()
    for bad in ("abc", "-1", "1.5", "9" * 30):
        answer = till.get("/v1/changes", params={"cursor": bad})
        assert answer.status_code == 422, bad
        assert answer.json()["error"] == "invalid_request"
    ahead = till.get("/v1/changes", params={"cursor": str(10**15)})
    assert ahead.status_code == 409 and ahead.json()["error"] == "cursor_unknown"
    for limit in ("0", "5001", "ten"):
        assert till.get("/v1/changes", params={"limit": limit}).status_code == 422


def test_the_feed_id_is_stable_and_differs_between_databases(make_central_server):
    one, two = make_central_server(), make_central_server()
    t1, t2 = one.enrol(), two.enrol()
    f1 = t1.get("/v1/changes").json()["feed_id"]
    assert t1.get("/v1/changes").json()["feed_id"] == f1
    assert t2.get("/v1/changes").json()["feed_id"] != f1
    one.restart()
    assert t1.get("/v1/changes").json()["feed_id"] == f1


def test_a_reader_never_skips_a_change_while_writers_commit(central_server):
    """Pull continuously while four tills push: every member change must be seen at or
    after its last version (sequence order equals commit order)."""
    tills = [central_server.enrol(f"W{i}") for i in range(4)]
    members = [make_member(central_server) for _ in range(8)]
    reader = central_server.enrol("reader")
    _, cursor, _ = pull_all(reader)
    stop = threading.Event()
    seen: dict[str, int] = {}

    def read() -> None:
        nonlocal cursor
        while not stop.is_set():
            page = reader.get("/v1/changes", params={"cursor": cursor, "limit": 3}).json()
            for c in page["changes"]:
                if c["entity"] == "member":
                    seen[c["id"]] = max(seen.get(c["id"], 0), c["data"]["version"])
            cursor = page["next_cursor"]

    def write(till, offset: int) -> None:
        for i in range(12):
            member_id = members[(offset + i) % len(members)]
            till.push([sale_event(till, member_id=member_id, total_fen=1000)])

    thread = threading.Thread(target=read)
    thread.start()
    writers = [threading.Thread(target=write, args=(t, i)) for i, t in enumerate(tills)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    stop.set()
    thread.join(60)
    read_rest, _, _ = pull_all(reader, cursor)  # drain what is left after the writers stopped
    for c in read_rest:
        if c["entity"] == "member":
            seen[c["id"]] = max(seen.get(c["id"], 0), c["data"]["version"])
    finals = {m_id: reader.get("/v1/members/lookup", params={"id": m_id}).json()["member"]
              for m_id in members}
    assert sum(f["points"] for f in finals.values()) == 4 * 12
    for m_id, final in finals.items():
        assert seen.get(m_id) == final["version"], m_id
