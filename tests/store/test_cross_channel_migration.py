"""Revision 0009 (group-buy vouchers): a database of the previous release (0008) upgrades with
every payment kept, then takes the ``meituan``/``douyin`` tenders and the ``voucher_uses``
table's rules."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pos_member.store import migrate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_upgrade_from_0008_keeps_payments_and_takes_the_platform_tenders(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    migrate.upgrade(path, "0008")  # the previous release's schema, with the fixture's rows
    con = sqlite3.connect(path)
    payments = con.execute("SELECT * FROM payments ORDER BY id").fetchall()
    sale_id = payments[0][1]
    with pytest.raises(sqlite3.IntegrityError):  # 0008 does not know the platforms
        con.execute("INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
                    "VALUES (?, 'meituan', 100, 0)", (sale_id,))
    con.close()
    assert payments

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT * FROM payments ORDER BY id").fetchall() == payments
        for tender in ("meituan", "douyin"):
            con.execute("INSERT INTO payments (sale_id, tender, amount_fen, change_fen, "
                        "reference) VALUES (?, ?, 100, 0, 'CODE1234')", (sale_id, tender))
        with pytest.raises(sqlite3.IntegrityError):
            con.execute("INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
                        "VALUES (?, 'gold_bars', 100, 0)", (sale_id,))
        con.execute("INSERT INTO voucher_uses (key, platform, code, title, value_fen, status) "
                    "VALUES ('k1', 'meituan', 'MT1', 't', 8800, 'verified')")
        with pytest.raises(sqlite3.IntegrityError, match="platform"):
            con.execute("INSERT INTO voucher_uses (key, platform, code, title, value_fen, "
                        "status) VALUES ('k2', 'taobao', 'X', 't', 1, 'verified')")
        with pytest.raises(sqlite3.IntegrityError, match="non_negative"):
            con.execute("INSERT INTO voucher_uses (key, platform, code, title, value_fen, "
                        "status) VALUES ('k3', 'douyin', 'X', 't', -1, 'verified')")
    finally:
        con.close()
