"""The demo brand: a tea and coffee shop with some retail goods.

One definition for the till's ``db seed-demo`` and the central service's ``seed-demo``, so both
sides of the demo agree on products, coupons and members. Plain data, standard library only.
Members are generated deterministically from their index, so a million of them can be streamed
without holding them in memory.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

BRAND_NAME = "拾光茶咖 Shiguang Tea & Coffee"
STORE_NAME = "拾光茶咖 静安店"
STORE_ADDRESS = "上海市静安区南京西路 1266 号"
STORE_TZ = "Asia/Shanghai"
DEMO_NAMESPACE = uuid.UUID("6f1c3a52-52b1-4d7e-9a3e-7e0c2a1d9b10")

CATEGORIES = (
    ("coffee", "咖啡", "Coffee"),
    ("tea", "茶饮", "Tea"),
    ("bakery", "烘焙", "Bakery"),
    ("retail", "零售", "Retail"),
    ("merch", "周边", "Merchandise"),
)


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    name_en: str
    category: str
    price: int  # fen
    barcode: str
    unit: str = "pcs"  # "kg" for weighed goods, priced per kg
    discountable: bool = True
    points_eligible: bool = True


def _ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return body12 + str(check)


_PRODUCTS = (
    ("C001", "美式咖啡", "Americano", "coffee", 2200),
    ("C002", "拿铁", "Caffe Latte", "coffee", 2800),
    ("C003", "卡布奇诺", "Cappuccino", "coffee", 2800),
    ("C004", "燕麦拿铁", "Oat Latte", "coffee", 3200),
    ("C005", "澳白", "Flat White", "coffee", 3000),
    ("C006", "冷萃咖啡", "Cold Brew", "coffee", 3000),
    ("C007", "焦糖玛奇朵", "Caramel Macchiato", "coffee", 3300),
    ("T001", "茉莉绿茶", "Jasmine Green Tea", "tea", 1800),
    ("T002", "杨枝甘露", "Mango Pomelo Sago", "tea", 2600),
    ("T003", "芝士葡萄", "Cheese Grape Tea", "tea", 2900),
    ("T004", "桂花乌龙", "Osmanthus Oolong", "tea", 2200),
    ("T005", "珍珠奶茶", "Bubble Milk Tea", "tea", 1900),
    ("T006", "柠檬红茶", "Lemon Black Tea", "tea", 1600),
    ("B001", "可颂", "Croissant", "bakery", 1500),
    ("B002", "肉桂卷", "Cinnamon Roll", "bakery", 1800),
    ("B003", "芝士蛋糕", "Cheesecake", "bakery", 3200),
    ("B004", "抹茶千层", "Matcha Mille Crepe", "bakery", 3600),
    ("B005", "蛋挞", "Egg Tart", "bakery", 900),
    ("R001", "哥伦比亚咖啡豆 250g", "Colombia Beans 250g", "retail", 9800),
    ("R002", "埃塞俄比亚咖啡豆 250g", "Ethiopia Beans 250g", "retail", 11800),
    ("R003", "挂耳咖啡 10 包", "Drip Bags x10", "retail", 5900),
    ("R004", "白桃乌龙茶包 20 包", "White Peach Oolong x20", "retail", 4900),
    ("R005", "手冲壶", "Pour-over Kettle", "retail", 19900),
    ("M001", "品牌帆布袋", "Canvas Tote", "merch", 6900),
    ("M002", "随行杯", "Travel Tumbler", "merch", 12900),
    ("M003", "马克杯", "Mug", "merch", 7900),
)

PRODUCTS: tuple[DemoProduct, ...] = tuple(
    DemoProduct(sku, zh, en, cat, price, _ean13(f"69{i:010d}"))
    for i, (sku, zh, en, cat, price) in enumerate(_PRODUCTS, start=1)
) + (
    # Weighed goods, priced per kg; gift cards are neither discounted nor earn points.
    DemoProduct("W001", "散装云南咖啡豆", "Yunnan Beans (bulk)", "retail", 32000,
                _ean13("690000000901"), unit="kg"),
    DemoProduct("G001", "储值礼品卡 ¥100", "Gift Card 100", "merch", 10000,
                _ean13("690000000902"), discountable=False, points_eligible=False),
)


@dataclass(frozen=True)
class DemoCoupon:
    code: str
    name: str
    kind: str  # amount_off | percent_off
    value: int | None = None  # fen
    rate: str | None = None
    cap: int | None = None
    threshold: int = 0
    categories: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()
    stackable: bool = False
    with_tier_discount: bool = True
    valid_days: int = 90  # from the seeding day


COUPONS: tuple[DemoCoupon, ...] = (
    DemoCoupon("M300-30", "满300减30", "amount_off", value=3000, threshold=30000),
    DemoCoupon("M100-10", "满100减10", "amount_off", value=1000, threshold=10000,
               stackable=True),
    DemoCoupon("NOTH-10", "无门槛10元", "amount_off", value=1000, stackable=True),
    DemoCoupon("COFFEE-85", "咖啡85折(最高减20)", "percent_off", rate="0.85", cap=2000,
               categories=("coffee",), stackable=True),
    DemoCoupon("TEA-WED-5", "周三茶饮立减5元", "amount_off", value=500, categories=("tea",),
               weekdays=(3,), stackable=True),
    DemoCoupon("GOLD-80", "金卡专享8折(最高减50)", "percent_off", rate="0.80", cap=5000,
               tiers=("gold",)),
    DemoCoupon("BEANS-50", "咖啡豆满200减50(不与会员折扣同享)", "amount_off", value=5000,
               threshold=20000, categories=("retail",), with_tier_discount=False),
    DemoCoupon("CROISSANT-FREE", "可颂免费券", "amount_off", value=1500, skus=("B001",)),
    DemoCoupon("WELCOME-15", "新会员首单立减15元", "amount_off", value=1500, threshold=3000),
)

FIRST_ORDER_COUPON = "WELCOME-15"

# Personal coupons of the demo members 1 ... PERSONAL_COUPON_MEMBERS (the members that
# ``db demo-codes`` prints), each under its own code ``<template>-<member number>``, so a
# cashier trying the demo sees a member's own coupons in the member panel and at checkout.
PERSONAL_COUPON_MEMBERS = 100
PERSONAL_COUPONS: tuple[DemoCoupon, ...] = (
    DemoCoupon("BDAY-10", "生日礼券 满30减10", "amount_off", value=1000, threshold=3000,
               valid_days=30),
    DemoCoupon("LATTE-8", "拿铁专享立减8元", "amount_off", value=800, skus=("C002",),
               stackable=True, valid_days=60),
    DemoCoupon("BAKERY-90", "烘焙9折券(最高减10)", "percent_off", rate="0.90", cap=1000,
               categories=("bakery",), stackable=True, valid_days=45),
)


def personal_coupons(index: int) -> tuple[tuple[str, DemoCoupon], ...]:
    """The personal coupons of demo member number ``index``: (code, template) pairs; every
    member up to PERSONAL_COUPON_MEMBERS has the first two, every third one the third too."""
    if not 1 <= index <= PERSONAL_COUPON_MEMBERS:
        return ()
    templates = PERSONAL_COUPONS[:3] if index % 3 == 0 else PERSONAL_COUPONS[:2]
    return tuple((f"{c.code}-{index:04d}", c) for c in templates)


# The demo brand's code-signing key: a demo till trusts its public half, so ``db demo-codes``
# can print dynamic member codes the demo till accepts. The private half is published here:
# a till enrolled with a real central service ignores this key (services.members).
DEMO_SIGNING_KEY_ID = "demo-brand-1"
DEMO_SIGNING_SEED = hashlib.sha256(b"pos-member demo brand signing key, not a secret").digest()
WIN_BACK_OFFER = "沉睡会员回归礼: 任意饮品第二杯半价"


@dataclass(frozen=True)
class DemoStaff:
    staff_id: str
    name: str
    role: str  # cashier | manager
    pin: str


STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("S001", "王店长", "manager", "2468"),
    DemoStaff("S002", "李晓红", "cashier", "1357"),
    DemoStaff("S003", "陈明", "cashier", "8642"),
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文"


@dataclass(frozen=True)
class DemoMember:
    id: str
    phone: str
    card_no: str
    name: str
    birthday: date | None
    growth: int
    points: int
    registered_at: datetime
    last_purchase_at: datetime | None
    consent: bool


def member_id(index: int) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"member-{index}"))


def demo_member(index: int, today: date) -> DemoMember:
    """The demo member number ``index``; the same index always gives the same member."""
    seed = int.from_bytes(hashlib.blake2b(f"m{index}".encode(), digest_size=8).digest(), "big")
    rng = random.Random(seed)
    prefix = rng.choice(("138", "139", "186", "135", "158", "177", "199", "150"))
    phone = f"{prefix}{index:08d}"[-11:] if index < 10**8 else f"1{index:010d}"[-11:]
    card_no = f"8{index:09d}"
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    roll = rng.random()
    growth = (rng.randrange(0, 3000) if roll < 0.7 else
              rng.randrange(3000, 6000) if roll < 0.92 else rng.randrange(6000, 20000))
    points = rng.randrange(0, 1500)
    birthday = date(rng.randrange(1960, 2006), rng.randrange(1, 13), rng.randrange(1, 29)) \
        if rng.random() < 0.8 else None
    registered = datetime.combine(today - timedelta(days=rng.randrange(1, 1500)),
                                  datetime.min.time(), tzinfo=timezone.utc)
    last = None
    if rng.random() < 0.95:
        last = datetime.combine(today - timedelta(days=rng.randrange(0, 200)),
                                datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=4)
    return DemoMember(member_id(index), phone, card_no, name, birthday, growth, points,
                      registered, last, rng.random() < 0.6)


def demo_members(count: int, today: date) -> Iterator[DemoMember]:
    for i in range(1, count + 1):
        yield demo_member(i, today)

