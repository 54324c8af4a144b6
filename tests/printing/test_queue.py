"""The print queue: stores, retries, and the emulated printer going away mid-job."""

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from pos_member.printing.encode import encode_document
from pos_member.printing.jobs import (
    FAILED,
    PENDING,
    PRINTED,
    Job,
    JobStore,
    JsonFileJobStore,
    MemoryJobStore,
    utcnow,
)
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.printer import ReceiptPrinter
from pos_member.printing.queue import PrintQueue, describe
from pos_member.printing.raster import load_font
from pos_member.printing.settings import PrinterSettings
from pos_member.printing.transport import PrinterError
from tests.printing.emulator import PrinterEmulator
from tests.printing.escpos_decoder import decode
from tests.printing.support import sample_receipt

FAST = (0.02, 0.2)


@pytest.fixture(params=["memory", "json"])
def store(request, tmp_path):
    return MemoryJobStore() if request.param == "memory" else JsonFileJobStore(tmp_path / "q.json")


def wait_until(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


# --- stores -------------------------------------------------------------------------------------

def test_store_contract(store):
    assert isinstance(store, JobStore)
    a = store.add(Job("receipt", b"A", sale_id="s-1"))
    b = store.add(Job("x_report", b"B"))
    assert a != b
    job = store.get(a)
    assert (job.id, job.kind, job.payload, job.sale_id, job.status, job.attempts) == \
        (a, "receipt", b"A", "s-1", PENDING, 0)
    assert job.created_at.tzinfo is not None and store.get(999) is None
    assert [j.id for j in store.pending()] == [a, b]
    store.mark_failed(a, "printer 1 is out of paper")
    job = store.get(a)
    assert (job.status, job.attempts, job.last_error) == (FAILED, 1, "printer 1 is out of paper")
    assert [j.id for j in store.pending()] == [a, b]       # failed still waits
    store.mark_printed(a)
    job = store.get(a)
    assert job.status == PRINTED and job.attempts == 2 and job.printed_at is not None
    assert [j.id for j in store.pending()] == [b]
    assert store.pending(since=utcnow() + timedelta(seconds=1)) == []
    assert [j.id for j in store.list_recent(1)] == [b]
    assert [j.id for j in store.list_recent(5)] == [b, a]
    with pytest.raises(KeyError):
        store.mark_printed(999)


def test_json_store_survives_a_restart_and_trims_printed_jobs(tmp_path):
    path = tmp_path / "queue.json"
    s = JsonFileJobStore(path, keep_printed=2)
    ids = [s.add(Job("receipt", bytes([i]) * 10, copy=i == 1)) for i in range(5)]
    for i in ids[:4]:
        s.mark_printed(i)
    again = JsonFileJobStore(path)
    assert [j.id for j in again.list_recent(10)] == [ids[4], ids[3], ids[2]]
    assert again.get(ids[4]).payload == bytes([4]) * 10
    assert again.add(Job("receipt", b"x")) == ids[4] + 1       # ids never reused
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a print queue file"):
        JsonFileJobStore(path)


# --- the queue with a fake printer --------------------------------------------------------------

class FakePrinter:
    def __init__(self):
        self.fail: PrinterError | None = None
        self.sent: list[bytes] = []

    def __call__(self, payload, on_open):
        if self.fail is not None:
            raise self.fail
        self.sent.append(payload)


def test_jobs_print_in_order_and_a_failure_stops_the_pass(store):
    fake = FakePrinter()
    q = PrintQueue(store, fake, backoff=FAST)
    ids = [q.submit("receipt", bytes([i])) for i in range(3)]
    fake.fail = PrinterError("paper_out", "printer network:x:9100 is out of paper")
    assert q.run_once() == FAST[0]
    assert [store.get(i).status for i in ids] == [FAILED, PENDING, PENDING]
    assert store.get(ids[0]).last_error == "printer network:x:9100 is out of paper"
    assert q.state.printer == "paper_out" and q.state.waiting == 3
    assert q.run_once() > 0                       # backing off: the printer is left alone
    fake.fail = None
    time.sleep(FAST[1])
    assert q.run_once() is None
    assert fake.sent == [b"\x00", b"\x01", b"\x02"]
    assert all(store.get(i).status == PRINTED for i in ids)
    assert q.state.printer == "online" and q.state.waiting == 0


def test_old_jobs_wait_for_the_cashier(store):
    fake = FakePrinter()
    q = PrintQueue(store, fake, retry_window=60, backoff=FAST)
    old = store.add(Job("receipt", b"old", created_at=utcnow() - timedelta(minutes=5)))
    new = q.submit("receipt", b"new")
    assert q.run_once() is None
    assert fake.sent == [b"new"] and store.get(old).status == PENDING
    assert describe(store.get(old), 60).startswith("not printed")
    assert q.retry(old) and q.run_once() is None
    assert fake.sent == [b"new", b"old"] and store.get(old).status == PRINTED
    assert not q.retry(new)                        # already printed
    # a retry asked for while the printer is failing is kept until it is tried
    fresh = q.submit("receipt", b"fresh")
    stale = store.add(Job("receipt", b"stale", created_at=utcnow() - timedelta(minutes=9)))
    assert q.retry(stale)
    fake.fail = PrinterError("offline", "off")
    q.run_once()                                   # fails on `fresh` (lower id) first
    assert store.get(fresh).status == FAILED and store.get(stale).status == PENDING
    fake.fail = None
    q._retry_at = 0
    assert q.run_once() is None
    assert store.get(fresh).status == PRINTED and store.get(stale).status == PRINTED


def test_drawer_kicks_expire(store):
    fake = FakePrinter()
    q = PrintQueue(store, fake, backoff=FAST)
    stale = store.add(Job("drawer", b"\x1bp\x0022", created_at=utcnow() - timedelta(minutes=1)))
    assert q.run_once() is None
    assert fake.sent == [] and store.get(stale).status == FAILED
    assert "expired" in store.get(stale).last_error
    assert not q.retry(stale) and q.reprint(stale) is None


def test_reprint_is_a_new_job_marked_as_copy(store):
    fake = FakePrinter()
    q = PrintQueue(store, fake, backoff=FAST)
    first = q.submit("receipt", b"\x1b@body", sale_id="s-9")
    q.run_once()
    again = q.reprint(first, lambda b: b.replace(b"\x1b@", b"\x1b@COPY "))
    job = store.get(again)
    assert job.copy and job.sale_id == "s-9" and job.payload == b"\x1b@COPY body"
    q.run_once()
    assert fake.sent == [b"\x1b@body", b"\x1b@COPY body"]


def test_submit_never_raises():
    class BrokenStore(MemoryJobStore):
        def add(self, job):
            raise OSError("disk full")
    q = PrintQueue(BrokenStore(), FakePrinter())
    assert q.submit("receipt", b"x") is None


def test_unexpected_sender_errors_do_not_kill_the_worker(store):
    calls = []

    def flaky(payload, on_open):
        calls.append(payload)
        if len(calls) == 1:
            raise RuntimeError("driver bug")
    q = PrintQueue(store, flaky, backoff=FAST)
    q.start()
    try:
        job = q.submit("receipt", b"x")
        assert wait_until(lambda: store.get(job).status == PRINTED)
        assert "RuntimeError: driver bug" in store.get(job).last_error
    finally:
        q.stop()


# --- the queue against the emulated network printer ---------------------------------------------

def raster_payload(width=48):
    font = load_font()
    settings = PrinterSettings("file:/dev/null", width=width, encoding="raster")
    doc = layout_receipt(sample_receipt(30), Paper.make(width, "raster", font.has_glyph))
    return encode_document(doc, settings, font)


def network_printer(port, store, **kw):
    settings = PrinterSettings(f"network:127.0.0.1:{port}", connect_timeout=0.5, io_timeout=2)
    return ReceiptPrinter(settings, store, backoff=FAST, **kw)


def test_printer_stopped_mid_job_keeps_the_job_and_prints_it_once_later(store):
    payload = raster_payload()
    assert len(payload) > 100_000
    first = PrinterEmulator(stop_after_bytes=len(payload) // 3).start()
    port = first.port
    printer = network_printer(port, store)
    printer.start()
    try:
        t0 = time.monotonic()
        job_id = printer.queue.submit("receipt", payload, sale_id="s-1")
        assert time.monotonic() - t0 < 0.5           # the till does not wait for the printer
        assert wait_until(lambda: store.get(job_id).status == FAILED)
        assert first.stopped.wait(5)
        assert first.jobs == [] and first.partial         # it got part of the job, then died
        job = store.get(job_id)
        assert job.payload == payload and job.attempts >= 1 and job.last_error
        # the store is written before the state is published: wait for the state too
        assert wait_until(lambda: printer.state.printer in ("offline", "no_reply"))

        second = PrinterEmulator(port=port).start()      # power back on
        try:
            assert second.wait_for_jobs(1, timeout=10)
            assert wait_until(lambda: store.get(job_id).status == PRINTED)
            # No second copy turns up: the worker prints one job at a time, in order, so a
            # copy of the first would reach the printer before a job submitted after it.
            marker = b"\x1b@marker\n\x1dV\x00"
            printer.queue.submit("receipt", marker)
            assert second.wait_for_jobs(2, timeout=10)
            assert second.jobs == [payload, marker]
            assert decode(second.jobs[0], "raster").cuts == 1
        finally:
            second.stop()
    finally:
        printer.stop()
    assert store.get(job_id).status == PRINTED and printer.state.printer == "online"


def test_printer_off_then_on(store, tmp_path):
    probe = PrinterEmulator().start()
    port = probe.port
    probe.stop()
    printer = network_printer(port, store)
    printer.start()
    try:
        job_id = printer.print_receipt(sample_receipt(), sale_id="s-2")
        assert wait_until(lambda: printer.state.printer == "offline")
        assert "not reachable" in printer.state.message
        drawer = store.list_recent(2)[1]
        assert drawer.kind == "drawer" and "not reachable" in drawer.last_error
        assert store.get(job_id).status == PENDING       # waits behind the drawer kick
        assert printer.recent_jobs(1)[0][1].startswith("waiting: printer")
        with PrinterEmulator(port=port) as emu:
            assert emu.wait_for_jobs(2, timeout=10)      # drawer kick, then the receipt
            assert wait_until(lambda: store.get(job_id).status == PRINTED)
            kinds = [j.kind for j in store.list_recent(5)]
            assert kinds == ["receipt", "drawer"]
            assert decode(emu.jobs[0], "gb18030").drawer == [(0, 50, 50)]
            assert "合计 Total" in decode(emu.jobs[1], "gb18030").text()
    finally:
        printer.stop()


def test_paper_running_low_is_shown_but_printing_goes_on(store):
    with PrinterEmulator(paper="near_end") as emu:
        printer = ReceiptPrinter(PrinterSettings(emu.spec, io_timeout=2), store, backoff=FAST)
        job_id = printer.queue.submit("receipt", b"\x1b@x\n\x1dV\x00")
        assert printer.queue.run_once() is None
        assert store.get(job_id).status == PRINTED
        assert printer.state.printer == "online" and "running low" in printer.state.message


def test_stop_is_immediate_even_mid_send(store):
    with PrinterEmulator(answer_status=False) as emu:
        settings = PrinterSettings(emu.spec, io_timeout=30)
        printer = ReceiptPrinter(settings, store, backoff=(30, 30))
        printer.start()
        job_id = printer.queue.submit("receipt", b"\x1b@x\n\x1dV\x00")
        assert wait_until(lambda: emu.connections == 1)
        assert emu.status_asked.wait(5)                   # the worker waits for a status reply
        t0 = time.monotonic()
        printer.stop()
        assert time.monotonic() - t0 < 1.0
        assert store.get(job_id).status == FAILED        # still there, to print later
        assert "(stopped)" in store.get(job_id).last_error


def test_idle_worker_stops_at_once(store):
    q = PrintQueue(store, FakePrinter(), backoff=(30, 30))
    q.start()
    time.sleep(0.05)
    t0 = time.monotonic()
    q.stop()
    assert time.monotonic() - t0 < 0.5
    assert not any(t.name == "print-queue" for t in threading.enumerate())


def test_facade_never_raises_and_reprints_copies(store):
    fake = FakePrinter()
    printer = ReceiptPrinter(PrinterSettings("file:/dev/null"), store, send=fake, backoff=FAST)
    assert printer.print_receipt(replace(sample_receipt(), lines=None)) is None   # bad data
    job_id = printer.print_receipt(sample_receipt(), sale_id="s-3", open_drawer=False)
    printer.queue.run_once()
    copy_id = printer.reprint(job_id)
    printer.queue.run_once()
    assert store.get(copy_id).copy
    assert "*** 重印 COPY ***" in decode(fake.sent[-1], "gb18030").text()
    assert [d for _, d in printer.recent_jobs(2)] == ["printed", "printed"]
    reprint_data = sample_receipt(is_reprint=True)
    assert store.get(printer.print_receipt(reprint_data)).copy          # no drawer on a copy
    assert [j.kind for j in store.list_recent(1)] == ["receipt"]


def test_a_sale_prints_its_receipt_and_kicks_the_drawer_once(store):
    """Asked again for the same sale (a repeated completion), the printer prints a copy marked
    as such and does not open the drawer again."""
    fake = FakePrinter()
    printer = ReceiptPrinter(PrinterSettings("file:/dev/null"), store, send=fake, backoff=FAST)
    cash = sample_receipt()
    assert any(t.kind == "cash" for t in cash.tenders)
    first = printer.print_receipt(cash, sale_id="s-4")
    again = printer.print_receipt(cash, sale_id="s-4")
    assert first != again and not store.get(first).copy and store.get(again).copy
    assert [j.kind for j in store.list_recent(5)] == ["receipt", "receipt", "drawer"]
    for _ in range(3):
        printer.queue.run_once()
    assert len(fake.sent) == 3
    assert "*** 重印 COPY ***" in decode(fake.sent[-1], "gb18030").text()
    assert "COPY" not in decode(fake.sent[-2], "gb18030").text()
    # another sale still gets its own original and its drawer kick
    printer.print_receipt(cash, sale_id="s-5")
    assert [(j.kind, j.copy) for j in store.list_recent(2)] == [("receipt", False),
                                                                ("drawer", False)]
