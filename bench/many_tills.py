"""Many tills against one central service on PostgreSQL (issue 14, item 11).

N simulated tills (asyncio clients over plain HTTP/1.1 keep-alive connections, stdlib only)
enrol, push their sales in batches and pull the change feed, against ``python -m pos_central
serve --workers W`` (uvicorn's supervisor, several worker processes, one PostgreSQL schema made
for the run). Halfway through the pushes one worker is killed with SIGKILL; the tills treat
the broken connections as a till does (the batch stays pending and is sent again, the service
applies each event once, a replay answers ``duplicate``).

Each till also pulls the feed from its cursor after some of its pushes (``--pull-share``), as
a till syncs both ways; after the pushes, ``--pullers`` tills pull the whole feed from 0.

Printed: push events/s over the timed phase, p50/p99 push latency (a successful request, send
to answer), pull latency (during the pushes and after), CPU seconds of the service's workers
and of PostgreSQL, retries, and the checks against the service's database afterwards:
every sent event stored once (0 lost, 0 duplicates), and per terminal the count and the sum of
``total_fen`` of its sales equal to what the till sold. Exit status 1 when a check fails.

    .venv/bin/python bench/many_tills.py --tills 500 --sales 10 --batch 5 --workers 3

The database: ``--database-url`` or ``$POS_CENTRAL_TEST_DATABASE_URL`` (a PostgreSQL URL); a
fresh schema is made in it and dropped afterwards (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import pct
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pos_central.auth import new_enrol_code
from pos_central.cli import migrate
from pos_central.db import Database
from pos_member.sync import protocol as p

TZ = "Asia/Shanghai"
CST = timedelta(hours=8)


# --- a small HTTP/1.1 client on asyncio streams ------------------------------------------------

class Broken(Exception):
    """The connection broke before a whole answer arrived (the request may have been applied)."""


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None,
                      timeout: float = 60.0) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._request(method, path, body, headers or {}),
                                          timeout)
        except (TimeoutError, ConnectionError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise Broken(f"{type(exc).__name__}: {exc}") from None

    async def _request(self, method, path, body, headers) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Content-Length: {len(body)}", "Content-Type: application/json",
                f"{p.PROTOCOL_HEADER}: {p.PROTOCOL_VERSION}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("closed before the answer")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        else:
            data = await self.reader.readexactly(length or 0)
        if close:
            await self.close()
        return status, data


# --- the simulated tills -----------------------------------------------------------------------

@dataclass
class Till:
    index: int
    store_id: str
    code: str
    terminal_id: str = ""
    token: str = ""
    events: list[dict] = field(default_factory=list)  # event dicts, in terminal_seq order
    sold_fen: int = 0
    sold_count: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cursor: str = "0"  # the change feed position this till reached


@dataclass
class Stats:
    push_latency: list[float] = field(default_factory=list)
    pull_latency: list[float] = field(default_factory=list)
    pull_latency_during: list[float] = field(default_factory=list)  # while others push
    retries: int = 0
    broken: int = 0
    server_errors: int = 0
    pushes_done: int = 0
    events_answered: int = 0


def sale_event(till: Till, seq: int, total_fen: int, member_id: str | None) -> dict:
    sold_at = datetime.now(UTC)
    payload = p.SalePayload(
        sale_id=uuid.uuid4(), receipt_no=f"R{till.index:04d}{seq:06d}", store_id=till.store_id,
        terminal_id=till.terminal_id, sold_at=sold_at,
        local_time=(sold_at + CST).replace(tzinfo=None), tz=TZ, member_id=member_id,
        lines=[p.SaleLine(line_no=1, sku="C002", name="拿铁", category_id="coffee",
                          qty=Decimal(1), unit_price_fen=total_fen, amount_fen=total_fen,
                          paid_fen=total_fen)],
        payments=[p.PaymentLine(tender="wechat", amount_fen=total_fen)],
        subtotal_fen=total_fen, total_fen=total_fen,
        points_earned=total_fen // 1000 if member_id else 0,
        growth_earned=total_fen // 100 if member_id else 0,
        tier_before="regular", tier_after="regular")
    return p.SaleEvent(event_id=uuid.uuid4(), terminal_seq=seq, created_at=sold_at,
                       payload=payload).model_dump(mode="json")


async def enrol(conn: Connection, till: Till) -> None:
    body = json.dumps({"code": till.code, "terminal_name": f"Till {till.index}",
                       "store_id": till.store_id}).encode()
    for attempt in range(20):
        try:
            status, data = await conn.request("POST", "/v1/enrol", body)
        except Broken:
            await asyncio.sleep(0.2 * (attempt + 1))
            continue
        if status == 201:
            answer = json.loads(data)
            till.terminal_id, till.token = answer["terminal_id"], answer["token"]
            return
        raise RuntimeError(f"enrol answered {status}: {data[:200]!r}")
    raise RuntimeError("enrol failed 20 times")


async def push_all(conn: Connection, till: Till, batch: int, think: float, stats: Stats,
                   kill: asyncio.Event, kill_after: int, pull_share: float) -> None:
    headers = {"Authorization": f"Bearer {till.token}"}
    for start in range(0, len(till.events), batch):
        events = till.events[start:start + batch]
        body = json.dumps({"events": events}, ensure_ascii=False).encode("utf-8")
        attempt = 0
        while True:
            t0 = time.perf_counter()
            try:
                status, data = await conn.request("POST", "/v1/push", body, headers)
            except Broken:
                stats.broken += 1
                stats.retries += 1
                attempt += 1
                await asyncio.sleep(min(2.0, 0.1 * 2 ** attempt) * random.random())
                continue
            if status >= 500 or status == 429:
                stats.server_errors += 1
                stats.retries += 1
                attempt += 1
                await asyncio.sleep(min(2.0, 0.1 * 2 ** attempt) * random.random())
                continue
            if status != 200:
                raise RuntimeError(f"push answered {status}: {data[:300]!r}")
            stats.push_latency.append(time.perf_counter() - t0)
            break
        for result in json.loads(data)["results"]:
            till.statuses[result["status"]] = till.statuses.get(result["status"], 0) + 1
            stats.events_answered += 1
        stats.pushes_done += 1
        if stats.pushes_done == kill_after:
            kill.set()
        if pull_share and random.random() < pull_share:  # a till syncs both ways
            await pull(conn, till, stats, stats.pull_latency_during)
        if think:
            await asyncio.sleep(random.uniform(0, think))


async def pull(conn: Connection, till: Till, stats: Stats,
               latencies: list[float] | None = None) -> int:
    """Pages of the change feed from the till's cursor until ``has_more`` is false."""
    headers = {"Authorization": f"Bearer {till.token}"}
    cursor, seen = till.cursor, 0
    latencies = stats.pull_latency if latencies is None else latencies
    while True:
        t0 = time.perf_counter()
        try:
            status, data = await conn.request("GET", f"/v1/changes?cursor={cursor}&limit=500",
                                              headers=headers)
        except Broken:
            stats.broken += 1
            stats.retries += 1
            await asyncio.sleep(0.2 * random.random())
            continue
        if status >= 500:
            stats.server_errors += 1
            await asyncio.sleep(0.2 * random.random())
            continue
        if status != 200:
            raise RuntimeError(f"changes answered {status}: {data[:300]!r}")
        latencies.append(time.perf_counter() - t0)
        page = json.loads(data)
        seen += len(page["changes"])
        cursor = till.cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen


