"""Rows as wire models (pos_member.sync.protocol), for the feed, lookups and push answers."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_central import models as m
from pos_member.sync import protocol as p


def lots_by_member(session: Session, member_ids: list[str]) -> dict[str, list[m.PointLot]]:
    out: dict[str, list[m.PointLot]] = defaultdict(list)
    if not member_ids:
        return out
    rows = session.execute(
        select(m.PointLot)
        .where(m.PointLot.member_id.in_(member_ids), m.PointLot.points > 0)
        .order_by(m.PointLot.expires_on, m.PointLot.earned_on, m.PointLot.id)
    ).scalars()
    for lot in rows:
        out[lot.member_id].append(lot)
    return out


def member_data(member: m.Member, lots: list[m.PointLot]) -> p.MemberData:
    return p.MemberData(
        id=member.id, phone=member.phone, card_no=member.card_no, name=member.name,
        birthday=member.birthday, tier=member.tier, growth=member.growth, points=member.points,
        lots=[p.PointLotData(earned_on=lot.earned_on, expires_on=lot.expires_on,
                             points=lot.points) for lot in lots],
        marketing_consent=member.marketing_consent, registered_at=member.registered_at,
        last_purchase_at=member.last_purchase_at, version=member.version,
    )


def member_data_by_id(session: Session, member: m.Member) -> p.MemberData:
    from pos_central.benefits import member_benefits
    from pos_central.stored_value import with_balance  # imports this module's neighbours

    data = with_balance(session, member_data(member, lots_by_member(session, [member.id])
                                             .get(member.id, [])))
    found = member_benefits(session, [member.id]).get(member.id)
    return data if found is None else data.model_copy(update={"benefits": found})


def member_balance(member: m.Member) -> p.MemberBalance:
    return p.MemberBalance(member_id=member.id, points=member.points, growth=member.growth,
                           tier=member.tier)


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def coupon_data(c: m.Coupon) -> p.CouponData:
    return p.CouponData(
        code=c.code, kind=c.kind, title=c.title, value_fen=c.value_fen, rate=c.rate,
        cap_fen=c.cap_fen, threshold_fen=c.threshold_fen, categories=list(c.categories or []),
        skus=list(c.skus or []), valid_from=_parse_time(c.valid_from),
        valid_to=_parse_time(c.valid_to), weekdays=list(c.weekdays or []),
        tiers=list(c.tiers or []), stackable=c.stackable,
        with_tier_discount=c.with_tier_discount, member_id=c.member_id, status=c.status,
        used_by_sale_id=c.used_by_sale_id,
    )


def category_data(c: m.Category) -> p.CategoryData:
    return p.CategoryData(id=c.id, name=c.name, name_en=c.name_en, sort_order=c.sort_order,
                          active=c.active)


def product_data(x: m.Product) -> p.ProductData:
    return p.ProductData(
        sku=x.sku, name=x.name, name_en=x.name_en, category_id=x.category_id,
        unit_price_fen=x.unit_price_fen, unit=x.unit, discountable=x.discountable,
        points_eligible=x.points_eligible, active=x.active,
        member_prices=dict(x.member_prices or {}),
    )


def barcode_data(x: m.Barcode) -> p.BarcodeData:
    return p.BarcodeData(code=x.code, sku=x.sku)


def rules_data(x: m.RulesVersion) -> p.RulesData:
    return p.RulesData(version=x.version, effective_from=x.effective_from, rules=x.rules)


def revocation_data(x: m.Revocation) -> p.RevokedCodeData:
    return p.RevokedCodeData(key_id=x.key_id, member_id=x.member_id, revoked_at=x.revoked_at,
                             reason=x.reason)


def signing_key_data(x: m.SigningKey) -> p.SigningKeyData:
    return p.SigningKeyData(key_id=x.key_id, public_key=x.public_key, created_at=x.created_at,
                            active=x.active)
