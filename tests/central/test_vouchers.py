"""Group-buy vouchers through the central service, against the simulated 美团/抖音 platform in
its own process: prepare → verify → cancel over real sockets, expiry, already used, a dropped
answer after verify (exactly one use), the cancel window, and a pushed sale's voucher tender
checked against the verifications."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from pos_central import models as m
from pos_central.cross_channel_models import VoucherVerification
from tests.central.builders import sale_event
from tests.central.platform_sim import platform, platform_simulator  # noqa: F401

PLATFORMS = ("meituan", "douyin")


def _prepare(till, platform_name, code, key=None):
    key = key or str(uuid.uuid4())
    return key, till.post("/v1/vouchers/prepare",
                          json={"platform": platform_name, "code": code, "key": key})


@pytest.mark.parametrize("name", PLATFORMS)
def test_prepare_verify_cancel(central_server, platform, name):  # noqa: F811
    till = central_server.enrol()
    code = platform.voucher(name, value_fen=8800, paid_fen=5990, title="双人下午茶")
    key, r = _prepare(till, name, code)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["value_fen"], body["paid_fen"]) == ("prepared", 8800, 5990)
    assert body["title"] == "双人下午茶"
    assert platform.state(code)["verifications"] == 0  # prepare uses nothing

    r = till.post("/v1/vouchers/verify", json={"key": key})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "verified" and r.json()["cancel_deadline"]
    again = till.post("/v1/vouchers/verify", json={"key": key})
    assert again.json()["verified_at"] == r.json()["verified_at"]
    assert platform.state(code)["verifications"] == 1

    r = till.post("/v1/vouchers/cancel", json={"key": key, "refund_id": str(uuid.uuid4())})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["cancel_result"]) == ("cancelled", "cancelled")
    assert platform.state(code)["status"] == "unused"  # the customer can use it again


@pytest.mark.parametrize("name", PLATFORMS)
def test_dropped_answer_after_verify_uses_exactly_one_voucher(central_server, platform, name):  # noqa: F811
    till = central_server.enrol()
    code = platform.voucher(name, value_fen=5000)
    key, r = _prepare(till, name, code)
    assert r.status_code == 200
    platform.faults(drop_after_verify=1)  # the platform verifies, the answer never arrives
    r = till.post("/v1/vouchers/verify", json={"key": key})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "verified"
    assert platform.state(code)["verifications"] == 1

    platform.faults(drop_after_verify=5)  # every answer lost: the service gives up, safely
    code2 = platform.voucher(name, value_fen=5000)
    key2, _ = _prepare(till, name, code2)
    r = till.post("/v1/vouchers/verify", json={"key": key2})
    # lost answers are retried, then the platform is asked about the code: ours is found
    assert r.status_code == 200, r.text
    platform.faults(drop_after_verify=0)
    assert till.post("/v1/vouchers/verify", json={"key": key2}).json()["status"] == "verified"
    assert platform.state(code2)["verifications"] == 1


def test_platform_down_is_a_clear_503_and_nothing_is_used(central_server, platform):  # noqa: F811
    till = central_server.enrol()
    code = platform.voucher("meituan")
    key, _ = _prepare(till, "meituan", code)
    platform.faults(down=True)
    r = till.post("/v1/vouchers/verify", json={"key": key})
    assert r.status_code == 503 and r.json()["error"] == "platform_unavailable"
    assert "never used twice" in r.json()["message"]
    platform.faults(down=False)
    assert till.post("/v1/vouchers/verify", json={"key": key}).json()["status"] == "verified"
    assert platform.state(code)["verifications"] == 1


@pytest.mark.parametrize("name", PLATFORMS)
def test_expired_used_and_unknown_vouchers_are_refused(central_server, platform, name):  # noqa: F811
    till = central_server.enrol()
    expired = platform.voucher(name, expires_in=-60)
    _, r = _prepare(till, name, expired)
    assert r.status_code == 409 and r.json()["details"][0]["type"] == "expired"
    assert "expired" in r.json()["message"]

    _, r = _prepare(till, name, "NOSUCHCODE1")
    assert r.status_code == 409 and r.json()["details"][0]["type"] == "unknown"

    code = platform.voucher(name)
    key, _ = _prepare(till, name, code)
    till.post("/v1/vouchers/verify", json={"key": key}).raise_for_status()
    other = central_server.enrol(name="Till 2")
    _, r = _prepare(other, name, code)  # the same voucher at another till
    assert r.status_code == 409 and r.json()["details"][0]["type"] == "used"
    assert platform.state(code)["verifications"] == 1


def test_cancel_after_the_window_is_recorded_not_done(central_server, platform, monkeypatch):  # noqa: F811
    till = central_server.enrol()
    code = platform.voucher("douyin")
    key, _ = _prepare(till, "douyin", code)
    till.post("/v1/vouchers/verify", json={"key": key}).raise_for_status()
    platform.advance(3700)  # the platform's hour has passed
    r = till.post("/v1/vouchers/cancel", json={"key": key})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["cancel_result"]) == ("verified", "window_passed")
    assert platform.state(code)["status"] == "used"
    monkeypatch.setenv("POS_CENTRAL_VOUCHER_CANCEL_WINDOW", "0")  # the brand's own window
    code2 = platform.voucher("meituan")
    key2, _ = _prepare(till, "meituan", code2)
    till.post("/v1/vouchers/verify", json={"key": key2}).raise_for_status()
    r = till.post("/v1/vouchers/cancel", json={"key": key2})
    assert r.json()["cancel_result"] == "window_passed"
    assert platform.state(code2)["cancels"] == 0  # not even asked


def _voucher_sale(till, code, amount, tender="meituan", total=8800):
    ev = sale_event(till, total_fen=total)
    ev["payload"]["payments"] = [{"tender": tender, "amount_fen": amount, "reference": code}]
    if amount < total:
        ev["payload"]["payments"].append({"tender": "cash", "amount_fen": total - amount,
                                          "tendered_fen": total - amount})
    return ev


def test_a_sale_is_checked_against_the_verifications(central_server, platform):  # noqa: F811
    till = central_server.enrol(store_id="S-VOUCH")
    code = platform.voucher("meituan", value_fen=5000)
    key, _ = _prepare(till, "meituan", code)
    till.post("/v1/vouchers/verify", json={"key": key}).raise_for_status()

    good = _voucher_sale(till, code, 5000)
    r = till.push([good]).json()["results"][0]
    assert r["status"] == "applied", r
    with central_server.read() as s:
        row = s.get(VoucherVerification, key)
        assert row.sale_id == good["payload"]["sale_id"]

    reused = _voucher_sale(till, code, 5000)  # the same code in a second sale
    r = till.push([reused]).json()["results"][0]
    assert r["status"] == "conflict"
    assert r["conflicts"][0]["kind"] == "voucher_unverified"
    assert r["conflicts"][0]["detail"]["reason"] == "other_sale"

    forged = _voucher_sale(till, "MTFORGED0001", 3000, total=3000)  # never verified
    r = till.push([forged]).json()["results"][0]
    assert r["conflicts"][0]["detail"]["reason"] == "not_verified"

    code2 = platform.voucher("douyin", value_fen=3000)
    key2, _ = _prepare(till, "douyin", code2)
    till.post("/v1/vouchers/verify", json={"key": key2}).raise_for_status()
    over = _voucher_sale(till, code2, 4000, tender="douyin")  # more than the voucher is worth
    r = till.push([over]).json()["results"][0]
    assert r["conflicts"][0]["detail"]["reason"] == "amount_exceeds_value"
    with central_server.read() as s:  # every sale kept
        ids = {x["payload"]["sale_id"] for x in (good, reused, forged, over)}
        assert len(s.execute(select(m.Sale.id).where(m.Sale.id.in_(ids))).all()) == 4


def test_another_store_cannot_use_or_cancel_a_verification(central_server, platform):  # noqa: F811
    till = central_server.enrol(store_id="S-A")
    code = platform.voucher("meituan")
    key, _ = _prepare(till, "meituan", code)
    till.post("/v1/vouchers/verify", json={"key": key}).raise_for_status()
    stranger = central_server.enrol(store_id="S-B")
    assert stranger.post("/v1/vouchers/cancel", json={"key": key}).status_code == 404
    assert stranger.post("/v1/vouchers/verify", json={"key": key}).status_code == 404
    r = stranger.push([_voucher_sale(stranger, code, 8800)]).json()["results"][0]
    assert r["conflicts"][0]["detail"]["reason"] == "other_store"


def test_bad_requests_get_clear_messages(central_server, platform):  # noqa: F811
    till = central_server.enrol()
    r = till.post("/v1/vouchers/prepare", json={"platform": "taobao", "code": "X1234",
                                                "key": str(uuid.uuid4())})
    assert r.status_code == 422
    r = till.post("/v1/vouchers/verify", json={"key": str(uuid.uuid4())})
    assert r.status_code == 404 and "scan the voucher again" in r.json()["message"]


def test_a_platform_not_configured_is_a_refusal_not_an_outage(central_server, monkeypatch):
    from pos_central.platforms.adapter import URL_ENV

    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.delenv("POS_CENTRAL_MEITUAN_URL", raising=False)
    till = central_server.enrol()
    _, r = _prepare(till, "meituan", "MT0000000001")
    assert r.status_code == 409 and r.json()["details"][0]["type"] == "not_configured"
    assert "not set up" in r.json()["message"]


def test_reconciliation_report(make_central_server, platform, capsys):  # noqa: F811
    from datetime import timedelta

    from pos_central.cli import main
    from pos_central.db import utcnow
    from pos_central.vouchers import voucher_report

    server = make_central_server()
    till = server.enrol(store_id="S-REC")
    keys = {}
    for n, value in enumerate((5000, 3000, 2000)):
        code = platform.voucher("meituan", value_fen=value)
        key, _ = _prepare(till, "meituan", code)
        sale_id = str(uuid.uuid4())
        till.post("/v1/vouchers/verify", json={"key": key, "sale_id": sale_id}
                  ).raise_for_status()
        keys[n] = (key, code, sale_id)
    sale = _voucher_sale(till, keys[0][1], 5000, total=5000)
    sale["payload"]["sale_id"] = keys[0][2]
    assert till.push([sale]).json()["results"][0]["status"] == "applied"
    till.post("/v1/vouchers/cancel", json={"key": keys[1][0]}).raise_for_status()
    now = utcnow()
    with server.read() as s:
        (r,) = voucher_report(s, now - timedelta(hours=1), now + timedelta(minutes=1))
    assert (r["verified"], r["verified_fen"], r["cancelled"], r["cancelled_fen"]) == \
        (3, 10000, 1, 3000)
    assert (r["without_sale"], r["without_sale_codes"]) == (1, [keys[2][1]])
    assert main(["vouchers", "--database-url", server.database_url]) == 0
    out = capsys.readouterr().out
    assert "S-REC meituan: verified 3 (¥100.00)" in out and keys[2][1] in out
