"""``python -m pos_central`` commands of the cross-channel features:

* ``import-orders FILE.csv``: import online-store orders for order-number activation;
* ``dormant segments``: how many members are dormant for 90 and 180 days;
* ``dormant issue --days 90 --value 15.00 [--threshold 0] [--valid-days 14]``: a win-back
  offer (a personal coupon through the feed) to a segment;
* ``dormant report [--campaign ID] [--json]``: 召回率, who came back and what they spent;
* ``vouchers [--days 1] [--store S] [--json]``: voucher reconciliation (对账) per store and
  platform.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal, InvalidOperation

from pos_central.db import Database, utcnow


def _fen(text: str) -> int:
    try:
        value = Decimal(text.lstrip("¥"))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a yuan amount like 15.00") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise argparse.ArgumentTypeError(f"{text!r}: yuan with at most two decimals")
    return int(value * 100)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def cmd_import_orders(args: argparse.Namespace, db: Database) -> int:
    from pos_central.activation import import_orders_file

    try:
        report = import_orders_file(db, args.file)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}")
        return 1
    print(report.text())
    return 0 if not report.errors else 2


def cmd_dormant(args: argparse.Namespace, db: Database) -> int:
    from pos_central import dormant

    if args.action == "segments":
        with db.read() as s:
            for seg in dormant.segments(s, utcnow(), tuple(args.days or dormant.SEGMENTS)):
                print(f"no purchase for {seg.days}+ days: {seg.members} members "
                      f"({seg.with_consent} agreed to marketing)")
        return 0
    if args.action == "issue":
        days = (args.days or [90])[0]
        with db.write() as s:
            c = dormant.issue_winback(s, days, value_fen=args.value,
                                      threshold_fen=args.threshold, valid_days=args.valid_days,
                                      name=args.name or "", consent_only=args.consent_only)
            print(f"campaign {c.id}: ¥{_yuan(c.value_fen)} offer to {c.members} members "
                  f"dormant {days}+ days, valid {c.valid_days} days")
        return 0
    with db.read() as s:
        rows = dormant.recall_report(s, args.campaign)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r.issued_at:%Y-%m-%d} {r.name} ({r.segment_days}+ days): issued {r.issued}, "
              f"came back {r.came_back} ({r.recall_rate_bp / 100:.2f}%), used the offer "
              f"{r.used_offer}, spent ¥{_yuan(r.spent_fen)}  [{r.campaign_id}]")
    if not rows:
        print("no win-back campaigns")
    return 0


def cmd_vouchers(args: argparse.Namespace, db: Database) -> int:
    from datetime import timedelta

    from pos_central.vouchers import voucher_report

    until = utcnow()
    since = until - timedelta(days=args.days)
    with db.read() as s:
        rows = voucher_report(s, since, until, args.store)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['store_id']} {r['platform']}: verified {r['verified']} "
              f"(¥{_yuan(r['verified_fen'])}), undone by refunds {r['cancelled']} "
              f"(¥{_yuan(r['cancelled_fen'])}), refund could not undo {r['not_undone']}, "
              f"without a sale {r['without_sale']}"
              + (f": {', '.join(r['without_sale_codes'][:20])}" if r["without_sale"] else ""))
    if not rows:
        print(f"no voucher verifications in the last {args.days} days")
    return 0


def add_commands(sub, with_db, with_database) -> None:
    i = with_db(sub.add_parser("import-orders", help="import online-store orders (CSV) for "
                               "order-number activation"))
    i.add_argument("file", help="CSV with order_no, phone, amount (yuan) or amount_fen, "
                                "ordered_at, channel")
    i.set_defaults(func=with_database(cmd_import_orders))
    d = with_db(sub.add_parser("dormant", help="dormant members: segments, win-back offers, "
                               "recall report"))
    d.add_argument("action", choices=("segments", "issue", "report"))
    d.add_argument("--days", type=int, action="append",
                   help="segment: no purchase for this many days (default 90 and 180)")
    d.add_argument("--value", type=_fen, default=1500, help="offer value in yuan (15.00)")
    d.add_argument("--threshold", type=_fen, default=0, help="minimum spend in yuan (0)")
    d.add_argument("--valid-days", type=int, default=14)
    d.add_argument("--name", default=None)
    d.add_argument("--consent-only", action="store_true",
                   help="only members who agreed to marketing")
    d.add_argument("--campaign", default=None, help="report: one campaign id")
    d.add_argument("--json", action="store_true", help="report as JSON")
    d.set_defaults(func=with_database(cmd_dormant))
    v = with_db(sub.add_parser("vouchers", help="美团/抖音 voucher reconciliation (对账): "
                               "verified, undone, without a sale"))
    v.add_argument("--days", type=int, default=1, help="the last N days (default 1)")
    v.add_argument("--store", default=None)
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=with_database(cmd_vouchers))
