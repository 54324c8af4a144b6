"""`python -m pos_member report x|z` on a real till database."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import uuid
from decimal import Decimal as D
from pathlib import Path

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.shifts import close_shift
from pos_member.services.staff import Approval

ROOT = Path(__file__).resolve().parents[2]


def run(*args, home):
    env = dict(os.environ, POS_MEMBER_HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pos_member", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_x_then_z_report_as_text_and_csv(till, cashier, shift, tmp_path):
    checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, (CartLine("C002", D(2)),),
                                       (Tender("cash", 5600, tendered=6000),)))
    db = str(till.path)
    x = run("report", "x", "--db", db, home=tmp_path)
    assert x.returncode == 0, x.stderr
    assert "X report" in x.stdout and "sales_total" in x.stdout and "56.00" in x.stdout
    # expected cash: 500.00 float + 56.00
    assert any(line.split() == ["expected_cash", "556.00"] for line in x.stdout.splitlines())
    z = run("report", "z", "--db", db, home=tmp_path)
    assert z.returncode == 1 and "no closed shift" in z.stderr and "Traceback" not in z.stderr
    close_shift(till.ctx, cashier, {10000: 5, 5000: 1, 500: 1, 100: 1},
                approval=Approval("S001", "2468"))
    z = run("report", "z", "--db", db, "--format", "csv", home=tmp_path)
    assert z.returncode == 0, z.stderr
    rows = dict(csv.reader(io.StringIO(z.stdout)))
    assert rows["status"] == "closed" and rows["counted_cash"] == "556.00"
    assert rows["over_short_cash"] == "0.00" and rows["sales_count"] == "1"
    x = run("report", "x", "--db", db, home=tmp_path)
    assert x.returncode == 1 and "no shift is open" in x.stderr
