"""The change feed: recording what changed, numbering it at commit, and reading it in pages.

A write records ``(entity, id)`` pairs as it goes (:func:`record_change`). Just before the
commit, :func:`allocate_pending_changes` takes the next block of sequence numbers from the
one-row counter (an UPDATE, so on PostgreSQL it holds the row lock until the commit) and
moves each entity's row in ``changes`` to its new number. Because every writer takes the
counter last and holds it to its commit, sequence order is commit order: a reader that has
seen number N can never later find a smaller number appear. Nothing lives in process memory,
so any number of workers can serve the same database.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pos_central import models as m
from pos_central import views
from pos_central.db import before_commit
from pos_member.sync import benefits_wire as bw
from pos_member.sync import protocol as p

_PENDING = "pos_pending_changes"

CHANGE_MODELS: dict[str, Any] = {
    "member": p.MemberChange, "coupon": p.CouponChange, "category": p.CategoryChange,
    "product": p.ProductChange, "barcode": p.BarcodeChange, "rules": p.RulesChange,
    "revoked_code": p.RevokedCodeChange, "signing_key": p.SigningKeyChange,
    "benefit_rules": bw.BenefitProgrammeChange, "mall_stock": bw.MallStockChange,
}


class CursorError(ValueError):
    """A cursor that is not one this feed hands out."""


def record_change(session: Session, entity: str, entity_id: str, deleted: bool = False) -> None:
    """Note that an entity changed (or was deleted) in this transaction."""
    if entity not in CHANGE_MODELS:
        raise ValueError(f"unknown entity type {entity!r}")
    pending: dict[tuple[str, str], bool] = session.info.setdefault(_PENDING, {})
    key = (entity, str(entity_id))
    pending.pop(key, None)  # keep the order of the last change
    pending[key] = deleted


@before_commit  # every Database.write numbers its pending changes just before committing
def allocate_pending_changes(session: Session) -> None:
    pending: dict[tuple[str, str], bool] = session.info.pop(_PENDING, {})
    if not pending:
        return
    session.flush()
    last = session.execute(
        update(m.ChangeCounter)
        .where(m.ChangeCounter.id == 1)
        .values(value=m.ChangeCounter.value + len(pending))
        .returning(m.ChangeCounter.value)
    ).scalar_one()
    first = last - len(pending) + 1
    rows = [{"entity": entity, "entity_id": entity_id, "seq": first + i, "deleted": deleted}
            for i, ((entity, entity_id), deleted) in enumerate(pending.items())]
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)
    stmt = insert(m.ChangeRow)
    stmt = stmt.on_conflict_do_update(
        index_elements=["entity", "entity_id"],
        set_={"seq": stmt.excluded.seq, "deleted": stmt.excluded.deleted},
    )
    session.execute(stmt, rows)


def discard_pending_changes(session: Session) -> None:
    session.info.pop(_PENDING, None)


def parse_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise CursorError("cursor must be a value returned as next_cursor, or '0'")
    return int(cursor)


def feed_id(session: Session) -> str:
    return session.get(m.Meta, "feed_id").value


def latest_seq(session: Session) -> int:
    return session.get(m.ChangeCounter, 1).value


def read_page(session: Session, cursor: int, limit: int) -> tuple[list[dict[str, Any]], int, bool]:
    """The changes after ``cursor`` (at most ``limit``) as JSON-ready dicts in the shape of
    :data:`pos_member.sync.protocol.Change`, the next cursor, and whether more wait.

    Members (a brand may have millions) are read as plain rows and turned into dicts directly;
    the other entities go through their wire models.
    """
    rows = session.execute(
        select(m.ChangeRow.entity, m.ChangeRow.entity_id, m.ChangeRow.seq, m.ChangeRow.deleted)
        .where(m.ChangeRow.seq > cursor).order_by(m.ChangeRow.seq).limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        return [], cursor, False
    last = rows[-1].seq
    by_entity: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if not row.deleted:
            by_entity[row.entity].append(row.entity_id)
    loaded = {entity: (_members(session, ids) if entity == "member"
                       else _load(session, entity, ids)) for entity, ids in by_entity.items()}
    loaded.setdefault("member", {})
    merged = _merged_into(session, [r.entity_id for r in rows if r.entity == "member"
                                    and r.entity_id not in loaded["member"]])
    out: list[dict[str, Any]] = []
    for row in rows:
        data = None if row.deleted else loaded.get(row.entity, {}).get(row.entity_id)
        change = {"entity": row.entity, "seq": row.seq, "id": row.entity_id,
                  "deleted": data is None, "data": data}
        if row.entity == "member":
            change["merged_into"] = merged.get(row.entity_id) if data is None else None
        out.append(change)
    return out, last, has_more


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _members(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Live members as wire dicts, with their open lots (IN lists of primary keys: the
    planners of both databases turn them into index lookups)."""
    mt, lt = m.Member.__table__, m.PointLot.__table__
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids, 2000):
        for r in session.execute(
            select(mt.c.id, mt.c.phone, mt.c.card_no, mt.c.name, mt.c.birthday, mt.c.tier,
                   mt.c.growth, mt.c.points, mt.c.marketing_consent, mt.c.registered_at,
                   mt.c.last_purchase_at, mt.c.version)
            .where(mt.c.id.in_(chunk), mt.c.merged_into.is_(None))
        ).all():
            out[r.id] = {
                "id": r.id, "phone": r.phone, "card_no": r.card_no, "name": r.name,
                "birthday": r.birthday.isoformat() if r.birthday else None, "tier": r.tier,
                "growth": r.growth, "points": r.points, "lots": [],
                "marketing_consent": r.marketing_consent,
                "registered_at": _iso(r.registered_at),
                "last_purchase_at": _iso(r.last_purchase_at), "version": r.version,
            }
        for r in session.execute(
            select(lt.c.member_id, lt.c.earned_on, lt.c.expires_on, lt.c.points)
            .where(lt.c.member_id.in_(chunk), lt.c.points > 0)
            .order_by(lt.c.member_id, lt.c.expires_on, lt.c.earned_on, lt.c.id)
        ).all():
            member = out.get(r.member_id)
            if member is not None:
                member["lots"].append({"earned_on": r.earned_on.isoformat(),
                                       "expires_on": r.expires_on.isoformat(),
                                       "points": r.points})
        from pos_central import stored_value  # imports this module

        stored_value.add_to_feed(session, {i: out[i] for i in chunk if i in out})
        from pos_central import benefits  # imports this module

        benefits.add_to_feed(session, {i: out[i] for i in chunk if i in out})
    return out


