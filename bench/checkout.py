"""Checkout benchmark: a durable checkout of a 10-line sale with a member, a coupon and points,
through the services (pricing, ORM, audit chain, outbox; WAL with synchronous=FULL), against a
baseline measured in the same run: raw `sqlite3` inserts of the same rows with the same pragmas
in one transaction on a copy of the same database.

Prints p50/p99 of each and the ratio. Target: ratio at most 2.

    python bench/checkout.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import describe, pct, sample  # noqa: E402

from pos_member.app import open_till  # noqa: E402
from pos_member.security.roles import Role  # noqa: E402
from pos_member.services.checkout import (  # noqa: E402
    CartLine, CheckoutRequest, Tender, checkout, quote_basket,
)
from pos_member.services.shifts import open_shift  # noqa: E402
from pos_member.services.staff import StaffMember  # noqa: E402
from pos_member.store.seed import seed_demo  # noqa: E402
from pos_member.store.types import format_utc, utcnow  # noqa: E402

SKUS = ["C001", "C002", "C003", "T001", "T002", "T003", "B001", "B002", "R003", "M003"]


def prepare(folder: Path, runs: int) -> tuple[Path, str]:
    db = folder / "till.sqlite3"
    seed_demo(db, members=2000)
    con = sqlite3.connect(db)
    member_id = con.execute("SELECT id FROM members ORDER BY growth DESC LIMIT 1").fetchone()[0]
    con.execute("UPDATE members SET points = 10000000 WHERE id = ?", (member_id,))
    # one single-use coupon per sale: 满100减10, stackable
    con.executemany(
        "INSERT INTO coupons (code, kind, value_fen, threshold_fen, stackable, "
        "with_tier_discount, status, updated_at) VALUES (?, 'amount_off', 1000, 10000, 1, 1, "
        "'available', ?)", [(f"BENCH-{i}", format_utc(utcnow())) for i in range(runs * 5 + 200)])
    con.commit()
    con.close()
    return db, member_id


TABLES = ("sales", "sale_lines", "payments", "coupon_redemptions", "points_ledger", "outbox",
          "audit_log", "receipt_counters")


def footprint(path: Path) -> tuple[dict[str, int], int]:
    """Rows per table and the bytes of the quote, outbox payload and audit details."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        rows["receipt_counters.last"] = con.execute(
            "SELECT coalesce(sum(last), 0) FROM receipt_counters").fetchone()[0]
        texts = sum(con.execute(q).fetchone()[0] or 0 for q in (
            "SELECT sum(length(CAST(quote_json AS BLOB))) FROM sales",
            "SELECT sum(length(CAST(payload AS BLOB))) FROM outbox",
            "SELECT sum(length(CAST(details AS BLOB))) FROM audit_log"))
        return rows, texts
    finally:
        con.close()


