"""A terminal writes only its own data: its store, its shifts, its movements; refunds of
another store's sale are refused. A refusal is the per-event ``rejected`` answer (stored, so a
replay answers ``duplicate`` with the same rejection), never a silent overwrite and never a
500; the rest of the batch is applied."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from pos_central import models as m
from tests.central.builders import make_member, member_via_api, refund_event, sale_event, \
    shift_events


def _count(server, model, *where) -> int:
    with server.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _rejected(result: dict, code: str, field: str) -> None:
    assert result["status"] == "rejected", result
    assert result["rejection"]["code"] == code, result
    assert result["rejection"]["field"] == field
    assert result["rejection"]["message"]
    assert result["conflicts"] == [] and result["member"] is None


def test_an_event_for_another_store_is_rejected_and_the_rest_applied(central_server):
    till = central_server.enrol("Own store", store_id="S001")
    member_id = make_member(central_server)
    foreign = sale_event(till, member_id=member_id, total_fen=5000)
    foreign["payload"]["store_id"] = "S999"
    fine = sale_event(till, member_id=member_id, total_fen=3000)

    answer = till.push([foreign, fine])
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["results"]
    _rejected(first, "foreign_store", "payload.store_id")
    assert "S999" in first["rejection"]["message"] and "S001" in first["rejection"]["message"]
    assert second["status"] == "applied"
    assert _count(central_server, m.Sale, m.Sale.id == foreign["payload"]["sale_id"]) == 0
    assert member_via_api(till, member_id)["points"] == 3  # only the sale of its own store
    with central_server.read() as s:
        row = s.get(m.EventRow, foreign["event_id"])
        assert row.status == "rejected" and row.result["rejection"]["code"] == "foreign_store"

    replay = till.push([foreign]).json()["results"][0]
    assert replay["status"] == "duplicate"
    assert replay["rejection"] == first["rejection"]
    assert _count(central_server, m.Sale, m.Sale.id == foreign["payload"]["sale_id"]) == 0


def test_every_kind_of_event_carries_the_terminals_store(central_server):
    till = central_server.enrol("Store check", store_id="S001")
    events = shift_events(till)[:3]  # opened, cash movement, closed
    for event in events:
        event["payload"]["store_id"] = "S999"
    results = till.push(events).json()["results"]
    for result in results:
        _rejected(result, "foreign_store", "payload.store_id")
    assert _count(central_server, m.Shift, m.Shift.id == events[0]["payload"]["shift_id"]) == 0
    assert _count(central_server, m.CashMovement,
                  m.CashMovement.id == events[1]["payload"]["movement_id"]) == 0


def test_another_terminal_cannot_rewrite_a_shift(central_server):
    a = central_server.enrol("Till A", store_id="S001")
    b = central_server.enrol("Till B", store_id="S001")
    opened, moved, closed, _head = shift_events(a)
    assert {r["status"] for r in a.push([opened, moved, closed]).json()["results"]} == {"applied"}
    shift_id = opened["payload"]["shift_id"]

    forged = []
    for event, changes in ((opened, {"opening_float_fen": 1}),
                           (closed, {"z_report_no": "Z9999"}),
                           (moved, {"amount_fen": 99999,
                                    "movement_id": str(uuid.uuid4())})):
        twin = copy.deepcopy(event)
        twin["event_id"], twin["terminal_seq"] = str(uuid.uuid4()), b.take_seq()
        twin["payload"].update(changes)
        forged.append(twin)
    results = b.push(forged).json()["results"]
    for result in results:
        _rejected(result, "not_your_shift", "payload.shift_id")
    with central_server.read() as s:
        shift = s.get(m.Shift, shift_id)
        assert shift.terminal_id == a.terminal_id
        assert shift.opening_float_fen == 50000
        assert shift.closing["z_report_no"] == "Z0001"
        assert s.execute(select(func.count()).select_from(m.CashMovement)
                         .where(m.CashMovement.shift_id == shift_id)).scalar_one() == 1


def test_another_terminals_cash_movement_id_is_rejected(central_server):
    a = central_server.enrol("Till A2", store_id="S001")
    b = central_server.enrol("Till B2", store_id="S001")
    _opened, moved, _closed, _head = shift_events(a)
    assert a.push([moved]).json()["results"][0]["status"] == "applied"
    twin = copy.deepcopy(moved)
    twin["event_id"], twin["terminal_seq"] = str(uuid.uuid4()), b.take_seq()
    twin["payload"]["shift_id"] = str(uuid.uuid4())  # B's own (new) shift, A's movement id
    _rejected(b.push([twin]).json()["results"][0], "not_your_movement", "payload.movement_id")


def test_a_refund_at_another_till_of_the_same_store_is_applied(central_server):
    a = central_server.enrol("Sold here", store_id="S001")
    b = central_server.enrol("Returned here", store_id="S001")
    member_id = make_member(central_server)
    sale = sale_event(a, member_id=member_id, total_fen=4000)
    assert a.push([sale]).json()["results"][0]["status"] == "applied"
    refund = refund_event(b, sale, points_reversed=4, growth_reversed=40)
    result = b.push([refund]).json()["results"][0]
    assert result["status"] == "applied", result
    assert member_via_api(b, member_id)["points"] == 0


def test_a_refund_of_another_stores_sale_is_rejected(central_server):
    a = central_server.enrol("Store one", store_id="S001")
    c = central_server.enrol("Store two", store_id="S002")
    member_id = make_member(central_server)
    sale = sale_event(a, member_id=member_id, total_fen=4000)
    a.push([sale])
    refund = refund_event(c, sale, points_reversed=4, growth_reversed=40)
    result = c.push([refund]).json()["results"][0]
    _rejected(result, "sale_of_another_store", "payload.sale_id")
    assert "S001" in result["rejection"]["message"]
    assert _count(central_server, m.Refund,
                  m.Refund.id == refund["payload"]["refund_id"]) == 0
    assert member_via_api(a, member_id)["points"] == 4  # nothing reversed


def test_a_rejected_event_keeps_its_sequence_and_bookkeeping(central_server):
    till = central_server.enrol("Seq", store_id="S001")
    foreign = sale_event(till)
    foreign["payload"]["store_id"] = "S999"
    assert till.push([foreign]).json()["results"][0]["status"] == "rejected"
    with central_server.read() as s:
        terminal = s.get(m.Terminal, till.terminal_id)
        assert terminal.highest_seq == foreign["terminal_seq"]
        assert terminal.last_push_at is not None
    # The event id stays taken: the same id with other content is still a mismatch.
    altered = copy.deepcopy(foreign)
    altered["payload"]["store_id"] = "S001"
    assert till.push([altered]).status_code == 409


def test_enrolment_binds_the_terminal_to_the_codes_store(central_server):
    code = central_server.enrol_code(store_id="S042")
    import requests

    answer = requests.post(central_server.base_url + "/v1/enrol", timeout=30, json={
        "code": code, "terminal_name": "Bound", "store_id": "S042"}).json()
    with central_server.read() as s:
        assert s.get(m.Terminal, answer["terminal_id"]).store_id == "S042"
    from tests.central.server_fixture import EnrolledTerminal

    till = EnrolledTerminal(answer["terminal_id"], answer["token"], "S042",
                            central_server.base_url)
    sale = sale_event(till, sold_at=datetime.now(UTC))
    assert till.push([sale]).json()["results"][0]["status"] == "applied"
    other = sale_event(till)
    other["payload"]["store_id"] = "S001"
    _rejected(till.push([other]).json()["results"][0], "foreign_store", "payload.store_id")
