"""Printer discovery against printer emulators on 127.0.0.x; nothing is sent anywhere else."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time

import pytest

from pos_member.printing import discovery
from pos_member.printing.discovery import (
    MAX_SCAN_HOSTS,
    ScanRefused,
    check_range,
    describe_usb,
    parse_lpstat,
    scan_network,
)
from pos_member.printing.transport import parse_spec, send_job
from tests.printing.emulator import PrinterEmulator
from tests.printing.escpos_decoder import decode


def _free_port_on(*hosts: str) -> int:
    """A port free on every one of ``hosts`` (all on loopback)."""
    for _ in range(50):
        s = socket.socket()
        s.bind((hosts[0], 0))
        port = s.getsockname()[1]
        s.close()
        ok = True
        for h in hosts:
            t = socket.socket()
            try:
                t.bind((h, port))
            except OSError:
                ok = False
            finally:
                t.close()
        if ok:
            return port
    raise RuntimeError("no common free port")


@pytest.fixture
def printers():
    """Two printers (127.0.0.3 and 127.0.0.9) on one port, and a silent listener on 127.0.0.6
    that accepts the connection but never answers a status query (not a printer)."""
    port = _free_port_on("127.0.0.3", "127.0.0.6", "127.0.0.9")
    a = PrinterEmulator(port, host="127.0.0.3").start()
    b = PrinterEmulator(port, host="127.0.0.9", paper="out").start()
    silent = socket.socket()
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind(("127.0.0.6", port))
    silent.listen(8)
    yield port, a, b
    a.stop()
    b.stop()
    silent.close()


def test_scan_finds_the_printers_of_a_loopback_range(printers):
    port, a, _b = printers
    seen: list[tuple[int, int]] = []
    t0 = time.monotonic()
    found = scan_network("127.0.0.0/28", port=port, progress=lambda d, t: seen.append((d, t)))
    elapsed = time.monotonic() - t0
    by_host = {f.name: f for f in found}
    assert set(by_host) == {"127.0.0.3", "127.0.0.6", "127.0.0.9"}
    assert by_host["127.0.0.3"].likely and "online" in by_host["127.0.0.3"].detail
    assert by_host["127.0.0.9"].likely and "offline" in by_host["127.0.0.9"].detail  # paper out
    assert not by_host["127.0.0.6"].likely and "no status reply" in by_host["127.0.0.6"].detail
    assert by_host["127.0.0.3"].spec == f"network:127.0.0.3:{port}"
    # progress counts every host of the range once, ending at the total
    assert seen[-1] == (14, 14) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert elapsed < 5, elapsed
    # the probe printed nothing: what the printer recorded holds no text
    for job in a.jobs:
        assert not decode(job, "gb18030").lines


def test_a_found_printer_prints_the_test_page(printers):
    port, a, _ = printers
    found = [f for f in scan_network("127.0.0.0/28", port=port) if f.likely]
    spec = parse_spec(found[0].spec)
    n = len(a.jobs)
    send_job(spec, b"\x1b@hello\n", connect_timeout=2, io_timeout=3)
    assert a.job_done.wait(3)
    assert any(b"hello" in j for j in a.jobs[n:])


def test_cancel_stops_a_scan_at_once():
    cancel = threading.Event()
    calls = []

    def progress(done, total):
        calls.append(done)
        if done >= 20:
            cancel.set()

    t0 = time.monotonic()
    # a whole /22 of loopback, connects refused at once: cancelled after about 20 addresses
    scan_network("127.1.0.0/22", port=9, cancel=cancel, progress=progress, in_flight=4)
    assert time.monotonic() - t0 < 2
    assert 20 <= max(calls) < 200


def test_unanswered_connects_time_out_within_the_bound():
    # loopback refuses or accepts at once; a listener whose backlog is full drops the SYN,
    # which is what a host that does not answer looks like
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    port = s.getsockname()[1]
    fillers = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    time.sleep(0.1)
    t0 = time.monotonic()
    found = scan_network("127.0.0.1/32", port=port, connect_timeout=0.3, probe_timeout=0.2)
    elapsed = time.monotonic() - t0
    for c in fillers:
        c.close()
    s.close()
    assert elapsed < 3, elapsed
    assert all(not f.likely for f in found)


@pytest.mark.parametrize("bad, why", [
    ("8.8.8.0/24", "not a subnet this till is on"),
    ("127.0.0.0/16", "addresses; at most"),
    ("10.0.0.0/8", "addresses; at most"),
    ("fe80::/64", "only IPv4"),
    ("not a range", "not a network range"),
])
def test_ranges_outside_the_tills_own_subnet_are_refused(bad, why, monkeypatch):
    sent = []
    real = socket.socket.connect_ex
    monkeypatch.setattr(socket.socket, "connect_ex",
                        lambda self, addr: sent.append(addr) or real(self, addr))
    with pytest.raises(ScanRefused, match=why):
        scan_network(bad, allowed=[ipaddress.IPv4Network("192.168.1.0/24")])
    assert sent == []


def test_own_subnet_is_allowed_and_capped():
    own = [ipaddress.IPv4Network("192.168.1.0/24")]
    assert check_range("192.168.1.0/26", own) == ipaddress.IPv4Network("192.168.1.0/26")
    with pytest.raises(ScanRefused):
        check_range("192.168.2.0/24", own)
    big = ipaddress.IPv4Network("172.16.0.0/16")
    assert discovery.scan_ranges([big], ["172.16.40.7"]) == [
        ipaddress.IPv4Network("172.16.40.0/24")]
    assert MAX_SCAN_HOSTS <= 1024


def test_discover_reports_network_progress_and_each_printer_as_found(printers):
    port, _, _ = printers
    found_live, stages = [], []
    found, _notes = discovery.discover(networks=["127.0.0.0/28"], port=port, local=False,
                                      on_found=found_live.append,
                                      progress=lambda p: stages.append((p.stage, p.done,
                                                                        p.total)))
    assert [f.spec for f in found] == [f.spec for f in found_live]
    assert {f.name for f in found} == {"127.0.0.3", "127.0.0.6", "127.0.0.9"}
    assert stages[-1] == ("network", 14, 14)


def test_local_discovery_runs_on_this_machine_without_failing():
    found, notes = discovery.discover(networks=[], local=True)
    assert all(f.kind in ("usb", "win32", "cups", "serial") for f in found)
    for f in found:
        parse_spec(f.spec)  # every offer is a spec the till can use
    assert all(isinstance(n, str) and n for n in notes)


def test_usb_devices_are_told_apart():
    epson = describe_usb(0x04B8, 0x0202, [7], "EPSON", "TM-T20II")
    assert epson.spec == "usb:04b8:0202" and epson.likely and epson.name == "EPSON TM-T20II"
    unbranded = describe_usb(0x0416, 0x5011, [])
    assert unbranded.spec == "usb:0416:5011" and not unbranded.likely
    assert describe_usb(0x0416, 0x5011, [7]).likely          # the printer class settles it
    assert describe_usb(0x046D, 0xC52B, [3]) is None          # a mouse receiver
    assert describe_usb(0x1234, 0x0001, [7]).name == "USB printer"


def test_cups_queues_from_lpstat():
    text = ("device for receipt: usb://EPSON/TM-T20II?serial=X3A0001\n"
            "device for Office_Laser: ipp://10.0.0.5/ipp/print\n"
            "garbage line\n")
    found = parse_lpstat(text)
    assert [f.spec for f in found] == ["cups:receipt", "cups:Office_Laser"]
    assert "usb://EPSON" in found[0].detail
    for f in found:
        parse_spec(f.spec)


# --- the default scan, in a network namespace of the test's own -----------------------------------

IN_NAMESPACE = r'''
import json, sys
from pos_member.printing import discovery
from tests.printing.emulator import PrinterEmulator

printer = PrinterEmulator(9100, host="10.77.5.23").start()
subnets = [str(n) for n in discovery.local_subnets()]
seen = []
found, notes = discovery.discover(local=False, progress=lambda p: seen.append(p.total))
printer.stop()
print("RESULT " + json.dumps({"subnets": subnets, "found": [f.spec for f in found],
                              "likely": [f.likely for f in found], "total": max(seen)}))
'''


def _namespace_possible() -> bool:
    import shutil
    import subprocess

    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(["unshare", "-n", "true"], check=False,
                          capture_output=True).returncode == 0


@pytest.mark.skipif(not _namespace_possible(), reason="needs root, unshare and ip")
def test_default_scan_covers_the_tills_own_subnet_in_a_namespace():
    """A fresh network namespace has no way out; the till's address 10.77.5.1/24 and a printer
    at 10.77.5.23:9100 live on its loopback. The scan with no range given finds the subnet
    itself (``ip -4 addr``), scans its 254 hosts and finds the printer."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = ("ip link set lo up && ip addr add 10.77.5.1/24 dev lo && "
              f"exec {sys.executable} -c \"$SCRIPT\"")
    proc = subprocess.run(["unshare", "-n", "sh", "-c", script], check=False, cwd=root,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SCRIPT": IN_NAMESPACE, "PYTHONPATH": str(root)})
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, proc.stdout[-2000:] + proc.stderr[-3000:]
    import json

    r = json.loads(line[len("RESULT "):])
    assert r["subnets"] == ["10.77.5.0/24"]
    assert r["found"] == ["network:10.77.5.23"] and r["likely"] == [True]
    assert r["total"] == 254


def test_find_printers_command(printers, capsys):
    from pos_member.cli import main

    port, _, _ = printers
    assert main(["find-printers", "--network", "127.0.0.0/28", "--port", str(port),
                 "--no-local"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:2] == [f"network:127.0.0.3:{port}", "sure"]
    assert [x.split("\t")[1] for x in lines] == ["sure", "maybe", "sure"]
    assert main(["find-printers", "--network", "127.0.0.0/28", "--port", str(port),
                 "--no-local", "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert {p["name"] for p in data["printers"]} == {"127.0.0.3", "127.0.0.6", "127.0.0.9"}
    # a range the scanner refuses: exit 2, one line, nothing sent
    assert main(["find-printers", "--network", "1.2.3.0/24", "--no-local"]) == 2
    err = capsys.readouterr().err
    assert "not a subnet this till is on" in err and err.count("\n") == 1
    # nothing there: exit 1
    assert main(["find-printers", "--network", "127.0.0.200/30", "--port", str(port),
                 "--no-local"]) == 1
