"""Member-code nonces checked centrally: a nonce spends points once across all tills, and a
nonce must be one the service issued, for the sale's member, used within the code's validity.
The sale is never refused: what is wrong is a conflict kept by the service and reported to the
till in the push answer."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pos_central import models as m
from pos_central.keys import ensure_signing_key, issue_member_code, load_private
from pos_member.security.dynamic_codes import verify_dynamic_code
from tests.central.builders import make_member, member_via_api, sale_event
from tests.central.test_member_codes import feed_keys


def code_nonce(server, till, member_id: str, now: datetime, ttl: int = 60) -> str:
    """A code the service issues for the member, read by the till's own verifier."""
    with server.write() as s:
        key = ensure_signing_key(s)
        private, key_id = load_private(key), key.key_id
    code = issue_member_code(private, key_id, member_id, now, ttl_seconds=ttl)
    return verify_dynamic_code(code, feed_keys(till), now).nonce


def spend(till, member_id: str, nonce: str | None, points: int = 100, *,
          sold_at: datetime | None = None) -> dict:
    event = sale_event(till, member_id=member_id, total_fen=5000, points_redeemed=points,
                       points_earned=0, sold_at=sold_at)
    event["payload"]["member_code_nonce"] = nonce
    return event


def push_one(till, event) -> dict:
    response = till.push([event])
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return result


def kinds(result) -> list[str]:
    return [c["kind"] for c in result["conflicts"]]


def kept(server, kind: str, *tills) -> list[m.Conflict]:
    with server.read() as s:
        return list(s.execute(select(m.Conflict).where(
            m.Conflict.kind == kind, m.Conflict.terminal_id.in_([t.terminal_id for t in tills]))
            .order_by(m.Conflict.id)).scalars())


def test_the_same_nonce_spending_points_at_two_tills_is_a_conflict(central_server):
    one, two = central_server.enrol("Till 1"), central_server.enrol("Till 2")
    member_id = make_member(central_server, points=500)
    nonce = code_nonce(central_server, one, member_id, datetime.now(UTC))
    first, second = spend(one, member_id, nonce), spend(two, member_id, nonce)
    assert push_one(one, first)["status"] == "applied"
    result = push_one(two, second)
    assert result["status"] == "conflict" and kinds(result) == ["member_code_reused"]
    (info,) = result["conflicts"]
    assert info["other_sale_id"] == first["payload"]["sale_id"]
    assert info["other_terminal_id"] == one.terminal_id
    assert info["sale_id"] == second["payload"]["sale_id"] and info["member_id"] == member_id
    (row,) = kept(central_server, "member_code_reused", one, two)
    assert row.id == info["id"] and row.terminal_id == two.terminal_id
    assert row.detail["other_terminal_id"] == one.terminal_id
    # Both sales are kept and their points taken: the balance says what happened.
    assert result["member"]["points"] == 300
    assert member_via_api(one, member_id)["points"] == 300
    with central_server.read() as s:
        used = s.get(m.MemberCodeNonce, nonce)
        assert (used.sale_id, used.terminal_id) == (first["payload"]["sale_id"], one.terminal_id)


def test_the_same_nonce_twice_at_one_till_and_in_one_batch(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=500)
    nonce = code_nonce(central_server, till, member_id, datetime.now(UTC))
    results = till.push([spend(till, member_id, nonce), spend(till, member_id, nonce, 50)]
                        ).json()["results"]
    assert kinds(results[0]) == [] and kinds(results[1]) == ["member_code_reused"]
    assert push_one(till, spend(till, member_id, nonce, 10))["conflicts"][0]["kind"] == \
        "member_code_reused"


def test_a_replayed_event_is_not_a_second_use(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=500)
    event = spend(till, member_id, code_nonce(central_server, till, member_id,
                                              datetime.now(UTC)))
    assert push_one(till, event)["status"] == "applied"
    assert push_one(till, event)["status"] == "duplicate"
    assert kept(central_server, "member_code_reused", till) == []


def test_a_nonce_that_spent_no_points_is_not_used_up(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=500)
    nonce = code_nonce(central_server, till, member_id, datetime.now(UTC))
    assert push_one(till, spend(till, member_id, nonce, points=0))["status"] == "applied"
    assert push_one(till, spend(till, member_id, nonce))["status"] == "applied"


def test_a_nonce_the_service_did_not_issue_is_a_conflict(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=500)
    for made_up in (secrets.token_hex(16), secrets.token_hex(32), "not hex at all"):
        result = push_one(till, spend(till, member_id, made_up, 10))
        assert kinds(result) == ["member_code_invalid"], made_up
        assert result["conflicts"][0]["detail"]["reason"] == "not_issued"
        assert result["member"]["points"] < 500  # the sale and its points are kept
    # A code's nonce with its window changed (a hex digit of not_after) is not the service's.
    nonce = code_nonce(central_server, till, member_id, datetime.now(UTC))
    flipped = nonce[:19] + ("0" if nonce[19] != "0" else "1") + nonce[20:]
    assert push_one(till, spend(till, member_id, flipped, 10))["conflicts"][0]["detail"][
        "reason"] == "not_issued"


def test_another_members_nonce_is_a_conflict(central_server):
    till = central_server.enrol()
    member_id, other = make_member(central_server, points=500), make_member(central_server)
    nonce = code_nonce(central_server, till, other, datetime.now(UTC))
    result = push_one(till, spend(till, member_id, nonce))
    assert kinds(result) == ["member_code_invalid"]
    assert result["conflicts"][0]["detail"]["reason"] == "other_member"


def test_a_nonce_used_outside_its_codes_validity_is_a_conflict(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server, points=500)
    issued = datetime.now(UTC) - timedelta(hours=2)
    nonce = code_nonce(central_server, till, member_id, issued)
    late = push_one(till, spend(till, member_id, nonce, sold_at=datetime.now(UTC)))
    assert kinds(late) == ["member_code_invalid"]
    assert late["conflicts"][0]["detail"]["reason"] == "expired"
    early_nonce = code_nonce(central_server, till, member_id, datetime.now(UTC))
    early = push_one(till, spend(till, member_id, early_nonce, sold_at=issued))
    assert early["conflicts"][0]["detail"]["reason"] == "not_yet_valid"
    # Within the code's minute (and a till clock a little off) is fine.
    fine = code_nonce(central_server, till, member_id, datetime.now(UTC))
    assert push_one(till, spend(till, member_id, fine,
                                sold_at=datetime.now(UTC) + timedelta(seconds=90)))[
        "status"] == "applied"


def test_two_tills_pushing_the_same_nonce_at_once_make_one_conflict(central_server):
    one, two = central_server.enrol("Till 1"), central_server.enrol("Till 2")
    member_id = make_member(central_server, points=500)
    nonce = code_nonce(central_server, one, member_id, datetime.now(UTC))
    events = {t.terminal_id: spend(t, member_id, nonce) for t in (one, two)}
    answers: dict = {}
    barrier = threading.Barrier(2)

    def go(till):
        barrier.wait()
        answers[till.terminal_id] = push_one(till, events[till.terminal_id])

    threads = [threading.Thread(target=go, args=(t,)) for t in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(len(a["conflicts"]) for a in answers.values()) == [0, 1]
    assert len(kept(central_server, "member_code_reused", one, two)) == 1
