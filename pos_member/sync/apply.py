"""The store side of sync: a pulled page of changes, and the service's answers to a push.

Both are applied in ONE write transaction each (``BEGIN IMMEDIATE``), so a crash leaves either
all of a page (and its cursor) or none of it, and either all of a batch's answers or none.

Pull (:func:`apply_changes_page`)
    Each entity type is upserted in dependency order (categories, products, barcodes, rules,
    keys and revocations, members, member tombstones, coupons; then deletions in reverse), and
    the cursor and feed id are stored in the same transaction. Members go in with one
    ``executemany`` upsert per page on the raw DBAPI cursor (an initial pull is a million of
    them); their point lots are replaced. The feed keeps each entity at its *latest* sequence
    number, so across pages a row can arrive before the row it refers to (a coupon before its
    member, a barcode before its product, a product before its category): a *placeholder* of
    the missing row is made (members: ``central_version = 0``; products: inactive, price 0) and
    the real one overwrites it when it arrives later in the same pull.

    A pulled member whose phone (or card number) is held by a member this till registered
    offline and the service has not confirmed yet (``central_version IS NULL``) is stored
    without it; the identity is remembered in ``sync_state`` (``sync_deferred_identities``) and
    given back once the holder is gone — the service merges the two when the registration is
    pushed, and the push answer (or the feed's tombstone) removes the local row. A phone held by
    a member the service already knows is simply stale there and moves.

    A member tombstone with ``merged_into`` re-points this till's ledger rows, member-bound
    coupons, sales and refunds to the survivor and deletes the merged member.

Push answers (:func:`apply_push_results`)
    Each event's outbox row becomes ``sent`` (or ``conflict`` when the service reported any);
    the service's conflicts are stored as :class:`SyncConflict` rows (``detail`` is the
    service's ``ConflictInfo``, message included), merges are applied as above and stored as
    ``member_merged`` rows; this till's ledger rows for the event's sale or refund become
    ``confirmed`` and the member's cached points, growth and tier are set from the answer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from pos_member.domain.pinyin import search_keys
from pos_member.services import benefits
from pos_member.services.members import REVOKED_SETTING, SIGNING_KEYS_SETTING
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.fastwrite import insert_rows
from pos_member.store.models import SyncConflict
from pos_member.store.types import dump_json
from pos_member.sync import protocol as p
from pos_member.sync import stored_value
from pos_member.sync.lean import LeanPage

CURSOR_KEY = "sync_cursor"
FEED_ID_KEY = "sync_feed_id"
DEFERRED_KEY = "sync_deferred_identities"  # {member_id: {"phone": ..., "card_no": ...}}
MERGE_KIND = "member_merged"  # a SyncConflict row that records a merge
REJECTED_KIND = "event_rejected"  # a SyncConflict row of an event the service rejected for good
PLACEHOLDER_VERSION = 0  # members.central_version of a placeholder row

_MEMBER_COLUMNS = ("id", "phone", "phone_last4", "card_no", "name", "birthday", "tier",
                   "growth", "points", "marketing_consent", "registered_at",
                   "last_purchase_at", "origin", "updated_at", "central_version",
                   "name_initials", "name_pinyin")
_MEMBER_UPSERT = (
    f"INSERT INTO members ({', '.join(_MEMBER_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_MEMBER_COLUMNS))}) "
    "ON CONFLICT(id) DO UPDATE SET phone = excluded.phone, phone_last4 = excluded.phone_last4, "
    "card_no = excluded.card_no, name = excluded.name, birthday = excluded.birthday, "
    "tier = excluded.tier, growth = excluded.growth, points = excluded.points, "
    "marketing_consent = excluded.marketing_consent, registered_at = excluded.registered_at, "
    # a sale made here and not yet pushed may be newer than what the service knows
    "last_purchase_at = nullif(max(coalesce(members.last_purchase_at, ''), "
    "coalesce(excluded.last_purchase_at, '')), ''), "
    "updated_at = excluded.updated_at, central_version = excluded.central_version, "
    "name_initials = excluded.name_initials, name_pinyin = excluded.name_pinyin"
)
_COUPON_COLUMNS = ("code", "member_id", "kind", "value_fen", "rate", "cap_fen", "threshold_fen",
                   "categories", "skus", "valid_from", "valid_to", "weekdays", "tiers",
                   "stackable", "with_tier_discount", "status", "used_by_sale_id", "updated_at",
                   "title")
_COUPON_UPSERT = (
    f"INSERT INTO coupons ({', '.join(_COUPON_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_COUPON_COLUMNS))}) ON CONFLICT(code) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COUPON_COLUMNS[1:])
)
_CATEGORY_UPSERT = (
    "INSERT INTO categories (id, name, name_en, sort_order, active) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, "
    "sort_order = excluded.sort_order, active = excluded.active"
)
_PRODUCT_UPSERT = (
    "INSERT INTO products (sku, name, name_en, category_id, unit_price_fen, unit, discountable, "
    "points_eligible, active, name_initials, name_pinyin, member_prices) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sku) DO UPDATE SET "
    "name = excluded.name, name_en = excluded.name_en, category_id = excluded.category_id, "
    "name_initials = excluded.name_initials, name_pinyin = excluded.name_pinyin, "
    "unit_price_fen = excluded.unit_price_fen, unit = excluded.unit, "
    "discountable = excluded.discountable, points_eligible = excluded.points_eligible, "
    "active = excluded.active, member_prices = excluded.member_prices"
)
_BARCODE_UPSERT = ("INSERT INTO barcodes (code, sku) VALUES (?, ?) "
                   "ON CONFLICT(code) DO UPDATE SET sku = excluded.sku")
_RULES_UPSERT = ("INSERT INTO rules (version, rules_json, effective_from) VALUES (?, ?, ?) "
                 "ON CONFLICT(version) DO UPDATE SET rules_json = excluded.rules_json, "
                 "effective_from = excluded.effective_from")
_LOT_INSERT = "INSERT INTO point_lots (member_id, earned_on, expires_on, points) VALUES (?,?,?,?)"


# ---------------------------------------------------------------------------------------------
# Small helpers


def utc_text(moment: datetime | None) -> str | None:
    """The stored form of ``store.types.UTCDateTime`` (fixed width, ``…Z``), made quickly."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"naive instant {moment!r}")
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _local_text(moment: datetime | None, tz: tzinfo) -> str | None:
    """A coupon window bound as the store's wall clock (``store.types.LocalDateTime``)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _raw(session: Session) -> sqlite3.Connection:
    """The session's own DBAPI connection (statements join the session's transaction)."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def _in_chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _existing(cur: sqlite3.Cursor, table: str, column: str, keys: Iterable[str]) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for chunk in _in_chunks(keys):
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in cur.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", list(chunk)))
    return found


