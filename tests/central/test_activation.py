"""Order-number activation: CSV import (good rows in, bad rows reported by line), one order
activates one membership over HTTP, a new member or the phone's existing one, and the welcome
coupon reaches the tills through the feed."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pos_central import models as m
from pos_central.activation import import_orders
from pos_central.cli import main
from tests.central.builders import make_member, unique_phone


def _order_no() -> str:
    return "TB" + uuid.uuid4().hex[:12].upper()


def test_csv_import_takes_good_rows_and_reports_bad_ones(central_server):
    no1, no2 = _order_no(), _order_no()
    phone = unique_phone()
    text = ("\ufefforder_no,phone,amount,ordered_at,channel\n"
            f"{no1},{phone},128.00,2026-12-01T10:15:00+08:00,tmall\n"
            f"{no2},{phone},59.9,,\n"
            "bad no!,13800000000,1.00,,\n"
            f"{_order_no()},12,1.00,,\n"
            f"{_order_no()},13800000000,1.005,,\n"
            f"{no1},{phone},128.00,,\n")
    with central_server.write() as s:
        report = import_orders(s, text)
    assert (report.imported, report.already) == (2, 1)
    assert [n for n, _ in report.errors] == [4, 5, 6]
    assert "order_no" in report.errors[0][1] and "phone" in report.errors[1][1]
    assert "two decimals" in report.errors[2][1]
    from pos_central.cross_channel_models import OnlineOrder
    with central_server.read() as s:
        assert s.get(OnlineOrder, no2).amount_fen == 5990
        assert s.get(OnlineOrder, no1).channel == "tmall"
    with central_server.write() as s:
        assert import_orders(s, "phone,amount\n1,2\n").errors[0][0] == 1  # no order_no column


def test_an_order_activates_once(central_server, tmp_path):
    phone, no = unique_phone(), _order_no()
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(f"order_no,phone,amount_fen\n{no},{phone},12800\n", encoding="utf-8")
    assert main(["import-orders", str(csv_file),
                 "--database-url", central_server.database_url]) == 0
    till = central_server.enrol()
    r = till.post("/v1/activations", json={"order_no": no, "phone": phone, "name": "线上客"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] is True and body["member"]["phone"] == phone
    assert body["coupon"]["value_fen"] == 2000 and body["coupon"]["threshold_fen"] == 0
    assert body["coupon"]["member_id"] == body["member"]["id"]
    assert "无门槛" in body["coupon"]["title"]

    again = central_server.enrol(name="Till 2").post(
        "/v1/activations", json={"order_no": no, "phone": phone})
    assert again.status_code == 409
    assert again.json()["error"] == "order_already_activated"
    assert "one order activates once" in again.json()["message"]
    assert phone not in again.json()["message"]  # masked
    with central_server.read() as s:
        coupons = s.execute(select(m.Coupon).where(
            m.Coupon.member_id == body["member"]["id"])).scalars().all()
        assert len(coupons) == 1  # one welcome coupon, not two

    # the new member and the coupon are in the feed for every till
    page = till.get("/v1/changes", params={"cursor": "0", "limit": 1000}).json()
    ids = {c.get("entity_id") or c.get("id") for c in page["changes"]}
    assert body["member"]["id"] in str(page) and body["coupon"]["code"] in str(page), ids


def test_activation_links_an_existing_member_and_checks_the_phone(central_server):
    phone, no = unique_phone(), _order_no()
    member_id = make_member(central_server, phone=phone, growth=50)
    with central_server.write() as s:
        import_orders(s, f"order_no,phone,amount\n{no},{phone},88.00\n")
    till = central_server.enrol()
    wrong = till.post("/v1/activations", json={"order_no": no, "phone": unique_phone()})
    assert wrong.status_code == 409 and wrong.json()["error"] == "order_phone_mismatch"
    unknown = till.post("/v1/activations", json={"order_no": _order_no(), "phone": phone})
    assert unknown.status_code == 404 and "No online order" in unknown.json()["message"]
    r = till.post("/v1/activations", json={"order_no": no, "phone": phone})
    assert r.status_code == 201
    assert r.json()["created"] is False and r.json()["member"]["id"] == member_id
    assert r.json()["member"]["growth"] == 50


def test_two_tills_activating_the_same_order_at_once_make_one_member(central_server):
    from concurrent.futures import ThreadPoolExecutor

    phone, no = unique_phone(), _order_no()
    with central_server.write() as s:
        import_orders(s, f"order_no,phone,amount\n{no},{phone},10.00\n")
    tills = [central_server.enrol(name=f"Till {i}") for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda t: t.post("/v1/activations",
                                                 json={"order_no": no, "phone": phone}), tills))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409, 409], [r.text for r in answers]
    with central_server.read() as s:
        assert len(s.execute(select(m.Member).where(m.Member.phone == phone)).all()) == 1
        assert len(s.execute(select(m.Coupon).where(m.Coupon.code == f"WEL-{no}")).all()) == 1
