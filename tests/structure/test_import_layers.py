"""The layer rule, checked on every test run (issue 14, item 5).

The contracts are in pyproject.toml (``[tool.importlinter]``): the till's layers (entry points >
ui > app > sync > services > store > printing | security > domain), Qt only in the ui, no SQL
or HTTP in the ui, a pure domain, and pos_central using only the wire protocol and the domain
of the till. These tests run import-linter on them, prove on a copy of the code that a
violation is caught, and check two rules a forbidden-list cannot say exactly: the domain's
imports are the standard library, and pos_central's imports of the till are an allow-list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .graph import graph, stdlib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"

# Third-party packages the domain may use, with the reason. pypinyin is pure Python data (no
# I/O, no framework): the pinyin initials that product and member search match on.
DOMAIN_THIRD_PARTY = {"pypinyin": "pinyin initials for search (domain/pinyin.py)"}

# What pos_central may import of the till: one definition of the wire format and of the rules.
CENTRAL_MAY_IMPORT = ("pos_member.sync.protocol", "pos_member.domain")  # see _wire_modules


def test_the_import_contracts_are_kept():
    # In a child process: import-linter configures logging with ``dictConfig``, whose default
    # disables every logger that exists already, so run in the test process it silenced the
    # till's loggers for every later test in the same pytest-xdist worker (the watchdog's and
    # the crash hook's log assertions failed depending on which files ran before them).
    script = ("import sys; from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, "
              "no_logo=True))")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("probe, source, contract", [
    ("pos_member/store/_probe.py", "from pos_member.ui import screen\n", "till-layers"),
    ("pos_member/domain/_probe.py", "from pos_member.store import db\n", "till-layers"),
    ("pos_member/domain/_probe.py", "import sqlalchemy\n", "domain-pure"),
    ("pos_member/services/_probe.py", "def f():\n    from PySide6 import QtCore\n",
     "qt-only-in-ui"),
    ("pos_member/ui/_probe.py", "import sqlalchemy\n", "ui-no-sql-no-http"),
    ("pos_central/_probe.py", "from pos_member.services import checkout\n",
     "central-uses-only-protocol-and-domain"),
])
def test_a_violation_is_caught(tmp_path, probe, source, contract):
    """The contract, on a copy of the code with one bad import added, must fail on it."""
    for pkg in ("pos_member", "pos_central"):
        shutil.copytree(ROOT / pkg, tmp_path / pkg,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static",
                                                      "templates", "fixtures"))
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    (tmp_path / probe).write_text(source, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    script = ("import sys; from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, "
              f"no_logo=True, limit_to_contracts=({contract!r},)))")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 broken" in run.stdout and "_probe" in run.stdout, run.stdout


def test_the_domain_imports_only_the_standard_library():
    g = graph(external=True)
    bad = []
    for module in sorted(m for m in g.modules if m.startswith("pos_member.domain")):
        for imported in g.find_modules_directly_imported_by(module):
            top = imported.split(".")[0]
            if top == "pos_member":
                if not imported.startswith("pos_member.domain"):
                    bad.append(f"{module} -> {imported}")
            elif not stdlib(top) and top not in DOMAIN_THIRD_PARTY:
                bad.append(f"{module} -> {imported}")
    assert not bad, bad


def _wire_modules(g) -> set[str]:
    """pos_member.sync.protocol and the modules of the wire format it is made of."""
    return {"pos_member.sync.protocol"} | {
        m for m in g.find_upstream_modules("pos_member.sync.protocol")
        if m.startswith("pos_member.sync.")} | {
        m for m in g.modules if m.startswith("pos_member.sync.protocol")}


def test_pos_central_imports_only_the_protocol_and_the_domain_of_the_till():
    g = graph()
    allowed = _wire_modules(g)
    bad = []
    for module in sorted(m for m in g.modules if m.startswith("pos_central")):
        for imported in g.find_modules_directly_imported_by(module):
            if imported.startswith("pos_member") and imported not in allowed and not (
                    imported.startswith("pos_member.domain")):
                bad.append(f"{module} -> {imported}")
    assert not bad, bad


def test_what_pos_central_imports_of_the_till_stays_small():
    """The wire format pulls in only the domain (and pydantic): pos_central never loads the
    till's store, Qt or services by importing it."""
    g = graph()
    wire = _wire_modules(g)
    reachable = set().union(*(g.find_upstream_modules(m) for m in wire))
    outside = sorted(m for m in reachable - wire
                     if m.startswith("pos_member") and not m.startswith("pos_member.domain"))
    assert not outside, outside
