"""What brand operations change: catalogue, coupons, rules, members, revocations.

Each function works inside a write session and records its changes in the feed. seed-demo and
the tests use them; a real brand would put an admin UI or import jobs in front of them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_central import loyalty
from pos_central import models as m
from pos_central.changes import record_change
from pos_central.db import utcnow
from pos_central.keys import ensure_signing_key
from pos_member.domain.rules import DEFAULT_RULES, Rules
from pos_member.sync import protocol as p


def bootstrap(session: Session) -> None:
    """What a new database needs before it serves: rules version 1 and a signing key."""
    ensure_signing_key(session)
    if session.execute(select(m.RulesVersion.version).limit(1)).first() is None:
        set_rules(session, DEFAULT_RULES)


def _upsert(session: Session, model: type, key: Any, **values: Any) -> Any:
    row = session.get(model, key)
    if row is None:
        row = model(**values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    return row


def upsert_category(session: Session, data: p.CategoryData) -> None:
    _upsert(session, m.Category, data.id, **data.model_dump())
    record_change(session, "category", data.id)


def upsert_product(session: Session, data: p.ProductData, barcodes: list[str] = ()) -> None:
    _upsert(session, m.Product, data.sku, **data.model_dump())
    record_change(session, "product", data.sku)
    for code in barcodes:
        _upsert(session, m.Barcode, code, code=code, sku=data.sku)
        record_change(session, "barcode", code)


def delete_product(session: Session, sku: str) -> None:
    """A product and its barcodes leave the catalogue: tombstones in the feed."""
    for barcode in session.execute(select(m.Barcode).where(m.Barcode.sku == sku)).scalars():
        session.delete(barcode)
        record_change(session, "barcode", barcode.code, deleted=True)
    row = session.get(m.Product, sku)
    if row is not None:
        session.delete(row)
    record_change(session, "product", sku, deleted=True)


def set_rules(session: Session, rules: Rules, effective_from: datetime | None = None) -> int:
    """A new version of the loyalty rules; returns its number."""
    latest = session.execute(
        select(m.RulesVersion.version).order_by(m.RulesVersion.version.desc()).limit(1)
    ).scalar_one_or_none() or 0
    version = latest + 1
    session.add(m.RulesVersion(version=version, rules=rules.to_dict(),
                               effective_from=effective_from or utcnow()))
    record_change(session, "rules", str(version))
    return version


def upsert_coupon(session: Session, data: p.CouponData) -> None:
    data.to_domain()  # the pricing engine's own checks (a value or rate, windows, weekdays)
    values = data.model_dump(mode="json")
    values["valid_from"] = data.valid_from.isoformat() if data.valid_from else None
    values["valid_to"] = data.valid_to.isoformat() if data.valid_to else None
    _upsert(session, m.Coupon, data.code, **values)
    record_change(session, "coupon", data.code)


def void_coupon(session: Session, code: str) -> None:
    row = session.get(m.Coupon, code)
    if row is not None and row.status == p.CouponStatus.AVAILABLE.value:
        row.status = p.CouponStatus.VOID.value
        record_change(session, "coupon", code)


def delete_coupon(session: Session, code: str) -> None:
    row = session.get(m.Coupon, code)
    if row is not None:
        session.delete(row)
    record_change(session, "coupon", code, deleted=True)


def create_member(session: Session, *, phone: str, name: str = "", member_id: str | None = None,
                  card_no: str | None = None, birthday: date | None = None, growth: int = 0,
                  points: int = 0, earned_on: date | None = None,
                  last_purchase_at: datetime | None = None, consent: bool = False,
                  rules: Rules | None = None) -> m.Member:
    """A member made by the service (an import, the demo), with opening growth and points."""
    rules = rules or loyalty.current_rules(session)
    member = m.Member(
        id=member_id or str(uuid.uuid4()), phone=phone,
        card_no=card_no or loyalty.new_card_no(session), name=name,
        birthday=birthday, tier=rules.tier_for_growth(growth).code, growth=growth, points=0,
        marketing_consent=consent, registered_at=utcnow(), last_purchase_at=last_purchase_at,
        version=0,
    )
    session.add(member)
    session.flush()
    if points or growth:
        account = loyalty.Account(session, member, [])
        account.add_points(points, earned_on or utcnow().date(), rules)
        account.ledger(None, "adjust", points, growth, None)
        account.write_ledger()
    loyalty.touch(session, member)
    return member


def revoke_key(session: Session, key_id: str, reason: str = "") -> None:
    key = session.get(m.SigningKey, key_id)
    if key is not None:
        key.active = False
        record_change(session, "signing_key", key_id)
    _upsert(session, m.Revocation, f"key:{key_id}", id=f"key:{key_id}", key_id=key_id,
            member_id=None, revoked_at=utcnow(), reason=reason)
    record_change(session, "revoked_code", f"key:{key_id}")


def revoke_member_codes(session: Session, member_id: str, reason: str = "") -> None:
    rid = f"member:{member_id}"
    _upsert(session, m.Revocation, rid, id=rid, key_id=None, member_id=member_id,
            revoked_at=utcnow(), reason=reason)
    record_change(session, "revoked_code", rid)


def unrevoke(session: Session, revocation_id: str) -> None:
    row = session.get(m.Revocation, revocation_id)
    if row is not None:
        session.delete(row)
    record_change(session, "revoked_code", revocation_id, deleted=True)


def audit_status(session: Session, broken_only: bool = False) -> list[dict[str, Any]]:
    """Per terminal: the audit head the service acknowledged last, and whether the till's
    audit chain ever broke (with the latest chain conflict). For the operator's report."""
    acks = {a.terminal_id: a for a in session.execute(select(m.AuditAck)).scalars()}
    latest: dict[str, m.Conflict] = {}
    for c in session.execute(select(m.Conflict).where(m.Conflict.kind.in_(
            ["audit_chain_broken", "audit_chain_mismatch"])).order_by(m.Conflict.id)).scalars():
        latest[c.terminal_id] = c
    rows = []
    for t in session.execute(select(m.Terminal).order_by(m.Terminal.store_id,
                                                         m.Terminal.name)).scalars():
        ack = acks.get(t.id)
        breaks = ack.breaks if ack is not None else 0
        if broken_only and not breaks:
            continue
        conflict = latest.get(t.id)
        rows.append({
            "terminal_id": t.id, "name": t.name, "store_id": t.store_id,
            "head_seq": ack.seq if ack else None, "acknowledged_at": ack.acknowledged_at
            if ack else None, "breaks": breaks, "broken_at": ack.broken_at if ack else None,
            "conflict_kind": conflict.kind if conflict else None,
            "conflict_message": conflict.message if conflict else None,
        })
    return rows
