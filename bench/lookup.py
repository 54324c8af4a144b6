"""Member lookup benchmark on 1,000,000 members: by static card code, by phone, by last four,
by the pinyin initials of the name (the search box: ``repositories.search_members``).

Seeds the demo brand into a database (``python -m pos_member db seed-demo``, in a child process
so its page cache and row buffers do not count against this process's memory) and prints the
seeding time. With ``--db PATH`` the file is kept and reused by later runs (seeded only when it
holds no members); without it a temporary folder is used and removed.

Then, for the same keys (members drawn at random, each looked up once per pass):

- the project: ``pos_member.store.repositories`` on a read-only engine
  (``create_engine_for(path, read_only=True)``), one unit of work per lookup as a service does
  it: ``with transaction(reads) as s: find_member_by_card(s, parse_static_code(scan).card_number)``;
- the baseline, in the same run on the same file: a plain ``sqlite3`` connection running the
  same indexed SELECT of the same columns (the card code parsed by the same function).

Prints p50/p99 per kind, the ratio project/baseline per kind (p50; p99 alongside), and the peak
resident memory of this process (``ru_maxrss``) and of the seeding child.
Targets: p99 under 5 ms, ratio at most 3, under 200 MB resident.

    python bench/lookup.py [--members N] [--runs N] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from itertools import cycle
from pathlib import Path

from sqlalchemy import String, bindparam, select

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import describe, pct, sample

from pos_member.domain import demo_brand
from pos_member.domain.pinyin import search_keys
from pos_member.security import make_static_code, parse_static_code
from pos_member.store import repositories
from pos_member.store.db import create_engine_for, session_factory, transaction
from pos_member.store.models import Member
from pos_member.store.seed import MEMBER_COLUMNS

P99_TARGET_MS = 5.0
RATIO_TARGET = 3.0
RSS_TARGET_MB = 200.0

_COLS = ", ".join(MEMBER_COLUMNS)
RAW_BY_CARD = f"SELECT {_COLS} FROM members WHERE card_no = ?"
RAW_BY_PHONE = f"SELECT {_COLS} FROM members WHERE phone = ?"
# The pinyin-initials group of repositories.search_members (which comes first for letters
# that match no card number): an index range scan on members.name_initials.
RAW_BY_CARD_PREFIX = (
    f"SELECT {_COLS} FROM members WHERE card_no >= ? AND card_no < ? ORDER BY card_no LIMIT 20"
)
RAW_BY_INITIALS_2 = (
    f"SELECT {_COLS} FROM members WHERE name_initials >= ? AND name_initials < ? "
    "ORDER BY name_initials LIMIT 20"
)
RAW_BY_LAST4 = (
    f"SELECT {_COLS} FROM members WHERE phone_last4 = ? "
    "ORDER BY last_purchase_at DESC, registered_at DESC, id LIMIT 20"
)


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def member_count(path: Path) -> int:
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            return int(con.execute("SELECT count(*) FROM members").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def seed(path: Path, members: int) -> float:
    print(f"seeding {members:,} demo members into {path} ...", flush=True)
    t0 = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pos_member", "db", "seed-demo", "--db", str(path),
         "--members", str(members)],
        cwd=ROOT, check=False,
    )
    seconds = time.perf_counter() - t0
    if result.returncode != 0:
        raise SystemExit(f"seeding failed (exit {result.returncode})")
    print(f"seeding {members:,} members took {seconds:.1f} s "
          f"(the child's peak RSS {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB)", flush=True)
    return seconds


def keys(count: int, present: int, seed_value: int = 20261124) -> list[demo_brand.DemoMember]:
    """``count`` distinct demo members among the first ``present`` (phones and card numbers do
    not depend on the seeding date)."""
    rng = random.Random(seed_value)
    today = date.today()
    return [demo_brand.demo_member(i, today) for i in rng.sample(range(1, present + 1), count)]


def in_unit_of_work(
    reads: Callable[[], object], lookup: Callable[[object, object], object],
    items: Sequence[object], runs: int,
) -> list[float]:
    """Seconds per repository call, each in a fresh read unit of work whose BEGIN has already
    run (the unit of work's own cost is measured on its own, below)."""
    out = []
    clock = time.perf_counter
    it = cycle(items)
    for _ in range(runs):
        item = next(it)
        with transaction(reads) as s:  # type: ignore[arg-type]
            s.connection()  # BEGIN
            t0 = clock()
            lookup(s, item)
            out.append(clock() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5000, help="timed lookups per kind and path")
    ap.add_argument("--db", type=Path, help="keep the database here and reuse it next time")
    args = ap.parse_args()

    tmp = None
    if args.db is None:
        tmp = Path(tempfile.mkdtemp(prefix="pos-member-bench-"))
        path = tmp / "till.sqlite3"
    else:
        path = args.db.expanduser().resolve()
    try:
        present = member_count(path) if path.exists() else 0
        if present:
            print(f"reusing {path}: {present:,} members (seeding skipped)")
        else:
            seed(path, args.members)
            present = member_count(path)
        return run(path, present, args.runs)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def run(path: Path, present: int, runs: int) -> int:
    size = path.stat().st_size / 1e6
    print(f"database: {path} ({size:.0f} MB, {present:,} members)")
    sample_members = keys(min(runs, present), present)
    scans = [make_static_code(m.card_no) for m in sample_members]
    phones = [m.phone for m in sample_members]
    last4s = [m.phone[-4:] for m in sample_members]
    initials = [search_keys(m.name)[0] for m in sample_members]

    reads = session_factory(create_engine_for(path, read_only=True))
    raw = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)

    def repo_card(s: object, scan: object) -> object:
        card = parse_static_code(str(scan)).card_number
        found = repositories.find_member_by_card(s, card)  # type: ignore[arg-type]
        assert found is not None
        return found

    def raw_card(scan: object) -> object:
        row = raw.execute(RAW_BY_CARD, (parse_static_code(str(scan)).card_number,)).fetchone()
        assert row is not None
        return row

    def repo_phone(s: object, phone: object) -> object:
        found = repositories.find_member_by_phone(s, str(phone))  # type: ignore[arg-type]
        assert found is not None
        return found

    def raw_phone(phone: object) -> object:
        row = raw.execute(RAW_BY_PHONE, (phone,)).fetchone()
        assert row is not None
        return row

    def repo_last4(s: object, last4: object) -> object:
        found = repositories.find_member_by_last4(s, str(last4))  # type: ignore[arg-type]
        assert len(found) == 20 or present < 200_000
        return found

    def raw_last4(last4: object) -> object:
        rows = raw.execute(RAW_BY_LAST4, (last4,)).fetchall()
        assert rows
        return rows

    def repo_initials(s: object, key: object) -> object:
        found = repositories.search_members(s, str(key), 20)  # type: ignore[arg-type]
        assert found
        return found

    def raw_initials(key: object) -> object:
        # the same two groups search_members runs: card numbers, then the initials
        end = str(key) + "\U0010ffff"
        rows = raw.execute(RAW_BY_CARD_PREFIX, (key, end)).fetchall()
        if len(rows) < 20:
            rows += raw.execute(RAW_BY_INITIALS_2, (key, end)).fetchall()
        assert rows
        return rows

    # The two paths must agree on what they find.
    with transaction(reads) as s:
        got = [m.id for m in repositories.find_member_by_last4(s, last4s[0])]
        assert got == [r[0] for r in raw_last4(last4s[0])], "last-four results differ"
        assert repositories.find_member_by_phone(s, phones[0]).id == raw_phone(phones[0])[0]  # type: ignore[union-attr]
        got = [m.id for m in repositories.search_members(s, initials[0], 20)]
        assert got == [r[0] for r in raw_initials(initials[0])][:20], "pinyin results differ"

    cases = [
        ("card code", repo_card, raw_card, scans),
        ("phone", repo_phone, raw_phone, phones),
        ("last four (pick list of 20)", repo_last4, raw_last4, last4s),
        ("name initials (search, 20)", repo_initials, raw_initials, initials),
    ]
    ok = True
    summary = []
    for name, project, baseline, items in cases:
        # Warm both paths over every key (pages into the caches, statements compiled), then
        # time each over the same key sequence.
        in_unit_of_work(reads, project, items, len(items))
        for item in items:
            baseline(item)
        p = in_unit_of_work(reads, project, items, runs)
        it = cycle(items)
        b = sample(lambda fn=baseline, keys=it: fn(next(keys)), runs, warmup=0)
        print(describe(f"{name}: repositories", p))
        print(describe(f"{name}: raw sqlite3", b))
        ratio, ratio99 = pct(p, 50) / pct(b, 50), pct(p, 99) / pct(b, 99)
        p99 = pct(p, 99) * 1e3
        good = p99 < P99_TARGET_MS and ratio <= RATIO_TARGET
        ok &= good
        summary.append((name, pct(p, 50) * 1e3, p99, pct(b, 50) * 1e3, ratio, ratio99, good))

    # Context, no targets: (1) the whole read unit of work around one lookup (session, BEGIN,
    # COMMIT, connection back to the pool), which a service pays once per scan; (2) the same
    # phone lookup as a Core select of the columns on the session's connection, i.e. rows
    # instead of ORM Member objects: what the ORM's per-object work costs.
    def whole(phone: object) -> object:
        with transaction(reads) as s:
            return repo_phone(s, phone)

    it = cycle(phones)
    w = sample(lambda: whole(next(it)), runs, warmup=100)
    print(describe("phone: whole unit of work", w))
    by_phone = select(*Member.__table__.c).where(
        Member.__table__.c.phone == bindparam("phone", type_=String)
    )

    def core_phone(s: object, phone: object) -> object:
        row = s.connection().execute(by_phone, {"phone": phone}).first()  # type: ignore[attr-defined]
        assert row is not None
        return row

    in_unit_of_work(reads, core_phone, phones, len(phones))
    c = in_unit_of_work(reads, core_phone, phones, runs)
    print(describe("phone: Core rows (no ORM objects)", c))
    raw.close()

    rss = rss_mb()
    raw_phone50 = summary[1][3]
    print()
    print(f"{'kind':<32} {'p50 ms':>8} {'p99 ms':>8} {'raw p50':>8} {'ratio p50':>10} "
          f"{'ratio p99':>10}")
    for name, p50, p99, raw50, ratio, ratio99, good in summary:
        print(f"{name:<32} {p50:8.3f} {p99:8.3f} {raw50:8.3f} {ratio:10.2f} {ratio99:10.2f}  "
              f"{'OK' if good else 'MISSED'}")
    for name, xs in (("phone, whole unit of work", w), ("phone, Core rows (context)", c)):
        print(f"{name:<32} {pct(xs, 50) * 1e3:8.3f} {pct(xs, 99) * 1e3:8.3f} {raw_phone50:8.3f} "
              f"{pct(xs, 50) * 1e3 / raw_phone50:10.2f} {'':10}  (context, no target)")
    print(f"peak RSS of this process: {rss:.0f} MB   target < {RSS_TARGET_MB:.0f} MB")
    ok &= rss < RSS_TARGET_MB
    print(f"targets: p99 < {P99_TARGET_MS:g} ms, ratio <= {RATIO_TARGET:g}, "
          f"RSS < {RSS_TARGET_MB:.0f} MB: {'OK' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
