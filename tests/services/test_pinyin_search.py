"""Pinyin search: 拼音首字母 and full pinyin find products and members, however they were
stored (the till's seed, a pull from the central service, a registration, an old database)."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pos_member.services import catalogue, members
from pos_member.services.members import Registration
from pos_member.store import migrate
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.models import Member, Product
from pos_member.sync import protocol as p
from pos_member.sync.apply.pull import apply_changes

FIXTURES = Path(__file__).resolve().parents[1] / "store" / "fixtures"


def names(products) -> list[str]:
    return [x.name for x in products]


def test_initials_and_full_pinyin_find_products(till) -> None:
    # 拿铁 starts with nt; 燕麦拿铁 (ymnt) only contains it, so it comes second; then the
    # English names with "nt" (Croissant, Osmanthus), never 蛋挞 (da-nt-a)
    assert names(catalogue.search_products(till.ctx, "nt")) == [
        "拿铁", "燕麦拿铁", "可颂", "桂花乌龙"]
    assert names(catalogue.search_products(till.ctx, "natie")) == ["拿铁", "燕麦拿铁"]
    assert names(catalogue.search_products(till.ctx, "Na Tie")) == ["拿铁", "燕麦拿铁"]
    assert names(catalogue.search_products(till.ctx, "zznc")) == ["珍珠奶茶"]
    assert catalogue.search_products(till.ctx, "qqqq") == []


def test_a_registered_member_is_found_by_the_pinyin_of_the_name(till, cashier) -> None:
    view, _ = members.register(till.ctx, cashier, Registration(phone="13512345678",
                                                               name="张三丰"))
    assert [m.id for m in members.search(till.ctx, "zsf")] == [view.id]
    assert [m.id for m in members.search(till.ctx, "zhangsanf")] == [view.id]
    assert [m.id for m in members.search(till.ctx, "Zhang San")] == [view.id]
    with transaction(till.ctx.sessions) as s:  # an edit keeps the keys in step
        s.get(Member, view.id).name = "李四"
    assert members.search(till.ctx, "zsf") == []
    assert [m.id for m in members.search(till.ctx, "ls")] == [view.id]


def test_members_and_products_pulled_from_the_service_get_their_keys(till) -> None:
    member_id = uuid.uuid4()
    changes = [
        p.ProductChange(seq=1, id="X01", data=p.ProductData(
            sku="X01", name="生椰拿铁", category_id="coffee", unit_price_fen=3200)),
        p.MemberChange(seq=2, id=str(member_id), data=p.MemberData(
            id=member_id, phone="13811112222", card_no="8123456789", name="王小明",
            tier="regular", growth=0, points=0, version=1,
            registered_at=datetime(2026, 1, 1, tzinfo=UTC))),
    ]
    with transaction(till.ctx.sessions) as s:
        apply_changes(s, changes, till.ctx.tz)
    assert names(catalogue.search_products(till.ctx, "synt")) == ["生椰拿铁"]
    assert [m.id for m in members.search(till.ctx, "wxm")] == [str(member_id)]
    with transaction(till.ctx.sessions) as s:  # renamed by the service
        apply_changes(s, [p.ProductChange(seq=3, id="X01", data=p.ProductData(
            sku="X01", name="椰青美式", category_id="coffee", unit_price_fen=3200))],
            till.ctx.tz)
    assert catalogue.search_products(till.ctx, "synt") == []
    assert names(catalogue.search_products(till.ctx, "yqms")) == ["椰青美式"]


def test_upgrading_the_frozen_0002_database_fills_the_keys(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    assert migrate.current_revision(path) == "0002"
    con = sqlite3.connect(path)  # a product as the 0002 release stored it
    con.execute("INSERT INTO products (sku, name, name_en, unit_price_fen, unit, discountable, "
                "points_eligible, active) VALUES ('C002', '拿铁', 'Caffe Latte', 2800, 'pcs', "
                "1, 1, 1)")
    con.commit()
    con.close()
    migrate.upgrade_to_head(path)
    engine = create_engine_for(path)
    try:
        from pos_member.services.context import TillContext

        ctx = TillContext(sessions=session_factory(engine), terminal_id="T1", store_id="s")
        assert [x.sku for x in catalogue.search_products(ctx, "nt")] == ["C002"]
        assert [m.id for m in members.search(ctx, "zs")] == ["member-1"]  # 张三 of 0002
        with transaction(ctx.sessions) as s:
            assert (s.get(Product, "C002").name_pinyin, s.get(Member, "member-1").name_pinyin) \
                == ("natie", "zhangsan")
    finally:
        engine.dispose()


def test_find_takes_codes_phones_and_names(till, cashier) -> None:
    view, _ = members.register(till.ctx, cashier, Registration(phone="13512345678",
                                                               name="张三丰"))
    assert members.find(till.ctx, "13512345678").via == "phone"
    by_name = members.find(till.ctx, "zsf")
    assert by_name.via == "name" and by_name.member.id == view.id
    assert len(members.find(till.ctx, "member").members) == 4  # the till's "... member"s
    with pytest.raises(members.NotFound):
        members.find(till.ctx, "qqqq")
    with pytest.raises(members.InvalidInput) as refused:  # a receipt code is no member's
        members.find(till.ctx, "PMR.0f0e0d0c")
    assert refused.value.code.startswith("scan_")
