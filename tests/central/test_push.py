"""Push: each event applied at most once, per-event answers, replays and 409s."""

from __future__ import annotations

import copy
import random

from sqlalchemy import func, select

from pos_central import models as m
from tests.central.builders import make_member, member_via_api, sale_event, shift_events


def count(server, model, *where) -> int:
    with server.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_the_same_event_twice_has_one_effect_and_answers_duplicate(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    sale = sale_event(till, member_id=member_id, total_fen=5600)  # 5 points, 56 growth

    first = till.push([sale])
    assert first.status_code == 200, first.text
    (result,) = first.json()["results"]
    assert result["status"] == "applied" and result["event_id"] == sale["event_id"]
    assert result["member"] == {"member_id": member_id, "points": 5, "growth": 56,
                                "tier": "regular"}

    again = till.push([sale])
    assert again.status_code == 200
    (replay,) = again.json()["results"]
    assert replay["status"] == "duplicate"
    assert replay["member"] == result["member"]  # the stored answer
    member = member_via_api(till, member_id)
    assert (member["points"], member["growth"]) == (5, 56)
    sale_id = sale["payload"]["sale_id"]
    assert count(central_server, m.Sale, m.Sale.id == sale_id) == 1
    assert count(central_server, m.EventRow, m.EventRow.event_id == sale["event_id"]) == 1
    assert count(central_server, m.PointsLedger,
                 m.PointsLedger.event_id == sale["event_id"]) == 1


def test_the_same_event_twice_in_one_batch(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    sale = sale_event(till, member_id=member_id, total_fen=1000)
    statuses = [r["status"] for r in till.push([sale, sale]).json()["results"]]
    assert statuses == ["applied", "duplicate"]
    assert member_via_api(till, member_id)["points"] == 1


def test_the_same_id_with_other_content_is_409_and_changes_nothing(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    sale = sale_event(till, member_id=member_id, total_fen=3000)
    assert till.push([sale]).status_code == 200

    altered = copy.deepcopy(sale)
    altered["payload"]["points_earned"] = 9  # other content, figures that still add up
    altered["payload"]["receipt_no"] = "ALTERED"
    fresh = sale_event(till, member_id=member_id, total_fen=2000)
    answer = till.push([fresh, altered])
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "event_payload_mismatch"
    assert body["event_ids"] == [sale["event_id"]]
    assert "different content" in body["message"]
    # Nothing of the batch was applied, the fresh event included.
    assert member_via_api(till, member_id)["points"] == 3
    assert till.push([fresh]).json()["results"][0]["status"] == "applied"


def test_an_event_id_reused_in_one_batch_with_other_content_is_409(central_server):
    till = central_server.enrol()
    sale = sale_event(till)
    other = copy.deepcopy(sale)
    other["terminal_seq"] += 100
    answer = till.push([sale, other])
    assert answer.status_code == 409 and answer.json()["event_ids"] == [sale["event_id"]]
    assert count(central_server, m.EventRow, m.EventRow.event_id == sale["event_id"]) == 0


def test_another_terminal_replaying_an_event_id_is_409(central_server):
    till, other = central_server.enrol("A"), central_server.enrol("B")
    sale = sale_event(till)
    sale["payload"]["terminal_id"] = None
    assert till.push([sale]).status_code == 200
    assert other.push([sale]).status_code == 409


def test_points_accrue_once_however_often_batches_are_replayed(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    sales = [sale_event(till, member_id=member_id, total_fen=1000 * (i + 1))
             for i in range(12)]
    expected_points = sum(i + 1 for i in range(12))
    expected_growth = sum(10 * (i + 1) for i in range(12))
    rng = random.Random(4)
    for _ in range(5):
        batch = rng.sample(sales, rng.randint(1, len(sales)))
        assert till.push(batch).status_code == 200
    assert till.push(sales).status_code == 200
    answers = till.push(sales).json()["results"]
    assert {a["status"] for a in answers} == {"duplicate"}
    member = member_via_api(till, member_id)
    assert member["points"] == expected_points and member["growth"] == expected_growth
    assert sum(lot["points"] for lot in member["lots"]) == expected_points
    assert count(central_server, m.Sale, m.Sale.member_id == member_id) == 12


def test_growth_moves_the_member_up_a_tier(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, growth=2950)
    result = till.push([sale_event(till, member_id=member_id, total_fen=6000)]).json()
    assert result["results"][0]["member"]["tier"] == "silver"
    assert member_via_api(till, member_id)["tier"] == "silver"


def test_a_sale_for_an_unknown_member_is_kept_with_a_conflict(central_server):
    till = central_server.enrol()
    sale = sale_event(till, member_id="00000000-0000-4000-8000-000000000001")
    (result,) = till.push([sale]).json()["results"]
    assert result["status"] == "conflict"
    assert [c["kind"] for c in result["conflicts"]] == ["unknown_member"]
    assert count(central_server, m.Sale, m.Sale.id == sale["payload"]["sale_id"]) == 1


def test_the_same_sale_in_two_events_is_applied_once(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    sale = sale_event(till, member_id=member_id, total_fen=4000)
    copy_ = sale_event(till, member_id=member_id, total_fen=4000,
                       sale_id=sale["payload"]["sale_id"])
    results = till.push([sale, copy_]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "conflict"]
    assert results[1]["conflicts"][0]["kind"] == "duplicate_sale"
    assert member_via_api(till, member_id)["points"] == 4


def test_payload_terminal_must_be_the_token_terminal(central_server):
    till, other = central_server.enrol("A"), central_server.enrol("B")
    sale = sale_event(till)
    sale["payload"]["terminal_id"] = other.terminal_id
    answer = till.push([sale])
    assert answer.status_code == 422
    assert answer.json()["details"][0]["loc"] == ["body", "events", 0, "payload", "terminal_id"]


def test_a_reused_terminal_sequence_is_recorded_not_refused(central_server):
    till = central_server.enrol()
    first = sale_event(till, seq=7)
    second = sale_event(till, seq=7)
    results = till.push([first, second]).json()["results"]
    assert results[0]["status"] == "applied"
    assert results[1]["status"] == "conflict"
    assert results[1]["conflicts"][0]["kind"] == "sequence_reused"
    assert results[1]["conflicts"][0]["detail"]["other_event_id"] == first["event_id"]


def test_shift_cash_and_audit_events(central_server):
    till = central_server.enrol()
    events = shift_events(till)
    results = till.push(events).json()["results"]
    assert [r["status"] for r in results] == ["applied"] * 4
    assert [r["kind"] for r in results] == ["shift_opened", "cash_movement", "shift_closed",
                                            "audit_head"]
    with central_server.read() as s:
        shift = s.get(m.Shift, events[0]["payload"]["shift_id"])
        assert shift.opening_float_fen == 50000 and shift.closed_at is not None
        assert shift.closing["tenders"][0]["difference_fen"] == -100
        assert s.get(m.CashMovement, events[1]["payload"]["movement_id"]).amount_fen == 2000
    # The same audit position with another hash: the chain was altered.
    tampered = shift_events(till)[3]
    tampered["payload"]["hash"] = "cd" * 32
    (result,) = till.push([tampered]).json()["results"]
    assert result["status"] == "conflict"
    assert result["conflicts"][0]["kind"] == "audit_chain_mismatch"


def test_terminal_bookkeeping(central_server):
    till = central_server.enrol()
    till.push([sale_event(till, seq=3), sale_event(till, seq=9)])
    with central_server.read() as s:
        terminal = s.get(m.Terminal, till.terminal_id)
        assert terminal.highest_seq == 9 and terminal.last_push_at is not None


def test_a_registration_and_the_members_first_sale_in_one_batch(central_server):
    from tests.central.builders import registration_event, unique_phone

    till = central_server.enrol()
    reg = registration_event(till, unique_phone(), name="新会员", consent=True)
    member_id = reg["payload"]["member_id"]
    sale = sale_event(till, member_id=member_id, total_fen=12300)
    results = till.push([reg, sale]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert results[1]["member"] == {"member_id": member_id, "points": 12, "growth": 123,
                                    "tier": "regular"}
    member = member_via_api(till, member_id)
    assert member["name"] == "新会员" and member["marketing_consent"] is True
    assert member["card_no"] and member["last_purchase_at"] is not None


def test_a_card_number_already_taken_is_replaced_and_reported(central_server):
    from tests.central.builders import registration_event, unique_phone

    till = central_server.enrol()
    first = registration_event(till, unique_phone(), card_no="555000111")
    second = registration_event(till, unique_phone(), card_no="555000111")
    results = till.push([first, second]).json()["results"]
    assert results[0]["status"] == "applied"
    assert results[1]["status"] == "conflict"
    assert results[1]["conflicts"][0]["kind"] == "card_no_taken"
    card = member_via_api(till, second["payload"]["member_id"])["card_no"]
    assert card != "555000111" and card in results[1]["conflicts"][0]["message"]


def test_tiers_follow_the_rules_the_service_distributes(make_central_server):
    from pos_central import admin
    from pos_member.domain.rules import DEFAULT_RULES

    server = make_central_server()
    with server.write() as s:
        rules = DEFAULT_RULES.with_overrides({"tiers": [
            {"code": "regular", "name": "普卡", "min_growth": 0, "discount_rate": "1.00"},
            {"code": "silver", "name": "银卡", "min_growth": 100, "discount_rate": "0.95"},
            {"code": "gold", "name": "金卡", "min_growth": 200, "discount_rate": "0.90"},
        ]})
        assert admin.set_rules(s, rules) == 2
    till = server.enrol()
    member_id = make_member(server)
    (result,) = till.push([sale_event(till, member_id=member_id, total_fen=25000)]).json()[
        "results"]
    assert result["member"]["tier"] == "gold"
    feed = till.get("/v1/changes", params={"limit": 5000}).json()["changes"]
    versions = sorted(c["data"]["version"] for c in feed if c["entity"] == "rules")
    assert versions == [1, 2]
