"""Coupons: templates, issuing (a member, a segment, codes to export) and redemption status.

A template says what a coupon is; issuing makes single-use coupons from it (``coupons`` rows,
in the feed: a member's coupon reaches the tills with the member, a code coupon is public and
is used once by whoever presents it). Each issue is a batch; the batch and its codes are kept
(``coupon_batches``, ``issued_coupons``), so the redemption rate and the cost (the discount the
sales took, as the tills reported it) are known per template and batch.

Segments: tiers, dormant for 90/180 days (no purchase since; never-buyers count from their
registration), birthday month, registered in a window; members merged away are left out.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import extract, func, or_, select
from sqlalchemy.orm import Session

from pos_central import admin, loyalty
from pos_central import models as m
from pos_central.auth import CODE_ALPHABET
from pos_central.console.auth import Staff
from pos_central.console.tables import CouponBatch, CouponTemplate, IssuedCoupon
from pos_central.console.web import (
    PREFIX,
    STORE_TZ,
    FieldError,
    Form,
    action,
    audit,
    db_of,
    page,
    parse_local_datetime,
    parse_yuan_field,
    render,
)
from pos_central.db import utcnow
from pos_member.sync import protocol as p

MAX_BATCH = 50_000
DORMANT_CHOICES = (90, 180)


def _codes_list(text: str) -> list[str]:
    return [x.strip() for x in text.replace("，", ",").split(",") if x.strip()]


def template_from_form(form: Form) -> CouponTemplate:
    code = form.get("code").upper()
    if not code or len(code) > 20 or not all(c.isalnum() or c in "-_" for c in code):
        raise FieldError("code", "letters, digits, '-' or '_', at most 20")
    title = form.get("title")
    if not title:
        raise FieldError("title", "is required")
    kind = form.get("kind")
    value = rate = cap = None
    if kind == "amount_off":
        value = parse_yuan_field(form.get("value"), "value")
        if value <= 0:
            raise FieldError("value", "must be more than ¥0")
    elif kind == "percent_off":
        try:
            rate_d = Decimal(form.get("rate"))
        except InvalidOperation:
            raise FieldError("rate", "a decimal such as 0.80 (the shopper pays 80 %)") from None
        if not Decimal(0) < rate_d < Decimal(1):
            raise FieldError("rate", "must be between 0 and 1, e.g. 0.80")
        rate = str(rate_d)
        cap = parse_yuan_field(form.get("cap"), "cap", required=False)
    else:
        raise FieldError("kind", "amount_off or percent_off")
    threshold = parse_yuan_field(form.get("threshold") or "0", "threshold")
    try:
        days = int(form.get("valid_days") or "30")
        weekdays = [int(x) for x in _codes_list(form.get("weekdays"))]
    except ValueError:
        raise FieldError("valid_days", "whole numbers only (days; weekdays 1..7)") from None
    if not 1 <= days <= 3660:
        raise FieldError("valid_days", "between 1 and 3660 days")
    if any(d not in range(1, 8) for d in weekdays):
        raise FieldError("weekdays", "ISO weekdays 1 (Monday) .. 7 (Sunday)")
    return CouponTemplate(
        code=code, title=title, kind=kind, value_fen=value, rate=rate, cap_fen=cap,
        threshold_fen=threshold, categories=_codes_list(form.get("categories")),
        skus=_codes_list(form.get("skus")), weekdays=weekdays,
        tiers=_codes_list(form.get("tiers")), valid_days=days,
        stackable=form.has("stackable"), with_tier_discount=not form.has("no_tier_discount"),
        active=True, created_at=utcnow())


def template_dict(t: CouponTemplate) -> dict[str, Any]:
    return {c: getattr(t, c) for c in ("code", "title", "kind", "value_fen", "rate", "cap_fen",
                                        "threshold_fen", "categories", "skus", "weekdays",
                                        "tiers", "valid_days", "stackable",
                                        "with_tier_discount", "active")}


# -- segments ------------------------------------------------------------------------------------


def segment_from_form(form: Form) -> dict[str, Any]:
    seg: dict[str, Any] = {"tiers": form.all("seg_tier")}
    dormant = form.get("seg_dormant")
    if dormant:
        if not dormant.isdigit() or int(dormant) not in DORMANT_CHOICES:
            raise FieldError("seg_dormant", "90 or 180 days")
        seg["dormant_days"] = int(dormant)
    month = form.get("seg_birthday_month")
    if month:
        if not month.isdigit() or not 1 <= int(month) <= 12:
            raise FieldError("seg_birthday_month", "a month 1..12")
        seg["birthday_month"] = int(month)
    for key in ("seg_registered_from", "seg_registered_to"):
        if form.get(key):
            try:
                seg[key[4:]] = parse_local_datetime(form.get(key)).isoformat()
            except ValueError:
                raise FieldError(key, f"{form.get(key)!r} is not a date and time") from None
    if form.has("seg_consent_only"):
        seg["consent_only"] = True
    return seg


def segment_query(seg: dict[str, Any], now: datetime):
    q = select(m.Member.id).where(m.Member.merged_into.is_(None))
    if seg.get("tiers"):
        q = q.where(m.Member.tier.in_(seg["tiers"]))
    if seg.get("dormant_days"):
        cutoff = now - timedelta(days=seg["dormant_days"])
        q = q.where(or_(m.Member.last_purchase_at < cutoff,
                        (m.Member.last_purchase_at.is_(None)) & (m.Member.registered_at < cutoff)))
    if seg.get("birthday_month"):
        q = q.where(extract("month", m.Member.birthday) == seg["birthday_month"])
    if seg.get("registered_from"):
        q = q.where(m.Member.registered_at >= datetime.fromisoformat(seg["registered_from"]))
    if seg.get("registered_to"):
        q = q.where(m.Member.registered_at < datetime.fromisoformat(seg["registered_to"]))
    if seg.get("consent_only"):
        q = q.where(m.Member.marketing_consent.is_(True))
    return q


def describe_segment(seg: dict[str, Any]) -> str:
    parts = []
    if seg.get("tiers"):
        parts.append("tier " + "/".join(seg["tiers"]))
    if seg.get("dormant_days"):
        parts.append(f"dormant {seg['dormant_days']}+ days")
    if seg.get("birthday_month"):
        parts.append(f"birthday in month {seg['birthday_month']}")
    if seg.get("registered_from") or seg.get("registered_to"):
        parts.append(f"registered {seg.get('registered_from', '…')[:10]} – "
                     f"{seg.get('registered_to', '…')[:10]}")
    if seg.get("consent_only"):
        parts.append("marketing consent")
    return ", ".join(parts) or "every member"


# -- issuing -------------------------------------------------------------------------------------


def _new_code(template: str) -> str:
    return f"{template}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def issue(s: Session, template: CouponTemplate, member_ids: list[str | None], staff: str,
          target: str, segment: dict[str, Any] | None, now: datetime | None = None
          ) -> CouponBatch:
    """One coupon from ``template`` per entry (a member id, or None for a code coupon)."""
    now = now or utcnow()
    valid_to = now + timedelta(days=template.valid_days)
    batch = CouponBatch(template_code=template.code, target=target, segment=segment,
                        issued=len(member_ids), valid_from=now, valid_to=valid_to,
                        created_at=now, created_by=staff)
    s.add(batch)
    s.flush()
    for member_id in member_ids:
        code = _new_code(template.code)
        admin.upsert_coupon(s, p.CouponData(
            code=code, kind=template.kind, title=template.title, value_fen=template.value_fen,
            rate=template.rate, cap_fen=template.cap_fen, threshold_fen=template.threshold_fen,
            categories=list(template.categories or []), skus=list(template.skus or []),
            valid_from=now, valid_to=valid_to, weekdays=list(template.weekdays or []),
            tiers=list(template.tiers or []), stackable=template.stackable,
            with_tier_discount=template.with_tier_discount, member_id=member_id))
        s.add(IssuedCoupon(code=code, batch_id=batch.id, template_code=template.code))
    return batch


def coupon_costs(s: Session, codes_used: list[str]) -> dict[str, int]:
    """The discount each used coupon gave, from the sale events the tills pushed."""
    if not codes_used:
        return {}
    out: dict[str, int] = {}
    wanted = set(codes_used)
    rows = s.execute(select(m.Coupon.code, m.Sale.event_id).join(
        m.Sale, m.Sale.id == m.Coupon.used_by_sale_id).where(m.Coupon.code.in_(codes_used)))
    events = dict(rows.all())
    for i in range(0, len(events), 500):
        chunk = list(set(events.values()))[i:i + 500]
        for payload, in s.execute(select(m.EventRow.payload).where(
                m.EventRow.event_id.in_(chunk))):
            for use in (payload or {}).get("coupons", []):
                if use.get("code") in wanted:
                    out[use["code"]] = int(use.get("discount_fen", 0))
    return out


def template_stats(s: Session) -> dict[str, dict[str, Any]]:
    stats: dict[str, dict[str, Any]] = {}
    rows = s.execute(select(IssuedCoupon.template_code, m.Coupon.status, func.count())
                     .join(m.Coupon, m.Coupon.code == IssuedCoupon.code)
                     .group_by(IssuedCoupon.template_code, m.Coupon.status))
    for code, status, n in rows:
        st = stats.setdefault(code, {"issued": 0, "used": 0, "available": 0, "void": 0,
                                     "cost_fen": 0})
        st["issued"] += n
        st[status] = st.get(status, 0) + n
    used = s.execute(select(IssuedCoupon.template_code, IssuedCoupon.code).join(
        m.Coupon, m.Coupon.code == IssuedCoupon.code).where(
        m.Coupon.status == p.CouponStatus.USED.value)).all()
    costs = coupon_costs(s, [c for _, c in used])
    for template_code, code in used:
        stats[template_code]["cost_fen"] += costs.get(code, 0)
    for st in stats.values():
        st["rate"] = f"{100 * st['used'] / st['issued']:.1f} %" if st["issued"] else "—"
    return stats


def _page(request: Request, staff: Staff, errors: dict[str, str] | None = None,
          status: int = 200, form: Form | None = None, count: int | None = None):
    with db_of(request).read() as s:
        templates_ = s.execute(select(CouponTemplate).order_by(CouponTemplate.created_at.desc())
                               ).scalars().all()
        stats = template_stats(s)
        batches = s.execute(select(CouponBatch).order_by(CouponBatch.id.desc()).limit(30)
                            ).scalars().all()
        batch_status = {(b, st): n for b, st, n in s.execute(
            select(IssuedCoupon.batch_id, m.Coupon.status, func.count())
            .join(m.Coupon, m.Coupon.code == IssuedCoupon.code)
            .where(IssuedCoupon.batch_id.in_([b.id for b in batches]))
            .group_by(IssuedCoupon.batch_id, m.Coupon.status))}
        tiers = [(t.code, t.name) for t in loyalty.current_rules(s).tiers]
    return render(request, "coupons.html", staff, status=status, title="Coupons",
                  templates_=templates_, stats=stats, batches=batches,
                  batch_status=batch_status, tiers=tiers, errors=errors or {},
                  form=form, describe=describe_segment, count=count)


def register(router: APIRouter) -> None:
    @router.get("/coupons")
    @page
    def coupons_page(request: Request, staff: Staff):
        return _page(request, staff)

    @router.post("/coupons/templates")
    @action
    def create_template(request: Request, staff: Staff, form: Form):
        try:
            t = template_from_form(form)
        except FieldError as exc:
            return _page(request, staff, {exc.field: exc.message}, 422, form)
        with db_of(request).write() as s:
            if s.get(CouponTemplate, t.code) is not None:
                return _page(request, staff, {"code": f"{t.code} exists already"}, 422, form)
            s.add(t)
            audit(s, staff, "coupon_template.create", t.code, None, template_dict(t))
        return RedirectResponse(f"{PREFIX}/coupons?flash=Template {t.code} created.",
                                status_code=303)

    @router.post("/coupons/segment-count")
    @action
    def segment_count(request: Request, staff: Staff, form: Form):
        try:
            seg = segment_from_form(form)
        except FieldError as exc:
            return render(request, "fragment_message.html", staff,
                          message=f"{exc.field}: {exc.message}", error=True)
        with db_of(request).read() as s:
            n = s.execute(select(func.count()).select_from(
                segment_query(seg, utcnow()).subquery())).scalar_one()
        return render(request, "fragment_message.html", staff, error=False,
                      message=f"{n} members: {describe_segment(seg)}")

    @router.post("/coupons/issue")
    @action
    def issue_coupons(request: Request, staff: Staff, form: Form):
        target = form.get("target")
        try:
            with db_of(request).write() as s:
                template = s.get(CouponTemplate, form.get("template"))
                if template is None or not template.active:
                    raise FieldError("template", "choose a template")
                segment = None
                if target == "member":
                    key = form.get("member")
                    row = s.execute(select(m.Member).where(
                        (m.Member.phone == key) | (m.Member.card_no == key),
                        m.Member.merged_into.is_(None))).scalar_one_or_none()
                    if row is None:
                        raise FieldError("member", f"no member with phone or card {key!r}")
                    ids: list[str | None] = [row.id]
                    segment = {"member": row.id, "phone": row.phone}
                elif target == "segment":
                    segment = segment_from_form(form)
                    ids = list(s.execute(segment_query(segment, utcnow())).scalars())
                    if not ids:
                        raise FieldError("target", "the segment has no members: nothing issued")
                elif target == "codes":
                    try:
                        n = int(form.get("count"))
                    except ValueError:
                        raise FieldError("count", "how many codes (a whole number)") from None
                    if not 1 <= n <= MAX_BATCH:
                        raise FieldError("count", f"between 1 and {MAX_BATCH}")
                    ids = [None] * n
                else:
                    raise FieldError("target", "a member, a segment or codes")
                if len(ids) > MAX_BATCH:
                    raise FieldError("target", f"{len(ids)} members: at most {MAX_BATCH} per "
                                               "issue; narrow the segment")
                batch = issue(s, template, ids, staff.username, target, segment)
                audit(s, staff, "coupon.issue", f"batch {batch.id} of {template.code}", None,
                      {"target": target, "segment": segment, "issued": len(ids),
                       "valid_to": batch.valid_to.isoformat()})
                batch_id, issued = batch.id, len(ids)
        except FieldError as exc:
            return _page(request, staff, {exc.field: exc.message}, 422, form)
        except (ValidationError, ValueError) as exc:
            return _page(request, staff, {"template": str(exc)}, 422, form)
        return RedirectResponse(f"{PREFIX}/coupons?flash=Issued {issued} coupons "
                                f"(batch {batch_id}).", status_code=303)

    @router.post("/coupons/winback")
    @action
    def winback_campaign(request: Request, staff: Staff, form: Form):
        """A win-back campaign (pos_central.dormant): a personal coupon for each member of
        a dormant segment who holds no usable win-back coupon; its 召回率 is on Figures."""
        from pos_central import dormant

        try:
            text = (form.get("wb_days") or "0").strip()
            days = int(text) if text.isdigit() and len(text) < 6 else 0
            if days not in DORMANT_CHOICES:
                raise FieldError("wb_days", "90 or 180 days")
            value = parse_yuan_field(form.get("wb_value"), "wb_value")
            threshold = parse_yuan_field(form.get("wb_threshold") or "0", "wb_threshold")
            try:
                valid_days = int(form.get("wb_valid_days") or "14")
            except ValueError:
                raise FieldError("wb_valid_days", "days, a whole number") from None
            with db_of(request).write() as s:
                try:
                    campaign = dormant.issue_winback(
                        s, days, value_fen=value, threshold_fen=threshold,
                        valid_days=valid_days, name=form.get("wb_name"),
                        consent_only=form.has("wb_consent_only"))
                except ValueError as exc:
                    raise FieldError("wb_value", str(exc)) from None
                audit(s, staff, "winback.issue", f"campaign {campaign.name}", None,
                      {"segment_days": days, "value_fen": value, "threshold_fen": threshold,
                       "valid_days": valid_days, "members": campaign.members})
                issued = campaign.members
        except FieldError as exc:
            return _page(request, staff, {exc.field: exc.message}, 422, form)
        return RedirectResponse(f"{PREFIX}/coupons?flash=Win-back offer sent to {issued} "
                                "dormant members.", status_code=303)

    @router.post("/coupons/templates/{code}/retire")
    @action
    def retire_template(request: Request, staff: Staff, form: Form, code: str):
        with db_of(request).write() as s:
            t = s.get(CouponTemplate, code)
            if t is None or not t.active:
                return _page(request, staff, {"template": f"no active template {code}"}, 422)
            t.active = False
            audit(s, staff, "coupon_template.retire", code, {"active": True}, {"active": False})
        return RedirectResponse(f"{PREFIX}/coupons?flash=Template {code} retired: no new "
                                "issues; coupons issued stay valid.", status_code=303)

    @router.post("/coupons/batches/{batch_id}/void")
    @action
    def void_batch(request: Request, staff: Staff, form: Form, batch_id: str):
        """A mistaken issue: its coupons not used yet become void (tills learn it)."""
        with db_of(request).write() as s:
            batch = s.get(CouponBatch, int(batch_id)) if batch_id.isdigit() else None
            if batch is None:
                return _page(request, staff, {"template": f"no batch {batch_id}"}, 422)
            codes = list(s.execute(select(IssuedCoupon.code).join(
                m.Coupon, m.Coupon.code == IssuedCoupon.code).where(
                IssuedCoupon.batch_id == batch.id,
                m.Coupon.status == p.CouponStatus.AVAILABLE.value)).scalars())
            for code in codes:
                admin.void_coupon(s, code)
            audit(s, staff, "coupon.void_batch", f"batch {batch.id} of {batch.template_code}",
                  {"available": len(codes)}, {"voided": len(codes)}, form.get("reason"))
        return RedirectResponse(f"{PREFIX}/coupons?flash=Voided {len(codes)} unused coupons of "
                                f"batch {batch_id}.", status_code=303)

    @router.get("/coupons/batches/{batch_id}.csv")
    @page
    def export_batch(request: Request, staff: Staff, batch_id: str):
        with db_of(request).read() as s:
            batch = s.get(CouponBatch, int(batch_id)) if batch_id.isdigit() else None
            if batch is None:
                return render(request, "error.html", staff, status=404, title="Not found",
                              message=f"No batch {batch_id}.")
            rows = s.execute(
                select(m.Coupon.code, m.Coupon.title, m.Coupon.status, m.Coupon.valid_to,
                       m.Coupon.used_at, m.Member.phone, m.Member.card_no)
                .join(IssuedCoupon, IssuedCoupon.code == m.Coupon.code)
                .outerjoin(m.Member, m.Member.id == m.Coupon.member_id)
                .where(IssuedCoupon.batch_id == batch.id).order_by(m.Coupon.code)).all()
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["code", "title", "status", "valid_to", "used_at", "member_phone",
                    "member_card"])
        for r in rows:
            w.writerow([r.code, r.title, r.status, r.valid_to or "",
                        r.used_at.astimezone(STORE_TZ).isoformat() if r.used_at else "",
                        r.phone or "", r.card_no or ""])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="coupons-batch-{batch.id}.csv"'})
