"""Revision 0007 (benefit quotas, count cards, points mall): a database of the previous release
upgrades with its sales kept, and afterwards holds the new tables with their rules."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pos_member.store import migrate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_upgrade_from_the_last_release_adds_the_benefit_tables(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    con = sqlite3.connect(path)
    sales = con.execute("SELECT * FROM sales ORDER BY id").fetchall()
    con.close()
    assert sales

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        cols = len(sales[0])
        assert [r[:cols] for r in con.execute("SELECT * FROM sales ORDER BY id")] == sales
        con.execute("INSERT INTO mall_redemptions (id, member_id, reward, qty, points, sale_id,"
                    " line_no, event_id, at, returned_qty) VALUES ('r1', 'm1', 'MUG', 1, 500,"
                    " 's1', 1, 'e1', '2026-12-03T01:00:00Z', 1)")
        with pytest.raises(sqlite3.IntegrityError, match="returned_bounded"):
            con.execute("INSERT INTO mall_redemptions (id, member_id, reward, qty, points,"
                        " sale_id, line_no, event_id, at, returned_qty) VALUES ('r2', 'm1',"
                        " 'MUG', 1, 500, 's1', 1, 'e1', '2026-12-03T01:00:00Z', 2)")
        with pytest.raises(sqlite3.IntegrityError, match="uses_total_positive"):
            con.execute("INSERT INTO count_cards (id, member_id, sku, benefit, uses_total,"
                        " expires_on, sale_id, line_no, event_id, at) VALUES ('c1', 'm1',"
                        " 'CARD', 'COFFEE', 0, '2027-12-01', 's1', 1, 'e1',"
                        " '2026-12-03T01:00:00Z')")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"benefit_member_cache", "mall_stock", "benefit_uses", "count_cards",
                "mall_redemptions"} <= tables
    finally:
        con.close()
