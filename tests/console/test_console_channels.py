"""The Channels page over real HTTP: online orders pasted as CSV (bad lines reported), an
order activated through the real API, and the group-buy vouchers a till verified through
the service against the simulated 美团 platform (its own process), by platform and store."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from pos_central.console.tables import ConsoleAudit
from tests.central.platform_sim import platform, platform_simulator  # noqa: F401
from tests.console.test_console_operations import Console

CSV = """order_no,phone,amount,ordered_at,channel
TB20261203001,13812341234,128.00,2026-12-01T10:15:00+08:00,tmall
TB20261203002,not-a-phone,99.00,,tmall
JD20261203003,13812345678,59.90,,jd
"""


def test_orders_import_and_activation_show(console_server):
    server = console_server
    op = Console(server, "operator")
    answer = op.post("/console/channels/orders", {"csv": CSV})
    report = re.search(r'<div class="card" id="import-report">(.*?)</div>', answer.text,
                       re.DOTALL).group(1)
    assert "Imported <b>2</b>, 0 already imported, 1 rejected." in report
    assert "line 3: phone &#39;not-a-phone&#39; is not a phone number" in report
    assert "TB20261203002" in answer.text  # the pasted text stays for correcting
    again = op.post("/console/channels/orders", {"csv": CSV.splitlines()[0] + "\n"
                                                 + CSV.splitlines()[1] + "\n"})
    assert "Imported <b>0</b>, 1 already imported" in again.text
    till = server.enrol("Till 1")
    activated = till.post("/v1/activations", json={"order_no": "TB20261203001",
                                                   "phone": "13812341234", "name": "网店会员"})
    assert activated.status_code in (200, 201), activated.text
    page = op.get("/console/channels").text
    assert re.search(r'id="kpi-orders">2<', page) and re.search(r'id="kpi-activated">1<', page)
    assert "138****1234" in page and "13812341234" not in page  # phones masked
    with server.read() as s:
        rows = s.execute(select(ConsoleAudit).where(ConsoleAudit.action == "orders.import")
                         ).scalars().all()
    assert [r.after["imported"] for r in rows] == [2, 0]


def test_verified_vouchers_by_platform_and_store(console_server, platform):  # noqa: F811
    server = console_server
    till = server.enrol("Till 1", store_id="S001")
    code = platform.voucher("meituan", value_fen=8800, paid_fen=5990, title="双人下午茶")
    key = str(uuid.uuid4())
    prepared = till.post("/v1/vouchers/prepare", json={"platform": "meituan", "code": code,
                                                       "key": key})
    assert prepared.status_code == 200, prepared.text
    assert till.post("/v1/vouchers/verify", json={"key": key}).status_code == 200
    op = Console(server, "viewer")
    page = op.get("/console/channels").text
    table = re.search(r'<table id="vouchers">(.*?)</table>', page, re.DOTALL).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells == ["meituan", "S001", "verified", "1", "¥88.00", "¥59.90"]
    assert "双人下午茶" in page
    rec = re.search(r'<table id="reconciliation">(.*?)</table>', page, re.DOTALL).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)", rec)
    assert cells[:7] == ["S001", "meituan", "1", "¥88.00", "0", "0", "1"]  # no sale yet
