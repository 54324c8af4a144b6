"""Members: search (phone, card, name), the profile with its ledger, adjustments, merges.

An adjustment of points or growth needs a reason; it is a ``points_ledger`` row of kind
``adjust`` (points through the lots, as the service's own accounting does), a console audit
row with before/after, and a member change in the feed, so the tills show the new balance.

A merge keeps the survivor: points (its lots), growth and the available coupons of the other
member move to it, the other is marked merged into it (its id and card keep resolving to the
survivor everywhere, as a merge made at the counter does) and leaves the tills' member list.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import JSON, or_, select, update

from pos_central import loyalty
from pos_central import models as m
from pos_central.changes import record_change
from pos_central.console.auth import Staff
from pos_central.console.web import PREFIX, FieldError, Form, action, audit, db_of, page, render
from pos_central.db import utcnow
from pos_member.sync import protocol as p

CONSOLE_TERMINAL = "console"  # who made a merge, where a till's terminal id would be
MAX_RESULTS = 50


def search(s, q: str) -> list[m.Member]:
    q = q.strip()
    if not q:
        return []
    conds = [m.Member.name.ilike(f"%{q}%")]
    if q.replace("+", "").isdigit():
        conds += [m.Member.phone == q, m.Member.card_no == q]
        if len(q) >= 4:
            conds += [m.Member.phone.like(f"%{q}")]  # the last digits a shopper says
    return list(s.execute(select(m.Member).where(or_(*conds), m.Member.merged_into.is_(None))
                          .order_by(m.Member.registered_at.desc()).limit(MAX_RESULTS)).scalars())


def snapshot(member: m.Member) -> dict[str, Any]:
    return {"points": member.points, "growth": member.growth, "tier": member.tier}


def adjust(s, member: m.Member, points: int, growth: int, reason: str) -> None:
    rules = loyalty.current_rules(s)
    account = loyalty.Account.load(s, member)
    if points > 0:
        account.add_points(points, utcnow().date(), rules)
    elif points < 0:
        account.take_points(-points)
    if growth:
        account.set_growth(member.growth + growth, rules)
    account.ledger(None, "adjust", points, growth, None)
    account.write_ledger()
    loyalty.touch(s, member)


def merge(s, survivor: m.Member, other: m.Member) -> dict[str, Any]:
    rules = loyalty.current_rules(s)
    moved_points, moved_growth = other.points, other.growth
    lots = loyalty.open_lots(s, [other.id])[other.id]
    survivor_account = loyalty.Account.load(s, survivor)
    # Through the account, so a survivor's negative balance is repaid first (the lots
    # invariant of loyalty.py); each lot keeps the day it was earned, and so its expiry.
    for lot in lots:
        survivor_account.add_points(lot.points, lot.earned_on, rules)
        lot.points = 0
    if moved_points < 0:  # the other's debt comes along
        survivor_account.take_points(-moved_points)
    survivor_account.set_growth(survivor.growth + moved_growth, rules)
    survivor_account.ledger(None, "merge", moved_points, moved_growth, None)
    survivor_account.write_ledger()
    other_account = loyalty.Account(s, other, [])
    other.points, other.growth = 0, 0
    other_account.ledger(None, "merge", -moved_points, -moved_growth, None)
    other_account.write_ledger()
    coupons = list(s.execute(select(m.Coupon.code).where(
        m.Coupon.member_id == other.id,
        m.Coupon.status == p.CouponStatus.AVAILABLE.value)).scalars())
    if coupons:
        s.execute(update(m.Coupon).where(m.Coupon.code.in_(coupons))
                  .values(member_id=survivor.id))
        for code in coupons:
            record_change(s, "coupon", code)
    survivor.name = survivor.name or other.name
    survivor.birthday = survivor.birthday or other.birthday
    survivor.marketing_consent = survivor.marketing_consent or other.marketing_consent
    phone = other.phone or ""
    other.merged_into = survivor.id
    other.phone = None
    other.card_no = other.card_no  # the card keeps resolving to the survivor (find_member)
    s.add(m.MemberMergeRow(member_id=other.id, merged_into=survivor.id, phone=phone,
                           event_id=str(uuid.uuid4()), terminal_id=CONSOLE_TERMINAL,
                           created_at=utcnow()))
    record_change(s, "member", other.id, deleted=True)
    loyalty.touch(s, survivor)
    return {"points": moved_points, "growth": moved_growth, "coupons": coupons}


def _find(s, key: str) -> m.Member | None:
    key = key.strip()
    row = s.execute(select(m.Member).where(
        or_(m.Member.phone == key, m.Member.card_no == key, m.Member.id == key))
    ).scalar_one_or_none()
    if row is None:
        return None
    member, _ = loyalty.find_member(s, row.id, lock=False)
    return member


def _profile(request: Request, staff: Staff, member_id: str, errors=None, status: int = 200):
    with db_of(request).read() as s:
        member, followed = loyalty.find_member(s, member_id, lock=False)
        if member is None:
            return render(request, "error.html", staff, status=404, title="Not found",
                          message=f"No member {member_id}.")
        ledger = s.execute(select(m.PointsLedger).where(m.PointsLedger.member_id == member.id)
                           .order_by(m.PointsLedger.id.desc()).limit(200)).scalars().all()
        lots = loyalty.open_lots(s, [member.id])[member.id]
        coupons = s.execute(select(m.Coupon).where(m.Coupon.member_id == member.id)
                            .order_by(m.Coupon.code)).scalars().all()
        sales = s.execute(select(m.Sale).where(m.Sale.member_id == member.id)
                          .order_by(m.Sale.sold_at.desc()).limit(50)).scalars().all()
        merged = s.execute(select(m.Member).where(m.Member.merged_into == member.id)
                           ).scalars().all()
        rules = loyalty.current_rules(s)
        nxt = rules.next_tier(member.tier) if rules.has_tier(member.tier) else None
        extra = _extra_ledgers(s, member.id)
        stored = _stored_value(s, member.id)
    return render(request, "member.html", staff, status=status, title=member.name or "Member",
                  member=member, ledger=ledger, lots=lots, coupons=coupons, sales=sales,
                  merged=merged, followed=followed, errors=errors or {}, rules=rules,
                  next_tier=nxt, extra=extra, stored=stored)


def _stored_value(s, member_id: str) -> tuple[int, int] | None:
    """(principal, bonus) of the member's stored value (储值), when the service keeps it."""
    try:
        from pos_central.stored_value import balances
    except ImportError:  # pragma: no cover - a service without stored value
        return None
    return balances(s, [member_id]).get(member_id, (0, 0))


