"""Figures: the programme's numbers as charts (Chart.js), for the brand or one store.

Months are store-time calendar months, the last ``MONTHS`` of them. Definitions (also in
docs/console.md):

- members by tier: members registered by the end of the month, by their tier today (the
  service keeps no tier history); active members: members with a sale in that month;
- member share of sales: member sales' money / all sales' money (refunds not netted);
- points issued vs redeemed: the points the sales earned and redeemed; liability: the open
  positive balances × the point value, in yuan;
- coupons: per template, used / issued and the discount the used ones gave;
- upgrade funnel: members whose growth is within ¥X of spending (growth_unit) of the next tier;
- dormant: no purchase for ``dormant_days`` (never-buyers count from registration); win-back
  rate (召回率): of the members dormant at the start of the last 30 days, the share who bought
  in those 30 days.

A store chosen: the sales-based figures (share, points, active, win-back purchases) count
that store's sales only; members and liability stay brand-wide (a member is the brand's).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from pos_central import loyalty
from pos_central import models as m
from pos_central.console.auth import Staff
from pos_central.console.coupons import template_stats
from pos_central.console.web import STORE_TZ, db_of, page, render
from pos_central.db import utcnow
from pos_member.domain.money import format_fen

MONTHS = 12
WINBACK_WINDOW = timedelta(days=30)
PALETTE = ["#2b6cb0", "#d69e2e", "#38a169", "#805ad5", "#e53e3e", "#319795", "#dd6b20"]


def _months(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(label, start, end) in UTC for the last MONTHS store-time months, oldest first."""
    local = now.astimezone(STORE_TZ)
    y, mo = local.year, local.month
    out = []
    for _ in range(MONTHS):
        start = datetime(y, mo, 1, tzinfo=STORE_TZ)
        ny, nm = (y + 1, 1) if mo == 12 else (y, mo + 1)
        end = datetime(ny, nm, 1, tzinfo=STORE_TZ)
        out.append((f"{y}-{mo:02d}", start.astimezone(UTC), end.astimezone(UTC)))
        y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
    return out[::-1]


def _bucket(months, at: datetime) -> int | None:
    for i, (_, start, end) in enumerate(months):
        if start <= at < end:
            return i
    return None


def _pct(a: int, b: int) -> float:
    return round(100 * a / b, 1) if b else 0.0


