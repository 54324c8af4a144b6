"""Revision 0010: a database of the previous release (0009) upgrades with its sales and refunds
kept, and a day's window of sales on this till is then read through the new index even
without ANALYZE statistics (a till never runs ANALYZE)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from pos_member.store import migrate

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DAY = ("SELECT count(*), sum(total_fen) FROM sales WHERE status = 'completed' "
       "AND terminal_id = ? AND created_at >= ? AND created_at < ?")
REFUNDS = "SELECT count(*) FROM refunds WHERE terminal_id = ? AND created_at >= ? AND created_at < ?"


def plan(con: sqlite3.Connection, sql: str) -> str:
    return " | ".join(r[-1] for r in con.execute(
        f"EXPLAIN QUERY PLAN {sql}", ("t", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")))


def test_upgrade_from_0009_keeps_rows_and_indexes_the_day_window(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    migrate.upgrade(path, "0009")
    con = sqlite3.connect(path)
    sales = con.execute("SELECT * FROM sales ORDER BY id").fetchall()
    refunds = con.execute("SELECT * FROM refunds ORDER BY id").fetchall()
    assert sales
    assert "ix_sales_terminal_id_created_at" not in plan(con, DAY)
    con.close()

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT * FROM sales ORDER BY id").fetchall() == sales
        assert con.execute("SELECT * FROM refunds ORDER BY id").fetchall() == refunds
        assert con.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"
                           ).fetchone() is None
        assert "ix_sales_terminal_id_created_at (terminal_id=? AND created_at>? AND " \
               "created_at<?)" in plan(con, DAY).replace(">=", ">").replace("<=", "<")
        assert "ix_refunds_terminal_id_created_at" in plan(con, REFUNDS)
    finally:
        con.close()


LEDGER = ("SELECT coalesce(sum(points), 0), coalesce(sum(growth), 0), "
          "coalesce(sum(CASE WHEN kind = 'redeem' AND at >= ? THEN -points ELSE 0 END), 0) "
          "FROM points_ledger WHERE member_id = ? AND confirmed = 0")


def test_upgrade_to_0011_answers_the_unconfirmed_ledger_sums_from_the_index(
        tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    migrate.upgrade(path, "0010")
    con = sqlite3.connect(path)
    ledger = con.execute("SELECT * FROM points_ledger ORDER BY id").fetchall()
    args = ("2026-01-01T00:00:00Z", "m")
    before = " | ".join(r[-1] for r in con.execute(f"EXPLAIN QUERY PLAN {LEDGER}", args))
    assert "COVERING INDEX" not in before
    con.close()

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT * FROM points_ledger ORDER BY id").fetchall() == ledger
        after = " | ".join(r[-1] for r in con.execute(f"EXPLAIN QUERY PLAN {LEDGER}", args))
        assert "USING COVERING INDEX ix_points_ledger_unconfirmed (member_id=? AND confirmed=?)" \
            in after, after
    finally:
        con.close()


def test_the_checkouts_member_read_sums_the_ledger_from_the_covering_index(
        tmp_path: Path) -> None:
    from pos_member.store import checkout_reads

    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    migrate.upgrade_to_head(path)
    con = sqlite3.connect(path)
    try:
        plan = " | ".join(r[-1] for r in con.execute(
            f"EXPLAIN QUERY PLAN {checkout_reads._MEMBER_SQL}",
            ("2026-01-01T00:00:00Z", "m", "m")))
        assert "SEARCH points_ledger USING COVERING INDEX ix_points_ledger_unconfirmed " \
            "(member_id=? AND confirmed=?)" in plan, plan
    finally:
        con.close()


def test_upgrade_to_0012_keeps_the_shifts_and_adds_their_stored_z_figures(
        tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    shutil.copyfile(FIXTURES / "till-0002.sqlite3", path)
    migrate.upgrade(path, "0011")
    con = sqlite3.connect(path)
    shifts = con.execute("SELECT * FROM shifts ORDER BY id").fetchall()
    sales = con.execute("SELECT * FROM sales ORDER BY id").fetchall()
    con.close()
    assert shifts and sales

    migrate.upgrade_to_head(path)

    con = sqlite3.connect(path)
    try:
        assert [r[:-1] for r in con.execute("SELECT * FROM shifts ORDER BY id")] == shifts
        assert con.execute("SELECT count(*) FROM shifts WHERE z_json IS NOT NULL"
                           ).fetchone()[0] == 0
        assert con.execute("SELECT * FROM sales ORDER BY id").fetchall() == sales
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
