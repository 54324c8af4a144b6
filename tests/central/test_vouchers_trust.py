"""Review finding 13: two tenders of one voucher code are covered by its value once; a
voucher bound to a sale is given back only by a refund of that sale."""

from __future__ import annotations

import uuid

from pos_central.cross_channel_models import VoucherVerification
from tests.central.builders import refund_event, sale_event
from tests.central.platform_sim import platform, platform_simulator  # noqa: F401


def _verified(till, platform_, value_fen):
    code = platform_.voucher("meituan", value_fen=value_fen)
    key = str(uuid.uuid4())
    till.post("/v1/vouchers/prepare",
              json={"platform": "meituan", "code": code, "key": key}).raise_for_status()
    till.post("/v1/vouchers/verify", json={"key": key}).raise_for_status()
    return code, key


def test_two_tenders_of_one_code_are_covered_once(central_server, platform):  # noqa: F811
    till = central_server.enrol(store_id="S-VT1")
    code, _ = _verified(till, platform, 5000)
    ev = sale_event(till, total_fen=10000)
    ev["payload"]["payments"] = [{"tender": "meituan", "amount_fen": 5000, "reference": code},
                                 {"tender": "meituan", "amount_fen": 5000, "reference": code}]
    (r,) = till.push([ev]).json()["results"]
    assert [(c["kind"], c["detail"]["reason"]) for c in r["conflicts"]] == [
        ("voucher_unverified", "amount_exceeds_value")], r
    assert r["conflicts"][0]["detail"]["amount_fen"] == 10000


def test_a_sold_voucher_is_given_back_only_by_a_refund_of_its_sale(central_server, platform):  # noqa: F811
    till = central_server.enrol(store_id="S-VT2")
    code, key = _verified(till, platform, 5000)
    ev = sale_event(till, total_fen=5000)
    ev["payload"]["payments"] = [{"tender": "meituan", "amount_fen": 5000, "reference": code}]
    assert till.push([ev]).json()["results"][0]["status"] == "applied"
    r = till.post("/v1/vouchers/cancel", json={"key": key})  # no refund
    assert r.status_code == 409, r.text
    other = sale_event(till, total_fen=700)
    till.push([other])
    refund = refund_event(till, other)
    till.push([refund])
    r = till.post("/v1/vouchers/cancel",  # a refund of another sale
                  json={"key": key, "refund_id": refund["payload"]["refund_id"]})
    assert r.status_code == 409, r.text
    assert platform.state(code)["status"] != "unused"
    mine = refund_event(till, ev)
    till.push([mine])
    r = till.post("/v1/vouchers/cancel",
                  json={"key": key, "refund_id": mine["payload"]["refund_id"]})
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    with central_server.read() as s:
        assert s.get(VoucherVerification, key).refund_id == mine["payload"]["refund_id"]
