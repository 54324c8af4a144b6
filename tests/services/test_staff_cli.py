"""Adding staff: the first manager of a till set up from the central service (no demo staff)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pos_member.services.errors import InvalidInput, ServiceError
from pos_member.services.staff import add_staff, load_audit_chain
from pos_member.security.audit import verify_chain
from pos_member.security.roles import Role

ROOT = Path(__file__).resolve().parents[2]


def test_add_staff_then_log_in(till):
    m = add_staff(till.ctx, "S010", "赵经理", "manager", "5931")
    assert m.role is Role.MANAGER
    assert till.login("S010", "5931").id == "S010"
    with pytest.raises(ServiceError) as exc:
        add_staff(till.ctx, "S010", "again", "cashier", "5932")
    assert exc.value.code == "code_taken"
    for args, code in ((("S011", "x", "cashier", "1234"), "weak_pin"),
                       (("S 1", "x", "cashier", "5932"), "bad_code"),
                       (("S012", "", "cashier", "5932"), "bad_name"),
                       (("S013", "x", "owner", "5932"), "bad_role")):
        with pytest.raises(InvalidInput) as exc:
            add_staff(till.ctx, *args)
        assert exc.value.code == code
    with till.session() as s:
        assert verify_chain(load_audit_chain(s)) is None


def test_staff_add_command_reads_the_pin_from_stdin(till, tmp_path):
    env = dict(os.environ, POS_MEMBER_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-m", "pos_member", "staff", "add", "M01", "First Manager",
                          "--role", "manager", "--db", str(till.path)], input="7461\n",
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "added manager First Manager" in run.stdout
    assert till.login("M01", "7461").role is Role.MANAGER
    bad = subprocess.run([sys.executable, "-m", "pos_member", "staff", "add", "M02", "Weak",
                          "--db", str(till.path)], input="0000\n", cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.strip()
