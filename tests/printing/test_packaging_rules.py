"""The printing package's boundaries and python-escpos's contained import side effects."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("sqlalchemy", "PySide6", "requests", "pos_member.store", "pos_member.sync",
             "pos_member.services", "pos_member.ui")


def run(code: str, env_extra: dict | None = None) -> dict:
    import os
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(env_extra or {})
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_printing_imports_nothing_it_must_not():
    code = """
import json, sys, pkgutil, importlib, pos_member.printing as p
for m in pkgutil.iter_modules(p.__path__):
    importlib.import_module("pos_member.printing." + m.name)
from pos_member.printing.transport import send_job, parse_spec
from pos_member.printing.escpos_compat import escpos
escpos()
print(json.dumps(sorted(sys.modules)))
"""
    modules = run(code)
    bad = [m for m in modules for f in FORBIDDEN if m == f or m.startswith(f + ".")]
    assert bad == []
    assert "escpos.printer" in modules


def test_escpos_import_is_contained(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    home = tmp_path / "home"
    code = """
import json, logging, os, tempfile
before = list(logging.getLogger().handlers)
from pos_member.printing.escpos_compat import escpos
mods = escpos()
p = mods.printer.Dummy()
p.text("hi")
print(json.dumps({
    "handlers": len(logging.getLogger().handlers) - len(before),
    "tmp": os.listdir(tempfile.gettempdir()),
    "pickle_dir": mods.pickle_dir,
    "files": os.listdir(mods.pickle_dir),
    "mkdtemp_ok": tempfile.mkdtemp.__module__ == "tempfile",
}))
"""
    result = run(code, {"TMPDIR": str(tmpdir), "POS_MEMBER_HOME": str(home)})
    assert result["handlers"] == 0                     # logging.basicConfig undone
    assert result["tmp"] == []                         # no stray temporary folder
    assert result["pickle_dir"] == str(home / "cache" / "escpos")
    assert any(f.endswith(".capabilities.pickle") for f in result["files"])
    assert result["mkdtemp_ok"]
    again = run(code, {"TMPDIR": str(tmpdir), "POS_MEMBER_HOME": str(home)})
    assert again["tmp"] == [] and again["pickle_dir"] == result["pickle_dir"]


def test_layout_does_not_import_escpos():
    code = """
import json, sys
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.reports import layout_report
print(json.dumps([m for m in sys.modules if m.startswith("escpos")]))
"""
    assert run(code) == []


def test_cli_import_stays_light():
    code = """
import json, sys
import pos_member.cli
print(json.dumps([m for m in ("PIL", "qrcode", "escpos") if m in sys.modules]))
"""
    assert run(code) == []