def compute(s, store: str = "", within_yuan: int = 200, now: datetime | None = None
            ) -> dict[str, Any]:
    now = now or utcnow()
    rules = loyalty.current_rules(s)
    months = _months(now)
    first = months[0][1]
    tier_codes = [t.code for t in rules.tiers]
    tier_names = {t.code: t.display_name("en") for t in rules.tiers}

    members = s.execute(select(m.Member.id, m.Member.tier, m.Member.growth, m.Member.points,
                               m.Member.registered_at, m.Member.last_purchase_at)
                        .where(m.Member.merged_into.is_(None))).all()
    tier_of = {x.id: x.tier for x in members}

    # members by tier (cumulative registrations) and active members by tier
    by_tier = {c: [0] * MONTHS for c in tier_codes}
    for x in members:
        for i, (_, _start, end) in enumerate(months):
            if x.registered_at < end:
                by_tier.setdefault(x.tier, [0] * MONTHS)[i] += 1
    sales_q = select(m.Sale.member_id, m.Sale.sold_at, m.Sale.total_fen, m.Sale.points_earned,
                     m.Sale.points_redeemed, m.Sale.store_id).where(m.Sale.sold_at >= first)
    if store:
        sales_q = sales_q.where(m.Sale.store_id == store)
    active: dict[str, list[set]] = {c: [set() for _ in range(MONTHS)] for c in by_tier}
    money = [[0, 0] for _ in range(MONTHS)]  # member, all
    issued = [0] * MONTHS
    redeemed = [0] * MONTHS
    for sale in s.execute(sales_q):
        i = _bucket(months, sale.sold_at)
        if i is None:
            continue
        money[i][1] += sale.total_fen
        issued[i] += sale.points_earned
        redeemed[i] += sale.points_redeemed
        if sale.member_id:
            money[i][0] += sale.total_fen
            tier = tier_of.get(sale.member_id)
            if tier is not None:
                active.setdefault(tier, [set() for _ in range(MONTHS)])[i].add(sale.member_id)

    # per store: member share of sales (all time)
    per_store = []
    for st, member_fen, all_fen, n in s.execute(
            select(m.Sale.store_id,
                   func.coalesce(func.sum(m.Sale.total_fen).filter(m.Sale.member_id.is_not(None)),
                                 0),
                   func.coalesce(func.sum(m.Sale.total_fen), 0), func.count())
            .group_by(m.Sale.store_id).order_by(m.Sale.store_id)):
        per_store.append({"store": st, "member_fen": int(member_fen), "all_fen": int(all_fen),
                          "sales": n, "share": _pct(int(member_fen), int(all_fen))})

    liability_points = sum(max(0, x.points) for x in members)
    liability_fen = liability_points * rules.point_value

    # coupons per template
    cstats = template_stats(s)

    # upgrade funnel
    within_fen = within_yuan * 100
    bands = [("≤ ¥50", 5000), ("≤ ¥100", 10000), (f"≤ ¥{within_yuan}", within_fen)]
    funnel: dict[str, list[int]] = {}
    near_total = 0
    for t in rules.tiers:
        nxt = rules.next_tier(t.code)
        if nxt is None:
            continue
        counts = [0] * len(bands)
        for x in members:
            if x.tier != t.code:
                continue
            need_fen = max(0, nxt.min_growth - x.growth) * rules.growth_unit
            for j, (_label, limit) in enumerate(bands):
                if need_fen <= limit:
                    counts[j] += 1
                    break
        funnel[f"{tier_names[t.code]} → {tier_names[nxt.code]}"] = counts
        near_total += sum(counts)

    # dormant and win-back
    dormant_days = rules.dormant_days
    cutoff = now - timedelta(days=dormant_days)
    dormant_now: dict[str, int] = defaultdict(int)
    for x in members:
        last = x.last_purchase_at or x.registered_at
        if last < cutoff:
            dormant_now[x.tier] += 1
    window_start = now - WINBACK_WINDOW
    start_cutoff = window_start - timedelta(days=dormant_days)
    last_before = dict(s.execute(select(m.Sale.member_id, func.max(m.Sale.sold_at)).where(
        m.Sale.member_id.is_not(None), m.Sale.sold_at < window_start)
        .group_by(m.Sale.member_id)).all())
    came_back_q = select(m.Sale.member_id).where(m.Sale.member_id.is_not(None),
                                                 m.Sale.sold_at >= window_start)
    if store:
        came_back_q = came_back_q.where(m.Sale.store_id == store)
    came_back = set(s.execute(came_back_q.distinct()).scalars())
    dormant_at_start = 0
    recalled = 0
    for x in members:
        if x.registered_at >= start_cutoff:
            continue
        last = last_before.get(x.id)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        if last is None or last < start_cutoff:
            dormant_at_start += 1
            if x.id in came_back:
                recalled += 1

    labels = [label for label, _, _ in months]

    def color(i: int) -> str:
        return PALETTE[i % len(PALETTE)]

    charts = {
        "members": {"type": "bar", "data": {"labels": labels, "datasets": [
            {"label": tier_names.get(c, c), "data": v, "backgroundColor": color(i)}
            for i, (c, v) in enumerate(by_tier.items())]},
            "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True}},
                        "plugins": {"title": {"display": True, "text": "Members by tier"}}}},
        "active": {"type": "line", "data": {"labels": labels, "datasets": [
            {"label": tier_names.get(c, c), "data": [len(x) for x in v],
             "borderColor": color(i), "backgroundColor": color(i)}
            for i, (c, v) in enumerate(active.items())]},
            "options": {"plugins": {"title": {"display": True,
                                              "text": "Active members (bought that month)"}}}},
        "share": {"type": "bar", "data": {"labels": labels, "datasets": [
            {"type": "line", "label": "Member share %", "data": [_pct(a, b) for a, b in money],
             "borderColor": "#e53e3e", "yAxisID": "pct"},
            {"label": "Member sales ¥", "data": [a / 100 for a, _ in money],
             "backgroundColor": "#2b6cb0"},
            {"label": "Other sales ¥", "data": [(b - a) / 100 for a, b in money],
             "backgroundColor": "#cbd5e0"}]},
            "options": {"scales": {"pct": {"position": "right", "min": 0, "max": 100}},
                        "plugins": {"title": {"display": True,
                                              "text": "Member share of sales"}}}},
        "points": {"type": "bar", "data": {"labels": labels, "datasets": [
            {"label": "Issued", "data": issued, "backgroundColor": "#38a169"},
            {"label": "Redeemed", "data": redeemed, "backgroundColor": "#d69e2e"}]},
            "options": {"plugins": {"title": {"display": True,
                                              "text": "Points issued vs redeemed"}}}},
        "coupons": {"type": "bar", "data": {"labels": list(cstats), "datasets": [
            {"label": "Issued", "data": [v["issued"] for v in cstats.values()],
             "backgroundColor": "#cbd5e0"},
            {"label": "Used", "data": [v["used"] for v in cstats.values()],
             "backgroundColor": "#2b6cb0"},
            {"type": "line", "label": "Cost ¥", "yAxisID": "cost",
             "data": [v["cost_fen"] / 100 for v in cstats.values()], "borderColor": "#e53e3e"}]},
            "options": {"scales": {"cost": {"position": "right", "min": 0}},
                        "plugins": {"title": {"display": True,
                                              "text": "Coupon redemption and cost"}}}},
        "funnel": {"type": "bar", "data": {"labels": list(funnel), "datasets": [
            {"label": label, "data": [v[j] for v in funnel.values()],
             "backgroundColor": color(j)} for j, (label, _) in enumerate(bands)]},
            "options": {"indexAxis": "y", "scales": {"x": {"stacked": True},
                                                     "y": {"stacked": True}},
                        "plugins": {"title": {"display": True, "text":
                                              f"Within ¥{within_yuan} of the next tier"}}}},
        "dormant": {"type": "doughnut", "data": {
            "labels": [tier_names.get(c, c) for c in dormant_now],
            "datasets": [{"data": list(dormant_now.values()),
                          "backgroundColor": [color(i) for i in range(len(dormant_now))]}]},
            "options": {"plugins": {"title": {"display": True, "text":
                                              f"Dormant {dormant_days}+ days, by tier"}}}},
    }
    stored = _stored_value_totals(s)
    campaigns = _campaigns(s)
    if campaigns:
        charts["recall"] = {"type": "bar", "data": {
            "labels": [c["name"] for c in campaigns],
            "datasets": [{"label": "召回率 %", "data": [c["rate"] for c in campaigns],
                          "backgroundColor": "#805ad5"}]},
            "options": {"scales": {"y": {"min": 0, "max": 100}},
                        "plugins": {"title": {"display": True,
                                              "text": "Win-back campaigns: came back %"}}}}
    used = sum(v["used"] for v in cstats.values())
    issued_c = sum(v["issued"] for v in cstats.values())
    this_month = money[-1]
    return {
        "charts": charts, "per_store": per_store, "campaigns": campaigns, "stored": stored,
        "kpis": {
            "members": len(members),
            "active_month": sum(len(v[-1]) for v in active.values()),
            "member_share": _pct(*this_month), "liability_points": liability_points,
            "liability": format_fen(liability_fen), "coupon_rate": _pct(used, issued_c),
            "coupon_used": used, "coupon_issued": issued_c,
            "coupon_cost": format_fen(sum(v["cost_fen"] for v in cstats.values())),
            "near_upgrade": near_total, "dormant": sum(dormant_now.values()),
            "winback": _pct(recalled, dormant_at_start), "recalled": recalled,
            "dormant_at_start": dormant_at_start,
            "points_issued_month": issued[-1], "points_redeemed_month": redeemed[-1],
        },
    }


