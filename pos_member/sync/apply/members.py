"""A pulled page's members: one ``executemany`` upsert per page on the raw DBAPI cursor (an
initial pull is a million of them; live members come as protocol models or as the pull's
checked wire dicts, :mod:`pos_member.sync.lean`), their point lots replaced and their stored
value accounts stored. A member that a coupon names before the member itself arrives is made
as a placeholder (``central_version = 0``), overwritten when the real row comes.

A pulled member whose phone (or card number) is held by a member this till registered offline
and the service has not confirmed yet (``central_version IS NULL``) is stored without it; the
identity is remembered in ``sync_state`` (``sync_deferred_identities``) and given back once
the holder is gone (``retry_deferred``): the service merges the two when the registration is
pushed, and the push answer (or the feed's tombstone) removes the local row. A phone held by a
member the service already knows is simply stale there and moves. A merge (a tombstone with
``merged_into``, or a push answer's) re-points this till's ledger rows, member-bound coupons,
sales, refunds and stored value to the survivor and deletes the merged member
(``merge_member``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from pos_member.domain.pinyin import search_keys
from pos_member.store import repositories as repo
from pos_member.sync import protocol as p
from pos_member.sync import stored_value

from .rows import save_json_setting, utc_text

DEFERRED_KEY = "sync_deferred_identities"  # {member_id: {"phone": ..., "card_no": ...}}
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
_LOT_INSERT = "INSERT INTO point_lots (member_id, earned_on, expires_on, points) VALUES (?,?,?,?)"


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


def add_placeholder_members(cur: sqlite3.Cursor, member_ids: Sequence[str], tier: str,
                            now: str) -> None:
    """Placeholders (``central_version = 0``, the lowest tier, no identity) of members that
    rows of this pull name before the members themselves arrive."""
    cur.executemany(
        f"INSERT INTO members ({', '.join(_MEMBER_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_MEMBER_COLUMNS))})",
        [(m, None, None, None, "", None, tier, 0, 0, 0, now, None, "central", now,
          PLACEHOLDER_VERSION, None, None) for m in member_ids])


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


def save_deferred(session: Session, deferred: dict[str, Any]) -> None:
    stored = repo.get_setting(session, DEFERRED_KEY)
    if deferred or stored not in (None, "{}"):
        save_json_setting(session, DEFERRED_KEY, deferred)

