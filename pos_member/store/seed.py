"""Demo data for the till: ``python -m pos_member db seed-demo [--members N]``.

Fills a till database with the demo brand of :mod:`pos_member.domain.demo_brand` (the one
definition the central service's demo uses too): categories, products and barcodes, the
coupons, the loyalty rules, staff with argon2id PIN hashes, deterministic members with their
point lots, and the store's settings in ``sync_state``.

Seeding is idempotent: every section adds only what is missing (by key) and says what it
skipped. Members are all-or-nothing: when the ``members`` table already holds rows the section
is skipped (seed a fresh database to get another count), so a database never holds half a demo.

A million members in under a minute on a two-core machine (docs/database.md has figures):

- members are streamed in chunks of 10,000 from :func:`demo_brand.demo_member`, never all in
  memory. Making a member costs more than inserting it, so for large counts on Linux forked
  worker processes make the chunks while this process inserts them (at most two chunks per
  worker in flight). Elsewhere they are made in this process: slower, same rows;
- rows go in with ``executemany`` on a plain ``sqlite3`` connection, in ONE transaction, so an
  interrupted seed leaves no members at all and a re-run starts cleanly. Inside it the two
  tables' secondary indexes are dropped and built again from their own SQL at the end (one
  sort instead of a million random index inserts);
- that bulk connection, and only it, runs with ``synchronous = OFF``, a 64 MiB page cache and
  a rollback journal instead of WAL (new pages past the end of the file are not journaled; WAL
  would write each twice). It restores WAL and ``synchronous = FULL`` before it is closed.
  ``OFF`` skips the fsyncs: if the operating system crashes or the power fails mid-seed the
  file may be damaged. That is acceptable for demo data put into a fresh file (delete it and
  seed again) and never applies to a till in service, whose connections always run
  ``synchronous = FULL``. A killed seed process is still safe: the journal is written, only
  not flushed to the disk, and the transaction rolls back.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import sqlite3
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from pos_member.domain import demo_brand
from pos_member.domain.pinyin import search_keys
from pos_member.domain.points import lot_expiry
from pos_member.domain.rules import DEFAULT_RULES, Rules

DEFAULT_TERMINAL_ID = None  # a new UUID: the sync protocol identifies tills by UUID
DEFAULT_MEMBERS = 1000
MAX_MEMBERS = 10_000_000  # demo phone numbers stay unique far beyond; this guards typos
RULES_VERSION = 1

# sync_state keys written by the seed (and read by whoever shows the store's name).
SETTING_TERMINAL_ID = "terminal_id"
SETTING_BRAND_NAME = "brand_name"
SETTING_STORE_NAME = "store_name"
SETTING_STORE_ADDRESS = "store_address"
SETTING_STORE_TZ = "store_tz"
SETTING_SIGNING_KEYS = "signing_keys"  # services.members.SIGNING_KEYS_SETTING

CHUNK_SIZE = 10_000
BULK_CACHE_KIB = 64 * 1024

Report = Callable[[str], None]


class SeedError(RuntimeError):
    """The demo data cannot be seeded (bad arguments or an unusable database)."""


@dataclass
class SeedResult:
    """What a seed did: per section, rows added and rows that were already there."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    members_seconds: float = 0.0
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------------
# Pure helpers (also used by the tests)


def demo_rules() -> Rules:
    """DEFAULT_RULES with the demo brand's first-order coupon and win-back offer."""
    return replace(
        DEFAULT_RULES,
        first_order_coupon=demo_brand.FIRST_ORDER_COUPON,
        win_back_offer=demo_brand.WIN_BACK_OFFER,
    )