def _load_json_setting(session: Session, key: str) -> dict[str, Any]:
    try:
        value = json.loads(repo.get_setting(session, key) or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def _save_json_setting(session: Session, key: str, value: dict[str, Any]) -> None:
    repo.set_setting(session, key, json.dumps(value, sort_keys=True, separators=(",", ":")))


# ---------------------------------------------------------------------------------------------
# Pull


@dataclass
class PageStats:
    changes: int = 0
    members: int = 0
    deleted: int = 0
    merged: int = 0
    deferred: int = 0
    placeholders: int = 0

    def add(self, other: PageStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def apply_changes_page(sessions: sessionmaker[Session], page: p.ChangesPage | LeanPage,
                       tz: tzinfo | str = "Asia/Shanghai") -> PageStats:
    """Apply one page (a protocol ``ChangesPage``, or the pull's ``LeanPage`` whose live
    members are checked dicts) and store its cursor and feed id, all in one transaction."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    with transaction(sessions) as s:
        stats = apply_changes(s, page.changes, zone, getattr(page, "members", None))
        repo.set_setting(s, CURSOR_KEY, page.next_cursor)
        repo.set_setting(s, FEED_ID_KEY, page.feed_id)
    return stats


def apply_changes(session: Session, changes: Sequence[Any], tz: tzinfo,
                  lean_members: Sequence[dict[str, Any]] | None = None) -> PageStats:
    """Apply ``changes`` (protocol Change models) and ``lean_members`` (live members as
    checked wire dicts, :mod:`pos_member.sync.lean`) inside the caller's transaction."""
    lean_members = lean_members or []
    stats = PageStats(changes=len(changes) + len(lean_members))
    if not stats.changes:
        return stats
    now = utc_text(datetime.now(UTC))
    by: dict[str, list[Any]] = {}
    for change in changes:
        by.setdefault(change.entity, []).append(change)

    def live(entity: str) -> list[Any]:
        return [c for c in by.get(entity, ()) if not c.deleted and c.data is not None]

    def gone(entity: str) -> list[Any]:
        return [c for c in by.get(entity, ()) if c.deleted or c.data is None]

    cur = _raw(session).cursor()
    try:
        _upsert_categories(cur, [c.data for c in live("category")])
        stats.placeholders += _upsert_products(cur, [c.data for c in live("product")])
        stats.placeholders += _upsert_barcodes(cur, [c.data for c in live("barcode")])
        _apply_rules(cur, live("rules"), gone("rules"))
        _apply_keys(session, live("signing_key"), gone("signing_key"))
        _apply_revocations(session, live("revoked_code"), gone("revoked_code"))
        benefits.apply_feed(session, changes, None, lean_members)  # programme, mall stock,
        # the members' benefit balances
        deferred = _load_json_setting(session, DEFERRED_KEY)
        members = [c.data for c in live("member")]
        stats.members = len(members) + len(lean_members)
        stats.deferred += upsert_members(cur, members, deferred, now, lean_members)
        merged_into: dict[str, str] = {}
        for change in gone("member"):
            if change.merged_into is not None:
                merged_into[change.id] = str(change.merged_into)
                merge_member(cur, change.id, str(change.merged_into), now)
                stats.merged += 1
            else:
                cur.execute("DELETE FROM members WHERE id = ?", (change.id,))
            deferred.pop(change.id, None)
            stats.deleted += 1
        stats.placeholders += upsert_coupons(session, cur, [c.data for c in live("coupon")],
                                             tz, now, merged_into)
        for table, column, entity in (("coupons", "code", "coupon"),
                                      ("barcodes", "code", "barcode"),
                                      ("products", "sku", "product"),
                                      ("categories", "id", "category")):
            rows = [(c.id,) for c in gone(entity)]
            if rows:
                cur.executemany(f"DELETE FROM {table} WHERE {column} = ?", rows)
                stats.deleted += len(rows)
        retry_deferred(cur, deferred)
        _save_deferred(session, deferred)
    finally:
        cur.close()
    return stats


def _save_deferred(session: Session, deferred: dict[str, Any]) -> None:
    stored = repo.get_setting(session, DEFERRED_KEY)
    if deferred or stored not in (None, "{}"):
        _save_json_setting(session, DEFERRED_KEY, deferred)


# -- catalogue and rules ----------------------------------------------------------------------


def _upsert_categories(cur: sqlite3.Cursor, rows: list[p.CategoryData]) -> None:
    if rows:
        cur.executemany(_CATEGORY_UPSERT, [(c.id, c.name, c.name_en or None, c.sort_order,
                                            int(c.active)) for c in rows])


def _upsert_products(cur: sqlite3.Cursor, rows: list[p.ProductData]) -> int:
    if not rows:
        return 0
    wanted = {x.category_id for x in rows if x.category_id}
    missing = wanted - _existing(cur, "categories", "id", wanted)
    if missing:  # the category changed after the product: it comes later in this pull
        cur.executemany("INSERT INTO categories (id, name, name_en, sort_order, active) "
                        "VALUES (?, ?, NULL, 999, 1)", [(c, c) for c in sorted(missing)])
    cur.executemany(_PRODUCT_UPSERT, [
        (x.sku, x.name, x.name_en or None, x.category_id, x.unit_price_fen, x.unit,
         int(x.discountable), int(x.points_eligible), int(x.active), *search_keys(x.name),
         dump_json(x.member_prices) if x.member_prices else None)
        for x in rows])
    return len(missing)


def _upsert_barcodes(cur: sqlite3.Cursor, rows: list[p.BarcodeData]) -> int:
    if not rows:
        return 0
    wanted = {x.sku for x in rows}
    missing = wanted - _existing(cur, "products", "sku", wanted)
    if missing:  # the product changed after its barcode: it comes later in this pull
        cur.executemany("INSERT INTO products (sku, name, name_en, category_id, unit_price_fen, "
                        "unit, discountable, points_eligible, active) "
                        "VALUES (?, ?, NULL, NULL, 0, 'pcs', 1, 1, 0)",
                        [(s, s) for s in sorted(missing)])
    cur.executemany(_BARCODE_UPSERT, [(x.code, x.sku) for x in rows])
    return len(missing)


def _apply_rules(cur: sqlite3.Cursor, live: list[Any], gone: list[Any]) -> None:
    if live:
        cur.executemany(_RULES_UPSERT, [
            (c.data.version, dump_json(c.data.rules), utc_text(c.data.effective_from))
            for c in live])
    for c in gone:
        if c.id.isdigit():
            cur.execute("DELETE FROM rules WHERE version = ?", (int(c.id),))


def _apply_keys(session: Session, live: list[Any], gone: list[Any]) -> None:
    if not (live or gone):
        return
    keys = _load_json_setting(session, SIGNING_KEYS_SETTING)
    for c in live:
        if c.data.algorithm == "Ed25519":
            keys[c.data.key_id] = c.data.public_key
    for c in gone:
        keys.pop(c.id, None)
    _save_json_setting(session, SIGNING_KEYS_SETTING, keys)


def _apply_revocations(session: Session, live: list[Any], gone: list[Any]) -> None:
    if not (live or gone):
        return
    stored = _load_json_setting(session, REVOKED_SETTING)
    key_ids = set(stored.get("key_ids", []))
    member_ids = set(stored.get("member_ids", []))
    for c in live:
        if c.data.key_id:
            key_ids.add(c.data.key_id)
        if c.data.member_id:
            member_ids.add(str(c.data.member_id))
    for c in gone:  # a tombstone lifts the revocation; its id says what it was
        kind, _, value = c.id.partition(":")
        (key_ids if kind == "key" else member_ids if kind == "member" else set()).discard(value)
    _save_json_setting(session, REVOKED_SETTING,
                       {"key_ids": sorted(key_ids), "member_ids": sorted(member_ids)})


# -- members ----------------------------------------------------------------------------------


def _member_row(m: p.MemberData, now: str) -> list[Any]:
    phone = m.phone or None
    return [str(m.id), phone, phone[-4:] if phone else None, m.card_no or None, m.name,
            m.birthday.isoformat() if m.birthday else None, m.tier, m.growth, m.points,
            1 if m.marketing_consent else 0,
            utc_text(m.registered_at) if m.registered_at else now,
            utc_text(m.last_purchase_at), "central", now, m.version, *search_keys(m.name)]


def _instant_text(value: str | None) -> str | None:
    """A wire instant (``2026-11-24T07:00:00Z``, ``…:00.5Z``) as the stored UTC text, by
    string surgery when it is already UTC (a million of them in an initial pull)."""
    if value is None:
        return None
    if len(value) >= 20 and value[-1] == "Z" and value[19] in ".Z" and len(value) <= 27:
        return f"{value[:19]}.{value[20:-1]:0<6}Z"
    return utc_text(datetime.fromisoformat(value))


def _lean_row(d: dict[str, Any], now: str) -> list[Any]:
    phone = d.get("phone")
    registered = d.get("registered_at")
    return [d["id"], phone, phone[-4:] if phone else None, d.get("card_no"), d["name"],
            d.get("birthday"), d["tier"], d["growth"], d["points"],
            1 if d["marketing_consent"] else 0,
            _instant_text(registered) if registered else now,
            _instant_text(d.get("last_purchase_at")), "central", now, d["version"],
            *search_keys(d["name"])]


def upsert_members(cur: sqlite3.Cursor, members: list[p.MemberData], deferred: dict[str, Any],
                   now: str, lean: Sequence[dict[str, Any]] = ()) -> int:
    """Upsert ``members`` (models) and ``lean`` (checked wire dicts) and replace their lots;
    returns how many identities were deferred.

    The fast path is one ``executemany``; if a phone or card number is held by another row it
    fails as a whole (inside a savepoint) and the page goes row by row.
    """
    if not members and not lean:
        return 0
    rows = [_member_row(m, now) for m in members] + [_lean_row(d, now) for d in lean]
    ids = [(r[0],) for r in rows]
    for member_id, in ids:  # this delivery brings the member's identity afresh
        deferred.pop(member_id, None)
    count = 0
    cur.execute("SAVEPOINT pull_members")
    try:
        cur.executemany(_MEMBER_UPSERT, rows)
    except sqlite3.IntegrityError:
        cur.execute("ROLLBACK TO pull_members")
        count = _upsert_members_one_by_one(cur, rows, deferred)
    cur.execute("RELEASE pull_members")
    cur.executemany("DELETE FROM point_lots WHERE member_id = ?", ids)
    lots = [(str(m.id), lot.earned_on.isoformat(), lot.expires_on.isoformat(), lot.points)
            for m in members for lot in m.lots if lot.points > 0]
    lots += [(d["id"], lot["earned_on"], lot["expires_on"], lot["points"])
             for d in lean for lot in d["lots"] if lot["points"] > 0]
    if lots:
        cur.executemany(_LOT_INSERT, lots)
    stored_value.store_accounts(cur, members, lean, now)
    return count


def _upsert_members_one_by_one(cur: sqlite3.Cursor, rows: list[list[Any]],
                               deferred: dict[str, Any]) -> int:
    count = 0
    for row in rows:
        member_id, phone, card = row[0], row[1], row[3]
        held: dict[str, Any] = {}
        for column, value in (("phone", phone), ("card_no", card)):
            if value is None:
                continue
            holder = cur.execute(f"SELECT id, central_version FROM members WHERE {column} = ? "
                                 "AND id <> ?", (value, member_id)).fetchone()
            if holder is None:
                continue
            if holder[1] is None:
                # Registered on this till, not yet confirmed by the service: the service
                # merges the two when the registration is pushed. Keep the local row.
                held[column] = value
            else:  # the service says the value moved: the holder's own change comes later
                extra = ", phone_last4 = NULL" if column == "phone" else ""
                cur.execute(f"UPDATE members SET {column} = NULL{extra} WHERE id = ?",
                            (holder[0],))
        if "phone" in held:
            row[1] = row[2] = None
        if "card_no" in held:
            row[3] = None
        if held:
            deferred[member_id] = held
            count += 1
        cur.execute(_MEMBER_UPSERT, row)
    return count


def retry_deferred(cur: sqlite3.Cursor, deferred: dict[str, Any]) -> int:
    """Give deferred phones and card numbers back where their holders have gone."""
    done = 0
    for member_id, held in list(deferred.items()):
        if cur.execute("SELECT 1 FROM members WHERE id = ?", (member_id,)).fetchone() is None:
            deferred.pop(member_id)
            continue
        left = {}
        for column in ("phone", "card_no"):
            value = held.get(column)
            if value is None:
                continue
            holder = cur.execute(f"SELECT id FROM members WHERE {column} = ?",
                                 (value,)).fetchone()
            if holder is None:
                extra = ", phone_last4 = ?" if column == "phone" else ""
                params = (value, value[-4:], member_id) if column == "phone" else (value,
                                                                                     member_id)
                cur.execute(f"UPDATE members SET {column} = ?{extra} WHERE id = ?", params)
                done += 1
            elif holder[0] != member_id:
                left[column] = value
        if left:
            deferred[member_id] = left
        else:
            deferred.pop(member_id)
    return done


def merge_member(cur: sqlite3.Cursor, old: str, new: str, now: str) -> bool:
    """Member ``old`` was merged into ``new`` by the service: re-point this till's records to
    the survivor and delete ``old``. A survivor not cached yet is made as a placeholder from
    ``old`` (its real row arrives in the feed). Returns whether anything changed."""
    if old == new:
        return False
    row = cur.execute(f"SELECT {', '.join(_MEMBER_COLUMNS)} FROM members WHERE id = ?",
                      (old,)).fetchone()
    survivor = cur.execute("SELECT phone, card_no FROM members WHERE id = ?",
                           (new,)).fetchone()
    if row is None:
        # Nothing cached under the old id; this till's records may still name it.
        touched = 0
    else:
        values = dict(zip(_MEMBER_COLUMNS, row))
        cur.execute("UPDATE members SET phone = NULL, phone_last4 = NULL, card_no = NULL "
                    "WHERE id = ?", (old,))
        if survivor is None:
            placeholder = {**values, "id": new, "origin": "central", "updated_at": now,
                           "central_version": PLACEHOLDER_VERSION, "card_no": None}
            cur.execute(f"INSERT INTO members ({', '.join(_MEMBER_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(_MEMBER_COLUMNS))})",
                        [placeholder[c] for c in _MEMBER_COLUMNS])
        touched = 1
    for table in ("points_ledger", "coupons", "sales", "refunds", "stored_value_ledger",
                  "stored_value_recharges"):
        cur.execute(f"UPDATE {table} SET member_id = ? WHERE member_id = ?", (new, old))
        touched += cur.rowcount
    cur.execute("DELETE FROM stored_value_accounts WHERE member_id = ?", (old,))
    cur.execute("DELETE FROM members WHERE id = ?", (old,))
    return bool(touched)


# -- coupons ----------------------------------------------------------------------------------


def _pending_local_uses(cur: sqlite3.Cursor) -> dict[str, str]:
    """Coupons used by a sale of this till that the service has not received yet."""
    return dict(cur.execute(
        "SELECT r.coupon_code, r.sale_id FROM coupon_redemptions r "
        "JOIN sales s ON s.id = r.sale_id "
        "JOIN outbox o ON o.terminal_seq = s.terminal_seq AND o.kind = 'sale' "
        "WHERE r.reversed_at IS NULL AND o.status = 'pending'").fetchall())


def upsert_coupons(session: Session, cur: sqlite3.Cursor, coupons: list[p.CouponData],
                   tz: tzinfo, now: str, merged_into: dict[str, str] | None = None) -> int:
    """Upsert coupons; returns how many placeholder members were made for them."""
    if not coupons:
        return 0
    merged_into = merged_into or {}
    owners = {merged_into.get(str(c.member_id), str(c.member_id))
              for c in coupons if c.member_id is not None}
    missing = owners - _existing(cur, "members", "id", owners)
    if missing:  # the member changed after the coupon: it comes later in this pull
        from pos_member.services.rules import current_rules

        tier = current_rules(session).tiers[0].code
        cur.executemany(
            f"INSERT INTO members ({', '.join(_MEMBER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_MEMBER_COLUMNS))})",
            [(m, None, None, None, "", None, tier, 0, 0, 0, now, None, "central", now,
              PLACEHOLDER_VERSION, None, None) for m in sorted(missing)])
    used_here = _pending_local_uses(cur)
    rows = []
    for c in coupons:
        status, used_by = c.status.value, (str(c.used_by_sale_id) if c.used_by_sale_id
                                           else None)
        if c.code in used_here and status == p.CouponStatus.AVAILABLE.value:
            status, used_by = "used", used_here[c.code]  # a sale here not pushed yet
        member = merged_into.get(str(c.member_id), str(c.member_id)) if c.member_id else None
        rows.append((
            c.code, member, c.kind, c.value_fen,
            format(c.rate, "f") if c.rate is not None else None, c.cap_fen, c.threshold_fen,
            dump_json(list(c.categories)) if c.categories else None,
            dump_json(list(c.skus)) if c.skus else None,
            _local_text(c.valid_from, tz), _local_text(c.valid_to, tz),
            dump_json(list(c.weekdays)) if c.weekdays else None,
            dump_json(list(c.tiers)) if c.tiers else None,
            int(c.stackable), int(c.with_tier_discount), status, used_by, now,
            c.title[:100]))
    cur.executemany(_COUPON_UPSERT, rows)
    return len(missing)


def apply_member_lookup(sessions: sessionmaker[Session], found: p.MemberLookupResponse,
                        tz: tzinfo | str = "Asia/Shanghai") -> None:
    """Cache a member found online (``GET /v1/members/lookup``) with their coupons. The feed
    cursor does not move: the member arrives through the feed as well."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    now = utc_text(datetime.now(UTC))
    with transaction(sessions) as s:
        cur = _raw(s).cursor()
        try:
            deferred = _load_json_setting(s, DEFERRED_KEY)
            upsert_members(cur, [found.member], deferred, now)
            if found.resolved_from is not None:
                merge_member(cur, str(found.resolved_from), str(found.member.id), now)
            upsert_coupons(s, cur, list(found.coupons), zone, now)
            retry_deferred(cur, deferred)
            _save_deferred(s, deferred)
        finally:
            cur.close()


# ---------------------------------------------------------------------------------------------
# Push answers


@dataclass(frozen=True)
class PushedEvent:
    """What the answer's application needs to know about an event that was pushed."""

    event_id: str
    kind: str
    sale_id: str | None = None
    refund_id: str | None = None

    @classmethod
    def from_payload(cls, event_id: str, kind: str, payload: dict[str, Any]) -> PushedEvent:
        return cls(event_id, kind,
                   sale_id=payload.get("sale_id") if kind in ("sale", "refund") else None,
                   refund_id=payload.get("refund_id") if kind == "refund" else None)


@dataclass
class PushStats:
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    merges: int = 0
    rejected: int = 0  # events the service rejected for good (parked as event_rejected)
    event_ids_with_conflicts: list[str] = field(default_factory=list)


class AnswerMismatch(ValueError):
    """The push answer does not answer the events that were pushed."""


def apply_push_results(sessions: sessionmaker[Session], pushed: Sequence[PushedEvent],
                       response: p.PushResponse) -> PushStats:
    """Apply the service's answer to a pushed batch, in one transaction."""
    by_id = {e.event_id: e for e in pushed}
    results = [(by_id.get(str(r.event_id)), r) for r in response.results]
    answered = {str(r.event_id) for r in response.results}
    if any(e is None for e, _ in results) or answered != set(by_id):
        raise AnswerMismatch("the push answer does not list exactly the events pushed")
    stats = PushStats(events=len(pushed))
    now_dt = datetime.now(UTC)
    now = utc_text(now_dt)
    with transaction(sessions) as s:
        cur = _raw(s).cursor()
        try:
            known = _known_conflicts(cur, list(by_id))
            conflict_rows: list[dict[str, Any]] = []
            sent: list[str] = []
            for event, result in results:
                stats.applied += result.status is p.EventStatus.APPLIED
                stats.duplicates += result.status is p.EventStatus.DUPLICATE
                for merge in result.merges:
                    merge_member(cur, str(merge.member_id), str(merge.merged_into), now)
                    stats.merges += 1
                    key = (event.event_id, MERGE_KIND, str(merge.member_id))
                    if key not in known:
                        known.add(key)
                        conflict_rows.append({
                            "event_id": event.event_id, "kind": MERGE_KIND, "created_at": now_dt,
                            "detail": {"message": f"Member {merge.member_id} (phone "
                                                  f"{merge.phone or '?'}) was merged into "
                                                  f"{merge.merged_into}, who registered first.",
                                       **merge.model_dump(mode="json")}})
                for info in result.conflicts:
                    key = (event.event_id, info.kind.value, str(info.id))
                    if key not in known:
                        known.add(key)
                        conflict_rows.append({"event_id": event.event_id,
                                              "kind": info.kind.value, "created_at": now_dt,
                                              "detail": info.model_dump(mode="json")})
                    if info.kind is p.ConflictKind.GIFT_ALREADY_ISSUED:  # another till's first
                        cur.execute("UPDATE gifts_issued SET status = 'conflict' "
                                    "WHERE gift_id = ?", (str(info.detail.get("gift_id")),))
                if result.rejection is not None:
                    # Not applied, never will be: park the event (outbox ``conflict``, not
                    # retried) and show the manager why; the rest of the outbox carries on.
                    stats.rejected += 1
                    rej = result.rejection
                    key = (event.event_id, REJECTED_KIND, rej.code)
                    if key not in known:
                        known.add(key)
                        conflict_rows.append({
                            "event_id": event.event_id, "kind": REJECTED_KIND,
                            "created_at": now_dt,
                            "detail": {"message": rej.message, "code": rej.code,
                                       "field": rej.field, "event_kind": event.kind,
                                       "sale_id": event.sale_id,
                                       "refund_id": event.refund_id}})
                    repo.mark_outbox_conflict(s, event.event_id,
                                              f"{REJECTED_KIND}: {rej.code}: {rej.message}")
                    continue
                confirmed = _confirm_ledger(cur, event)
                confirmed += stored_value.confirm(cur, event.event_id, result, now)
                if result.member is not None and (
                        result.status is not p.EventStatus.DUPLICATE or confirmed):
                    # A duplicate whose ledger rows were confirmed before carries a balance
                    # from back then; the feed has the member's newer state.
                    cur.execute("UPDATE members SET points = ?, growth = ?, tier = ?, "
                                "updated_at = ? WHERE id = ?",
                                (result.member.points, result.member.growth, result.member.tier,
                                 now, str(result.member.member_id)))
                if result.conflicts:
                    stats.conflicts += len(result.conflicts)
                    stats.event_ids_with_conflicts.append(event.event_id)
                    text = "; ".join(f"{c.kind.value}: {c.message}" for c in result.conflicts)
                    repo.mark_outbox_conflict(s, event.event_id, text)
                else:
                    sent.append(event.event_id)
            if conflict_rows:
                insert_rows(s, SyncConflict, conflict_rows)
            _acknowledge_audit_head(cur, s, results)
            for chunk in _in_chunks(sent, 500):
                repo.mark_outbox_sent(s, chunk, at=now_dt)
            if any(r.merges for _, r in results):
                deferred = _load_json_setting(s, DEFERRED_KEY)
                if deferred:
                    retry_deferred(cur, deferred)
                    _save_deferred(s, deferred)
        finally:
            cur.close()
    return stats


def _acknowledge_audit_head(cur: sqlite3.Cursor, session: Session,
                            results: list[tuple[PushedEvent, p.EventResult]]) -> None:
    """Store the last audit head the service took (applied, with a conflict, or a replay of
    either; not one it rejected): the next head links to it and ``db check`` holds the log
    to it."""
    last = None
    for event, result in results:
        if event.kind == "audit_head" and result.status.value != "rejected":
            last = event.event_id
    if last is None:
        return
    row = cur.execute("SELECT payload FROM outbox WHERE event_id = ?", (last,)).fetchone()
    payload = json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else {})
    if isinstance(payload, dict) and isinstance(payload.get("seq"), int) and payload.get("hash"):
        repo.set_audit_ack(session, payload["seq"], payload["hash"])


def _known_conflicts(cur: sqlite3.Cursor, event_ids: list[str]) -> set[tuple[str, str, str]]:
    known: set[tuple[str, str, str]] = set()
    for chunk in _in_chunks(event_ids):
        marks = ",".join("?" * len(chunk))
        for event_id, kind, detail in cur.execute(
                f"SELECT event_id, kind, detail FROM sync_conflicts WHERE event_id IN ({marks})",
                list(chunk)):
            try:
                d = json.loads(detail) if detail else {}
            except ValueError:
                d = {}
            ident = (d.get("member_id") if kind == MERGE_KIND
                     else d.get("code") if kind == REJECTED_KIND else d.get("id"))
            known.add((event_id, kind, str(ident)))
    return known


def _confirm_ledger(cur: sqlite3.Cursor, event: PushedEvent) -> int:
    """Mark this till's ledger rows of the event's sale or refund confirmed; returns how many
    were still unconfirmed."""
    if event.kind == "refund" and event.refund_id:
        cur.execute("UPDATE points_ledger SET confirmed = 1 WHERE refund_id = ? "
                    "AND confirmed = 0", (event.refund_id,))
    elif event.kind == "sale" and event.sale_id:
        cur.execute("UPDATE points_ledger SET confirmed = 1 WHERE sale_id = ? "
                    "AND refund_id IS NULL AND confirmed = 0", (event.sale_id,))
    else:
        return 0
    return cur.rowcount


def count_open_conflicts(session: Session) -> int:
    """Conflicts (and merges) no manager has resolved yet: what the X report counts too."""
    row = _raw(session).execute(
        "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL").fetchone()
    return int(row[0])