def per_run(before: tuple[dict[str, int], int], after: tuple[dict[str, int], int],
            n: int) -> str:
    rows = ", ".join(f"{t} {(after[0][t] - before[0][t]) / n:g}" for t in after[0])
    return f"{rows}; text bytes {(after[1] - before[1]) / n:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    try:
        db, member_id = prepare(folder, args.runs)
        raw_db = folder / "raw.sqlite3"
        shutil.copy(db, raw_db)  # not live yet: a plain copy is safe here
        till = open_till(db, lock=False)
        ctx = till.ctx
        ctx.online = lambda: True
        staff = StaffMember("S001", "王店长", Role.MANAGER)
        open_shift(ctx, staff, 50000)
        cart = tuple(CartLine(sku, Decimal(1)) for sku in SKUS)
        counter = iter(range(10**9))
        # Every sale prices the same (a fresh copy of the same coupon each time): the screen
        # already showed this total, so the timed part is the checkout alone.
        total = quote_basket(ctx, cart, member_id, ("BENCH-0",), redeem_points=5).total

        def one_checkout() -> None:
            i = next(counter)
            code = f"BENCH-{i}"
            checkout(ctx, CheckoutRequest(str(uuid.uuid4()), staff, cart,
                                          (Tender("wechat", total),), member_id=member_id,
                                          coupon_codes=(code,), redeem_points=5))

        at0 = footprint(db)
        ours = sample(one_checkout, args.runs, warmup=20)
        at1 = footprint(db)

        raw = sqlite3.connect(raw_db, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                       "busy_timeout=5000"):
            raw.execute(f"PRAGMA {pragma}")
        shift_id = str(uuid.uuid4())
        now = format_utc(utcnow())
        raw.execute("INSERT INTO shifts (id, terminal_id, tz, opened_at, opened_by, float_fen, "
                    "status) VALUES (?, 't', 'Asia/Shanghai', ?, 'S001', 0, 'open')",
                    (shift_id, now))
        seq = iter(range(1, 10**9))
        payload = json.dumps({"lines": [{"sku": s, "qty": "1"} for s in SKUS]})

        def raw_checkout_lean() -> None:
            n = next(seq)
            sale_id = str(uuid.uuid4())
            ts = format_utc(utcnow())
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("UPDATE sync_state SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                        "WHERE key = 'terminal_id'")
            raw.execute(
                "INSERT INTO sales (id, terminal_id, terminal_seq, receipt_no, shift_id, "
                "staff_id, member_id, created_at, tz, status, subtotal_fen, tier_discount_fen, "
                "coupon_discount_fen, points_value_fen, rounding_fen, total_fen, "
                "points_redeemed, points_earned, growth_earned, quote_json) VALUES "
                "(?, 'raw', ?, ?, ?, 'S001', ?, ?, 'Asia/Shanghai', 'completed', 26000, 2600, "
                "1000, 500, 0, 21900, 5, 21, 219, ?)",
                (sale_id, n, f"R{n}", shift_id, member_id, ts, payload))
            raw.executemany(
                "INSERT INTO sale_lines (sale_id, line_no, sku, name, unit_price_fen, qty_milli, "
                "amount_fen, tier_discount_fen, coupon_discount_fen, points_value_fen, "
                "points_redeemed, rounding_fen, paid_fen, discountable, points_eligible) "
                "VALUES (?, ?, ?, 'x', 2600, 1000, 2600, 260, 100, 50, 0, 0, 2190, 1, 1)",
                [(sale_id, i, s) for i, s in enumerate(SKUS, start=1)])
            raw.executemany("INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
                            "VALUES (?, ?, ?, 0)", [(sale_id, "wechat", 21900),
                                                    (sale_id, "points", 500)])
            raw.execute("INSERT INTO coupon_redemptions (sale_id, coupon_code, discount_fen) "
                        "VALUES (?, ?, 1000)", (sale_id, f"BENCH-{n + 2000}"))
            raw.execute("UPDATE coupons SET status='used', used_by_sale_id=? WHERE code=?",
                        (sale_id, f"BENCH-{n + 2000}"))
            raw.executemany("INSERT INTO points_ledger (member_id, sale_id, kind, points, growth, "
                            "at, confirmed) VALUES (?, ?, ?, ?, ?, ?, 0)",
                            [(member_id, sale_id, "redeem", -5, 0, ts),
                             (member_id, sale_id, "earn", 21, 219, ts)])
            raw.execute("UPDATE members SET last_purchase_at=? WHERE id=?", (ts, member_id))
            raw.execute("INSERT INTO outbox (event_id, terminal_seq, kind, payload, created_at, "
                        "status, attempts) VALUES (?, ?, 'sale', ?, ?, 'pending', 0)",
                        (str(uuid.uuid4()), 10**6 + n, payload, ts))
            raw.execute("INSERT INTO audit_log (seq, at, actor, action, details, prev_hash, hash) "
                        "VALUES (?, ?, 'S001', 'sale', '{}', ?, ?)",
                        (10**6 + n, ts, "0" * 64, uuid.uuid4().hex * 2))
            raw.execute("COMMIT")


        # The rows the checkout really wrote, as templates: the same tables, the same number of
        # rows and the same bytes (the quote, the outbox payload, the audit details, the line
        # names), plus the receipt counter's upsert, which the lean baseline above leaves out.
        done = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        sale_id0, quote_json = done.execute(
            "SELECT id, quote_json FROM sales ORDER BY rowid DESC LIMIT 1").fetchone()
        line_cols = ("line_no", "sku", "name", "unit_price_fen", "qty_milli", "amount_fen",
                     "tier_discount_fen", "coupon_discount_fen", "points_value_fen",
                     "points_redeemed", "rounding_fen", "paid_fen", "discountable",
                     "points_eligible", "category_id")
        lines0 = done.execute(f"SELECT {', '.join(line_cols)} FROM sale_lines WHERE sale_id = ? "
                              "ORDER BY line_no", (sale_id0,)).fetchall()
        pay_cols = ("tender", "amount_fen", "tendered_fen", "change_fen", "reference")
        pays0 = done.execute(f"SELECT {', '.join(pay_cols)} FROM payments WHERE sale_id = ? "
                             "ORDER BY id", (sale_id0,)).fetchall()
        ledger0 = done.execute("SELECT kind, points, growth FROM points_ledger WHERE sale_id = ? "
                               "ORDER BY id", (sale_id0,)).fetchall()
        payload0 = done.execute("SELECT payload FROM outbox ORDER BY rowid DESC LIMIT 1"
                                ).fetchone()[0]
        details0, approver0 = done.execute(
            "SELECT details, approver FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        done.close()
        line_sql = (f"INSERT INTO sale_lines (sale_id, {', '.join(line_cols)}) VALUES "
                    f"(?, {', '.join('?' for _ in line_cols)})")
        pay_sql = (f"INSERT INTO payments (sale_id, {', '.join(pay_cols)}) VALUES "
                   f"(?, {', '.join('?' for _ in pay_cols)})")

        def raw_checkout() -> None:
            n = next(seq)
            sale_id = str(uuid.uuid4())
            ts = format_utc(utcnow())
            raw.execute("BEGIN IMMEDIATE")
            tseq = int(raw.execute(
                "INSERT INTO sync_state (key, value) VALUES ('next_terminal_seq', '2') "
                "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(sync_state.value AS INTEGER) "
                "+ 1 AS VARCHAR) RETURNING value").fetchone()[0]) + 2 * 10**6
            last = raw.execute(
                "INSERT INTO receipt_counters (series, day, last) VALUES ('raw', '000000', 1) "
                "ON CONFLICT (series, day) DO UPDATE SET last = receipt_counters.last + 1 "
                "RETURNING last").fetchone()[0]
            raw.execute(
                "INSERT INTO sales (id, terminal_id, terminal_seq, receipt_no, shift_id, "
                "staff_id, member_id, created_at, tz, status, subtotal_fen, tier_discount_fen, "
                "coupon_discount_fen, points_value_fen, rounding_fen, total_fen, "
                "points_redeemed, points_earned, growth_earned, tier_before, tier_after, "
                "multiplier, quote_json) VALUES "
                "(?, 'raw2', ?, ?, ?, 'S001', ?, ?, 'Asia/Shanghai', 'completed', 26000, 2600, "
                "1000, 500, 0, 21900, 5, 21, 219, 'gold', 'gold', '1', ?)",
                (sale_id, tseq, f"000000-{last:06d}", shift_id, member_id, ts, quote_json))
            raw.executemany(line_sql, [(sale_id, *row) for row in lines0])
            raw.executemany(pay_sql, [(sale_id, *row) for row in pays0])
            code = f"BENCH-{n + args.runs + 100}"  # one not used yet
            raw.execute("INSERT INTO coupon_redemptions (sale_id, coupon_code, discount_fen) "
                        "VALUES (?, ?, 1000)", (sale_id, code))
            raw.execute("UPDATE coupons SET status='used', used_by_sale_id=?, updated_at=? "
                        "WHERE code IN (?)", (sale_id, ts, code))
            raw.executemany("INSERT INTO points_ledger (member_id, sale_id, kind, points, growth, "
                            "at, confirmed) VALUES (?, ?, ?, ?, ?, ?, 0)",
                            [(member_id, sale_id, k, p, g, ts) for k, p, g in ledger0])
            raw.execute("UPDATE members SET last_purchase_at=?, updated_at=?, "
                        "tier=coalesce(?, tier) WHERE id=?", (ts, ts, "gold", member_id))
            raw.execute("INSERT INTO outbox (event_id, terminal_seq, kind, payload, created_at, "
                        "status, attempts) VALUES (?, ?, 'sale', ?, ?, 'pending', 0)",
                        (str(uuid.uuid4()), tseq, payload0, ts))
            raw.execute("INSERT INTO audit_log (seq, at, actor, approver, action, details, "
                        "prev_hash, hash) VALUES (?, ?, 'S001', ?, 'sale', ?, ?, ?)",
                        (tseq, ts, approver0, details0, "0" * 64, uuid.uuid4().hex * 2))
            raw.execute("COMMIT")

        raw0 = footprint(raw_db)
        lean = sample(raw_checkout_lean, args.runs, warmup=20)
        raw1 = footprint(raw_db)
        base = sample(raw_checkout, args.runs, warmup=20)
        raw2 = footprint(raw_db)
        n = args.runs + 20  # the warm-up runs write too
        print("written per checkout (rows added; text bytes of quote, outbox payload, audit):")
        print("  services.checkout:", per_run(at0, at1, n))
        print("  baseline:         ", per_run(raw1, raw2, n))
        print("  lean baseline:    ", per_run(raw0, raw1, n))
        print("durable checkout: 10 lines, member, coupon, 5 points (WAL, synchronous=FULL)")
        print(describe("lean baseline (short texts)", lean))
        print(describe("baseline: raw sqlite3 inserts", base))
        print(describe("services.checkout", ours))
        print(f"against the lean baseline: ratio p50 {pct(ours, 50) / pct(lean, 50):.2f}   "
              f"p99 {pct(ours, 99) / pct(lean, 99):.2f}")
        ratio = pct(ours, 50) / pct(base, 50)
        ratio99 = pct(ours, 99) / pct(base, 99)
        print(f"ratio p50: {ratio:.2f}   ratio p99: {ratio99:.2f}   target <= 2   "
              f"{'OK' if ratio <= 2 else 'MISSED'}")
        till.close()
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