def store_today() -> date:
    """Today in the demo store's time zone (the machine's local date if the zone is unknown,
    e.g. on Windows without the tzdata package)."""
    try:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(demo_brand.STORE_TZ)).date()
    except (ImportError, LookupError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return date.today()


def demo_point_lots(
    member: demo_brand.DemoMember, today: date, rules: Rules = DEFAULT_RULES
) -> list[tuple[date, date, int]]:
    """The member's balance as one or two unexpired lots: ``(earned_on, expires_on, points)``.

    The points add up to ``member.points`` exactly (no lot for a zero balance). A member who
    has been with the brand since before this year gets an older lot (a third of the points,
    earned last year, expiring at the end of this one) and a newer lot earned on the last
    purchase day, so the till's "points expiring soon" hint has something to show in December.
    """
    if member.points <= 0:
        return []
    registered = member.registered_at.date()
    # A lot earned before this day would already have expired.
    earliest = date(today.year - rules.points_expiry_years_after, 1, 1)
    first = min(max(registered, earliest), today)
    recent = member.last_purchase_at.date() if member.last_purchase_at else registered
    recent = min(max(recent, first), today)
    older = member.points // 3
    if first.year < recent.year and older > 0:
        return [
            (first, lot_expiry(first, rules), older),
            (recent, lot_expiry(recent, rules), member.points - older),
        ]
    return [(recent, lot_expiry(recent, rules), member.points)]


_ZERO = timedelta(0)
_MISSING = object()


def _utc_text(moment: datetime | None) -> str | None:
    """The stored form of :class:`pos_member.store.types.UTCDateTime` (fixed-width UTC text,
    ``2024-05-01T04:30:00.000000Z``), made without strftime: this runs a million times."""
    if moment is None:
        return None
    if moment.utcoffset() != _ZERO:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


MEMBER_COLUMNS = (
    "id", "phone", "phone_last4", "card_no", "name", "birthday", "tier", "growth", "points",
    "marketing_consent", "registered_at", "last_purchase_at", "origin", "updated_at",
    "central_version", "name_initials", "name_pinyin",
)
_MEMBER_SQL = (
    f"INSERT INTO members ({', '.join(MEMBER_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(MEMBER_COLUMNS))})"
)
_LOT_SQL = "INSERT INTO point_lots (member_id, earned_on, expires_on, points) VALUES (?, ?, ?, ?)"


def member_rows(
    start: int, stop: int, today: date, updated_at: str
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Rows for demo members ``start`` .. ``stop - 1`` and their point lots, as stored.

    Runs in the worker processes: module-level, and its arguments and result pickle.
    The members stand for the brand's existing members as pulled from the central service
    (``origin = 'central'``, row version 1).
    """
    members: list[tuple[object, ...]] = []
    lots: list[tuple[object, ...]] = []
    tier_for_growth = DEFAULT_RULES.tier_for_growth
    make = demo_brand.demo_member
    # The dates and times repeat a lot (a few thousand distinct values): their stored text is
    # made once per chunk. This loop runs a million times; every microsecond is a second.
    texts: dict[object, str | None] = {None: None}

    def text(value: date | datetime | None) -> str | None:
        found = texts.get(value, _MISSING)
        if found is _MISSING:
            found = texts[value] = (
                _utc_text(value) if isinstance(value, datetime) else value.isoformat()  # type: ignore[union-attr]
            )
        return found  # type: ignore[return-value]

    # Nothing made here forms a reference cycle; the collector would only walk the growing
    # lists again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for index in range(start, stop):
            m = make(index, today)
            members.append((
                m.id, m.phone, m.phone[-4:], m.card_no, m.name, text(m.birthday),
                tier_for_growth(m.growth).code, m.growth, m.points, 1 if m.consent else 0,
                text(m.registered_at), text(m.last_purchase_at), "central", updated_at, 1,
                *search_keys(m.name),  # demo names repeat: the keys come from search_keys' cache
            ))
            if m.points > 0:
                for earned_on, expires_on, points in demo_point_lots(m, today):
                    lots.append((m.id, text(earned_on), text(expires_on), points))
    finally:
        if collecting:
            gc.enable()
    return members, lots


def _chunks(count: int, chunk: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk, count + 1)) for s in range(1, count + 1, chunk)]


def default_workers(count: int) -> int:
    """Worker processes for making ``count`` members: 0 means in this process.

    Workers are used on Linux only, where they can be forked: a forked worker needs no
    re-import of ``__main__`` (spawning one would re-run an unguarded script or a frozen
    executable). Elsewhere the rows are made in this process, which is slower, not wrong.
    """
    if count <= 2 * CHUNK_SIZE or not sys.platform.startswith("linux"):
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover
        return 0
    cpus = os.cpu_count() or 1
    return 0 if cpus < 2 else min(cpus, 4)


def _member_chunks(
    count: int, today: date, updated_at: str, *, workers: int, chunk: int | None = None
) -> Iterator[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """The rows chunk by chunk, in member order; with workers, at most ``2 * workers``
    chunks are in flight, so memory stays bounded however many members are made."""
    ranges = _chunks(count, chunk or CHUNK_SIZE)
    if workers <= 0:
        for start, stop in ranges:
            yield member_rows(start, stop, today, updated_at)
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        todo = iter(ranges)
        pending: deque[Future[tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]] = deque()
        for start, stop in todo:
            pending.append(pool.submit(member_rows, start, stop, today, updated_at))
            if len(pending) >= 2 * workers:
                break
        while pending:
            rows = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(member_rows, nxt[0], nxt[1], today, updated_at))
            yield rows
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------------------------
# The seed


def seed_demo(
    db_path: str | os.PathLike[str],
    members: int = DEFAULT_MEMBERS,
    today: date | None = None,
    terminal_id: str | None = DEFAULT_TERMINAL_ID,
    *,
    report: Report | None = None,
) -> SeedResult:
    """Seed the demo brand into the database at ``db_path`` (created or upgraded first).

    ``today`` (store-local) dates the coupons' validity windows and the members' history;
    it defaults to today in the store's time zone. ``report`` receives progress lines.
    Sections that already hold the rows are skipped, and ``report`` is told so.
    """
    from pos_member.store import migrate

    say: Report = report or (lambda _line: None)
    if isinstance(members, bool) or not isinstance(members, int) or members < 0:
        raise SeedError("the number of members must be a whole number, 0 or more")
    if members > MAX_MEMBERS:
        raise SeedError(f"at most {MAX_MEMBERS:,} demo members")
    if terminal_id is None:
        terminal_id = str(uuid.uuid4())
    if not isinstance(terminal_id, str) or not terminal_id.strip() or len(terminal_id) > 64:
        raise SeedError("the terminal id must be 1 to 64 characters")
    today = today or store_today()
    started = time.perf_counter()
    result = SeedResult()

    migrate.upgrade_to_head(db_path)
    _seed_reference_data(Path(db_path), today, terminal_id.strip(), result, say)
    t0 = time.perf_counter()
    _seed_members(Path(db_path), members, today, result, say)
    result.members_seconds = time.perf_counter() - t0
    _seed_personal_coupons(Path(db_path), today, result, say)
    result.seconds = time.perf_counter() - started
    say(f"done in {result.seconds:.1f} s")
    return result


def _note(result: SeedResult, say: Report, section: str, added: int, skipped: int) -> None:
    result.added[section] = added
    result.skipped[section] = skipped
    if skipped and not added:
        say(f"{section}: all {skipped} already there, skipped")
    elif skipped:
        say(f"{section}: added {added}, {skipped} already there (skipped)")
    else:
        say(f"{section}: added {added}")


def _seed_reference_data(
    path: Path, today: date, terminal_id: str, result: SeedResult, say: Report
) -> None:
    """Everything but the members, through the ORM in one unit of work."""
    from sqlalchemy import select

    from pos_member.security.pins import hash_pin
    from pos_member.store.db import create_engine_for, session_factory, transaction
    from pos_member.store.models import (
        Barcode,
        Category,
        Coupon,
        Product,
        RuleVersion,
        Staff,
        SyncState,
    )

    now = datetime.now(UTC)
    engine = create_engine_for(path)
    try:
        with transaction(session_factory(engine)) as s:

            def have(column: object) -> set[str]:
                return set(s.scalars(select(column)))  # type: ignore[call-overload]

            existing = have(Category.id)
            new = [
                (order, c) for order, c in enumerate(demo_brand.CATEGORIES, start=1)
                if c[0] not in existing
            ]
            s.add_all(
                Category(id=code, name=zh, name_en=en, sort_order=order, active=True)
                for order, (code, zh, en) in new
            )
            _note(result, say, "categories", len(new), len(demo_brand.CATEGORIES) - len(new))
            s.flush()

            existing = have(Product.sku)
            new_products = [p for p in demo_brand.PRODUCTS if p.sku not in existing]
            s.add_all(
                Product(
                    sku=p.sku, name=p.name, name_en=p.name_en, category_id=p.category,
                    unit_price_fen=p.price, unit=p.unit, discountable=p.discountable,
                    points_eligible=p.points_eligible, active=True,
                )
                for p in new_products
            )
            _note(result, say, "products", len(new_products),
                  len(demo_brand.PRODUCTS) - len(new_products))
            s.flush()

            existing = have(Barcode.code)
            new_codes = [p for p in demo_brand.PRODUCTS if p.barcode not in existing]
            s.add_all(Barcode(code=p.barcode, sku=p.sku) for p in new_codes)
            _note(result, say, "barcodes", len(new_codes),
                  len(demo_brand.PRODUCTS) - len(new_codes))

            existing = have(Coupon.code)
            start = datetime.combine(today, dtime())  # naive: the store's wall clock
            new_coupons = [c for c in demo_brand.COUPONS if c.code not in existing]
            s.add_all(
                Coupon(
                    code=c.code, member_id=None, title=c.name, kind=c.kind,
                    value_fen=c.value, rate=c.rate,
                    cap_fen=c.cap, threshold_fen=c.threshold,
                    categories=list(c.categories) or None, skus=list(c.skus) or None,
                    weekdays=list(c.weekdays) or None, tiers=list(c.tiers) or None,
                    valid_from=start, valid_to=start + timedelta(days=c.valid_days),
                    stackable=c.stackable, with_tier_discount=c.with_tier_discount,
                    status="available",
                )
                for c in new_coupons
            )
            _note(result, say, "coupons", len(new_coupons),
                  len(demo_brand.COUPONS) - len(new_coupons))

            versions = list(s.scalars(select(RuleVersion.version)))
            if versions:
                _note(result, say, "rules", 0, len(versions))
            else:
                s.add(RuleVersion(
                    version=RULES_VERSION, rules_json=json.loads(demo_rules().to_json()),
                    effective_from=now,
                ))
                _note(result, say, "rules", 1, 0)

            existing = have(Staff.id) | set(
                s.scalars(select(Staff.login_code).where(Staff.login_code.is_not(None)))
            )
            new_staff = [p for p in demo_brand.STAFF if p.staff_id not in existing]
            s.add_all(
                Staff(
                    id=p.staff_id, login_code=p.staff_id, name=p.name, role=p.role,
                    pin_hash=hash_pin(p.pin), failed_count=0, lockout_count=0, active=True,
                )
                for p in new_staff
            )
            _note(result, say, "staff", len(new_staff), len(demo_brand.STAFF) - len(new_staff))

            settings = {
                SETTING_TERMINAL_ID: terminal_id,
                SETTING_BRAND_NAME: demo_brand.BRAND_NAME,
                SETTING_STORE_NAME: demo_brand.STORE_NAME,
                SETTING_STORE_ADDRESS: demo_brand.STORE_ADDRESS,
                SETTING_STORE_TZ: demo_brand.STORE_TZ,
                SETTING_SIGNING_KEYS: json.dumps(
                    {demo_brand.DEMO_SIGNING_KEY_ID: demo_public_key()}),
            }
            existing = have(SyncState.key)
            new_settings = {k: v for k, v in settings.items() if k not in existing}
            s.add_all(SyncState(key=k, value=v) for k, v in new_settings.items())
            _note(result, say, "settings", len(new_settings), len(settings) - len(new_settings))
    finally:
        engine.dispose()


def demo_public_key() -> str:
    """The demo signing key's public half, base64 (as the signing_keys setting holds keys)."""
    import base64

    from pos_member.security.keys import load_private_key, public_key_to_raw

    public = load_private_key(demo_brand.DEMO_SIGNING_SEED).public_key()
    return base64.b64encode(public_key_to_raw(public)).decode("ascii")


def _seed_personal_coupons(path: Path, today: date, result: SeedResult, say: Report) -> None:
    """The demo members' own coupons (demo_brand.personal_coupons), for the members present."""
    from sqlalchemy import select

    from pos_member.store.db import create_engine_for, session_factory, transaction
    from pos_member.store.models import Coupon, Member

    wanted = {demo_brand.member_id(i): demo_brand.personal_coupons(i)
              for i in range(1, demo_brand.PERSONAL_COUPON_MEMBERS + 1)}
    start = datetime.combine(today, dtime())  # naive: the store's wall clock
    engine = create_engine_for(path)
    try:
        with transaction(session_factory(engine)) as s:
            present = set(s.scalars(select(Member.id).where(Member.id.in_(list(wanted)))))
            have = set(s.scalars(select(Coupon.code).where(Coupon.member_id.in_(list(present)))))
            new = [(member_id, code, c) for member_id, pairs in wanted.items()
                   if member_id in present for code, c in pairs if code not in have]
            s.add_all(
                Coupon(
                    code=code, member_id=member_id, title=c.name, kind=c.kind, value_fen=c.value,
                    rate=c.rate, cap_fen=c.cap, threshold_fen=c.threshold,
                    categories=list(c.categories) or None, skus=list(c.skus) or None,
                    weekdays=list(c.weekdays) or None, tiers=list(c.tiers) or None,
                    valid_from=start, valid_to=start + timedelta(days=c.valid_days),
                    stackable=c.stackable, with_tier_discount=c.with_tier_discount,
                    status="available",
                )
                for member_id, code, c in new
            )
            _note(result, say, "personal coupons", len(new), len(have))
    finally:
        engine.dispose()


def _bulk_connection(path: Path) -> sqlite3.Connection:
    from pos_member.store.db import DEFAULT_BUSY_TIMEOUT_MS

    con = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=DEFAULT_BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
    )
    con.execute(f"PRAGMA busy_timeout = {DEFAULT_BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA foreign_keys = ON")
    # Bulk settings for this connection only (see the module docstring for why OFF is fine
    # for a demo seed); restored before the connection is closed.
    con.execute("PRAGMA synchronous = OFF")
    con.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    con.execute("PRAGMA temp_store = MEMORY")
    return con


def _seed_members(path: Path, count: int, today: date, result: SeedResult, say: Report) -> None:
    con = _bulk_connection(path)
    try:
        present = con.execute("SELECT count(*) FROM members").fetchone()[0]
        if present:
            result.added["members"] = result.added["point_lots"] = 0
            result.skipped["members"] = present
            say(f"members: the table already holds {present:,} members, skipped "
                "(seed a fresh database for a different number)")
            return
        if count == 0:
            result.added["members"] = result.added["point_lots"] = 0
            say("members: none asked for")
            return
        updated_at = _utc_text(datetime.now(UTC))
        assert updated_at is not None
        workers = default_workers(count)
        say(f"members: making {count:,}"
            + (f" ({workers} worker processes make the rows)" if workers else "") + "...")
        t0 = time.perf_counter()
        done = lots = 0
        next_note = max(count // 10, 1)
        # A rollback journal instead of the write-ahead log for the bulk transaction: pages
        # added past the end of the file are not journaled at all, where WAL would write every
        # page twice (log, then checkpoint). Switching needs no other connection open; if one
        # is, SQLite keeps WAL and the seed is merely slower. WAL comes back below.
        journal = con.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        collecting = gc.isenabled()
        gc.disable()  # the chunks are plain tuples: nothing for the collector to find
        con.execute("BEGIN IMMEDIATE")
        try:
            # The secondary indexes of the two tables are dropped and built again at the end,
            # in the same transaction: one sort is far cheaper than a million random inserts
            # into them. Their SQL is taken from the file, so they come back exactly as the
            # migrations made them. (Unique constraints stay: they guard the data.)
            indexes = con.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('members', 'point_lots') ORDER BY name"
            ).fetchall()
            for name, _sql in indexes:
                con.execute(f'DROP INDEX "{name}"')
            for member_batch, lot_batch in _member_chunks(
                count, today, updated_at, workers=workers
            ):
                con.executemany(_MEMBER_SQL, member_batch)
                con.executemany(_LOT_SQL, lot_batch)
                done += len(member_batch)
                lots += len(lot_batch)
                if done >= next_note or done == count:
                    say(f"members: {done:,} / {count:,} ({time.perf_counter() - t0:.1f} s)")
                    next_note = done + max(count // 10, 1)
            t1 = time.perf_counter()
            for _name, sql in indexes:
                con.execute(sql)
            if indexes:
                say(f"members: indexes built in {time.perf_counter() - t1:.1f} s")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            if collecting:
                gc.enable()
            if str(journal).lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")
        result.added["members"] = done
        result.added["point_lots"] = lots
        say(f"members: added {done:,} with {lots:,} point lots "
            f"in {time.perf_counter() - t0:.1f} s")
        # If WAL stayed on, fold the big log back into the file and give its space back.
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        try:
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA cache_size = -2000")
        finally:
            con.close()
