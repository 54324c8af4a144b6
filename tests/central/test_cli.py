"""`python -m pos_central`: migrate, seed-demo, enrol-code, member-code, openapi."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pos_central.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_seed_demo_enrol_code_and_member_code(url, capsys):
    assert main(["seed-demo", "--members", "8", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "28 products" in out and "8 members created" in out
    assert main(["seed-demo", "--members", "8", "--database-url", url]) == 0  # no duplicates
    assert "0 members created" in capsys.readouterr().out

    assert main(["enrol-code", "--store", "S001", "--database-url", url]) == 0
    code = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)

    from pos_member.domain.demo_brand import member_id

    member = member_id(1)  # the till's demo member 1 too
    assert main(["member-code", member, "--database-url", url]) == 0
    assert capsys.readouterr().out.strip().startswith("PM1.")
    assert main(["member-code", member, "--qr", "--database-url", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("PM1.") and len(lines) > 20 and "█" in "".join(lines)
    assert main(["member-code", "8000000001", "--database-url", url]) == 0  # by card number
    assert capsys.readouterr().out.startswith("PM1.")
    assert main(["member-code", "no-such-member", "--database-url", url]) == 2


def test_openapi_command_prints_the_document():
    result = subprocess.run([sys.executable, "-m", "pos_central", "openapi"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    doc = json.loads(result.stdout)
    assert "/v1/push" in doc["paths"] and doc["info"]["title"].startswith("POS Member")


def test_serve_runs_the_service_in_a_subprocess(tmp_path):
    """The real CLI entry point: migrate, serve on a free port, answer health, stop."""
    import socket
    import time

    import requests

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    db = f"sqlite:///{tmp_path / 'served.db'}"
    proc = subprocess.Popen([sys.executable, "-m", "pos_central", "serve", "--port", str(port),
                             "--database-url", db, "--log-level", "warning"], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_database_that_cannot_be_reached_is_one_line(capsys):
    code = main(["enrol-code", "--store", "S001", "--database-url",
                 "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("pos-central enrol-code: database error") and err.count("\n") == 1


def test_an_enrolment_code_is_for_a_store_unless_any_store_is_asked_for(url, capsys):
    import pytest
    from sqlalchemy import select

    from pos_central import models as m
    from pos_central.auth import _sha256, normalize_code
    from pos_central.db import Database

    assert main(["migrate", "--database-url", url]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["enrol-code", "--database-url", url])
    assert exited.value.code == 2
    assert "--store" in capsys.readouterr().err
    assert main(["enrol-code", "--store", "S042", "--database-url", url]) == 0
    bound = capsys.readouterr().out.strip()
    assert main(["enrol-code", "--any-store", "--database-url", url]) == 0
    loose = capsys.readouterr().out.strip()
    db = Database(url)
    with db.read() as s:
        stores = dict(s.execute(select(m.EnrolCode.code_hash, m.EnrolCode.store_id)).all())
    db.dispose()
    assert stores[_sha256(normalize_code(bound))] == "S042"
    assert stores[_sha256(normalize_code(loose))] is None
