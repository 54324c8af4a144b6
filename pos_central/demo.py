"""``python -m pos_central seed-demo``: the demo brand, 晨叶茶咖 Morning Leaf Tea & Coffee.

Four categories, thirty products with EAN-13 barcodes, the default three tiers, coupons of every
kind, and a handful of members in every tier. Ids are fixed (UUID5), so seeding twice updates
rather than duplicates. Prices are integer fen.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from pos_central import admin, loyalty
from pos_central import models as m
from pos_central.db import utcnow
from pos_member.domain.rules import DEFAULT_RULES
from pos_member.sync import protocol as p

NAMESPACE = uuid.UUID("6f1c9a52-4b1e-4d0a-9a43-2f6c1f0d7e11")
BRAND = "晨叶茶咖 Morning Leaf Tea & Coffee"


def demo_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return body12 + str((10 - total % 10) % 10)


CATEGORIES = [
    ("coffee", "咖啡", "Coffee", 1),
    ("tea", "茶饮", "Tea", 2),
    ("bakery", "烘焙", "Bakery", 3),
    ("retail", "零售", "Retail", 4),
]

# sku, category, name, English name, price in fen, unit, discountable, points eligible
PRODUCTS = [
    ("C001", "coffee", "美式咖啡", "Americano", 2200, "pcs", True, True),
    ("C002", "coffee", "拿铁", "Caffè Latte", 2800, "pcs", True, True),
    ("C003", "coffee", "卡布奇诺", "Cappuccino", 2800, "pcs", True, True),
    ("C004", "coffee", "澳白", "Flat White", 3000, "pcs", True, True),
    ("C005", "coffee", "摩卡", "Caffè Mocha", 3200, "pcs", True, True),
    ("C006", "coffee", "焦糖玛奇朵", "Caramel Macchiato", 3300, "pcs", True, True),
    ("C007", "coffee", "冷萃咖啡", "Cold Brew", 3000, "pcs", True, True),
    ("C008", "coffee", "浓缩咖啡", "Espresso", 1800, "pcs", True, True),
    ("T001", "tea", "茉莉绿茶", "Jasmine Green Tea", 1600, "pcs", True, True),
    ("T002", "tea", "铁观音", "Tieguanyin Oolong", 2200, "pcs", True, True),
    ("T003", "tea", "珍珠奶茶", "Bubble Milk Tea", 1900, "pcs", True, True),
    ("T004", "tea", "抹茶拿铁", "Matcha Latte", 2600, "pcs", True, True),
    ("T005", "tea", "柠檬红茶", "Lemon Black Tea", 1500, "pcs", True, True),
    ("T006", "tea", "芝士葡萄", "Cheese Foam Grape Tea", 2900, "pcs", True, True),
    ("T007", "tea", "桂花乌龙", "Osmanthus Oolong", 2100, "pcs", True, True),
    ("T008", "tea", "杨枝甘露", "Mango Pomelo Sago", 2700, "pcs", True, True),
    ("B001", "bakery", "牛角面包", "Croissant", 1500, "pcs", True, True),
    ("B002", "bakery", "蛋挞", "Egg Tart", 900, "pcs", True, True),
    ("B003", "bakery", "提拉米苏", "Tiramisu", 3200, "pcs", True, True),
    ("B004", "bakery", "芝士蛋糕", "Cheesecake", 3000, "pcs", True, True),
    ("B005", "bakery", "肉松小贝", "Pork Floss Bun", 1200, "pcs", True, True),
    ("B006", "bakery", "曲奇（称重）", "Butter Cookies (by weight)", 12800, "kg", True, True),
    ("B007", "bakery", "司康", "Scone", 1400, "pcs", True, True),
    ("R001", "retail", "挂耳咖啡（10包）", "Drip Coffee Bags x10", 6800, "pcs", True, True),
    ("R002", "retail", "咖啡豆 250g", "Coffee Beans 250 g", 9800, "pcs", True, True),
    ("R003", "retail", "品牌随行杯", "Brand Tumbler", 12800, "pcs", False, True),
    ("R004", "retail", "茶叶礼盒", "Tea Gift Box", 26800, "pcs", True, True),
    ("R005", "retail", "散装红茶（称重）", "Loose Black Tea (by weight)", 36000, "kg", True, True),
    ("R006", "retail", "储值卡 ¥200", "Stored-value Card ¥200", 20000, "pcs", False, False),
    ("R007", "retail", "帆布袋", "Canvas Tote Bag", 5900, "pcs", False, True),
]


def _coupons(member_ids: dict[str, str], today: date) -> list[p.CouponData]:
    start = datetime(today.year, 1, 1)
    end = datetime(today.year + 1, 12, 31)
    past = datetime(today.year - 1, 1, 1)
    mid = datetime(today.year - 1, 6, 30)
    gold, silver, regular = member_ids["gold"], member_ids["silver"], member_ids["regular"]

    def c(code: str, title: str, kind: str, **kw) -> p.CouponData:
        kw.setdefault("valid_from", start)
        kw.setdefault("valid_to", end)
        return p.CouponData(code=code, title=title, kind=kind, **kw)

    return [
        c("DEMO-M300-30", "满300减30", "amount_off", value_fen=3000, threshold_fen=30000),
        c("DEMO-NOMIN-5", "无门槛5元", "amount_off", value_fen=500, member_id=regular),
        c("DEMO-P80-CAP20", "8折 最高减20元", "percent_off", rate=Decimal("0.80"), cap_fen=2000,
          member_id=silver),
        c("DEMO-P90", "9折券", "percent_off", rate=Decimal("0.90"), member_id=gold),
        c("DEMO-COFFEE-10", "咖啡满50减10", "amount_off", value_fen=1000, threshold_fen=5000,
          categories=["coffee"], member_id=gold),
        c("DEMO-LATTE-HALF", "拿铁5折", "percent_off", rate=Decimal("0.50"), skus=["C002"],
          member_id=silver),
        c("DEMO-WED-TEA", "周三茶饮8折", "percent_off", rate=Decimal("0.80"),
          categories=["tea"], weekdays=[3]),
        c("DEMO-GOLD-20", "金卡专享满100减20", "amount_off", value_fen=2000,
          threshold_fen=10000, tiers=["gold"], member_id=gold),
        c("DEMO-STACK-3A", "可叠加3元", "amount_off", value_fen=300, stackable=True,
          member_id=gold),
        c("DEMO-STACK-3B", "可叠加3元", "amount_off", value_fen=300, stackable=True,
          member_id=gold),
        c("DEMO-NOTIER-15", "满80减15（不与会员折扣同享）", "amount_off", value_fen=1500,
          threshold_fen=8000, with_tier_discount=False, member_id=silver),
        c("DEMO-BAKERY-P85", "烘焙85折", "percent_off", rate=Decimal("0.85"),
          categories=["bakery"], stackable=True),
        c("DEMO-EXPIRED", "已过期满50减5", "amount_off", value_fen=500, threshold_fen=5000,
          valid_from=past, valid_to=mid, member_id=regular),
        c("DEMO-WELCOME", "新会员首单立减8元", "amount_off", value_fen=800),
        c("DEMO-WINBACK", "沉睡会员回归礼 满30减10", "amount_off", value_fen=1000,
          threshold_fen=3000, member_id=member_ids["dormant"]),
    ]


def seed_demo(session: Session) -> dict[str, int]:
    """Write the demo brand; returns how many of each thing it wrote."""
    admin.bootstrap(session)
    for cid, name, name_en, order in CATEGORIES:
        admin.upsert_category(session, p.CategoryData(id=cid, name=name, name_en=name_en,
                                                      sort_order=order))
    for i, (sku, cat, name, name_en, price, unit, disc, pts) in enumerate(PRODUCTS, start=1):
        admin.upsert_product(
            session,
            p.ProductData(sku=sku, name=name, name_en=name_en, category_id=cat,
                          unit_price_fen=price, unit=unit, discountable=disc,
                          points_eligible=pts),
            barcodes=[ean13(f"69{i:010d}")],
        )
    rules = DEFAULT_RULES.with_overrides({
        "first_order_coupon": "DEMO-WELCOME",
        "win_back_offer": "沉睡会员回归礼：满30减10 / Welcome back: ¥10 off ¥30",
    })
    if loyalty.current_rules(session).to_dict() != rules.to_dict():
        admin.set_rules(session, rules)
    today = utcnow().date()
    now = utcnow()
    people = [
        # key, phone, name, growth, points, birthday, last purchase days ago
        ("gold", "13800000001", "王金华", 8200, 640, date(1988, 3, 12), 2),
        ("silver", "13800000002", "李银燕", 3600, 180, date(1992, today.month, 8), 10),
        ("regular", "13800000003", "张小普", 450, 35, None, 5),
        ("dormant", "13800000004", "陈沉睡", 1200, 90, date(1979, 11, 30), 140),
        ("new", "13800000005", "赵新", 0, 0, None, None),
        ("near-silver", "13800000006", "刘将升", 2950, 120, date(1995, 7, 1), 1),
        ("gold-2", "13800000007", "孙金卡", 15000, 2300, date(1985, 1, 20), 20),
        ("regular-2", "13800000008", "周平", 600, 60, None, 30),
    ]
    ids = {key: demo_id(f"member:{key}") for key, *_ in people}
    created = 0
    for n, (key, phone, name, growth, points, birthday, days) in enumerate(people, start=1):
        if session.get(m.Member, ids[key]) is not None:
            continue
        admin.create_member(
            session, member_id=ids[key], phone=phone, name=name, card_no=f"80000000{n:04d}",
            birthday=birthday, growth=growth, points=points, earned_on=today,
            last_purchase_at=None if days is None else now - timedelta(days=days),
            consent=n % 2 == 1,
        )
        created += 1
    coupons = _coupons(ids, today)
    for coupon in coupons:
        if session.get(m.Coupon, coupon.code) is None:
            admin.upsert_coupon(session, coupon)
    return {"categories": len(CATEGORIES), "products": len(PRODUCTS),
            "barcodes": len(PRODUCTS), "members_created": created, "coupons": len(coupons)}
