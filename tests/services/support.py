"""A small real till for service tests: a migrated SQLite file, the demo catalogue, staff with
PINs, a few members and coupons, a signing key, and a clock the test controls."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pos_member.domain import demo_brand
from pos_member.security.keys import generate_key_pair, public_key_to_raw
from pos_member.security.member_codes import issue_dynamic_code
from pos_member.security.pins import hash_pin, make_pin_hasher
from pos_member.services import staff as staff_service
from pos_member.services.context import TillContext
from pos_member.services.members import SIGNING_KEYS_SETTING
from pos_member.store import repositories as repo
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.migrate import upgrade_to_head
from pos_member.store.models import (
    Barcode, Category, Coupon, Member, PointLot, Product, RuleVersion, Staff,
)

STORE_TZ = timezone(timedelta(hours=8))
# Tuesday 24 Nov 2026, 15:00 in Shanghai: not a member day.
T0 = datetime(2026, 11, 24, 7, 0, tzinfo=timezone.utc)
CASHIER_PIN = "1357"
MANAGER_PIN = "2468"
KEY_ID = "k1"


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now = self.now + timedelta(**kw)


@dataclass
class Till:
    path: Path
    ctx: TillContext
    clock: Clock
    private_key: object
    members: dict[str, str] = field(default_factory=dict)  # label -> member id

    def login(self, code: str, pin: str):
        return staff_service.login(self.ctx, code, pin)

    def dynamic_code(self, member_label: str, **kw) -> str:
        return issue_dynamic_code(self.private_key, KEY_ID, self.members[member_label],
                                  self.clock.now, **kw)

    def session(self):
        return self.ctx.read_sessions()


_HASHER = make_pin_hasher(time_cost=1, memory_cost_kib=8192)


def make_till(tmp_path: Path, *, online: bool = False) -> Till:
    path = tmp_path / "till.sqlite3"
    upgrade_to_head(path)
    engine = create_engine_for(path)
    readers = session_factory(create_engine_for(path, read_only=True))
    clock = Clock()
    ctx = TillContext(sessions=session_factory(engine), readers=readers,
                      terminal_id=str(uuid.uuid4()), store_id="demo-store",
                      tz_name="Asia/Shanghai", clock=clock, online=lambda: online)
    private, public = generate_key_pair()
    till = Till(path, ctx, clock, private)
    today = date(2026, 11, 24)
    with transaction(ctx.sessions) as s:
        for i, (cid, name, name_en) in enumerate(demo_brand.CATEGORIES):
            s.add(Category(id=cid, name=name, name_en=name_en, sort_order=i))
        for p in demo_brand.PRODUCTS:
            s.add(Product(sku=p.sku, name=p.name, name_en=p.name_en, category_id=p.category,
                          unit_price_fen=p.price, unit=p.unit, discountable=p.discountable,
                          points_eligible=p.points_eligible))
            s.add(Barcode(code=p.barcode, sku=p.sku))
        s.add(RuleVersion(version=1, rules_json={"first_order_coupon": "WELCOME-15"},
                          effective_from=T0 - timedelta(days=1)))
        start = datetime(2026, 11, 1)
        for c in demo_brand.COUPONS:
            s.add(Coupon(code=c.code, kind=c.kind, value_fen=c.value, rate=c.rate, cap_fen=c.cap,
                         threshold_fen=c.threshold, categories=list(c.categories) or None,
                         skus=list(c.skus) or None, weekdays=list(c.weekdays) or None,
                         tiers=list(c.tiers) or None, stackable=c.stackable,
                         with_tier_discount=c.with_tier_discount, valid_from=start,
                         valid_to=start + timedelta(days=c.valid_days), status="available"))
        for st in demo_brand.STAFF:
            s.add(Staff(id=st.staff_id, login_code=st.staff_id, name=st.name, role=st.role,
                        pin_hash=hash_pin(st.pin, _HASHER)))
        for label, tier, growth, points, phone in (
                ("gold", "gold", 7000, 800, "13900001111"),
                ("silver", "silver", 5950, 300, "13900002222"),
                ("regular", "regular", 100, 20, "13700002222"),
                ("broke", "silver", 3500, 0, "13600003333")):
            mid = str(uuid.uuid4())
            till.members[label] = mid
            s.add(Member(id=mid, phone=phone, card_no=f"80000{len(till.members):05d}",
                         name=f"{label} member", tier=tier, growth=growth, points=points,
                         registered_at=T0 - timedelta(days=400),
                         last_purchase_at=T0 - timedelta(days=10), origin="central"))
            if points:
                s.add(PointLot(member_id=mid, earned_on=today - timedelta(days=300),
                               expires_on=date(2026, 12, 31), points=points))
        repo.set_setting(s, "terminal_id", ctx.terminal_id)
        repo.set_setting(s, "store_id", ctx.store_id)
        repo.set_setting(s, "store_name", demo_brand.STORE_NAME)
        repo.set_setting(s, SIGNING_KEYS_SETTING, json.dumps(
            {KEY_ID: base64.b64encode(public_key_to_raw(public)).decode()}))
    return till