# --- the service -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes: the master's children started by multiprocessing's spawn."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == master and b"spawn_main" in cmd:
            out.append(int(proc.name))
    return sorted(out)


def _cpu_of(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == "postgres":
                    out.append(int(proc.name))
            except OSError:
                pass
    return out


class CpuMeter:
    """CPU seconds the service's workers and PostgreSQL's processes used while it ran (sampled
    every 0.25 s; a killed worker counts up to its last sample)."""

    def __init__(self, master: int):
        self.master = master
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}

    def sample(self) -> None:
        for kind, pids in (("service", worker_pids(self.master)), ("postgres", _postgres_pids())):
            for pid in pids:
                cpu = _cpu_of(pid)
                if cpu is not None:
                    self.first.setdefault((kind, pid), cpu)
                    self.last[(kind, pid)] = cpu

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), 0.25)
            except TimeoutError:
                pass
        self.sample()

    def used(self, kind: str) -> float:
        return sum(v - self.first[k] for k, v in self.last.items() if k[0] == kind)


def wait_healthy(port: int, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the service did not become healthy")


# --- the run -----------------------------------------------------------------------------------

async def run(args, port: int, tills: list[Till], members: list[str],
              master: int) -> tuple[Stats, dict]:
    stats = Stats()
    conns = [Connection("127.0.0.1", port) for _ in tills]
    sem = asyncio.Semaphore(64)

    async def enrol_one(conn, till):
        async with sem:
            await enrol(conn, till)

    t0 = time.perf_counter()
    await asyncio.gather(*(enrol_one(c, t) for c, t in zip(conns, tills)))
    enrol_s = time.perf_counter() - t0

    rng = random.Random(14)
    for till in tills:
        for seq in range(1, args.sales + 1):
            total = rng.randrange(500, 20000)
            member = rng.choice(members) if members and rng.random() < args.member_share else None
            till.events.append(sale_event(till, seq, total, member))
            till.sold_fen += total
            till.sold_count += 1

    for c in conns:  # building the events took a while: start on fresh connections, not
        await c.close()  # ones the service closed as idle (uvicorn's keep-alive timeout)
    total_pushes = sum((len(t.events) + args.batch - 1) // args.batch for t in tills)
    kill = asyncio.Event()
    killed: dict = {"pid": None, "at_push": None, "workers_before": worker_pids(master)}

    async def killer():
        if args.no_kill:
            return
        await kill.wait()
        pids = worker_pids(master)
        if pids:
            victim = random.Random(1).choice(pids)
            os.kill(victim, signal.SIGKILL)
            killed.update(pid=victim, at_push=stats.pushes_done, at=time.perf_counter() - t1)

    meter, metering = CpuMeter(master), asyncio.Event()
    meter_task = asyncio.create_task(meter.run(metering))
    own0 = time.process_time()
    t1 = time.perf_counter()
    killer_task = asyncio.create_task(killer())
    await asyncio.gather(*(push_all(c, t, args.batch, args.think, stats, kill,
                                    total_pushes // 2, args.pull_share)
                           for c, t in zip(conns, tills)))
    push_s = time.perf_counter() - t1
    own_cpu = time.process_time() - own0
    metering.set()
    await meter_task
    kill.set()
    await killer_task
    killed["cpu"] = {"service": meter.used("service"), "postgres": meter.used("postgres"),
                     "generator": own_cpu}

    t2 = time.perf_counter()
    sample = tills[:: max(1, len(tills) // args.pullers)]
    for t in sample:
        t.cursor = "0"  # the whole feed, as a new till would
    pulled = await asyncio.gather(*(pull(conns[t.index], t, stats) for t in sample))
    pull_s = time.perf_counter() - t2
    for c in conns:
        await c.close()
    await asyncio.sleep(1.0)
    killed["workers_after"] = worker_pids(master)
    return stats, {"enrol_s": enrol_s, "push_s": push_s, "pull_s": pull_s,
                   "pulled": pulled, "pushes": total_pushes, **killed}


def verify(url: str, tills: list[Till]) -> list[str]:
    """What the service stored against what the tills sent: the list of failures."""
    engine = create_engine(url)
    problems = []
    with engine.connect() as c:
        sent = {e["event_id"] for t in tills for e in t.events}
        stored = c.execute(text("SELECT event_id, count(*) FROM events WHERE kind = 'sale' "
                                "GROUP BY event_id")).all()
        counts = {str(eid): n for eid, n in stored}
        lost = sent - set(counts)
        dup = [e for e, n in counts.items() if n > 1]
        extra = set(counts) - sent
        dup_sales = c.execute(text("SELECT count(*) - count(DISTINCT id) FROM sales")).scalar()
        if lost:
            problems.append(f"{len(lost)} events lost")
        if dup or dup_sales:
            problems.append(f"{len(dup)} events and {dup_sales} sales stored twice")
        if extra:
            problems.append(f"{len(extra)} events stored that no till sent")
        rows = {tid: (n, s) for tid, n, s in c.execute(text(
            "SELECT terminal_id, count(*), coalesce(sum(total_fen), 0) FROM sales "
            "GROUP BY terminal_id")).all()}
        for t in tills:
            n, s = rows.get(t.terminal_id, (0, 0))
            if (n, int(s)) != (t.sold_count, t.sold_fen):
                problems.append(f"till {t.index}: central has {n} sales / {s} fen, "
                                f"the till sold {t.sold_count} / {t.sold_fen}")
        central_total = sum(int(s) for _, s in rows.values())
        print(f"central totals: {sum(n for n, _ in rows.values())} sales, {central_total} fen; "
              f"tills: {sum(t.sold_count for t in tills)} sales, "
              f"{sum(t.sold_fen for t in tills)} fen; lost {len(lost)}, duplicates "
              f"{len(dup) + (dup_sales or 0)}")
    engine.dispose()
    return problems


def schema_url(base: str) -> tuple[str, str]:
    schema = f"bench_many_tills_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def drop_schema(base: str, schema: str) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tills", type=int, default=500)
    ap.add_argument("--sales", type=int, default=10, help="sales per till")
    ap.add_argument("--batch", type=int, default=5, help="events per push")
    ap.add_argument("--workers", type=int, default=3, help="uvicorn worker processes")
    ap.add_argument("--stores", type=int, default=50)
    ap.add_argument("--members", type=int, default=200, help="members on the service")
    ap.add_argument("--member-share", type=float, default=0.2, help="share of member sales")
    ap.add_argument("--think", type=float, default=0.2,
                    help="a till waits up to this many seconds between pushes")
    ap.add_argument("--pullers", type=int, default=50,
                    help="tills that pull the whole feed from 0 after the pushes")
    ap.add_argument("--pull-share", type=float, default=0.3,
                    help="chance that a till pulls the feed after each of its pushes")
    ap.add_argument("--no-kill", action="store_true", help="do not kill a worker mid-run")
    ap.add_argument("--database-url", default=os.environ.get("POS_CENTRAL_TEST_DATABASE_URL"))
    ap.add_argument("--keep", action="store_true", help="keep the schema afterwards")
    args = ap.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        ap.error("needs a PostgreSQL --database-url (or $POS_CENTRAL_TEST_DATABASE_URL)")

    url, schema = schema_url(args.database_url)
    server = None
    try:
        migrate(url)
        db = Database(url)
        stores = [f"S{i:03d}" for i in range(1, args.stores + 1)]
        tills = [Till(i, stores[i % len(stores)], new_enrol_code(db))
                 for i in range(args.tills)]
        from pos_central import admin

        members = []
        with db.write() as s:
            for i in range(args.members):
                members.append(admin.create_member(s, phone=f"139{i:08d}", name=f"会员{i}").id)
        db.dispose()

        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        server = subprocess.Popen(
            [sys.executable, "-m", "pos_central", "serve", "--database-url", url, "--port",
             str(port), "--workers", str(args.workers), "--no-migrate", "--log-level",
             "warning"], cwd=ROOT, env=env)
        wait_healthy(port)
        time.sleep(1.0)  # every worker up, not only the first to answer
        stats, info = asyncio.run(run(args, port, tills, members, server.pid))

        events = sum(len(t.events) for t in tills)
        statuses: dict[str, int] = {}
        for t in tills:
            for k, v in t.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
        print(f"{args.tills} tills, {args.workers} workers, PostgreSQL; {events} sale events "
              f"in {info['pushes']} pushes of {args.batch}; think time up to {args.think}s")
        print(f"enrol: {args.tills} tills in {info['enrol_s']:.1f} s")
        print(f"push: {events} events in {info['push_s']:.1f} s = "
              f"{events / info['push_s']:.0f} events/s; latency p50 "
              f"{pct(stats.push_latency, 50) * 1e3:.0f} ms, p99 "
              f"{pct(stats.push_latency, 99) * 1e3:.0f} ms, mean "
              f"{statistics.fmean(stats.push_latency) * 1e3:.0f} ms (n={len(stats.push_latency)})")
        cpu = info["cpu"]
        print(f"CPU seconds during the pushes: service workers {cpu['service']:.1f}, "
              f"PostgreSQL {cpu['postgres']:.1f}, this load generator {cpu['generator']:.1f} "
              f"(wall {info['push_s']:.1f} s, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f})")
        print(f"answers: {statuses}; retries {stats.retries} (broken connections "
              f"{stats.broken}, 5xx {stats.server_errors})")
        if info.get("pid"):
            print(f"killed worker {info['pid']} (SIGKILL) after push {info['at_push']} of "
                  f"{info['pushes']} ({info['at']:.1f} s in); workers before "
                  f"{info['workers_before']}, after {info['workers_after']}")
        during = stats.pull_latency_during
        if during:
            print(f"pull during the pushes: {len(during)} pages, latency p50 "
                  f"{pct(during, 50) * 1e3:.0f} ms, p99 {pct(during, 99) * 1e3:.0f} ms")
        print(f"pull: {len(info['pulled'])} tills pulled the feed ({info['pulled'][0]} changes "
              f"each) in {info['pull_s']:.1f} s; page latency p50 "
              f"{pct(stats.pull_latency, 50) * 1e3:.0f} ms, p99 "
              f"{pct(stats.pull_latency, 99) * 1e3:.0f} ms")
        problems = verify(url, tills)
        for line in problems[:20]:
            print("FAIL:", line)
        print("checks:", "all passed" if not problems else f"{len(problems)} failed")
        return 1 if problems else 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep:
            drop_schema(args.database_url, schema)


if __name__ == "__main__":
    raise SystemExit(main())
