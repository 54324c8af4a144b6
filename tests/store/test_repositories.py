"""The low-level helpers the services build on."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.models import OutboxEvent, Sale
from pos_member.store.repositories import (
    add_outbox_event,
    count_pending_outbox,
    escape_like,
    find_member_by_card,
    find_member_by_id,
    find_member_by_last4,
    find_member_by_phone,
    get_setting,
    mark_outbox_conflict,
    mark_outbox_sent,
    next_terminal_seq,
    pending_outbox,
    record_outbox_failure,
    search_members,
    set_setting,
)
from tests.store.factories import T0, make_member, make_sale, make_shift

# ---------------------------------------------------------------------------------------------
# Settings and the terminal sequence


def test_settings_round_trip(sessions) -> None:
    with transaction(sessions) as s:
        assert get_setting(s, "terminal_id") is None
        assert get_setting(s, "terminal_id", "none") == "none"
        set_setting(s, "terminal_id", "T01")
        set_setting(s, "terminal_id", "T02")
        assert get_setting(s, "terminal_id") == "T02"
        with pytest.raises(TypeError):
            set_setting(s, "n", 5)  # type: ignore[arg-type]


def test_terminal_seq_counts_up_from_one(sessions) -> None:
    with transaction(sessions) as s:
        assert [next_terminal_seq(s) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RuntimeError):
        with transaction(sessions) as s:
            assert next_terminal_seq(s) == 4
            raise RuntimeError("sale abandoned")
    with transaction(sessions) as s:
        assert next_terminal_seq(s) == 4  # a rolled-back number is handed out again
        assert get_setting(s, "next_terminal_seq") == "5"


def test_terminal_seq_can_be_seeded(sessions) -> None:
    with transaction(sessions) as s:
        set_setting(s, "next_terminal_seq", "1000")
        assert next_terminal_seq(s) == 1000
        assert next_terminal_seq(s) == 1001


def test_terminal_seq_is_unique_across_threads_and_engines(migrated_db) -> None:
    engines = [create_engine_for(migrated_db, busy_timeout_ms=30000) for _ in range(2)]
    got: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(engine) -> None:
        sessions = session_factory(engine)
        try:
            for _ in range(25):
                with transaction(sessions) as s:
                    n = next_terminal_seq(s)
                with lock:
                    got.append(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(engines[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert not errors
    assert sorted(got) == list(range(1, 101))


# ---------------------------------------------------------------------------------------------
# Outbox


def test_add_outbox_event_assigns_id_and_sequence(sessions) -> None:
    with transaction(sessions) as s:
        first = add_outbox_event(s, "member_registered", {"member_id": "m1", "name": "李四"})
        second = add_outbox_event(s, "sale", {"sale_id": "s1"}, event_id="fixed-id")
    assert str(uuid.UUID(first)) == first and second == "fixed-id"
    with transaction(sessions) as s:
        events = pending_outbox(s, 10)
        assert [(e.event_id, e.terminal_seq, e.kind) for e in events] == [
            (first, 1, "member_registered"),
            ("fixed-id", 2, "sale"),
        ]
        assert events[0].payload == {"member_id": "m1", "name": "李四"}
        assert events[0].status == "pending" and events[0].attempts == 0
        assert events[0].created_at.tzinfo is not None


def test_sale_and_its_event_share_one_sequence_number(sessions) -> None:
    shift = make_shift()
    with transaction(sessions) as s:
        s.add(shift)
        seq = next_terminal_seq(s)
        s.add(make_sale(shift, seq, id="sale-9"))
        add_outbox_event(s, "sale", {"sale_id": "sale-9"}, event_id="sale-9", terminal_seq=seq)
        follow = add_outbox_event(s, "audit_head", {})
    with transaction(sessions) as s:
        assert s.get(Sale, "sale-9").terminal_seq == 1
        assert [e.terminal_seq for e in pending_outbox(s)] == [1, 2]
        assert s.scalar(select(OutboxEvent.terminal_seq).where(OutboxEvent.event_id == follow)) == 2


def test_event_and_business_row_commit_or_vanish_together(sessions) -> None:
    shift = make_shift()
    with transaction(sessions) as s:
        s.add(shift)
    with pytest.raises(RuntimeError):
        with transaction(sessions) as s:
            s.add(make_sale(shift, next_terminal_seq(s), id="lost"))
            add_outbox_event(s, "sale", {"sale_id": "lost"})
            raise RuntimeError("printer exploded before commit")
    with transaction(sessions) as s:
        assert s.get(Sale, "lost") is None
        assert count_pending_outbox(s) == 0


def test_duplicate_event_id_fails_at_once(sessions) -> None:
    with transaction(sessions) as s:
        add_outbox_event(s, "sale", {}, event_id="dup")
    with pytest.raises(IntegrityError, match="outbox.event_id"):
        with transaction(sessions) as s:
            add_outbox_event(s, "sale", {}, event_id="dup")
    with pytest.raises(ValueError):
        with transaction(sessions) as s:
            add_outbox_event(s, "", {})


def test_pending_outbox_order_limit_and_marking(sessions) -> None:
    with transaction(sessions) as s:
        set_setting(s, "next_terminal_seq", "10")
        ids = [add_outbox_event(s, "sale", {"n": n}) for n in range(5)]
        add_outbox_event(s, "late", {}, terminal_seq=3)  # e.g. a number taken earlier
    with transaction(sessions) as s:
        assert [e.terminal_seq for e in pending_outbox(s, 3)] == [3, 10, 11]
        assert pending_outbox(s, 0) == []
        assert mark_outbox_sent(s, ids[:2], at=T0) == 2
        assert mark_outbox_sent(s, []) == 0
        record_outbox_failure(s, ids[2:4], "HTTP 503")
        record_outbox_failure(s, ids[2:3], "timeout")
        mark_outbox_conflict(s, ids[4], "coupon used elsewhere")
    with transaction(sessions) as s:
        pending = pending_outbox(s)
        assert [e.event_id for e in pending][1:] == ids[2:4]
        assert [(e.attempts, e.last_error) for e in pending[1:]] == [
            (2, "timeout"),
            (1, "HTTP 503"),
        ]
        assert count_pending_outbox(s) == 3
        sent = s.scalars(select(OutboxEvent).where(OutboxEvent.status == "sent")).all()
        assert {e.sent_at for e in sent} == {T0}
        conflict = s.scalars(select(OutboxEvent).where(OutboxEvent.status == "conflict")).one()
        assert conflict.last_error == "coupon used elsewhere"


# ---------------------------------------------------------------------------------------------
# Members


@pytest.fixture
def members(sessions) -> dict[str, str]:
    """Members sharing the last four digits 1234, with different purchase histories."""
    rows = {
        "recent": make_member("13800001234", card_no="C-100", name="王小明", last_purchase_at=T0),
        "older": make_member(
            "13900001234",
            card_no="C-101",
            name="Wang_Xiao",
            last_purchase_at=T0 - timedelta(days=30),
        ),
        "never": make_member("13700001234", card_no="VIP-7", name="100% 王"),
        "other": make_member(
            "13812345678", card_no="C-200", name="O'Brien", last_purchase_at=T0 - timedelta(days=1)
        ),
    }
    with transaction(sessions) as s:
        for key, m in rows.items():
            m.id = key
            s.add(m)
    return {k: k for k in rows}


def test_find_member_by_id_phone_card(sessions, members) -> None:
    with transaction(sessions) as s:
        assert find_member_by_id(s, "recent").name == "王小明"
        assert find_member_by_id(s, "missing") is None
        assert find_member_by_phone(s, "138 0000 1234").id == "recent"
        assert find_member_by_phone(s, "  ") is None
        assert find_member_by_phone(s, "13800009999") is None
        assert find_member_by_card(s, " VIP-7 ").id == "never"
        assert find_member_by_card(s, "") is None


def test_find_member_by_last4_lists_recent_buyers_first(sessions, members) -> None:
    with transaction(sessions) as s:
        assert [m.id for m in find_member_by_last4(s, "1234")] == ["recent", "older", "never"]
        assert [m.id for m in find_member_by_last4(s, "1234", limit=1)] == ["recent"]
        assert find_member_by_last4(s, "5678")[0].id == "other"
        assert find_member_by_last4(s, "123") == []
        assert find_member_by_last4(s, "12a4") == []
        assert find_member_by_last4(s, "0000") == []


def test_find_member_by_last4_is_capped(sessions) -> None:
    with transaction(sessions) as s:
        s.add_all(make_member(f"1{n:06d}4321") for n in range(60))
    with transaction(sessions) as s:
        assert len(find_member_by_last4(s, "4321", limit=1000)) == 50


def test_lookups_use_indexes(sessions) -> None:
    def plan(sql: str) -> str:
        with transaction(sessions) as s:
            rows = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
        return " ".join(row[-1] for row in rows)

    assert "USING INDEX ix_members_phone_last4" in plan(
        "SELECT * FROM members WHERE phone_last4 = '1234' "
        "ORDER BY last_purchase_at DESC, registered_at DESC, id LIMIT 20"
    )
    assert "USING INDEX sqlite_autoindex_members" in plan(
        "SELECT * FROM members WHERE phone >= '138' AND phone < '138\U0010ffff' "
        "ORDER BY phone LIMIT 20"
    )
    assert "USING INDEX ix_outbox_status" in plan(
        "SELECT * FROM outbox WHERE status = 'pending' ORDER BY terminal_seq LIMIT 100"
    )


def test_search_members_by_digits_name_and_card(sessions, members) -> None:
    def ids(text: str, limit: int = 20) -> list[str]:
        with transaction(sessions) as s:
            return [m.id for m in search_members(s, text, limit)]

    assert ids("1380000") == ["recent"]
    assert ids("138") == ["recent", "other"]
    assert ids("1234") == ["recent", "older", "never"]  # last four too
    assert ids("王") == ["recent", "never"]
    # ASCII is case-insensitive; the pinyin of 王 (wang) comes before names containing it
    assert ids("wang") == ["recent", "older"]
    assert ids("WANG") == ["recent", "older"]
    assert ids("C-1") == ["recent", "older"]
    assert ids("O'Brien") == ["other"]
    assert ids("%") == ["never"]  # a literal percent sign, not "anything"
    assert ids("_") == ["older"]  # a literal underscore, not "any one character"
    assert ids("\\") == []
    assert ids("   ") == []
    assert ids("王", limit=0) == []
    assert ids("1", limit=1) == ["never"]  # prefixes come in phone order (137... first)
    assert ids("13") == ["never", "recent", "other", "older"]


def test_search_members_cuts_very_long_text(sessions, members) -> None:
    with transaction(sessions) as s:
        assert search_members(s, "王" * 100_000) == []
        assert [m.id for m in search_members(s, "Wang_Xiao" + " " * 10_000 + "x" * 5000)] == []
        # 王小明 by the pinyin "wangxiao", then the name containing "Wang_Xiao"
        assert [m.id for m in search_members(s, "  Wang_Xiao  ")] == ["recent", "older"]


def test_escape_like() -> None:
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(alphabet=st.sampled_from("%_\\'\"王a1 -[]*?;"), max_size=12))
def test_search_members_takes_any_text_literally(sessions, members, text: str) -> None:
    with transaction(sessions) as s:
        found = search_members(s, text)
    needle = " ".join(text.split())
    compact = needle.replace(" ", "").replace("-", "")
    for m in found:
        assert (
            needle.casefold() in m.name.casefold()
            or (m.card_no or "").startswith(needle)
            or (
                compact.isdigit()
                and ((m.phone or "").startswith(compact) or m.phone_last4 == compact)
            )
        ), (text, m.id)
