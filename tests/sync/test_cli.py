"""`python -m pos_member sync`: enrol, --once, status, against the real service."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from pos_member.cli import main
from tests.services.support import make_till
from tests.sync.harness import MEMBERS, seed_central_members

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # never touch a developer's real keyring
    yield
    keyring.set_keyring(before)


def test_enrol_sync_once_and_status(make_central_server, tmp_path, capsys, no_keyring):
    server = make_central_server()
    seed_central_members(server)
    till = make_till(tmp_path)
    db = str(till.path)

    assert main(["sync", "status", "--db", db]) == 0
    assert "not_enrolled" in capsys.readouterr().out
    assert main(["sync", "--once", "--db", db]) == 1
    assert "not enrolled" in capsys.readouterr().err

    assert main(["sync", "enrol", server.base_url, server.enrol_code(), "--name", "Counter 2",
                 "--db", db]) == 0
    assert "enrolled as terminal" in capsys.readouterr().out
    token_files = list(tmp_path.glob("terminal-token-*"))
    assert len(token_files) == 1 and (token_files[0].stat().st_mode & 0o077) == 0

    till.login("S002", "1357")  # an audit entry: something to push
    assert main(["sync", "--once", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "pushed 1 events" in out and f"{len(MEMBERS)} members" in out
    assert "state: online" in out

    assert main(["sync", "status", "--json", "--db", db]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["events_waiting"] == 0 and status["last_success"] and not status["last_error"]

    assert main(["sync", "enrol", server.base_url, "AAAA-BBBB-CCCC", "--db", db]) == 1
    assert "enrolment_code_invalid" in capsys.readouterr().err


def test_the_sync_command_is_registered():
    out = subprocess.run([sys.executable, "-m", "pos_member", "sync", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0 and "--once" in out.stdout and "enrol" in out.stdout