def _merged_into(session: Session, member_ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(member_ids):
        out.update(session.execute(
            select(m.MemberMergeRow.member_id, m.MemberMergeRow.merged_into)
            .where(m.MemberMergeRow.member_id.in_(chunk))).all())
    return out


def _chunks(ids: list[str], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _load(session: Session, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    if entity in ("benefit_rules", "mall_stock"):
        from pos_central import benefits  # imports this module

        return benefits.load_feed(session, entity, ids)
    return {key: model.model_dump(mode="json")
            for key, model in _load_models(session, entity, ids).items()}


def _load_models(session: Session, entity: str, ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for chunk in _chunks(ids):
        if entity == "coupon":
            for x in session.execute(select(m.Coupon).where(m.Coupon.code.in_(chunk))).scalars():
                out[x.code] = views.coupon_data(x)
        elif entity == "category":
            for x in session.execute(select(m.Category).where(m.Category.id.in_(chunk))).scalars():
                out[x.id] = views.category_data(x)
        elif entity == "product":
            for x in session.execute(select(m.Product).where(m.Product.sku.in_(chunk))).scalars():
                out[x.sku] = views.product_data(x)
        elif entity == "barcode":
            for x in session.execute(select(m.Barcode).where(m.Barcode.code.in_(chunk))).scalars():
                out[x.code] = views.barcode_data(x)
        elif entity == "rules":
            versions = [int(i) for i in chunk]
            for x in session.execute(
                select(m.RulesVersion).where(m.RulesVersion.version.in_(versions))
            ).scalars():
                out[str(x.version)] = views.rules_data(x)
        elif entity == "revoked_code":
            for x in session.execute(
                select(m.Revocation).where(m.Revocation.id.in_(chunk))
            ).scalars():
                out[x.id] = views.revocation_data(x)
        elif entity == "signing_key":
            for x in session.execute(
                select(m.SigningKey).where(m.SigningKey.key_id.in_(chunk))
            ).scalars():
                out[x.key_id] = views.signing_key_data(x)
    return out


def count_changes(session: Session) -> int:
    return session.execute(select(func.count()).select_from(m.ChangeRow)).scalar_one()
