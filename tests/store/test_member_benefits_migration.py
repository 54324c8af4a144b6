"""Revision 0006 (member prices and gifts): a database of the previous release upgrades with its
products and sales kept; afterwards products carry member prices and gifts have their table."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pos_member.store import migrate

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_upgrade_from_the_last_release_adds_member_prices_and_gifts(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    con = sqlite3.connect(path)
    con.execute("INSERT INTO products VALUES ('C002', '拿铁', NULL, NULL, 2800, 'pcs', 1, 1, 1)")
    con.commit()
    products = con.execute("SELECT * FROM products ORDER BY sku").fetchall()
    sales = con.execute("SELECT * FROM sales ORDER BY id").fetchall()
    con.close()
    assert products and sales

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(products)")]
        assert "member_prices" in cols
        old_cols = len(products[0])
        assert [r[:old_cols] for r in con.execute(
            f"SELECT {', '.join(cols[:old_cols])} FROM products ORDER BY sku")] == products
        assert con.execute("SELECT count(*) FROM products WHERE member_prices IS NOT NULL"
                           ).fetchone() == (0,)
        assert [r[:len(sales[0])] for r in con.execute("SELECT * FROM sales ORDER BY id")] == \
            sales
        row = ("g1", "m1", "birthday", "birthday", "2026", "GF0123456789", "生日礼", None,
               "2026-12-03T01:00:00.000000Z", "issued")
        con.execute("INSERT INTO gifts_issued VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        with pytest.raises(sqlite3.IntegrityError):  # one row per gift id
            con.execute("INSERT INTO gifts_issued VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        with pytest.raises(sqlite3.IntegrityError, match="kind"):
            con.execute("INSERT INTO gifts_issued VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        ("g2", *row[1:2], "anniversary", *row[3:]))
    finally:
        con.close()
