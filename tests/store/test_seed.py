"""seed_demo: the demo brand in a till database, checked row by row on 2,000 members."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pos_member.domain import demo_brand
from pos_member.domain.points import lot_expiry
from pos_member.domain.rules import DEFAULT_RULES, Rules
from pos_member.security import make_static_code, parse_static_code, verify_pin_hash
from pos_member.store import migrate, repositories, seed
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.models import (
    Barcode,
    Category,
    Coupon,
    Member,
    PointLot,
    Product,
    RuleVersion,
    Staff,
)

TODAY = date(2026, 11, 24)  # a Tuesday in the store's time zone
COUNT = 2000


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[str]]]:
    """One database seeded with 2,000 members, shared by the read-only tests below."""
    path = tmp_path_factory.mktemp("seed") / "till.sqlite3"
    lines: list[str] = []
    seed.seed_demo(path, members=COUNT, today=TODAY, terminal_id="T07", report=lines.append)
    yield path, lines


@pytest.fixture
def con(seeded: tuple[Path, list[str]]) -> Iterator[sqlite3.Connection]:
    c = sqlite3.connect(f"{seeded[0].as_uri()}?mode=ro", uri=True)
    yield c
    c.close()


def count(con: sqlite3.Connection, sql: str, *params: object) -> int:
    return int(con.execute(sql, params).fetchone()[0])


def test_counts(con: sqlite3.Connection) -> None:
    assert count(con, "SELECT count(*) FROM members") == COUNT
    assert count(con, "SELECT count(*) FROM categories") == len(demo_brand.CATEGORIES)
    assert count(con, "SELECT count(*) FROM products") == len(demo_brand.PRODUCTS)
    assert count(con, "SELECT count(*) FROM barcodes") == len(demo_brand.PRODUCTS)
    assert count(con, "SELECT count(*) FROM coupons WHERE member_id IS NULL") == len(
        demo_brand.COUPONS)
    assert count(con, "SELECT count(*) FROM coupons WHERE member_id IS NOT NULL") == sum(
        len(demo_brand.personal_coupons(i)) for i in range(1, COUNT + 1))
    assert count(con, "SELECT count(*) FROM staff") == len(demo_brand.STAFF)
    assert count(con, "SELECT count(*) FROM rules") == 1
    # Nothing a demo has no business making.
    for table in ("sales", "outbox", "audit_log", "shifts", "seen_nonces"):
        assert count(con, f"SELECT count(*) FROM {table}") == 0


def test_the_report_says_what_was_done(seeded: tuple[Path, list[str]]) -> None:
    text = "\n".join(seeded[1])
    assert "members: added 2,000 with" in text
    assert "products: added 28" in text
    assert "done in" in text


def test_members_are_the_demo_brand_members(seeded: tuple[Path, list[str]]) -> None:
    engine = create_engine_for(seeded[0], read_only=True)
    try:
        with transaction(session_factory(engine)) as s:
            for index in (1, 2, 777, COUNT):
                want = demo_brand.demo_member(index, TODAY)
                got = s.get(Member, want.id)
                assert got is not None
                assert (got.phone, got.card_no, got.name, got.birthday) == (
                    want.phone, want.card_no, want.name, want.birthday
                )
                assert (got.growth, got.points, got.marketing_consent) == (
                    want.growth, want.points, want.consent
                )
                assert got.registered_at == want.registered_at
                assert got.last_purchase_at == want.last_purchase_at
                assert got.phone_last4 == want.phone[-4:]
                assert got.origin == "central"
    finally:
        engine.dispose()


def test_tiers_follow_growth(con: sqlite3.Connection) -> None:
    rows = con.execute("SELECT tier, growth FROM members").fetchall()
    assert all(tier == DEFAULT_RULES.tier_for_growth(growth).code for tier, growth in rows)
    assert {tier for tier, _ in rows} == {"regular", "silver", "gold"}


def test_balances_equal_the_unexpired_lots(con: sqlite3.Connection) -> None:
    assert count(con, """
        SELECT count(*) FROM members m
        WHERE m.points != (SELECT coalesce(sum(points), 0) FROM point_lots WHERE member_id = m.id)
    """) == 0
    assert count(con, "SELECT count(*) FROM point_lots WHERE points <= 0") == 0
    per_member = con.execute(
        "SELECT max(n), min(n) FROM (SELECT count(*) AS n FROM point_lots GROUP BY member_id)"
    ).fetchone()
    assert per_member == (2, 1)
    assert count(con, "SELECT count(*) FROM point_lots WHERE earned_on > ?", TODAY.isoformat()) == 0
    assert count(con, "SELECT count(*) FROM point_lots WHERE expires_on < ?", TODAY.isoformat()) == 0
    for earned, expires in con.execute("SELECT earned_on, expires_on FROM point_lots LIMIT 200"):
        assert date.fromisoformat(expires) == lot_expiry(date.fromisoformat(earned), DEFAULT_RULES)
    # No lot predates its member.
    assert count(con, """
        SELECT count(*) FROM point_lots l JOIN members m ON m.id = l.member_id
        WHERE l.earned_on < substr(m.registered_at, 1, 10)
    """) == 0


def test_phones_and_cards_are_unique_and_card_codes_scan(con: sqlite3.Connection) -> None:
    assert count(con, "SELECT count(DISTINCT phone) FROM members") == COUNT
    assert count(con, "SELECT count(DISTINCT card_no) FROM members") == COUNT
    assert count(con, "SELECT count(*) FROM members WHERE phone_last4 != substr(phone, -4)") == 0
    for (card_no,) in con.execute("SELECT card_no FROM members LIMIT 50"):
        assert parse_static_code(make_static_code(card_no)).card_number == card_no


def test_lookups_find_seeded_members(seeded: tuple[Path, list[str]]) -> None:
    want = demo_brand.demo_member(1234, TODAY)
    engine = create_engine_for(seeded[0], read_only=True)
    try:
        with transaction(session_factory(engine)) as s:
            assert repositories.find_member_by_phone(s, want.phone).id == want.id  # type: ignore[union-attr]
            card = parse_static_code(make_static_code(want.card_no)).card_number
            assert repositories.find_member_by_card(s, card).id == want.id  # type: ignore[union-attr]
            assert want.id in {m.id for m in repositories.find_member_by_last4(s, want.phone[-4:])}
    finally:
        engine.dispose()


def test_staff_pins_verify(seeded: tuple[Path, list[str]]) -> None:
    engine = create_engine_for(seeded[0], read_only=True)
    try:
        with transaction(session_factory(engine)) as s:
            for person in demo_brand.STAFF:
                row = s.get(Staff, person.staff_id)
                assert row is not None
                assert row.login_code == person.staff_id
                assert (row.name, row.role, row.active) == (person.name, person.role, True)
                assert row.pin_hash.startswith("$argon2id$")
                assert verify_pin_hash(row.pin_hash, person.pin)
                assert not verify_pin_hash(row.pin_hash, "9753")
                assert (row.failed_count, row.lockout_count, row.locked_until) == (0, 0, None)
    finally:
        engine.dispose()


def test_catalogue_coupons_rules_and_settings(seeded: tuple[Path, list[str]]) -> None:
    engine = create_engine_for(seeded[0], read_only=True)
    try:
        with transaction(session_factory(engine)) as s:
            cats = {c.id: c for c in s.scalars(select(Category))}
            assert [cats[c[0]].name for c in demo_brand.CATEGORIES] == [
                c[1] for c in demo_brand.CATEGORIES
            ]
            beans = s.get(Product, "W001")
            assert beans is not None and beans.unit == "kg" and beans.unit_price_fen == 32000
            gift = s.get(Product, "G001")
            assert gift is not None and not gift.discountable and not gift.points_eligible
            for p in demo_brand.PRODUCTS:
                code = s.get(Barcode, p.barcode)
                assert code is not None and code.sku == p.sku
            assert s.scalar(select(func.count()).select_from(Product).where(
                Product.unit == "kg")) == sum(p.unit == "kg" for p in demo_brand.PRODUCTS)

            start = datetime(2026, 11, 24)
            for c in demo_brand.COUPONS:
                row = s.get(Coupon, c.code)
                assert row is not None
                assert row.valid_from == start and row.valid_from.tzinfo is None
                assert row.valid_to == start + timedelta(days=c.valid_days)
                assert (row.kind, row.value_fen, row.rate, row.cap_fen, row.threshold_fen) == (
                    c.kind, c.value, c.rate, c.cap, c.threshold
                )
                assert row.categories == (list(c.categories) or None)
                assert row.weekdays == (list(c.weekdays) or None)
                assert row.tiers == (list(c.tiers) or None)
                assert (row.stackable, row.with_tier_discount, row.status, row.member_id) == (
                    c.stackable, c.with_tier_discount, "available", None
                )

            version = s.get(RuleVersion, 1)
            assert version is not None
            rules = Rules.from_dict(version.rules_json)
            assert rules.first_order_coupon == demo_brand.FIRST_ORDER_COUPON
            assert rules.win_back_offer == demo_brand.WIN_BACK_OFFER
            assert rules.tiers == DEFAULT_RULES.tiers
            assert s.get(Coupon, rules.first_order_coupon) is not None

            assert repositories.get_setting(s, seed.SETTING_TERMINAL_ID) == "T07"
            assert repositories.get_setting(s, seed.SETTING_STORE_NAME) == demo_brand.STORE_NAME
            assert repositories.get_setting(s, seed.SETTING_STORE_ADDRESS) == (
                demo_brand.STORE_ADDRESS
            )
            assert repositories.get_setting(s, seed.SETTING_STORE_TZ) == "Asia/Shanghai"
    finally:
        engine.dispose()


def _schema(path: Path) -> set[tuple[str, str, str | None]]:
    """Every index, and the two tables the bulk seed touches. (Not every table: the batch copy
    of 0002 may order a table's constraints differently from one migration run to the next.)"""
    c = sqlite3.connect(path)
    try:
        return set(c.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE type = 'index' OR name IN ('members', 'point_lots')"
        ))
    finally:
        c.close()


