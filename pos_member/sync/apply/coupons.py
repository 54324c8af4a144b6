"""A pulled page's coupons (and those of a member looked up online): one ``executemany``
upsert; a coupon whose member is not cached yet gets a placeholder member
(:func:`.members.add_placeholder_members`, the member's row comes later in the pull); a coupon
used by a sale of this till that the service has not received yet stays ``used`` whatever the
feed says; a member merged in the same page is replaced by the survivor. Validity bounds are
stored as the store's wall clock (``store.types.LocalDateTime``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, tzinfo

from sqlalchemy.orm import Session

from pos_member.store.types import dump_json
from pos_member.sync import protocol as p

from .members import add_placeholder_members
from .rows import existing_keys

_COUPON_COLUMNS = ("code", "member_id", "kind", "value_fen", "rate", "cap_fen", "threshold_fen",
                   "categories", "skus", "valid_from", "valid_to", "weekdays", "tiers",
                   "stackable", "with_tier_discount", "status", "used_by_sale_id", "updated_at",
                   "title")
_COUPON_UPSERT = (
    f"INSERT INTO coupons ({', '.join(_COUPON_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_COUPON_COLUMNS))}) ON CONFLICT(code) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COUPON_COLUMNS[1:])
)


def _local_text(moment: datetime | None, tz: tzinfo) -> str | None:
    """A coupon window bound as the store's wall clock (``store.types.LocalDateTime``)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


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
    missing = owners - existing_keys(cur, "members", "id", owners)
    if missing:  # the member changed after the coupon: it comes later in this pull
        from pos_member.services.rules import current_rules

        add_placeholder_members(cur, sorted(missing), current_rules(session).tiers[0].code, now)
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

