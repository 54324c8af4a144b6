"""Applying a pulled page of changes (``apply_changes_page``): every entity type is upserted in
dependency order (categories, products, barcodes, rules, signing keys and revocations, the
benefits programme, members, member tombstones, coupons; then deletions in reverse) and the
cursor and feed id are stored, all in one transaction. The feed keeps each entity at its
*latest* sequence number, so across pages a row can arrive before the row it refers to (a
coupon before its member, a barcode before its product, a product before its category): a
placeholder of the missing row is made and the real one overwrites it later in the same pull.
A member found online (``apply_member_lookup``) is cached the same way, without moving the
cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from pos_member.services import benefits
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.sync import protocol as p
from pos_member.sync.lean import LeanPage

from .catalogue import (
    apply_keys,
    apply_revocations,
    apply_rules,
    upsert_barcodes,
    upsert_categories,
    upsert_products,
)
from .coupons import upsert_coupons
from .members import DEFERRED_KEY, merge_member, retry_deferred, save_deferred, upsert_members
from .rows import load_json_setting, raw_connection, utc_text

CURSOR_KEY = "sync_cursor"
FEED_ID_KEY = "sync_feed_id"


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

    cur = raw_connection(session).cursor()
    try:
        upsert_categories(cur, [c.data for c in live("category")])
        stats.placeholders += upsert_products(cur, [c.data for c in live("product")])
        stats.placeholders += upsert_barcodes(cur, [c.data for c in live("barcode")])
        apply_rules(cur, live("rules"), gone("rules"))
        apply_keys(session, live("signing_key"), gone("signing_key"))
        apply_revocations(session, live("revoked_code"), gone("revoked_code"))
        benefits.apply_feed(session, changes, None, lean_members)  # programme, mall stock,
        # the members' benefit balances
        deferred = load_json_setting(session, DEFERRED_KEY)
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
        save_deferred(session, deferred)
    finally:
        cur.close()
    return stats


def apply_member_lookup(sessions: sessionmaker[Session], found: p.MemberLookupResponse,
                        tz: tzinfo | str = "Asia/Shanghai") -> None:
    """Cache a member found online (``GET /v1/members/lookup``) with their coupons. The feed
    cursor does not move: the member arrives through the feed as well."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    now = utc_text(datetime.now(UTC))
    with transaction(sessions) as s:
        cur = raw_connection(s).cursor()
        try:
            deferred = load_json_setting(s, DEFERRED_KEY)
            upsert_members(cur, [found.member], deferred, now)
            if found.resolved_from is not None:
                merge_member(cur, str(found.resolved_from), str(found.member.id), now)
            upsert_coupons(s, cur, list(found.coupons), zone, now)
            retry_deferred(cur, deferred)
            save_deferred(s, deferred)
        finally:
            cur.close()