def _stored_value_totals(s) -> dict[str, str] | None:
    """What the brand owes on stored value (储值): principal and bonus still on the cards."""
    try:
        from pos_central.stored_value_tables import StoredValueEntry
    except ImportError:  # pragma: no cover - a service without stored value
        return None
    principal, bonus = s.execute(select(
        func.coalesce(func.sum(StoredValueEntry.principal_fen), 0),
        func.coalesce(func.sum(StoredValueEntry.bonus_fen), 0))).one()
    return {"principal": format_fen(int(principal)), "bonus": format_fen(int(bonus)),
            "total": format_fen(int(principal) + int(bonus))}


def _campaigns(s) -> list[dict[str, Any]]:
    """The win-back campaigns and their recall (pos_central.dormant.recall_report), when
    that module is part of this service."""
    try:
        from pos_central.dormant import recall_report
    except ImportError:  # pragma: no cover - a service without win-back campaigns
        return []
    return [{"name": r.name, "days": r.segment_days, "issued_at": r.issued_at,
             "issued": r.issued, "came_back": r.came_back, "used_offer": r.used_offer,
             "spent_fen": r.spent_fen, "rate": r.recall_rate_bp / 100}
            for r in recall_report(s)]


def register(router: APIRouter) -> None:
    @router.get("/figures")
    @page
    def figures_page(request: Request, staff: Staff):
        store = request.query_params.get("store", "").strip()[:64]
        try:
            within = max(1, min(100000, int(request.query_params.get("within", "200"))))
        except ValueError:
            within = 200
        with db_of(request).read() as s:
            figures = compute(s, store, within)
            stores = sorted(set(s.execute(select(m.Terminal.store_id)).scalars())
                            | set(s.execute(select(m.Sale.store_id).distinct()).scalars()))
        return render(request, "figures.html", staff, title="Figures", store=store,
                      stores=stores, within=within, **figures)
