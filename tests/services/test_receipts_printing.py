"""A recorded sale printed through the till's SQLite print queue to a network printer
emulator: the bytes decode to the sale's lines and total, the QR reads back as the receipt
code, and a printer that is off leaves the job waiting in the database."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal as D

import pytest
import zxingcpp

from pos_member.domain.money import format_fen
from pos_member.printing.printer import ReceiptPrinter
from pos_member.printing.settings import PrinterSettings
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.members import lookup
from pos_member.services.receipts import receipt_code, sale_receipt
from pos_member.services.refunds import refund_sale
from pos_member.services.sales_query import receipt_sale_id
from pos_member.services.receipts import refund_receipt
from pos_member.services.staff import Approval
from pos_member.store.print_jobs import SqlJobStore
from tests.printing.emulator import PrinterEmulator
from tests.printing.escpos_decoder import decode


def _wait(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def member_sale(till, cashier, shift):
    found = lookup(till.ctx, till.dynamic_code("silver"))
    r = checkout(till.ctx, CheckoutRequest(
        str(uuid.uuid4()), cashier, (CartLine("C002", D(2)), CartLine("T003", D(1))),
        (Tender("cash", 7075, tendered=10000),), member_id=found.member.id,
        coupon_codes=("NOTH-10",), redeem_points=0))
    return r


def test_receipt_data_reads_the_recorded_sale(till, member_sale):
    data = sale_receipt(till.ctx, member_sale.sale_id)
    # 2 x 28.00 + 29.00 = 85.00; 95折 -> 4.25 off; 无门槛 10.00 -> 70.75
    assert [(x.name, x.qty, x.amount_fen) for x in data.lines] == [
        ("拿铁 Caffe Latte", "2", 5600), ("芝士葡萄 Cheese Grape Tea", "1", 2900)]
    assert all(not x.discounts for x in data.lines)  # the discounts are in the totals only
    assert data.total_fen == member_sale.pricing.total == 7075
    assert data.tier_discount_fen == 425 and data.tier_discount_note == "银卡 95折"
    assert [(c.code, c.discount_fen) for c in data.coupons] == [("NOTH-10", 1000)]
    assert data.member.masked_phone == "139****2222"
    assert data.member.points_after - data.member.points_before == member_sale.pricing.points_earned
    assert receipt_sale_id(data.qr_payload) == member_sale.sale_id
    assert sale_receipt(till.ctx, member_sale.sale_id, reprint=True).is_reprint


def test_sale_prints_through_the_sqlite_queue_and_survives_an_offline_printer(
        till, member_sale, cashier, tmp_path):
    store = SqlJobStore(till.ctx.sessions)
    emulator = PrinterEmulator(online=True).start()
    port = emulator.port
    emulator.stop()  # the printer is off when the sale is printed
    printer = ReceiptPrinter(PrinterSettings(f"network:127.0.0.1:{port}", width=48,
                                             connect_timeout=0.5, io_timeout=2),
                             store, backoff=(0.05, 0.2))
    printer.start()
    try:
        job_id = printer.print_receipt(sale_receipt(till.ctx, member_sale.sale_id),
                                       member_sale.sale_id)
        assert job_id is not None
        # The printer is off: the queue tries (the drawer kick goes first), fails, and the
        # receipt waits in the database.
        assert _wait(lambda: any(j.attempts for j in store.pending()))
        assert job_id in [j.id for j in store.pending()]
        assert store.get(job_id).status in ("pending", "failed")
        emulator = PrinterEmulator(port=port).start()  # switched on again
        assert _wait(lambda: store.get(job_id).status == "printed")
        # No second copy: the queue prints one job at a time in order, so a copy of the
        # receipt would reach the printer before a job submitted after it.
        marker = b"\x1b@marker\n"
        printer.queue.submit("receipt", marker)
        assert _wait(lambda: marker in emulator.jobs)
    finally:
        printer.stop()
        emulator.stop()
    receipts = [j for j in emulator.jobs if "拿铁".encode("gb18030") in j]
    assert len(receipts) == 1  # printed exactly once
    assert any(decode(j, "gb18030").drawer for j in emulator.jobs)  # cash: the drawer opened
    d = decode(receipts[0], "gb18030")
    text = d.text()
    assert "拿铁" in text and "芝士葡萄" in text and format_fen(7075) in text
    codes = [r.text for img in d.images for r in zxingcpp.read_barcodes(img)]
    assert codes == [receipt_code(member_sale.sale_id)]


def test_refund_receipt(till, member_sale, cashier):
    out = refund_sale(till.ctx, cashier, member_sale.sale_id, {1: D(1)}, Approval("S001", "2468"))
    data = refund_receipt(till.ctx, out.refund_id)
    assert data.is_refund and data.original_sale_number == member_sale.receipt_no
    assert data.total_fen == out.outcome.money and [x.qty for x in data.lines] == ["1"]
