"""Revision 0008 (stored value): a database of the previous release upgrades with every payment
kept, and afterwards takes the ``stored_value`` tender and the new tables' rules."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pos_member.store import migrate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_upgrade_from_the_last_release_keeps_payments_and_takes_the_new_tender(
        tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    con = sqlite3.connect(path)
    payments = con.execute("SELECT * FROM payments ORDER BY id").fetchall()
    refunds = con.execute("SELECT * FROM refund_payments ORDER BY id").fetchall()
    con.close()
    assert payments  # the fixture has payments to keep

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        cols = len(payments[0])
        assert [r[:cols] for r in con.execute("SELECT * FROM payments ORDER BY id")] == payments
        assert con.execute("SELECT * FROM refund_payments ORDER BY id").fetchall() == refunds
        sale_id = payments[0][1]
        con.execute("INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
                    "VALUES (?, 'stored_value', 100, 0)", (sale_id,))
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
                        "VALUES (?, 'gold_bars', 100, 0)", (sale_id,))
        row = ("e1", "m1", "spend", -100, 0, None, None, None, "ev1", None,
               "2026-12-03T01:00:00Z", "2026-12-03", 0, 0)
        con.execute("INSERT INTO stored_value_ledger VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
        with pytest.raises(sqlite3.IntegrityError, match="sign_matches_kind"):
            con.execute("INSERT INTO stored_value_ledger VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        ("e2", "m1", "spend", 100, 0, *row[5:]))
    finally:
        con.close()
