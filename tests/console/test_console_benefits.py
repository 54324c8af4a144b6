"""The Benefits page over real HTTP: the benefit programme (benefits, quotas, count cards,
mall rewards) validated by the tills' own code with the error by section, published into the
feed as a new version, audited; a store's mall stock set and sent to the tills."""

from __future__ import annotations

import json

from sqlalchemy import select

from pos_central.console.tables import ConsoleAudit
from tests.console.test_console_operations import Console, form_pairs

BENEFITS = [{"code": "free-latte", "name": "每月一杯拿铁", "kind": "free", "skus": ["C002"]}]
QUOTAS = [{"benefit": "free-latte", "tier": "gold", "period": "month", "uses": 1}]
REWARDS = [{"code": "mug", "name": "马克杯", "points": 500, "sku": "C001", "kind": "product"}]


def _form(op: Console, **sections) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, v in form_pairs(op.get("/console/benefits").text, "benefits-form")
             if k != "csrf_token" and k[2:] not in sections]
    return pairs + [(f"b.{k}", json.dumps(v, ensure_ascii=False)) for k, v in sections.items()]


def test_the_benefit_programme_is_validated_published_and_audited(console_server):
    server = console_server
    op = Console(server, "operator")
    till = server.enrol("Till 1", store_id="S001")
    bad = op.post("/console/benefits", _form(op, quotas=[{**QUOTAS[0], "benefit": "nope"}]))
    assert bad.status_code == 422
    assert 'data-field="quotas">quota names an unknown benefit' in bad.text.replace("&#39;", "'")
    broken = op.post("/console/benefits", [*_form(op), ("b.benefits", "[{")])
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    assert not [c for c in till.get("/v1/changes").json()["changes"]
                if c["entity"] == "benefit_rules"]

    ok = op.post("/console/benefits", _form(op, benefits=BENEFITS, quotas=QUOTAS,
                                            rewards=REWARDS))
    assert "Benefit programme version 1 published" in ok.text
    (rules,) = [c for c in till.get("/v1/changes").json()["changes"]
                if c["entity"] == "benefit_rules"]
    programme = rules["data"]["programme"]
    assert [b["code"] for b in programme["benefits"]] == ["free-latte"]
    assert programme["quotas"][0]["tier"] == "gold"

    answer = op.post("/console/benefits/stock", {"store": "S001", "reward": "mug",
                                                 "stock": "-1"})
    assert answer.status_code == 422 and "cannot be negative" in answer.text
    answer = op.post("/console/benefits/stock", {"store": "S001", "reward": "mug",
                                                 "stock": "12"})
    assert "Stock of mug at S001: 12." in answer.text
    stock = [c for c in till.get("/v1/changes").json()["changes"] if c["entity"] == "mall_stock"]
    assert [(c["data"]["store_id"], c["data"]["stock"]) for c in stock] == [("S001", 12)]
    with server.read() as s:
        rows = s.execute(select(ConsoleAudit).order_by(ConsoleAudit.id)).scalars().all()
    assert [r.action for r in rows] == ["benefits.set", "mall.stock"]
    assert rows[0].before["quotas"] == [] and rows[0].after["quotas"] == QUOTAS
    assert rows[1].after == {"stock": 12}


def test_member_prices_reach_the_feed_and_price_the_preview(console_server):
    from pos_central import admin
    from pos_member.sync import protocol as p

    server = console_server
    with server.write() as s:
        admin.upsert_product(s, p.ProductData(sku="C002", name="拿铁", category_id="coffee",
                                              unit_price_fen=2800))
        admin.create_member(s, phone="13911112222", name="金卡", growth=7000)
    op = Console(server, "operator")
    till = server.enrol("Till 1")
    cursor = till.get("/v1/changes").json()["next_cursor"]
    too_high = op.post("/console/prices/C002", {"p.gold": "30.00"})
    assert too_high.status_code == 422 and "above the shelf price ¥28.00" in too_high.text
    ok = op.post("/console/prices/C002", {"p.gold": "22.00", "p.silver": ""})
    assert "Member prices of C002 saved." in ok.text
    assert 'name="p.gold" form="price-form-C002" size="7" value="22.00"' in ok.text
    (change,) = [c for c in till.get(f"/v1/changes?cursor={cursor}").json()["changes"]
                 if c["entity"] == "product"]
    assert change["data"]["member_prices"] == {"gold": 2200}
    pairs = [(k, v) for k, v in form_pairs(op.get("/console/programme").text, "programme-form")
             if k != "csrf_token" and not k.startswith("preview_")]
    preview = op.post("/console/programme/preview", [*pairs, ("preview_member", "13911112222"),
                                                     ("preview_basket", "C002 2")]).text
    # the member price, no tier discount on top (member_price_mode "replace")
    assert 'class="num pays">¥44.00<' in preview
    with server.read() as s:
        (row,) = s.execute(select(ConsoleAudit).where(
            ConsoleAudit.action == "product.member_prices")).scalars().all()
    assert (row.before, row.after) == ({}, {"gold": 2200})
