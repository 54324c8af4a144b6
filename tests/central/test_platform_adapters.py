"""The platform adapters on their own, against the simulator: 美团 requests are signed (a wrong
secret is refused), yuan amounts become fen exactly, a lost consume answer is recognised by the
query with our key, and unreadable answers are outages, not refusals."""

from __future__ import annotations

import threading
import uuid

import pytest

from pos_central.platforms.adapter import PlatformDown, PlatformRefused, yuan_to_fen
from pos_central.platforms.douyin import DouyinAdapter
from pos_central.platforms.meituan import MeituanAdapter
from pos_central.platforms.simulator import serve


@pytest.fixture
def signed_simulator():
    server, platform = serve(0, secret="brand-secret")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", platform
    finally:
        server.shutdown()
        server.server_close()


def test_meituan_requests_are_signed(signed_simulator):
    url, platform = signed_simulator
    platform.add("meituan", "MT5550001", "套餐", 12345, 9990)
    with pytest.raises(PlatformRefused) as exc:
        MeituanAdapter(url, secret="wrong").prepare("MT5550001")
    assert exc.value.code == "refused" and "签名" in exc.value.message
    good = MeituanAdapter(url, secret="brand-secret")
    prepared = good.prepare("MT5550001")
    assert (prepared.value_fen, prepared.paid_fen) == (12345, 9990)


def test_a_lost_consume_answer_is_found_by_the_query(signed_simulator):
    url, platform = signed_simulator
    platform.add("meituan", "MT5550002", "套餐", 5000, 4000)
    adapter = MeituanAdapter(url, secret="brand-secret")
    prepared = adapter.prepare("MT5550002")
    key = str(uuid.uuid4())
    platform.drop_after_verify = 1
    with pytest.raises(PlatformDown):
        adapter.verify(prepared, key)
    found = adapter.lookup(prepared, key)
    assert found is not None and found.recovered and found.value_fen == 5000
    assert adapter.lookup(prepared, str(uuid.uuid4())) is None  # someone else's key: not ours
    assert platform.vouchers["MT5550002"]["verifications"] == 1


def test_douyin_verify_token_makes_verify_idempotent(signed_simulator):
    url, platform = signed_simulator
    platform.add("douyin", "DY5550001", "单人餐", 6800, 3990)
    adapter = DouyinAdapter(url, secret="token")
    prepared = adapter.prepare("DY5550001")
    key = str(uuid.uuid4())
    first = adapter.verify(prepared, key)
    again = adapter.verify(prepared, key)  # the same token: the same verification
    assert first.verify_id == again.verify_id
    assert platform.vouchers["DY5550001"]["verifications"] == 1
    adapter.cancel(first)
    assert platform.vouchers["DY5550001"]["status"] == "unused"


def test_yuan_amounts_convert_exactly_and_garbage_is_an_outage():
    assert yuan_to_fen(88.0) == 8800 and yuan_to_fen("59.9") == 5990
    assert yuan_to_fen(0.1 + 0.2) == 30  # float noise from a JSON number does not leak
    with pytest.raises(PlatformDown):
        yuan_to_fen("free")
    with pytest.raises(PlatformDown):
        MeituanAdapter("http://127.0.0.1:9").prepare("MT5550003")  # nobody listens
