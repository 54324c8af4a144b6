"""``pos-member print-test``: prints through the queue; one-line errors with exit status 1 or 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from pos_member.cli import main
from pos_member.printing.jobs import JsonFileJobStore
from tests.printing.emulator import PrinterEmulator
from tests.printing.escpos_decoder import decode

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf8", "cp437", "raster"])
def test_print_test_to_a_file(tmp_path, capsys, encoding):
    out = tmp_path / "page.bin"
    assert main(["print-test", "--printer", f"file:{out}", "--width", "32",
                 "--encoding", encoding]) == 0
    assert "printed a test page" in capsys.readouterr().out
    d = decode(out.read_bytes(), encoding)
    assert d.cuts == 1 and d.errors == []
    if encoding == "raster":
        assert d.images and d.images[0].width == 32 * 12
    else:
        assert "POS-MEMBER TEST" in d.text()
        assert all(line.printed_cells <= 32 for line in d.lines)
    if encoding in ("gb18030", "utf8"):
        assert "中文打印测试" in d.text()


def test_print_test_on_the_network_printer(capsys):
    with PrinterEmulator() as printer:
        assert main(["print-test", "--printer", printer.spec, "--qr", "native"]) == 0
        assert printer.wait_for_jobs(1)
    d = decode(printer.jobs[0], "gb18030")
    assert d.qr_native == ["POS-MEMBER TEST GB18030"]


def test_printer_out_of_paper_exits_1_and_keeps_the_job(tmp_path, capsys):
    queue = tmp_path / "queue.json"
    with PrinterEmulator(paper="out") as printer:
        assert main(["print-test", "--printer", printer.spec, "--queue", str(queue)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "out of paper" in err and "kept in" in err
    jobs = JsonFileJobStore(queue).list_recent(5)
    assert [(j.kind, j.status) for j in jobs] == [("test_page", "failed")]


@pytest.mark.parametrize("args,message", [
    ([], "--printer SPEC is required"),
    (["--printer", "lpt1"], "not KIND:TARGET"),
    (["--printer", "usb:zz:01"], "vendor id must be a hex number"),
    (["--printer", "network:host:0"], "port must be a number"),
    (["--printer", "file:x", "--width", "58"], "--width must be 32 or 48"),
    (["--printer", "file:x", "--encoding", "shift_jis"], "encoding must be one of"),
    (["--printer", "file:x", "--qr", "svg"], "qr must be raster or native"),
    (["--printer", "file:x", "--timeout", "soon"], "--timeout must be a number"),
    (["--printer", "file:x", "--encoding", "raster", "--font", "/no/such.ttf"],
     "font file not found"),
])
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    assert main(["print-test", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pos-member print-test: ")
    assert message in err


def test_module_entry_point(tmp_path):
    out = tmp_path / "p.bin"
    run = subprocess.run([sys.executable, "-m", "pos_member", "print-test", "--printer",
                          "network:127.0.0.1:1", "--timeout", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "not reachable" in run.stderr
    run = subprocess.run([sys.executable, "-m", "pos_member", "print-test", "--printer",
                          f"file:{out}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and out.stat().st_size > 1000 and run.stderr == ""