def _extra_ledgers(s, member_id: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Ledgers other features add (stored value, benefit uses): any table with a member_id
    column that the console does not show otherwise, newest rows first."""
    from pos_central.models import Base

    shown = {"members", "points_ledger", "point_lots", "coupons", "sales", "refunds",
             "member_merges", "conflicts", "member_code_nonces", "revocations"}
    out = []
    for name, table in sorted(Base.metadata.tables.items()):
        if name in shown or "member_id" not in table.c:
            continue
        order = next((table.c[c] for c in ("id", "at", "created_at") if c in table.c), None)
        q = select(table).where(table.c.member_id == member_id).limit(100)
        if order is not None:
            q = q.order_by(order.desc())
        rows = s.execute(q).all()
        if rows:
            cols = [c.name for c in table.c if _shown(c)]
            out.append((name, cols, [[_cell(c, getattr(r, c)) for c in cols] for r in rows]))
    return out


def _shown(column) -> bool:
    """Another feature's column worth a manager's eye: not ids of rows, tills or events, not
    raw JSON."""
    name = column.name
    if name in ("id", "member_id") or name.endswith(("terminal_id", "event_id")):
        return False
    return not isinstance(column.type, JSON)


def _cell(name: str, value: Any) -> str:
    from datetime import datetime

    from pos_central.console.web import _local
    from pos_member.domain.money import format_fen

    if value is None:
        return ""
    if name.endswith("_fen") and isinstance(value, int):
        return "¥" + format_fen(value)
    if isinstance(value, datetime):
        return _local(value)
    return str(value)


def register(router: APIRouter) -> None:
    @router.get("/members")
    @page
    def members_page(request: Request, staff: Staff):
        q = request.query_params.get("q", "")
        with db_of(request).read() as s:
            results = search(s, q)
        template = "members_results.html" if request.headers.get("hx-request") else "members.html"
        return render(request, template, staff, title="Members", q=q, results=results)

    @router.get("/members/{member_id}")
    @page
    def member_page(request: Request, staff: Staff, member_id: str):
        return _profile(request, staff, member_id)

    @router.post("/members/{member_id}/adjust")
    @action
    def member_adjust(request: Request, staff: Staff, form: Form, member_id: str):
        try:
            reason = form.get("reason")
            if len(reason) < 4:
                raise FieldError("reason", "say why (at least 4 characters); it is audited")
            try:
                points = int(form.get("points") or "0")
                growth = int(form.get("growth") or "0")
            except ValueError:
                raise FieldError("points", "points and growth are whole numbers (- to take "
                                           "away)") from None
            if not points and not growth:
                raise FieldError("points", "give points or growth to add or take away")
            if abs(points) > 1_000_000 or abs(growth) > 10_000_000:
                raise FieldError("points", "too large for one adjustment")
            with db_of(request).write() as s:
                member, _ = loyalty.find_member(s, member_id)
                if member is None:
                    raise FieldError("points", "no such member")
                if member.growth + growth < 0:
                    raise FieldError("growth", f"the member has {member.growth} growth")
                before = snapshot(member)
                adjust(s, member, points, growth, reason)
                audit(s, staff, "member.adjust", f"member {member.id}", before,
                      {**snapshot(member), "points_delta": points, "growth_delta": growth},
                      reason)
                survivor = member.id
        except FieldError as exc:
            return _profile(request, staff, member_id, {exc.field: exc.message}, 422)
        return RedirectResponse(f"{PREFIX}/members/{survivor}?flash=Adjusted.",
                                status_code=303)

    @router.post("/members/{member_id}/merge")
    @action
    def member_merge(request: Request, staff: Staff, form: Form, member_id: str):
        try:
            reason = form.get("reason")
            if len(reason) < 4:
                raise FieldError("merge_reason", "say why (at least 4 characters)")
            with db_of(request).write() as s:
                survivor, _ = loyalty.find_member(s, member_id)
                other = _find(s, form.get("other"))
                if survivor is None or other is None:
                    raise FieldError("other", f"no member with phone or card "
                                              f"{form.get('other')!r}")
                if other.id == survivor.id:
                    raise FieldError("other", "that is this member")
                before = {"survivor": snapshot(survivor), "merged": {
                    "id": other.id, "phone": other.phone, **snapshot(other)}}
                moved = merge(s, survivor, other)
                audit(s, staff, "member.merge", f"member {other.id} into {survivor.id}",
                      before, {"survivor": snapshot(survivor), "moved": moved}, reason)
                survivor_id = survivor.id
        except FieldError as exc:
            return _profile(request, staff, member_id, {exc.field: exc.message}, 422)
        return RedirectResponse(f"{PREFIX}/members/{survivor_id}?flash=Merged.",
                                status_code=303)
