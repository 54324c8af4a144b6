"""Printer spec strings, and sending jobs to the emulated network printer and to a file."""

import socket

import pytest

from pos_member.printing.settings import PrinterSettings, SettingsError
from pos_member.printing.transport import (
    PrinterError,
    PrinterSpec,
    PrinterSpecError,
    parse_spec,
    send_job,
)
from tests.printing.emulator import PrinterEmulator

JOB = b"\x1b@hello\n\x1bd\x06\x1dV\x00"


@pytest.mark.parametrize("spec,expected", [
    ("usb:04b8:0202", PrinterSpec("usb", vendor=0x04B8, product=0x0202)),
    ("usb:0x0416:0x5011", PrinterSpec("usb", vendor=0x0416, product=0x5011)),
    ("serial:/dev/ttyUSB0", PrinterSpec("serial", "/dev/ttyUSB0", 9600)),
    ("serial:/dev/ttyUSB0:19200", PrinterSpec("serial", "/dev/ttyUSB0", 19200)),
    ("serial:COM3:115200", PrinterSpec("serial", "COM3", 115200)),
    ("network:192.168.1.50", PrinterSpec("network", "192.168.1.50", 9100)),
    ("network:printer.local:9101", PrinterSpec("network", "printer.local", 9101)),
    ("network:[fe80::1]:9100", PrinterSpec("network", "fe80::1", 9100)),
    ("network:[fe80::1]", PrinterSpec("network", "fe80::1", 9100)),
    ("win32:XP-80C (copy 1)", PrinterSpec("win32", "XP-80C (copy 1)")),
    ("cups:receipt", PrinterSpec("cups", "receipt")),
    ("file:/dev/usb/lp0", PrinterSpec("file", "/dev/usb/lp0")),
    ("file:C:\\receipts\\out.bin", PrinterSpec("file", "C:\\receipts\\out.bin")),
    ("NETWORK:10.0.0.9", PrinterSpec("network", "10.0.0.9", 9100)),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec,message", [
    ("192.168.1.50", "not KIND:TARGET"),
    ("bluetooth:AA:BB", "unknown printer kind 'bluetooth'"),
    ("usb:04b8", "usb:VENDOR:PRODUCT"),
    ("usb:epson:0202", "vendor id must be a hex number"),
    ("network:", "nothing after"),
    ("network:host:99999", "port must be a number"),
    ("network:host:abc", "port must be a number"),
    ("network:fe80::1", "IPv6 address in brackets"),
    ("serial:/dev/ttyS0:fast", "baud rate must be a number"),
    ("serial:/dev/ttyS0:1234", "unusual baud rate"),
])
def test_bad_specs_say_what_is_wrong(spec, message):
    with pytest.raises(PrinterSpecError, match=message.replace("(", r"\(")):
        parse_spec(spec)


def test_settings_check_everything():
    assert PrinterSettings("network:10.0.0.9").width == 48
    for kwargs, message in (({"width": 40}, "width must be 32"),
                            ({"encoding": "shift_jis"}, "encoding must be one of"),
                            ({"qr": "svg"}, "qr must be"), ({"drawer_pin": 3}, "pin"),
                            ({"io_timeout": 0}, "io_timeout")):
        with pytest.raises(SettingsError, match=message):
            PrinterSettings("network:10.0.0.9", **kwargs)
    with pytest.raises(SettingsError, match="not KIND:TARGET"):
        PrinterSettings("10.0.0.9")
    with pytest.raises(SettingsError, match="unknown printer setting"):
        PrinterSettings.from_mapping({"printer": "file:x", "widht": 32})
    assert PrinterSettings.from_mapping({"printer": "file:x", "width": "32"}).width == 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_network_job_with_status_queries():
    with PrinterEmulator() as printer:
        status = send_job(parse_spec(printer.spec), JOB, io_timeout=2)
        assert printer.wait_for_jobs(1)
    assert printer.jobs == [JOB]          # status queries are not part of the job
    assert status.online and status.paper == "ok"


@pytest.mark.parametrize("state,kwargs,message", [
    ("paper_out", {"paper": "out"}, "out of paper"),
    ("offline", {"online": False}, "is offline"),
])
def test_printer_trouble_is_reported_and_nothing_is_sent(state, kwargs, message):
    with PrinterEmulator(**kwargs) as printer:
        with pytest.raises(PrinterError, match=message) as info:
            send_job(parse_spec(printer.spec), JOB, io_timeout=2)
    assert info.value.state == state
    assert printer.jobs == []


def test_cover_open():
    with PrinterEmulator() as printer:
        printer.cover_open = True
        with pytest.raises(PrinterError, match="cover open"):
            send_job(parse_spec(printer.spec), JOB, io_timeout=2)


def test_printer_off_is_a_clear_error():
    spec = parse_spec(f"network:127.0.0.1:{free_port()}")
    with pytest.raises(PrinterError, match="not reachable") as info:
        send_job(spec, JOB, connect_timeout=1)
    assert info.value.state == "offline"


def test_no_status_reply_times_out_with_advice():
    with PrinterEmulator(answer_status=False) as printer:
        with pytest.raises(PrinterError, match="turn status queries off") as info:
            send_job(parse_spec(printer.spec), JOB, io_timeout=0.3)
        assert info.value.state == "no_reply"
        assert send_job(parse_spec(printer.spec), JOB, status_query=False) is None
        assert printer.wait_for_jobs(1)


def test_file_transport(tmp_path):
    out = tmp_path / "receipt.bin"
    assert send_job(parse_spec(f"file:{out}"), JOB) is None     # a file cannot answer
    assert out.read_bytes() == JOB
    with pytest.raises(PrinterError, match="not reachable"):
        send_job(parse_spec(f"file:{tmp_path}/no/such/dir/x.bin"), JOB)


def test_missing_driver_is_a_printer_error_not_a_crash():
    # pyusb / pycups are not installed here: the message says what is missing
    for spec in ("usb:04b8:0202", "cups:receipt"):
        with pytest.raises(PrinterError, match="lacks the driver library") as info:
            send_job(parse_spec(spec), JOB, connect_timeout=0.5)
        assert info.value.state == "offline"
