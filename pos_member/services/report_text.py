"""X and Z report figures as plain text or CSV (for `report x|z` and support)."""

from __future__ import annotations

import csv
import io

from pos_member.domain.money import format_fen

from .shifts import ShiftFigures


def figure_rows(f: ShiftFigures) -> list[tuple[str, str]]:
    """(label, value) rows in report order; amounts in yuan with two decimals."""
    y = format_fen
    rows: list[tuple[str, str]] = [
        ("shift", f.shift_id), ("status", f.status), ("opened_at", f.opened_at.isoformat()),
        ("closed_at", f.closed_at.isoformat() if f.closed_at else ""),
        ("opened_by", f.opened_by), ("float", y(f.float_fen)),
        ("sales_count", str(f.sales_count)), ("sales_total", y(f.sales_total)),
    ]
    rows += [(f"sales_{t}", y(v)) for t, v in sorted(f.by_tender.items())]
    rows += [("refunds_count", str(f.refunds_count)), ("refunds_total", y(f.refunds_total))]
    rows += [(f"refunds_{t}", y(v)) for t, v in sorted(f.refunds_by_tender.items())]
    rows += [("paid_in", y(f.paid_in)), ("paid_out", y(f.paid_out)),
             ("no_sale_openings", str(f.no_sales))]
    rows += [(f"expected_{t}", y(v)) for t, v in f.expected.items()]
    if f.counted:
        rows += [(f"counted_{t}", y(v)) for t, v in f.counted.items()]
    if f.over_short:
        rows += [(f"over_short_{t}", y(v)) for t, v in f.over_short.items()]
    for tier, (count, total) in sorted(f.sales_by_tier.items()):
        rows += [(f"tier_{tier}_count", str(count)), (f"tier_{tier}_total", y(total))]
    rows += [
        ("tier_discount", y(f.tier_discount)), ("coupon_discount", y(f.coupon_discount)),
        ("coupons_used", str(f.coupons_used)), ("points_earned", str(f.points_earned)),
        ("points_redeemed", str(f.points_redeemed)), ("points_value", y(f.points_value)),
        ("points_reversed", str(f.points_reversed)), ("points_returned", str(f.points_returned)),
        ("rounding", y(f.rounding)), ("voids", str(f.voids)),
        ("unsynced_events", str(f.unsynced_events)), ("open_conflicts", str(f.open_conflicts)),
    ]
    return rows


def as_text(f: ShiftFigures, title: str) -> str:
    rows = figure_rows(f)
    width = max(len(k) for k, _ in rows)
    return "\n".join([title, "=" * len(title)] + [f"{k:<{width}}  {v}" for k, v in rows]) + "\n"


def as_csv(f: ShiftFigures) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["figure", "value"])
    w.writerows(figure_rows(f))
    return buf.getvalue()
