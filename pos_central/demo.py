"""``python -m pos_central seed-demo [--members N]``: the demo brand, on the service.

The brand is :mod:`pos_member.domain.demo_brand`, the one definition the till's
``python -m pos_member db seed-demo`` uses too, so a demo till and a demo service agree on
categories, products and barcodes, coupons, the loyalty rules (the defaults with the demo's
first-order coupon and win-back offer) and the members: ``demo_members(n, today)`` makes the
same member (id, phone, card number, name, tier, growth, points) for the same index on both
sides. Staff are the till's business and are not seeded here.

Seeding twice adds nothing new: categories, products, barcodes and rules are upserted (the
catalogue is sent again in the feed), coupons and members that exist are left as they are.
Each member's opening points form one lot earned on their last purchase day (the till's own
seed may split them in two; the pull replaces a till's lots with the service's anyway).
Prices are integer fen.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_central import admin, loyalty
from pos_central import models as m
from pos_member.domain import demo_brand
from pos_member.domain.rules import DEFAULT_RULES, Rules
from pos_member.sync import protocol as p

BRAND = demo_brand.BRAND_NAME
DEFAULT_MEMBERS = 1000  # as the till's seed


def demo_rules() -> Rules:
    return DEFAULT_RULES.with_overrides({"first_order_coupon": demo_brand.FIRST_ORDER_COUPON,
                                         "win_back_offer": demo_brand.WIN_BACK_OFFER})


def store_today() -> date:
    """Today in the demo store's time zone (coupon windows start at its midnight)."""
    return datetime.now(ZoneInfo(demo_brand.STORE_TZ)).date()


def demo_coupons(today: date) -> list[p.CouponData]:
    start = datetime.combine(today, datetime.min.time())  # naive: the store's wall clock
    return [
        p.CouponData(
            code=c.code, title=c.name, kind=c.kind, value_fen=c.value,
            rate=Decimal(c.rate) if c.rate is not None else None, cap_fen=c.cap,
            threshold_fen=c.threshold, categories=list(c.categories), skus=list(c.skus),
            weekdays=list(c.weekdays), tiers=list(c.tiers), stackable=c.stackable,
            with_tier_discount=c.with_tier_discount, valid_from=start,
            valid_to=start + timedelta(days=c.valid_days))
        for c in demo_brand.COUPONS
    ]


def demo_personal_coupons(today: date, index: int) -> list[p.CouponData]:
    """Demo member number ``index``'s own coupons (``demo_brand.personal_coupons``)."""
    start = datetime.combine(today, datetime.min.time())
    return [
        p.CouponData(
            code=code, title=c.name, kind=c.kind, value_fen=c.value,
            rate=Decimal(c.rate) if c.rate is not None else None, cap_fen=c.cap,
            threshold_fen=c.threshold, categories=list(c.categories), skus=list(c.skus),
            weekdays=list(c.weekdays), tiers=list(c.tiers), stackable=c.stackable,
            with_tier_discount=c.with_tier_discount, valid_from=start,
            valid_to=start + timedelta(days=c.valid_days),
            member_id=demo_brand.member_id(index))
        for code, c in demo_brand.personal_coupons(index)
    ]


def seed_demo(session: Session, members: int = DEFAULT_MEMBERS,
              today: date | None = None) -> dict[str, int]:
    """Write the demo brand; returns how many of each thing it wrote."""
    today = today or store_today()
    admin.bootstrap(session)
    for order, (cid, name, name_en) in enumerate(demo_brand.CATEGORIES, start=1):
        admin.upsert_category(session, p.CategoryData(id=cid, name=name, name_en=name_en,
                                                      sort_order=order))
    for product in demo_brand.PRODUCTS:
        admin.upsert_product(
            session,
            p.ProductData(sku=product.sku, name=product.name, name_en=product.name_en,
                          category_id=product.category, unit_price_fen=product.price,
                          unit=product.unit, discountable=product.discountable,
                          points_eligible=product.points_eligible),
            barcodes=[product.barcode],
        )
    rules = demo_rules()
    if loyalty.current_rules(session).to_dict() != rules.to_dict():
        admin.set_rules(session, rules)
    coupons = 0
    for coupon in demo_coupons(today):
        if session.get(m.Coupon, coupon.code) is None:
            admin.upsert_coupon(session, coupon)
            coupons += 1
    created = 0
    people = demo_brand.demo_members(members, today)
    while chunk := list(islice(people, 1000)):
        existing = set(session.execute(select(m.Member.id).where(
            m.Member.id.in_([x.id for x in chunk]))).scalars())
        for person in chunk:
            if person.id in existing:
                continue
            earned_on = (person.last_purchase_at.astimezone(ZoneInfo(demo_brand.STORE_TZ)).date()
                         if person.last_purchase_at else today)
            member = admin.create_member(
                session, member_id=person.id, phone=person.phone, card_no=person.card_no,
                name=person.name, birthday=person.birthday, growth=person.growth,
                points=person.points, earned_on=earned_on,
                last_purchase_at=person.last_purchase_at, consent=person.consent, rules=rules)
            member.registered_at = person.registered_at
            created += 1
    session.flush()
    for index in range(1, min(members, demo_brand.PERSONAL_COUPON_MEMBERS) + 1):
        for coupon in demo_personal_coupons(today, index):
            if session.get(m.Coupon, coupon.code) is None:
                admin.upsert_coupon(session, coupon)
                coupons += 1
    from pos_central.activation import seed_demo_orders  # docs/cross-channel.md

    seed_demo_orders(session)  # online orders to try 凭订单号激活 with
    from pos_central.benefits import seed_demo as seed_benefits  # docs/benefits.md

    seed_benefits(session)  # benefits with quotas and the points mall
    return {"categories": len(demo_brand.CATEGORIES), "products": len(demo_brand.PRODUCTS),
            "barcodes": len(demo_brand.PRODUCTS), "coupons": coupons,
            "members_created": created}
