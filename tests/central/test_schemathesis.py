"""The OpenAPI document matches the answers: schemathesis with every check against the live
service (uvicorn on 127.0.0.1, the demo brand seeded so answers carry data, an enrolled
terminal's token), on SQLite and, when configured, on PostgreSQL (issue 10, item 6).

Bounded so the run stays within a couple of minutes per database: ``MAX_EXAMPLES`` cases per
operation and phase, a fixed seed (the same cases every run; change ``SEED`` locally to explore),
a per-request timeout. Rules JSON Schema cannot state are applied to positive cases by
tests/central/schemathesis_hooks.py (see its docstring).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("schemathesis", reason="schemathesis is in the test extra (pip install -e .[test])")

from pos_central.demo import seed_demo  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = int(os.environ.get("POS_SCHEMATHESIS_EXAMPLES", "150"))
SEED = os.environ.get("POS_SCHEMATHESIS_SEED", "20261202")
# The coverage phase is left out: it enumerates every value of every enum, and the time-zone
# list alone made it ~4,500 cases and four minutes per database.
PHASES = "examples,fuzzing"


def _st_command() -> list[str]:
    found = Path(sys.executable).with_name("st")
    return [str(found)] if found.exists() else [shutil.which("st") or "st"]


def test_openapi_document_matches_the_answers(make_central_server, central_database_kind,
                                              tmp_path):
    server = make_central_server()
    with server.write() as s:
        seed_demo(s, members=30)
    till = server.enrol("Schemathesis")
    report = tmp_path / "junit.xml"
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.central.schemathesis_hooks",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    command = [*_st_command(), "run", f"{server.base_url}/openapi.json",
               "--checks", "all", "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES),
               "--seed", SEED, "--generation-database", "none", "--no-color",
               "--request-timeout", "30", "--continue-on-failure", "--workers", "1",
               "--header", f"Authorization: Bearer {till.token}",
               "--report", "junit", "--report-junit-path", str(report)]
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    output = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated", output)
    cases = int(generated.group(1)) if generated else 0
    print(f"\nschemathesis on {central_database_kind}: {cases} test cases, "
          f"exit status {run.returncode}")
    print(output[-3000:])
    assert run.returncode == 0, output[-20000:]
    assert cases >= 6 * 10  # every operation was exercised
