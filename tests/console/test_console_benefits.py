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
