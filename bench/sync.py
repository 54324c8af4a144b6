"""Sync benchmark: the till's push and its initial pull against the real service on loopback.

1. Push: 10,000 sales queued on a till (made through the checkout service: half of them for
   members, so answers carry balances and ledger rows get confirmed) are pushed by
   ``SyncEngine.push()`` to the service (uvicorn in a subprocess, SQLite). Baseline in the same
   run: the same batches, as JSON bodies built beforehand, posted to an endpoint of the same
   service process that only parses them (``PushRequest``) and answers with a count. Prints
   sales per second for both and the ratio. Target: ratio at most 3.

2. Initial pull: the service's database gets 1,000,000 members (with a point lot each and their
   feed rows) by bulk inserts; an empty till in a subprocess enrols and pulls them all with
   ``SyncEngine.run_once()``. Prints the time and the till process's peak resident memory
   (``ru_maxrss``). Targets: under 120 s and under 300 MB.

    python bench/sync.py [--sales 10000] [--batch 500] [--members 1000000]
                         [--skip-push] [--skip-pull]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pos_member.sync import protocol as p

# -- the service in a subprocess ---------------------------------------------------------------


def serve(database_url: str, port: int) -> None:
    """The real app plus ``POST /bench/parse`` (parse a PushRequest, answer a count)."""
    import uvicorn
    from fastapi import Response

    from pos_central.app import create_app

    app = create_app(database_url)
    if os.environ.get("BENCH_PROFILE"):  # profile the push handler (in its worker thread)
        import atexit
        import cProfile
        import pstats

        import pos_central.app as central_app

        profile = cProfile.Profile()
        original = central_app.push.push

        def profiled(*args):
            profile.enable()
            try:
                return original(*args)
            finally:
                profile.disable()

        central_app.push.push = profiled
        atexit.register(lambda: pstats.Stats(profile).sort_stats("cumulative").dump_stats(
            os.environ["BENCH_PROFILE"]))

    if os.environ.get("BENCH_TIMING"):
        import atexit
        from collections import defaultdict

        spent: dict[str, float] = defaultdict(float)

        @app.middleware("http")
        async def timing(request, call_next):
            started = time.perf_counter()
            response = await call_next(request)
            spent[request.url.path] += time.perf_counter() - started
            return response

        atexit.register(lambda: print("server time per path:", dict(spent), file=sys.stderr))

    @app.post("/bench/parse")
    def parse_only(request: p.PushRequest) -> Response:
        return Response(content=json.dumps({"events": len(request.events)}),
                        media_type="application/json")

    if not os.environ.get("BENCH_NO_FREEZE"):  # as the production factory does (app_from_env)
        from pos_central.app import freeze_startup_objects

        freeze_startup_objects()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, database_url: str) -> None:
        from pos_central.cli import migrate

        migrate(database_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", database_url,
                                      str(self.port)], cwd=ROOT)
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("the service did not start")

    def stop(self) -> None:
        import signal

        self.proc.send_signal(signal.SIGINT)  # uvicorn exits cleanly (atexit runs)
        self.proc.wait(timeout=30)


def enrol_code(database_url: str) -> str:
    from pos_central.auth import new_enrol_code
    from pos_central.db import Database

    db = Database(database_url)
    try:
        return new_enrol_code(db)
    finally:
        db.dispose()


# -- 1. push -----------------------------------------------------------------------------------


def queued_till(folder: Path, service_url: str, database_url: str, sales: int, batch: int):
    """A till in ``folder`` enrolled with the service (its members created there first), synced
    once, then ``sales`` seeded random sales queued (half for members) and the audit head.
    Returns the till, its engine, the seconds the sales took, the terminal id and the queued
    events as the wire carries them (also used by bench/push_replay.py)."""
    from sqlalchemy import text

    from pos_central import admin
    from pos_central.db import Database
    from pos_member.services.checkout import (
        CartLine,
        CheckoutRequest,
        Tender,
        checkout,
        quote_basket,
    )
    from pos_member.services.shifts import open_shift
    from pos_member.store.models import Member
    from pos_member.sync.engine import SyncEngine, wire_events
    from pos_member.sync.enrolment import CENTRAL_TERMINAL_ID, enrol
    from pos_member.sync.token_store import TokenStore
    from tests.services.support import make_till

    till = make_till(folder)
    ctx = till.ctx
    db = Database(database_url)
    with db.write() as s, ctx.read_sessions() as ts:  # the till's members, on the service
        for mid in till.members.values():
            m = ts.get(Member, mid)
            admin.create_member(s, member_id=mid, phone=m.phone, card_no=m.card_no,
                                name=m.name, growth=m.growth, points=m.points)
    db.dispose()
    store = TokenStore("bench", folder, use_keyring=False)
    enrol(ctx, service_url, enrol_code(database_url), "Bench till", token_store=store)
    engine = SyncEngine(ctx, token_store=store, batch_size=batch, read_timeout=120)
    engine.run_once()  # the catalogue and members: now the queue holds only what we sell
    cashier = till.login("S002", "1357")
    open_shift(ctx, cashier, 50000)
    members = list(till.members.values())
    skus = ["C001", "C002", "T001", "T002", "B001", "B005", "R003"]
    rng = random.Random(42)
    made = time.perf_counter()
    for i in range(sales):
        member = members[i % len(members)] if i % 2 == 0 else None
        cart = tuple(CartLine(rng.choice(skus), Decimal(rng.randint(1, 3)))
                     for _ in range(rng.randint(1, 4)))
        total = quote_basket(ctx, cart, member).total
        checkout(ctx, CheckoutRequest(str(uuid.uuid4()), cashier, cart,
                                      (Tender("wechat", total),), member))
    made = time.perf_counter() - made
    engine._queue_audit_head()
    rows = engine._pending(10**9)
    with ctx.read_sessions() as s:
        terminal_id = s.execute(text("SELECT value FROM sync_state WHERE key = :k"),
                                {"k": CENTRAL_TERMINAL_ID}).scalar_one()
    events, _ = wire_events(rows, terminal_id)
    return till, engine, made, terminal_id, events


def bench_push(folder: Path, sales: int, batch: int) -> dict:
    import requests
    from sqlalchemy import text

    url = f"sqlite:///{folder / 'central-push.db'}"
    service = Service(url)
    try:
        till, engine, made, _, events = queued_till(folder, service.url, url, sales, batch)
        ctx = till.ctx
        bodies = [json.dumps({"events": events[i:i + batch]}, ensure_ascii=False,
                             separators=(",", ":")).encode("utf-8")
                  for i in range(0, len(events), batch)]
        http = requests.Session()

        def baseline() -> float:
            started = time.perf_counter()
            for body in bodies:
                answer = http.post(service.url + "/bench/parse", data=body, timeout=120,
                                   headers={"Content-Type": "application/json"})
                if answer.status_code != 200:
                    raise RuntimeError(answer.text[:2000])
            return time.perf_counter() - started

        baseline()  # warm up
        base = min(baseline() for _ in range(3))
        profile = None
        if os.environ.get("BENCH_CLIENT_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        gc_spent = [0.0, 0.0]  # BENCH_GC: the till process's collections during the push

        def gc_timer(phase: str, info: dict) -> None:
            if phase == "start":
                gc_spent[1] = time.perf_counter()
            else:
                gc_spent[0] += time.perf_counter() - gc_spent[1]

        if os.environ.get("BENCH_GC"):
            import gc

            gc.callbacks.append(gc_timer)
        started = time.perf_counter()
        report = engine.push()
        pushed = time.perf_counter() - started
        if os.environ.get("BENCH_GC"):
            gc.callbacks.remove(gc_timer)
            print(f"  till process: {gc_spent[0]:.2f} s in garbage collections during the push",
                  file=sys.stderr)
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ.get("BENCH_CLIENT_SORT", "cumulative")
                                             ).print_stats(30)
        assert report.pushed == len(events) and report.duplicates == 0, report
        with ctx.read_sessions() as s:
            left = s.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")
                             ).scalar_one()
            unconfirmed = s.execute(text("SELECT count(*) FROM points_ledger "
                                         "WHERE confirmed = 0")).scalar_one()
        assert left == 0 and unconfirmed == 0
        engine.close()
        return {"events": len(events), "batches": len(bodies), "made_s": made,
                "push_s": pushed, "baseline_s": base}
    finally:
        service.stop()


# -- 2. initial pull ---------------------------------------------------------------------------


def seed_members(database_url: str, count: int) -> float:
    """``count`` members with one point lot each, and their feed rows, by bulk inserts."""
    from pos_member.domain.rules import DEFAULT_RULES

    path = database_url.removeprefix("sqlite:///")
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -262144")
    con.execute("BEGIN IMMEDIATE")
    (counter,) = con.execute("SELECT value FROM change_counter WHERE id = 1").fetchone()
    tier = DEFAULT_RULES.tier_for_growth
    rng = random.Random(1)
    registered = "2025-01-01 00:00:00.000000"
    chunk = 50_000
    for start in range(0, count, chunk):
        members, lots, changes = [], [], []
        for i in range(start, min(count, start + chunk)):
            mid = f"{i:08x}-0000-4000-8000-{i * 7919 % 10**12:012x}"
            growth = rng.randrange(0, 12000)
            points = rng.randrange(0, 1500)
            members.append((mid, f"13{i:09d}", f"7{i:011d}", f"会员{i}", None,
                            tier(growth).code, growth, points, 1, registered,
                            "2026-11-01 04:00:00.000000", None, None, 1))
            if points:
                lots.append((mid, "2026-06-01", "2027-12-31", points))
            changes.append(("member", mid, counter + 1 + i, 0))
        con.executemany("INSERT INTO members (id, phone, card_no, name, birthday, tier, growth, "
                        "points, marketing_consent, registered_at, last_purchase_at, "
                        "merged_into, origin_terminal_id, version) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", members)
        con.executemany("INSERT INTO point_lots (member_id, earned_on, expires_on, points) "
                        "VALUES (?,?,?,?)", lots)
        con.executemany("INSERT INTO changes (entity, entity_id, seq, deleted) VALUES (?,?,?,?)",
                        changes)
    con.execute("UPDATE change_counter SET value = ? WHERE id = 1", (counter + count,))
    con.commit()
    con.close()
    return time.perf_counter() - started


def pull_child(db: str, base_url: str, code: str) -> None:
    """In its own process, so its peak RSS is the till's alone."""
    from pos_member.services.context import TillContext
    from pos_member.store.db import create_engine_for, session_factory
    from pos_member.store.migrate import upgrade_to_head
    from pos_member.sync.engine import SyncEngine
    from pos_member.sync.enrolment import enrol
    from pos_member.sync.token_store import TokenStore

    upgrade_to_head(db)
    engine = create_engine_for(db)
    ctx = TillContext(sessions=session_factory(engine),
                      readers=session_factory(create_engine_for(db, read_only=True)),
                      terminal_id=str(uuid.uuid4()), store_id="demo-store")
    store = TokenStore("bench-pull", Path(db).parent, use_keyring=False)
    enrol(ctx, base_url, code, "Pull bench", token_store=store)
    before = peak_rss_mb()
    profile = None
    if os.environ.get("BENCH_CLIENT_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    started = time.perf_counter()
    report = SyncEngine(ctx, token_store=store, read_timeout=300).run_once()
    seconds = time.perf_counter() - started
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    con = sqlite3.connect(db)
    members = con.execute("SELECT count(*) FROM members").fetchone()[0]
    lots = con.execute("SELECT count(*) FROM point_lots").fetchone()[0]
    con.close()
    print(json.dumps({"seconds": seconds, "pages": report.pages, "members": members,
                      "lots": lots, "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux: VmHWM (ru_maxrss would include the peak of
    the process that forked us: Linux keeps it across exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB on Linux
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def bench_pull(folder: Path, count: int) -> dict:
    url = f"sqlite:///{folder / 'central-pull.db'}"
    from pos_central.cli import migrate

    migrate(url)
    seeded = seed_members(url, count)
    service = Service(url)
    try:
        code = enrol_code(url)
        out = subprocess.run([sys.executable, __file__, "--pull-child", str(folder / "pull.db"),
                              service.url, code], cwd=ROOT, capture_output=True, text=True,
                             timeout=1800, check=False)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        if out.stderr.strip():
            print(out.stderr, file=sys.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        service.stop()
    result["seed_s"] = seeded
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sales", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--skip-push", action="store_true")
    ap.add_argument("--skip-pull", action="store_true")
    ap.add_argument("--serve", nargs=2, metavar=("URL", "PORT"), help=argparse.SUPPRESS)
    ap.add_argument("--pull-child", nargs=3, metavar=("DB", "URL", "CODE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return 0
    if args.pull_child:
        pull_child(*args.pull_child)
        return 0
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        return run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # a million members take a gigabyte


def run(args: argparse.Namespace, folder: Path) -> int:
    ok = True
    if not args.skip_push:
        r = bench_push(folder, args.sales, args.batch)
        rate = r["events"] / r["push_s"]
        base_rate = r["events"] / r["baseline_s"]
        ratio = r["push_s"] / r["baseline_s"]
        print(f"push: {r['events']} events ({args.sales} sales) in {r['batches']} batches of "
              f"{args.batch}, queued by checkout in {r['made_s']:.1f} s")
        print(f"  SyncEngine.push (apply + commit + answers applied): {r['push_s']:7.2f} s  "
              f"{rate:8.0f} events/s")
        print(f"  baseline: same batches to a parse-only endpoint:    {r['baseline_s']:7.2f} s  "
              f"{base_rate:8.0f} events/s")
        print(f"  ratio {ratio:.2f} (target <= 3)")
        ok &= ratio <= 3
    if not args.skip_pull:
        r = bench_pull(folder, args.members)
        print(f"initial pull: {r['members']} members ({r['lots']} lots) in {r['pages']} pages: "
              f"{r['seconds']:.1f} s, till peak RSS {r['peak_rss_mb']:.0f} MB "
              f"(after imports {r['rss_before_mb']:.0f} MB); service seeded in "
              f"{r['seed_s']:.1f} s")
        print(f"  targets: < 120 s, < 300 MB -> "
              f"{'met' if r['seconds'] < 120 and r['peak_rss_mb'] < 300 else 'NOT met'}")
        ok &= r["seconds"] < 120 and r["peak_rss_mb"] < 300
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