def test_the_database_is_sound_and_its_schema_unchanged(
    seeded: tuple[Path, list[str]], tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    migrate.upgrade_to_head(fresh)
    # The bulk seed drops and rebuilds the member indexes: they must come back identical.
    assert _schema(seeded[0]) == _schema(fresh)
    assert migrate.integrity_check(seeded[0]) == []
    c = sqlite3.connect(seeded[0])
    try:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        c.close()


def test_seeding_again_adds_nothing_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    migrate.upgrade_to_head(path)
    engine = create_engine_for(path)
    try:
        with transaction(session_factory(engine)) as s:
            repositories.set_setting(s, seed.SETTING_TERMINAL_ID, "ENROLLED-9")
    finally:
        engine.dispose()
    first = seed.seed_demo(path, members=30, today=TODAY)
    assert first.added["members"] == 30 and first.skipped["settings"] == 1
    lines: list[str] = []
    again = seed.seed_demo(path, members=500, today=TODAY, report=lines.append)
    assert sum(again.added.values()) == 0
    assert again.skipped["members"] == 30
    text = "\n".join(lines)
    assert "members: the table already holds 30 members, skipped" in text
    assert "coupons: all 9 already there, skipped" in text
    c = sqlite3.connect(path)
    try:
        assert count(c, "SELECT count(*) FROM members") == 30
        assert count(c, "SELECT count(*) FROM coupons WHERE member_id IS NULL") == 9
        assert count(c, "SELECT count(*) FROM coupons WHERE member_id IS NOT NULL") == sum(
            len(demo_brand.personal_coupons(i)) for i in range(1, 31))
        value = c.execute("SELECT value FROM sync_state WHERE key = 'terminal_id'").fetchone()
        assert value == ("ENROLLED-9",)  # an enrolled till keeps its id
    finally:
        c.close()


def test_missing_rows_are_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    seed.seed_demo(path, members=0, today=TODAY)
    c = sqlite3.connect(path)
    c.execute("DELETE FROM coupons WHERE code = 'GOLD-80'")
    c.commit()
    c.close()
    result = seed.seed_demo(path, members=5, today=TODAY)
    assert result.added["coupons"] == 1 and result.skipped["coupons"] == len(demo_brand.COUPONS) - 1
    assert result.added["members"] == 5


def test_an_interrupted_seed_leaves_no_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "till.sqlite3"
    real = seed.member_rows

    def failing(start: int, stop: int, today: date, updated_at: str):  # type: ignore[no-untyped-def]
        if start > 100:
            raise RuntimeError("interrupted")
        return real(start, stop, today, updated_at)

    monkeypatch.setattr(seed, "CHUNK_SIZE", 100)
    monkeypatch.setattr(seed, "default_workers", lambda _count: 0)
    monkeypatch.setattr(seed, "member_rows", failing)
    with pytest.raises(RuntimeError, match="interrupted"):
        seed.seed_demo(path, members=300, today=TODAY)
    c = sqlite3.connect(path)
    try:
        assert count(c, "SELECT count(*) FROM members") == 0
        assert count(c, "SELECT count(*) FROM point_lots") == 0
        assert count(c, "SELECT count(*) FROM products") == len(demo_brand.PRODUCTS)
    finally:
        c.close()
    fresh = tmp_path / "fresh.sqlite3"
    migrate.upgrade_to_head(fresh)
    assert _schema(path) == _schema(fresh)  # the dropped indexes came back with the rollback
    monkeypatch.setattr(seed, "member_rows", real)
    assert seed.seed_demo(path, members=300, today=TODAY).added["members"] == 300


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux")
def test_worker_processes_make_the_same_rows_in_order() -> None:
    stamp = "2026-11-24T00:00:00.000000Z"
    chunks = list(seed._member_chunks(95, TODAY, stamp, workers=2, chunk=10))
    assert len(chunks) == 10
    members = [row for chunk, _ in chunks for row in chunk]
    lots = [row for _, chunk in chunks for row in chunk]
    assert (members, lots) == seed.member_rows(1, 96, TODAY, stamp)


def test_small_seeds_use_no_worker_processes() -> None:
    assert seed.default_workers(2000) == 0


def test_point_lots_split_the_balance() -> None:
    member = demo_brand.demo_member(5, TODAY)
    long_ago = datetime(2021, 3, 1, tzinfo=UTC)
    bought = datetime(2026, 10, 1, 4, tzinfo=UTC)
    m = type(member)(**{**member.__dict__, "points": 900, "registered_at": long_ago,
                        "last_purchase_at": bought})
    assert seed.demo_point_lots(m, TODAY) == [
        (date(2025, 1, 1), date(2026, 12, 31), 300),
        (date(2026, 10, 1), date(2027, 12, 31), 600),
    ]
    new = type(member)(**{**m.__dict__, "registered_at": datetime(2026, 5, 1, tzinfo=UTC)})
    assert seed.demo_point_lots(new, TODAY) == [(date(2026, 10, 1), date(2027, 12, 31), 900)]
    broke = type(member)(**{**m.__dict__, "points": 0})
    assert seed.demo_point_lots(broke, TODAY) == []


@pytest.mark.parametrize("members", [-1, seed.MAX_MEMBERS + 1, 1.5, True])
def test_bad_member_counts_are_refused(tmp_path: Path, members: object) -> None:
    with pytest.raises(seed.SeedError):
        seed.seed_demo(tmp_path / "till.sqlite3", members=members)  # type: ignore[arg-type]
    assert not (tmp_path / "till.sqlite3").exists()


def test_members_are_never_all_in_memory() -> None:
    """The chunk iterator is lazy: asking for a million members makes one chunk at a time."""
    chunks = seed._member_chunks(1_000_000, TODAY, "x", workers=0, chunk=7)
    first, _ = next(chunks)
    assert len(first) == 7
    chunks.close()


def test_point_lot_rows_match_the_orm(seeded: tuple[Path, list[str]]) -> None:
    engine = create_engine_for(seeded[0], read_only=True)
    try:
        with transaction(session_factory(engine)) as s:
            lot = s.scalars(select(PointLot).order_by(PointLot.id)).first()
            assert lot is not None
            assert isinstance(lot.earned_on, date) and isinstance(lot.expires_on, date)
            assert lot.member.points >= lot.points
    finally:
        engine.dispose()
