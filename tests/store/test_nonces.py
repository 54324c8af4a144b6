"""SqliteNonceRegistry: the seen_nonces table as the durable NonceRegistry."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pos_member.security import (
    CodeRefused,
    NonceRegistry,
    RefusalReason,
    check_for_spending,
    generate_key_pair,
    issue_dynamic_code,
    verify_dynamic_code,
)
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.models import SeenNonce, SyncState
from pos_member.store.nonces import SqliteNonceRegistry

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
N1 = "a1" * 16
N2 = "b2" * 16


def test_it_is_a_nonce_registry(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        assert isinstance(SqliteNonceRegistry(s), NonceRegistry)


def test_remembered_nonces_are_seen_in_the_same_and_later_transactions(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        assert not reg.seen(N1)
        reg.remember(N1, NOW + timedelta(days=1))
        assert reg.seen(N1)
        assert not reg.seen(N2)
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        assert reg.seen(N1)
        assert len(reg) == 1
        row = s.scalar(select(SeenNonce))
        assert row is not None and row.expires_at == NOW + timedelta(days=1)


def test_expiry_is_stored_in_utc(sessions: sessionmaker[Session]) -> None:
    shanghai = timezone(timedelta(hours=8))
    with transaction(sessions) as s:
        SqliteNonceRegistry(s).remember(N1, datetime(2026, 11, 24, 14, 0, tzinfo=shanghai))
    with transaction(sessions) as s:
        row = s.scalar(select(SeenNonce))
        assert row is not None and row.expires_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def test_remembering_twice_in_one_transaction_is_refused_and_the_transaction_survives(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        reg.remember(N1, NOW)
        with pytest.raises(CodeRefused) as info:
            reg.remember(N1, NOW + timedelta(days=3))
        assert info.value.reason is RefusalReason.REPLAYED
        # The failed INSERT ran in a savepoint: the unit of work goes on and commits.
        s.add(SyncState(key="after_refusal", value="ok"))
    with transaction(sessions) as s:
        assert len(SqliteNonceRegistry(s)) == 1
        row = s.scalar(select(SeenNonce))
        assert row is not None and row.expires_at == NOW  # the first one stands
        assert s.get(SyncState, "after_refusal") is not None


def test_a_replay_that_raced_past_seen_is_stopped_by_the_unique_key(migrated_db: Path) -> None:
    """Two checkouts present the same code; both looked before either wrote. The second one's
    remember() fails on the primary key, so only one spend can ever commit."""
    writer = create_engine_for(migrated_db)
    reader = create_engine_for(migrated_db, read_only=True)
    try:
        sessions, reads = session_factory(writer), session_factory(reader)
        with transaction(reads) as r:  # checkout B looks first: not seen yet
            b_saw_it = SqliteNonceRegistry(r).seen(N1)
        assert b_saw_it is False
        with transaction(sessions) as a:  # checkout A spends and commits
            check_registry = SqliteNonceRegistry(a)
            assert not check_registry.seen(N1)
            check_registry.remember(N1, NOW + timedelta(days=1))
        with pytest.raises(CodeRefused) as info, transaction(sessions) as b:
            SqliteNonceRegistry(b).remember(N1, NOW + timedelta(days=1))  # B's late write
        assert info.value.reason is RefusalReason.REPLAYED
    finally:
        writer.dispose()
        reader.dispose()


def test_the_table_itself_refuses_a_duplicate_nonce(migrated_db: Path) -> None:
    con = sqlite3.connect(migrated_db)
    try:
        con.execute("INSERT INTO seen_nonces VALUES (?, ?)", (N1, "2026-11-24T00:00:00.000000Z"))
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(
                "INSERT INTO seen_nonces VALUES (?, ?)", (N1, "2026-11-25T00:00:00.000000Z")
            )
    finally:
        con.close()


def test_a_rolled_back_sale_forgets_its_nonce(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        SqliteNonceRegistry(s).remember(N1, NOW)
        raise RuntimeError("the sale failed")
    with transaction(sessions) as s:
        assert not SqliteNonceRegistry(s).seen(N1)


def test_purge_expired_forgets_only_what_has_expired(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        reg.remember("01" * 16, NOW - timedelta(hours=1))
        reg.remember("02" * 16, NOW)
        reg.remember("03" * 16, NOW + timedelta(seconds=1))
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        assert reg.purge_expired(NOW) == 2
        assert reg.purge_expired(NOW) == 0
        assert not reg.seen("01" * 16) and not reg.seen("02" * 16)
        assert reg.seen("03" * 16)


def test_check_for_spending_with_a_real_code(sessions: sessionmaker[Session]) -> None:
    private, public = generate_key_pair()
    code = issue_dynamic_code(private, "k1", "member-1", NOW)
    verified = verify_dynamic_code(code, {"k1": public}, NOW + timedelta(seconds=5))
    with transaction(sessions) as s:
        check_for_spending(verified, SqliteNonceRegistry(s), NOW)
    with pytest.raises(CodeRefused) as info, transaction(sessions) as s:
        check_for_spending(verified, SqliteNonceRegistry(s), NOW + timedelta(seconds=10))
    assert info.value.reason is RefusalReason.REPLAYED
    with transaction(sessions) as s:
        row = s.get(SeenNonce, verified.nonce)
        assert row is not None and row.expires_at >= verified.not_after + timedelta(days=1)


@pytest.mark.parametrize("nonce", ["", "x" * 65, None, 12])
def test_bad_nonces_are_programming_errors(sessions: sessionmaker[Session], nonce: object) -> None:
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        with pytest.raises(ValueError):
            reg.seen(nonce)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            reg.remember(nonce, NOW)  # type: ignore[arg-type]


def test_naive_times_are_refused(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        reg = SqliteNonceRegistry(s)
        with pytest.raises(ValueError):
            reg.remember(N1, datetime(2026, 11, 24))
        with pytest.raises(ValueError):
            reg.purge_expired(datetime(2026, 11, 24))
        assert len(reg) == 0
