"""Replay the sync benchmark's push into a copy of its service database with the code of a given
tree, to compare what two trees store and how long the service's part takes (in process).

    python bench/push_replay.py dump STATE [--sales 10000]   # the service database before
                                                             # the push, and its batches
    python bench/push_replay.py rich STATE                   # two tills' mixed batches
    python bench/push_replay.py replay ROOT STATE OUT [--dup] [--no-gc]
    python bench/push_replay.py compare OUT_A OUT_B

``dump`` runs ``bench/sync.py``'s set-up (checkouts on a till, the service on loopback) and
keeps ``central.db`` and ``batches.json`` instead of pushing; ``rich`` makes a small state that
the benchmark lacks: two tills of one store, registrations and a phone merge, coupons used,
misused and restored, points redeemed and overdrawn, a sale in two events, refunds within and
beyond their sale, stored value, gifts, shifts, a sequence number used twice. ``replay`` loads ``pos_central``
from ROOT (a tree, e.g. an export of an older commit), pushes every batch through
``push.push`` with the service's clock fixed (``--dup``: the first three batches again, so they
answer ``duplicate``), prints the CPU time of parsing and of the push, and writes each table's
rows and the answers to OUT. ``compare`` compares two OUTs: every table's rows as stored
(byte for byte) and by value (JSON columns parsed), and the answers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED = datetime(2026, 11, 25, 3, 0, 0, 123456, tzinfo=UTC)


def dump(state: Path, sales: int, batch: int = 500) -> None:
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    import sync as bench  # bench/sync.py

    work = state / "work"
    work.mkdir(parents=True)
    url = f"sqlite:///{work / 'central.db'}"
    service = bench.Service(url)
    try:  # as bench_push, up to the push
        _, engine, _, terminal_id, events = bench.queued_till(work, service.url, url, sales,
                                                             batch)
        bodies = [json.dumps({"events": events[i:i + batch]}, ensure_ascii=False,
                             separators=(",", ":")) for i in range(0, len(events), batch)]
        engine.close()
    finally:
        service.stop()
    source, target = sqlite3.connect(work / "central.db"), sqlite3.connect(state / "central.db")
    source.backup(target)
    source.close()
    target.close()
    (state / "batches.json").write_text(json.dumps({
        "pushes": [[terminal_id, body] for body in bodies]}))
    shutil.rmtree(work)


def rich(state: Path) -> None:
    sys.path.insert(0, str(HERE.parent))
    import random
    import uuid
    from datetime import date

    rng = random.Random(11)
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)  # the same ids
    random.seed(7)
    from pos_central import admin
    from pos_central import models as m
    from pos_central.cli import migrate
    from pos_central.db import Database
    from tests.central import test_gifts as gifts
    from tests.central import test_stored_value as stored
    from tests.central.builders import (
        make_coupon,
        make_member,
        refund_event,
        registration_event,
        sale_event,
        shift_events,
        unique_phone,
    )

    state.mkdir(parents=True)
    db = Database(f"sqlite:///{state / 'central.db'}")
    migrate(db.url)

    class Till:
        def __init__(self) -> None:
            self.terminal_id, self.store_id, self.seq = str(uuid.uuid4()), "S001", 0

        def take_seq(self) -> int:
            self.seq += 1
            return self.seq

    a, b = Till(), Till()
    with db.write() as s:
        for till in (a, b):
            s.add(m.Terminal(id=till.terminal_id, name="T", store_id="S001",
                             token_hash=uuid.uuid4().hex))
        admin.set_rules(s, gifts.RULES, effective_from=datetime(2026, 1, 1, tzinfo=UTC))
    members = [make_member(db, points=rng.choice([0, 5, 50, 300]),
                           growth=rng.choice([0, 900, 6000]),
                           earned_on=date(2024, 3, 1) if i % 3 == 0 else None)
               for i in range(12)]
    with db.write() as s:
        phone = s.get(m.Member, members[1]).phone
        s.get(m.Member, members[0]).birthday = date(1990, 11, 5)
    free = [make_coupon(db) for _ in range(6)]
    held = [make_coupon(db, member_id=members[i]) for i in range(2)]
    void = make_coupon(db)
    with db.write() as s:
        s.get(m.Coupon, void).status = "void"
        s.get(m.Coupon, free[5]).valid_to = "2020-01-01T00:00:00"
    db.dispose()
    uses = {3: free[0], 4: held[0], 5: held[1], 6: "NO-SUCH-1", 7: void, 8: free[5], 9: free[0]}
    first, sales = [], []
    new_id = str(uuid.uuid4())
    first.append(registration_event(a, unique_phone(), name="新会员", member_id=new_id,
                                    consent=True))
    first.append(registration_event(a, phone, name="同号"))  # merged into members[1]
    first += shift_events(a)
    for i in range(40):
        member = members[i % len(members)] if i % 4 else None
        redeem = {2: 10, 10: 10, 11: 999}.get(i, 0) if member else 0
        sales.append(sale_event(a, member_id=member, total_fen=1000 + 137 * i,
                                coupons=[(uses[i], 100)] if i in uses else [],
                                points_redeemed=redeem))
    first += sales
    first.append(sale_event(a, member_id=new_id, total_fen=5000))
    again = json.loads(json.dumps(sales[2]))  # the same sale in another event
    again.update(event_id=str(uuid.uuid4()), terminal_seq=a.take_seq())
    recharge = stored.recharge(a, members[2], 10000, 1000, None)
    spend = stored.spend(a, members[2], 3000, 200, 500)
    first += [again, recharge, spend, stored.spend(a, members[3], 99999),
              gifts.gift_event(a, members[0])]
    second = [refund_event(b, sales[1], points_reversed=1, growth_reversed=11),
              refund_event(b, sales[3], coupons_restored=[free[0]]),
              refund_event(b, sales[5], points_reversed=500, growth_reversed=99999,
                           points_returned=3),
              refund_event(b, sales[2], points_returned=10),
              refund_event(b, sales[2], points_returned=10),  # beyond what is left
              sale_event(b, member_id=members[6], coupons=[(free[0], 100)]),  # restored
              sale_event(b, member_id=members[1], total_fen=3300),
              stored.refund(b, spend, 1000, 100), *shift_events(b)]
    third = [stored.recharge_refund(a, recharge, 8000, 800, 0),
             refund_event(a, sales[20]), refund_event(a, sales[21], points_reversed=2),
             sale_event(a, member_id=members[8], seq=5),  # a sequence number used before
             gifts.gift_event(a, members[0])]  # issued before
    pushes = [[a.terminal_id, first], [b.terminal_id, second], [a.terminal_id, first[:10]],
              [a.terminal_id, third]]
    (state / "batches.json").write_text(json.dumps({"pushes": [
        [terminal_id, json.dumps({"events": events}, ensure_ascii=False)]
        for terminal_id, events in pushes]}))



def replay(root: Path, state: Path, out: Path, dup: bool, no_gc: bool) -> None:
    sys.path.insert(0, str(root))
    import gc
    import random
    import secrets

    import pos_central
    from pos_central import push
    from pos_central.db import Database
    from pos_member.sync import protocol as p

    assert Path(pos_central.__file__).is_relative_to(root), pos_central.__file__
    secrets.choice = random.Random(5).choice  # card numbers of new members, the same each run
    for name, module in list(sys.modules.items()):
        if name.startswith("pos_central") and hasattr(module, "utcnow"):
            module.utcnow = lambda: FIXED
    pushes = json.loads((state / "batches.json").read_text())["pushes"]
    out.mkdir(parents=True, exist_ok=True)
    copy = out / "central.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(state / "central.db", copy)
    db = Database(f"sqlite:///{copy}")
    gc.collect()
    gc.freeze()  # as the service's worker does (pos_central.app.freeze_startup_objects)
    if no_gc:
        gc.disable()
    answers, parsing, pushing = [], 0.0, 0.0
    for terminal_id, body in pushes + (pushes[:3] if dup else []):
        started = time.process_time()
        request = p.PushRequest.model_validate_json(body)
        parsed = time.process_time()
        try:
            answer = push.push(db, terminal_id, request)
            answer = answer if isinstance(answer, str) else answer.model_dump_json()
        except Exception as exc:  # noqa: BLE001 - an ApiError (409 ...) is an answer too
            answer = json.dumps({"error": type(exc).__name__, "detail": str(exc)[:500]})
        pushing += time.process_time() - parsed
        parsing += parsed - started
        answers.append(json.loads(answer))
    print(f"CPU: parse {parsing:.3f} s, push and answer {pushing:.3f} s")
    db.dispose()
    (out / "answers.json").write_text(json.dumps(answers, sort_keys=True))


def _tables(path: Path) -> dict[str, tuple[list, list]]:
    def value(v):
        if isinstance(v, str) and v[:1] in "[{":
            try:
                return json.loads(v)
            except ValueError:
                return v
        return v

    con = sqlite3.connect(path)
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    out = {}
    for name in names:
        rows = list(con.execute(f'SELECT * FROM "{name}"'))
        raw = sorted(map(repr, rows))
        parsed = sorted(json.dumps([value(v) for v in r], sort_keys=True, default=str)
                        for r in rows)
        out[name] = (raw, parsed)
    con.close()
    return out


def compare(a: Path, b: Path) -> int:
    ta, tb = _tables(a / "central.db"), _tables(b / "central.db")
    bad = 0
    for name in sorted(set(ta) | set(tb)):
        raw_a, value_a = ta.get(name, ([], []))
        raw_b, value_b = tb.get(name, ([], []))
        if raw_a != raw_b:
            bad += 1
            same = "the same by value" if value_a == value_b else "different values"
            print(f"{name}: stored text differs ({same}; {len(raw_a)} / {len(raw_b)} rows)")
    answers = [json.loads((d / "answers.json").read_text()) for d in (a, b)]
    if answers[0] != answers[1]:
        bad += 1
        print("the answers differ")
    rows = sum(len(raw) for raw, _ in ta.values())
    print("identical" if not bad else f"{bad} differences", f"({len(ta)} tables, {rows} rows, "
          f"{len(answers[0])} answers)")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("state", type=Path)
    d.add_argument("--sales", type=int, default=10_000)
    sub.add_parser("rich").add_argument("state", type=Path)
    r = sub.add_parser("replay")
    r.add_argument("root", type=Path)
    r.add_argument("state", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--dup", action="store_true")
    r.add_argument("--no-gc", action="store_true")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.command == "dump":
        dump(args.state.resolve(), args.sales)
        return 0
    if args.command == "rich":
        rich(args.state.resolve())
        return 0
    if args.command == "replay":
        replay(args.root.resolve(), args.state.resolve(), args.out.resolve(), args.dup,
               args.no_gc)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
