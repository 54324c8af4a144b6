"""A year at one till (issue 14, item 10): 730,000 sales (2,000 a day) plus 1,000,000 members.

Two tills made from the same seeded file of demo members (``db seed-demo``; ``--members-db``
reuses one, e.g. the file bench/lookup.py keeps):

- fresh: the members only;
- year: the members plus ``--days`` x ``--per-day`` sales bulk-inserted in the real schema
  (three lines and one payment each, half for members, one closed shift a day, the outbox
  event of each sale ``sent``, with a payload of the size a real one has).

On each, through the real services on ``open_till``: a shift is opened and ``--runs``
checkouts are made (p50/p99), then the X report of that shift, the day's figures, the
refund search by receipt number (``sales_query.find_sale``) and by a member's last four
phone digits (``sales_query.recent_sales``), the daily backup (``migrate.backup``) and the
file's size. Printed: each figure and the ratio year/fresh. Then ``db prune`` (store.archive,
keep 90 days, with its archive copy) on the year till: rows, time, and the bytes it frees.

    python bench/year.py [--members 1000000] [--members-db PATH] [--days 365] [--per-day 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import describe, pct  # noqa: E402

from pos_member.app import open_till  # noqa: E402
from pos_member.security.roles import Role  # noqa: E402
from pos_member.services import retention, sales_query  # noqa: E402
from pos_member.services.checkout import (  # noqa: E402
    CartLine, CheckoutRequest, Tender, checkout, quote_basket,
)
from pos_member.services.errors import ShiftStateError  # noqa: E402
from pos_member.services.shifts import open_shift, x_report  # noqa: E402
from pos_member.services.staff import StaffMember  # noqa: E402
from pos_member.store import archive, migrate  # noqa: E402
from pos_member.store.types import format_utc  # noqa: E402

SKUS = ["C001", "T002", "B001"]


def seed_members(path: Path, members: int) -> None:
    print(f"seeding {members:,} demo members into {path} ...", flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pos_member", "db", "seed-demo", "--db", str(path),
                    "--members", str(members)], cwd=ROOT, check=True)
    print(f"  {time.perf_counter() - t0:.0f} s", flush=True)


def fill_year(path: Path, days: int, per_day: int, seed: int = 14) -> float:
    """Bulk-insert ``days`` x ``per_day`` past sales; returns the seconds it took."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    terminal = con.execute("SELECT value FROM sync_state WHERE key = 'terminal_id'").fetchone()[0]
    products = {sku: (name, price) for sku, name, price in con.execute(
        "SELECT sku, name, unit_price_fen FROM products")}
    member_ids = [r[0] for r in con.execute("SELECT id FROM members ORDER BY rowid LIMIT 200000")]
    tz = "Asia/Shanghai"
    quote = json.dumps({"lines": [{"sku": s, "qty": "1"} for s in SKUS], "coupons": [],
                        "hints": [], "total_fen": 0}, separators=(",", ":"))
    today = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    seq = 0
    con.execute("BEGIN")
    for d in range(days, 0, -1):
        day0 = today - timedelta(days=d)
        yymmdd = (day0 + timedelta(hours=8)).strftime("%y%m%d")
        shift_id = str(uuid.uuid4())
        con.execute(
            "INSERT INTO shifts (id, terminal_id, tz, opened_at, opened_by, float_fen, "
            "closed_at, closed_by, status, over_short_fen) VALUES (?, ?, ?, ?, 'S001', 50000, "
            "?, 'S001', 'closed', 0)",
            (shift_id, terminal, tz, format_utc(day0), format_utc(day0 + timedelta(hours=13))))
        sales, lines, pays, outbox = [], [], [], []
        for n in range(1, per_day + 1):
            seq += 1
            sale_id = str(uuid.uuid4())
            at = format_utc(day0 + timedelta(seconds=n * 46800 // per_day))
            member = rng.choice(member_ids) if n % 2 else None
            amounts = [products[s][1] for s in SKUS]
            total = sum(amounts)
            sales.append((sale_id, terminal, seq, f"{yymmdd}-{n:06d}", shift_id, member, at, tz,
                          total, total, quote))
            lines += [(sale_id, i, s, products[s][0], a, a, a)
                      for i, (s, a) in enumerate(zip(SKUS, amounts, strict=True), start=1)]
            pays.append((sale_id, total))
            payload = json.dumps({"sale_id": sale_id, "terminal_seq": seq, "member_id": member,
                                  "created_at": at, "lines": [
                                      {"line_no": i, "sku": s, "qty": "1", "unit_price_fen": a,
                                       "amount_fen": a, "paid_fen": a}
                                      for i, (s, a) in enumerate(zip(SKUS, amounts, strict=True),
                                                                 start=1)],
                                  "payments": [{"tender": "cash", "amount_fen": total}],
                                  "total_fen": total}, separators=(",", ":"))
            outbox.append((str(uuid.uuid4()), seq, payload, at, at))
        con.executemany(
            "INSERT INTO sales (id, terminal_id, terminal_seq, receipt_no, shift_id, staff_id, "
            "member_id, created_at, tz, status, subtotal_fen, tier_discount_fen, "
            "coupon_discount_fen, points_value_fen, rounding_fen, total_fen, points_redeemed, "
            "points_earned, growth_earned, quote_json) VALUES (?, ?, ?, ?, ?, 'S001', ?, ?, ?, "
            "'completed', ?, 0, 0, 0, 0, ?, 0, 0, 0, ?)", sales)
        con.executemany(
            "INSERT INTO sale_lines (sale_id, line_no, sku, name, unit_price_fen, qty_milli, "
            "amount_fen, tier_discount_fen, coupon_discount_fen, points_value_fen, "
            "points_redeemed, rounding_fen, paid_fen, discountable, points_eligible) "
            "VALUES (?, ?, ?, ?, ?, 1000, ?, 0, 0, 0, 0, 0, ?, 1, 1)", lines)
        con.executemany("INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
                        "VALUES (?, 'cash', ?, 0)", pays)
        con.executemany("INSERT INTO outbox (event_id, terminal_seq, kind, payload, created_at, "
                        "sent_at, status, attempts) VALUES (?, ?, 'sale', ?, ?, ?, 'sent', 1)",
                        outbox)
        con.execute("COMMIT")  # a day at a time: the WAL stays small
        con.execute("BEGIN")
    con.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES "
                "('next_terminal_seq', ?)", (str(seq + 1),))
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # no ANALYZE: a till never runs it (with its statistics SQLite judges outbox.status, 'sent'
    # for nearly every row, useless and scans the whole outbox for the pending events)
    con.close()
    return time.perf_counter() - t0


def old_receipt(path: Path) -> str:
    """The receipt number of a sale of the year's first day (archived by the prune)."""
    from pos_member.store import sales_archive

    con = sqlite3.connect(sales_archive.archives(path)[0])
    try:
        return con.execute("SELECT receipt_no FROM sales ORDER BY created_at LIMIT 1").fetchone()[0]
    finally:
        con.close()


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def measure(label: str, path: Path, runs: int, folder: Path) -> dict[str, list[float] | float]:
    con = sqlite3.connect(path)
    phones = [r[0] for r in con.execute(
        "SELECT phone FROM members WHERE phone IS NOT NULL ORDER BY rowid LIMIT 1000")]
    member_ids = [r[0] for r in con.execute("SELECT id FROM members ORDER BY rowid LIMIT 1000")]
    con.close()
    till = open_till(path, lock=False, quick_check=False)
    ctx = till.ctx
    ctx.online = lambda: True
    staff = StaffMember("S001", "王店长", Role.MANAGER)
    try:
        open_shift(ctx, staff, 50000)
    except ShiftStateError:  # the shift an earlier measurement of this file opened
        pass
    cart = tuple(CartLine(sku, Decimal(1)) for sku in SKUS)
    total = quote_basket(ctx, cart, None, ()).total
    receipts: list[str] = []

    def one(i: int) -> None:
        member = member_ids[i % len(member_ids)] if i % 2 else None
        due = total if member is None else quote_basket(ctx, cart, member, ()).total
        result = checkout(ctx, CheckoutRequest(str(uuid.uuid4()), staff, cart,
                                               (Tender("cash", due),), member_id=member))
        receipts.append(result.receipt_no)

    timed(one, 10)  # warm-up
    out: dict[str, list[float] | float] = {"checkout": timed(one, runs)}
    out["X report"] = timed(lambda i: x_report(ctx), 20)
    out["day figures"] = timed(lambda i: sales_query.day_figures(ctx), 20)
    out["refund search: receipt no"] = timed(
        lambda i: sales_query.find_sale(ctx, receipts[i % len(receipts)]), 50)
    out["refund search: member last 4"] = timed(
        lambda i: sales_query.recent_sales(ctx, phones[i % len(phones)][-4:]), 20)
    till.close()
    t0 = time.perf_counter()
    dest = migrate.backup(path, folder / f"{label}-backup.sqlite3")
    out["daily backup"] = [time.perf_counter() - t0]
    dest.unlink()
    out["size MB"] = path.stat().st_size / 1e6
    for name, xs in out.items():
        if isinstance(xs, list):
            print(describe(f"{label}: {name}", xs), flush=True)
    print(f"{label}: database {out['size MB']:.0f} MB", flush=True)
    return out


def print_ratios(fresh: dict, other: dict, label: str) -> None:
    """The figures of the fresh till against ``other`` (p50 and p99 of the timed ones), with
    their ratio."""
    print()
    print(f"{'figure':<32} {'fresh':>10} {label:>10} {'ratio':>7}")
    for name, fx in fresh.items():
        ox = other[name]
        if isinstance(fx, list):
            assert isinstance(ox, list)
            for q in ((50, 99) if len(fx) > 1 else (50,)):
                a, b = pct(fx, q) * 1e3, pct(ox, q) * 1e3
                print(f"{name + f' p{q} ms':<32} {a:10.2f} {b:10.2f} {b / a:7.2f}")
        else:
            print(f"{name:<32} {fx:10.0f} {ox:10.0f} {float(ox) / float(fx):7.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--members-db", type=Path, help="a seeded file to copy (kept as it is)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=200, help="timed checkouts per till")
    ap.add_argument("--keep", type=Path, help="make the tills in this folder and keep them")
    ap.add_argument("--vacuum-into", action="store_true",
                    help="also time a VACUUM INTO copy (the compacted-backup alternative)")
    args = ap.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-year-"))
    try:
        base = folder / "members.sqlite3"
        if args.members_db:
            shutil.copy(args.members_db, base)
        else:
            seed_members(base, args.members)
        fresh, year = folder / "fresh.sqlite3", folder / "year.sqlite3"
        shutil.copy(base, fresh)
        shutil.copy(base, year)
        base.unlink()
        print(f"filling {args.days * args.per_day:,} sales ...", flush=True)
        print(f"  bulk insert: {fill_year(year, args.days, args.per_day):.0f} s", flush=True)
        f = measure("fresh", fresh, args.runs, folder)
        y = measure("year", year, args.runs, folder)
        print_ratios(f, y, "year")
        t0 = time.perf_counter()
        result = archive.prune(year, keep_days=90)
        seconds = time.perf_counter() - t0
        con = sqlite3.connect(year)
        free = con.execute("PRAGMA freelist_count").fetchone()[0] * con.execute(
            "PRAGMA page_size").fetchone()[0]
        con.close()
        print(f"events prune: {result.outbox_events:,} events "
              f"({result.outbox_bytes / 1e6:.0f} MB of payload) archived to "
              f"{result.archive.stat().st_size / 1e6 if result.archive else 0:.0f} MB and "
              f"deleted in {seconds:.1f} s; {free / 1e6:.0f} MB of the file now free pages")
        if args.vacuum_into:
            t0 = time.perf_counter()
            dest = folder / "vacuum-into.sqlite3"
            con = sqlite3.connect(year)
            con.execute("VACUUM INTO ?", (str(dest),))
            con.close()
            print(f"VACUUM INTO backup (compacted copy, before the sales prune): "
                  f"{time.perf_counter() - t0:.1f} s, {dest.stat().st_size / 1e6:.0f} MB; "
                  f"online backup of the same file: see 'year: daily backup' above", flush=True)
            dest.unlink()
        # The retention policy proper (services.retention): Z figures, sales, pages back.
        t0 = time.perf_counter()
        policy = retention.prune(year, keep_days=90, archive_events=True)
        seconds = time.perf_counter() - t0
        sold, comp = policy.sales, policy.compaction
        assert sold is not None and comp is not None
        print(f"sales prune: {sold.sales:,} sales, {sold.refunds:,} refunds, "
              f"{policy.shifts_frozen} shifts' Z figures stored; archive "
              f"{sold.archive.stat().st_size / 1e6 if sold.archive else 0:.0f} MB written in "
              f"{sold.seconds_archive:.1f} s, delete {sold.seconds_delete:.1f} s; "
              f"compaction ({comp.how}) {comp.seconds:.1f} s: "
              f"{comp.size_before / 1e6:.0f} -> {comp.size_after / 1e6:.0f} MB; "
              f"whole run {seconds:.1f} s", flush=True)
        p = measure("pruned", year, args.runs, folder)
        # the next day's run: only a day's sales go, the pages come back incrementally
        t0 = time.perf_counter()
        nxt = retention.prune(year, keep_days=89, archive_events=True)
        print(f"next day's prune: {nxt.sales.sales if nxt.sales else 0:,} sales, "
              f"compaction ({nxt.compaction.how if nxt.compaction else '-'}) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        print_ratios(f, p, "pruned")
        t0 = time.perf_counter()
        till = open_till(year, lock=False, quick_check=False)
        old = sales_query.find_sale(till.ctx, old_receipt(year)) if sold.archive else None
        print(f"an archived sale by receipt number: {1e3 * (time.perf_counter() - t0):.0f} ms "
              f"(with opening the till), archived={old.archived if old else None}")
        till.close()
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
