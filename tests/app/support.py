"""Helpers for the application tests: a database as the previous release left it, and running
the program as a user would (``python main.py ...`` in a child process)."""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from pos_member.store import migrate

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS_RELEASE_REVISION = migrate.revision_order()[0]  # "0001": the first release's schema

MEMBERS, SALES, EVENTS = 120, 40, 40


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(POS_MEMBER_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONUTF8="1")
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    env.update(extra)
    return env


def run_main(home: Path, *args: str, timeout: float = 180, **extra: str
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          env=child_env(home, **extra), capture_output=True, text=True, check=False,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def make_previous_release_db(path: Path) -> dict[str, list[tuple]]:
    """A database at the first release's revision with members, sales (lines, payments) and
    outbox events written with plain SQL, as that release wrote them. Returns the rows."""
    result = migrate.upgrade(path, PREVIOUS_RELEASE_REVISION)
    assert result.after == PREVIOUS_RELEASE_REVISION
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    with con:
        con.execute(
            "INSERT INTO shifts (id, terminal_id, tz, opened_at, opened_by, float_fen, status) "
            "VALUES ('shift-1', 'T01', 'Asia/Shanghai', '2024-05-01T01:00:00.000000Z', "
            "'staff-1', 20000, 'open')")
        con.executemany(
            "INSERT INTO members (id, phone, phone_last4, card_no, name, tier, growth, points, "
            "marketing_consent, registered_at, last_purchase_at, origin, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(f"member-{i:04d}", f"1381234{i:04d}", f"{i:04d}", f"C{i:06d}", f"会员{i}",
              ("regular", "silver", "gold")[i % 3], i * 50, i - 10, i % 2,
              "2023-01-01T00:00:00.000000Z", None if i % 5 == 0 else
              "2024-04-01T00:00:00.000000Z", "central" if i % 4 else "till",
              "2024-04-01T00:00:00.000000Z") for i in range(MEMBERS)])
        con.executemany(
            "INSERT INTO sales (id, terminal_id, terminal_seq, receipt_no, shift_id, staff_id, "
            "member_id, created_at, tz, status, subtotal_fen, tier_discount_fen, "
            "coupon_discount_fen, points_value_fen, rounding_fen, total_fen, points_redeemed, "
            "points_earned, growth_earned, tier_before, tier_after, multiplier, quote_json) "
            "VALUES (?, 'T01', ?, ?, 'shift-1', 'staff-1', ?, ?, 'Asia/Shanghai', 'completed', "
            "?, 0, 0, 0, 0, ?, 0, ?, ?, 'regular', 'regular', '1', ?)",
            [(f"sale-{n:04d}", n, f"T01-{n:06d}", f"member-{n % MEMBERS:04d}" if n % 3 else None,
              f"2024-05-01T02:{n % 60:02d}:00.000000Z", 1000 + n, 1000 + n, (1000 + n) // 1000,
              (1000 + n) // 100, f'{{"total":"{(1000 + n) / 100:.2f}"}}')
             for n in range(1, SALES + 1)])
        con.executemany(
            "INSERT INTO sale_lines (sale_id, line_no, sku, name, unit_price_fen, qty_milli, "
            "amount_fen, tier_discount_fen, coupon_discount_fen, points_value_fen, "
            "points_redeemed, rounding_fen, paid_fen, discountable, points_eligible, "
            "category_id) VALUES (?, 1, 'TEA-1', '奶茶', ?, 1000, ?, 0, 0, 0, 0, 0, ?, 1, 1, "
            "'tea')",
            [(f"sale-{n:04d}", 1000 + n, 1000 + n, 1000 + n) for n in range(1, SALES + 1)])
        con.executemany(
            "INSERT INTO payments (sale_id, tender, amount_fen, tendered_fen, change_fen, "
            "reference) VALUES (?, 'cash', ?, ?, 0, NULL)",
            [(f"sale-{n:04d}", 1000 + n, 1000 + n) for n in range(1, SALES + 1)])
        con.executemany(
            "INSERT INTO outbox (event_id, terminal_seq, kind, payload, created_at, status, "
            "attempts) VALUES (?, ?, 'sale', ?, '2024-05-01T02:00:00.000000Z', ?, ?)",
            [(f"00000000-0000-4000-8000-{n:012d}", n, f'{{"sale_id":"sale-{n:04d}"}}',
              "sent" if n % 4 == 0 else "pending", n % 3) for n in range(1, EVENTS + 1)])
        con.execute("INSERT INTO sync_state (key, value) VALUES ('next_terminal_seq', ?), "
                    "('terminal_id', 'T01')", (str(SALES + 1),))
    con.close()
    return {table: dump(path, table) for table in KEPT_TABLES}


KEPT_TABLES = ("members", "sales", "sale_lines", "payments", "outbox", "shifts")
_KEYS = {"members": "id", "sales": "id", "sale_lines": "sale_id, line_no",
         "payments": "sale_id, id", "outbox": "id", "shifts": "id"}


def dump(path: Path, table: str, columns: str | None = None) -> list[tuple]:
    """The rows of ``table`` (only the columns the previous release had, by default)."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cols = columns or ", ".join(columns_at_first_revision()[table])
        return con.execute(f"SELECT {cols} FROM {table} ORDER BY {_KEYS[table]}").fetchall()
    finally:
        con.close()


@functools.cache
def columns_at_first_revision() -> dict[str, list[str]]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "cols.sqlite3"
        migrate.upgrade(p, PREVIOUS_RELEASE_REVISION)
        con = sqlite3.connect(p)
        try:
            return {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
                    for t in KEPT_TABLES}
        finally:
            con.close()

