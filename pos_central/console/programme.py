"""Programme: the loyalty rules document, edited as a form, versioned, previewed, scheduled.

The form is made from ``Rules.to_dict()`` itself, field by field, so every section the rules
gain (member prices, gifts, recharge rules, ...) appears without a change here: a yes/no is a
checkbox, a number a number input, a list of numbers or codes a comma-separated input, a list
of records (tiers) a table with a blank row to add one, and anything deeper a JSON editor.
``Rules.from_dict`` validates (the same code the tills run), and its message names the field,
which is shown beside that input.

A saved version is *scheduled* for a time (store time). When the time has come it is
published: a new ``rules_versions`` row, in the feed, which tills pull. Publishing is exactly
once: the version's status goes from ``scheduled`` to ``published`` in one conditional UPDATE
inside the write transaction that adds the rules row. It happens when a console page is
shown, when a till reads the feed (routes.py), or from ``python -m pos_central
console-publish-due`` (cron).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pos_central import admin, loyalty
from pos_central import models as m
from pos_central.console.auth import Staff
from pos_central.console.tables import ProgrammeVersion
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
    render,
)
from pos_central.db import Database, utcnow
from pos_member.domain.basket import BasketLine, MemberSnapshot
from pos_member.domain.money import format_fen
from pos_member.domain.points import PointLot
from pos_member.domain.pricing import PricingError, PricingRequest, price
from pos_member.domain.rules import Rules, RulesError

# Sections of the form, in this order; fields no section names go to "Other" (new rules).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tiers and thresholds", ("tiers",)),
    ("Earning", ("earn_unit", "growth_unit")),
    ("Redemption and risk limits", ("point_value", "redeem_max_ratio",
                                    "offline_daily_redeem_limit", "max_coupons_per_order")),
    ("Member days and birthdays", ("member_days", "member_day_weekdays", "member_day_tiers",
                                   "member_day_multiplier", "birthday_multiplier",
                                   "birthday_tiers", "birthday_gift")),
    ("Member prices and gifts", ("member_price_mode", "upgrade_gifts")),
    ("Stored value and recharge rules", ("stored_value",)),
    ("Expiry", ("points_expiry_years_after", "expiring_soon_days")),
    ("Hints and offers", ("dormant_days", "coupon_nudge_max", "win_back_offer",
                          "first_order_coupon")),
    ("Till", ("cash_rounding",)),
)
HELP = {
    "tiers": "code, names, min_growth (integer), discount_rate (0.95 = 95折), "
             "points_multiplier. Clear a row's code to remove that tier.",
    "earn_unit": "yuan paid per point", "growth_unit": "yuan paid per growth point",
    "point_value": "yuan one point is worth", "redeem_max_ratio": "share of the payable "
    "points may pay, 0..1", "member_day_weekdays": "ISO weekdays, 1 = Monday … 7 = Sunday",
    "member_day_tiers": "tier codes, comma-separated", "birthday_tiers": "empty = every tier",
    "cash_rounding": "none, jiao or yuan",
    "member_days": "each day: weekdays (1..7) and/or days of the month (1..31); per tier a "
                   "points multiplier (2 = double), an extra discount rate (0.95) and a coupon "
                   "to collect (JSON). Clear a day's id to remove it; fill the blank one to add.",
    "member_price_mode": "replace: a member price, no tier discount on top; best: the lower",
    "birthday_gift": "JSON: a gift once a year in the birthday month (null = none)",
    "upgrade_gifts": "JSON: tier code → the gift on reaching it",
    "stored_value": "JSON: presets, recharge rules (pay ¥X get ¥Y), limits",
}


@dataclass
class FieldSpec:
    name: str  # the rules field; "section.field" inside an object
    kind: str  # bool int text list table json object member_days
    value: Any
    columns: tuple[str, ...] = ()
    help: str = ""
    children: list[FieldSpec] = field(default_factory=list)  # kind object

    @property
    def label(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, int, bool, float))


def field_specs(doc: dict[str, Any]) -> list[tuple[str, list[FieldSpec]]]:
    """The form's sections, each a list of fields, from a rules document."""
    tier_codes = tuple(t.get("code", "") for t in doc.get("tiers", []) if isinstance(t, dict))

    def spec(name: str, value: Any) -> FieldSpec:
        if name == "member_days" and isinstance(value, list) and all(
                isinstance(x, dict) and "benefits" in x for x in value):
            return FieldSpec(name, "member_days", value, tier_codes, HELP.get(name, ""))
        if isinstance(value, dict) and value and "." not in name:
            # one level of a section (stored value: presets, recharge rules, limits)
            children = [spec(f"{name}.{k}", v) for k, v in value.items()]
            if all(c.kind != "json" for c in children):
                return FieldSpec(name, "object", value, (), HELP.get(name, ""), children)
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, int):
            kind = "int"
        elif isinstance(value, str):
            kind = "text"
        elif isinstance(value, list) and all(_scalar(x) for x in value):
            kind = "list"
        elif (isinstance(value, list) and value and all(isinstance(x, dict) for x in value)
              and all(_scalar(v) for x in value for v in x.values())):
            columns = tuple(dict.fromkeys(k for x in value for k in x))
            return FieldSpec(name, "table", value, columns, HELP.get(name, ""))
        else:
            kind = "json"
        return FieldSpec(name, kind, value, (), HELP.get(name, ""))

    placed: set[str] = set()
    out = []
    for title, names in SECTIONS:
        specs = [spec(n, doc[n]) for n in names if n in doc]
        placed.update(names)
        if specs:
            out.append((title, specs))
    others = [spec(n, v) for n, v in doc.items() if n not in placed]
    if others:
        out.append(("Benefits and other rules", others))
    return out


def _list_item(text: str, like: list[Any], name: str) -> Any:
    if name.endswith("weekdays") or (like and all(isinstance(x, int) and not isinstance(x, bool)
                                                  for x in like)):
        try:
            return int(text)
        except ValueError:
            raise FieldError(name.split(".")[0], f"{name}: {text!r} is not a whole number"
                             ) from None
    return text


def document_from_form(form: Form, current: dict[str, Any]) -> dict[str, Any]:
    """The rules document the form describes (types as ``current`` has them)."""
    doc: dict[str, Any] = {}
    for name, value in current.items():
        if name == "member_days" and form.has("md.rows"):
            doc[name] = _member_days(form, [t.get("code") for t in doc.get("tiers", current.get(
                "tiers", [])) if isinstance(t, dict) and t.get("code")], value)
        else:
            doc[name] = _read_value(form, name, value)
    return doc


def _read_value(form: Form, path: str, value: Any) -> Any:
    """The value of rules field ``path`` ("stored_value.presets" inside an object) as the
    form gives it, typed as ``value`` (the rules in force) is."""
    key, top = f"f.{path}", path.split(".")[0]
    if isinstance(value, bool):
        return form.has(key)
    if isinstance(value, int):
        text = form.get(key)
        try:
            return int(text)
        except ValueError:
            raise FieldError(top, f"{path}: {text!r} is not a whole number") from None
    if isinstance(value, str):
        return form.get(key, value)
    if isinstance(value, list) and form.has(f"t.{path}.rows"):
        return _table(form, path, value)
    if isinstance(value, dict) and form.has(f"o.{path}"):
        return {k: _read_value(form, f"{path}.{k}", v) for k, v in value.items()}
    if isinstance(value, list) and form.has(key) and all(_scalar(x) for x in value):
        parts = [x.strip() for x in form.get(key).replace("，", ",").split(",")]
        return [_list_item(x, value, path) for x in parts if x]
    if form.has(key):
        try:
            return json.loads(form.raw(key) or "null")
        except json.JSONDecodeError as exc:
            raise FieldError(top, f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})"
                             ) from None
    return value


MAX_FORM_ROWS = 500  # a table or member-day editor never has more rows than this


def _row_count(form: Form, key: str, top: str) -> int:
    """The row count a form says it has: a whole number 0..MAX_FORM_ROWS (else FieldError)."""
    text = (form.get(key) or "0").strip()
    if not text.isdigit() or int(text) > MAX_FORM_ROWS:
        raise FieldError(top, f"{key}: the form's row count {text[:20]!r} is not a whole number "
                              f"up to {MAX_FORM_ROWS}; reload the page")
    return int(text)


def _table(form: Form, name: str, current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = _row_count(form, f"t.{name}.rows", name.split(".")[0])
    columns = list(dict.fromkeys(k for x in current for k in x))
    types = {c: next((type(x[c]) for x in current if c in x), str) for c in columns}
    out = []
    for i in range(rows):
        row: dict[str, Any] = {}
        for c in columns:
            text = form.get(f"t.{name}.{i}.{c}")
            if types[c] is bool:
                row[c] = form.has(f"t.{name}.{i}.{c}")
            elif types[c] is int:
                if text == "":
                    continue
                try:
                    row[c] = int(text)
                except ValueError:
                    raise FieldError(name.split(".")[0], f"{name} row {i + 1}: {c} {text!r} "
                                                         "is not a whole number") from None
            else:
                row[c] = text
        first = columns[0] if columns else None
        if first and not row.get(first):  # a blank row (the one to add), or a row cleared
            continue
        out.append(row)
    return out


def _ints_field(text: str, what: str) -> list[int]:
    try:
        return [int(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise FieldError("member_days", f"{what}: whole numbers separated by commas") from None


def _member_days(form: Form, tiers: list[str], current: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    """The member-day editor: per day an id, a name, weekdays and/or days of the month, and
    per tier a points multiplier, an extra discount rate and a coupon to collect (JSON). A
    day's benefits keep the order they had (an untouched form changes nothing)."""
    before = {d.get("id"): [b.get("tier") for b in d.get("benefits", [])]
              for d in current if isinstance(d, dict)}
    out = []
    for i in range(_row_count(form, "md.rows", "member_days")):
        day_id = form.get(f"md.{i}.id")
        if not day_id:  # the blank day (to add one), or a day cleared to drop it
            continue
        where = f"member day {day_id}"
        benefits = []
        for tier in tiers:
            b: dict[str, Any] = {"tier": tier}
            if form.get(f"md.{i}.{tier}.mult"):
                b["points_multiplier"] = form.get(f"md.{i}.{tier}.mult")
            if form.get(f"md.{i}.{tier}.rate"):
                b["discount_rate"] = form.get(f"md.{i}.{tier}.rate")
            coupon = form.get(f"md.{i}.{tier}.coupon")
            if coupon:
                try:
                    b["coupon"] = json.loads(coupon)
                except json.JSONDecodeError as exc:
                    raise FieldError("member_days", f"{where}, {tier}: the coupon is not valid "
                                                    f"JSON ({exc.msg})") from None
            if len(b) > 1:
                benefits.append(b)
        order = before.get(day_id, [])
        benefits.sort(key=lambda b: (order.index(b["tier"]) if b["tier"] in order
                                     else len(order) + tiers.index(b["tier"])))
        out.append({"id": day_id, "name": form.get(f"md.{i}.name"),
                    "weekdays": _ints_field(form.get(f"md.{i}.weekdays"), f"{where} weekdays"),
                    "month_days": _ints_field(form.get(f"md.{i}.month_days"),
                                              f"{where} days of the month"),
                    "benefits": benefits})
    return out


def field_of_error(message: str, names: list[str]) -> str:
    """The rules field a RulesError message is about (its longest name in the message)."""
    hits = [n for n in names if n in message]
    return max(hits, key=len) if hits else ""


def validate(doc: dict[str, Any], current: Rules) -> tuple[Rules | None, dict[str, str]]:
    """The rules in force with the fields the form changed (``Rules.with_overrides``, the
    tills' own parsing and checks), or the error by field. Only the changed fields are
    applied, so a rule derived from others (an old field kept for old readers) follows the
    field the operator edited, as it does for a document of that older shape."""
    base = current.to_dict()
    changed = {k: v for k, v in doc.items() if base.get(k) != v}
    try:
        return current.with_overrides(changed), {}
    except RulesError as exc:
        text = str(exc)
        return None, {field_of_error(text, list(doc)) or "_": text}


# -- preview with the pricing engine -------------------------------------------------------------


def _member_snapshot(s: Session, key: str) -> tuple[m.Member | None, MemberSnapshot | None]:
    key = key.strip()
    if not key:
        return None, None
    row = s.execute(select(m.Member).where(
        (m.Member.phone == key) | (m.Member.card_no == key) | (m.Member.id == key))
    ).scalar_one_or_none()
    if row is None:
        raise FieldError("preview_member", f"no member with phone or card {key}")
    row, _ = loyalty.find_member(s, row.id, lock=False)
    lots = loyalty.open_lots(s, [row.id])[row.id]
    return row, MemberSnapshot(
        id=row.id, tier=row.tier, growth=row.growth, points=row.points, birthday=row.birthday,
        last_purchase_at=row.last_purchase_at,
        lots=tuple(PointLot(x.earned_on, x.points, x.expires_on) for x in lots))


# Member prices (会员价) price a line when the catalogue carries them (products.member_prices).
_LINE_HAS_MEMBER_PRICES = "member_prices" in {f.name for f in fields(BasketLine)}


def _basket(s: Session, text: str) -> tuple[BasketLine, ...]:
    lines = []
    for n, raw in enumerate(text.replace("\r", "").split("\n"), 1):
        parts = raw.replace("×", " ").replace("*", " ").split()
        if not parts:
            continue
        sku = parts[0]
        try:
            qty = Decimal(parts[1]) if len(parts) > 1 else Decimal(1)
            if not qty.is_finite() or qty <= 0:
                raise InvalidOperation
        except InvalidOperation:
            raise FieldError("preview_basket", f"line {n}: {parts[1]!r} is not a quantity"
                             ) from None
        product = s.get(m.Product, sku)
        if product is None:
            barcode = s.get(m.Barcode, sku)
            product = s.get(m.Product, barcode.sku) if barcode else None
        if product is None:
            raise FieldError("preview_basket", f"line {n}: no product with SKU or barcode {sku}")
        extra: dict[str, Any] = {}
        if _LINE_HAS_MEMBER_PRICES and getattr(product, "member_prices", None):
            extra["member_prices"] = tuple(sorted(
                (str(tier), int(fen)) for tier, fen in product.member_prices.items()))
        lines.append(BasketLine(sku=product.sku, name=product.name,
                                unit_price=product.unit_price_fen, qty=qty,
                                category=product.category_id or "",
                                discountable=product.discountable,
                                points_eligible=product.points_eligible, **extra))
    if not lines:
        raise FieldError("preview_basket", "give at least one line: SKU and quantity")
    return tuple(lines)


def preview(s: Session, new: Rules, form: Form) -> dict[str, Any]:
    """The basket priced by the pricing engine under the current and the new rules."""
    at_text = form.get("preview_at") or form.get("effective_at")
    try:
        at = (parse_local_datetime(at_text) if at_text else utcnow()).astimezone(STORE_TZ)
    except ValueError:
        raise FieldError("preview_at", f"{at_text!r} is not a date and time") from None
    member_row, snapshot = _member_snapshot(s, form.get("preview_member"))
    lines = _basket(s, form.get("preview_basket"))
    current = loyalty.current_rules(s)
    out: dict[str, Any] = {"at": at.strftime("%Y-%m-%d %H:%M %a"),
                           "member": member_row.name or member_row.phone if member_row else "",
                           "tier": member_row.tier if member_row else "", "results": []}
    for label, rules in (("now", current), ("new", new)):
        snap = snapshot
        if snap is not None and not rules.has_tier(snap.tier):
            snap = MemberSnapshot(**{**snap.__dict__,
                                     "tier": rules.tier_for_growth(snap.growth).code})
        try:
            r = price(PricingRequest(at=at, lines=lines, member=snap), rules)
        except (PricingError, ValueError) as exc:
            raise FieldError("preview_basket", str(exc)) from None
        out["results"].append({
            "label": label, "subtotal": format_fen(r.subtotal),
            "discount": format_fen(r.tier_discount + r.coupon_discount),
            "total": format_fen(r.total), "total_fen": r.total,
            "points": r.points_earned, "growth": r.growth_earned,
            "multiplier": str(r.multiplier), "source": r.multiplier_source,
        })
    return out


# -- versions and publishing ---------------------------------------------------------------------


def publish_due(session: Session, now: datetime | None = None) -> list[int]:
    """Publish every scheduled version whose time has come, oldest first; their rules
    versions. Exactly once across workers: the conditional UPDATE claims each version."""
    now = now or utcnow()
    published = []
    due = session.execute(
        select(ProgrammeVersion.id).where(ProgrammeVersion.status == "scheduled",
                                          ProgrammeVersion.effective_at <= now)
        .order_by(ProgrammeVersion.effective_at, ProgrammeVersion.id)).scalars().all()
    for vid in due:
        claimed = session.execute(
            update(ProgrammeVersion).where(ProgrammeVersion.id == vid,
                                           ProgrammeVersion.status == "scheduled")
            .values(status="published", published_at=now)).rowcount
        if claimed != 1:
            continue
        row = session.get(ProgrammeVersion, vid)
        version = admin.set_rules(session, Rules.from_dict(row.rules),
                                  effective_from=row.effective_at)
        row.rules_version = version
        published.append(version)
    return published


def publish_due_if_any(db: Database) -> list[int]:
    now = utcnow()
    with db.read() as s:
        waiting = s.execute(select(func.count()).select_from(ProgrammeVersion).where(
            ProgrammeVersion.status == "scheduled", ProgrammeVersion.effective_at <= now)
        ).scalar_one()
    if not waiting:
        return []
    with db.write() as s:
        return publish_due(s, now)


def _latest_rules_row(s: Session) -> m.RulesVersion | None:
    return s.execute(select(m.RulesVersion).order_by(m.RulesVersion.version.desc()).limit(1)
                     ).scalar_one_or_none()


def _page_context(s: Session) -> dict[str, Any]:
    latest = _latest_rules_row(s)
    versions = s.execute(select(ProgrammeVersion).order_by(ProgrammeVersion.id.desc())
                         .limit(30)).scalars().all()
    published = s.execute(select(m.RulesVersion).order_by(m.RulesVersion.version.desc())
                          .limit(10)).scalars().all()
    products = s.execute(select(m.Product).where(m.Product.active.is_(True))
                         .order_by(m.Product.sku).limit(3)).scalars().all()
    return {"latest": latest, "versions": versions, "published": published,
            "sample_basket": "\n".join(f"{x.sku} 1" for x in products)}


def register(router: APIRouter) -> None:
    @router.get("/programme")
    @page
    def programme_page(request: Request, staff: Staff):
        publish_due_if_any(db_of(request))
        with db_of(request).read() as s:
            ctx = _page_context(s)
            doc = loyalty.current_rules(s).to_dict()
        return render(request, "programme.html", staff, title="Programme",
                      sections=field_specs(doc), errors={}, preview=None,
                      effective_at=utcnow().astimezone(STORE_TZ).strftime("%Y-%m-%dT%H:%M"),
                      note="", form=None, **ctx)

    def _read(request: Request, form: Form) -> tuple[dict, Rules | None, dict[str, str]]:
        with db_of(request).read() as s:
            current_rules = loyalty.current_rules(s)
        current = current_rules.to_dict()
        try:
            doc = document_from_form(form, current)
        except FieldError as exc:
            return current, None, {exc.field: exc.message}
        rules, errors = validate(doc, current_rules)
        return doc, rules, errors

    @router.post("/programme/preview")
    @action
    def programme_preview(request: Request, staff: Staff, form: Form):
        """The htmx fragment under the form: errors, or the basket priced both ways."""
        _doc, rules, errors = _read(request, form)
        result = None
        if rules is not None:
            try:
                with db_of(request).read() as s:
                    result = preview(s, rules, form)
            except FieldError as exc:
                errors = {exc.field: exc.message}
        return render(request, "programme_preview.html", staff, errors=errors, preview=result)

    @router.post("/programme")
    @action
    def programme_save(request: Request, staff: Staff, form: Form):
        doc, rules, errors = _read(request, form)
        when_text = form.get("effective_at")
        when = None
        try:
            when = parse_local_datetime(when_text) if when_text else utcnow()
        except ValueError:
            errors["effective_at"] = f"{when_text!r} is not a date and time"
        if rules is None or errors:
            with db_of(request).read() as s:
                ctx = _page_context(s)
            return render(request, "programme.html", staff, status=422, title="Programme",
                          sections=field_specs(doc), errors=errors, preview=None,
                          effective_at=when_text, note=form.get("note"), form=form, **ctx)
        with db_of(request).write() as s:
            before = loyalty.current_rules(s).to_dict()
            after = rules.to_dict()
            row = ProgrammeVersion(rules=after, effective_at=when, status="scheduled",
                                   note=form.get("note"), created_at=utcnow(),
                                   created_by=staff.username)
            s.add(row)
            s.flush()
            changed = {k: {"before": before.get(k), "after": v} for k, v in after.items()
                       if before.get(k) != v}
            audit(s, staff, "programme.schedule", f"programme version {row.id}",
                  before={k: v["before"] for k, v in changed.items()},
                  after={"effective_at": when.isoformat(),
                         **{k: v["after"] for k, v in changed.items()}},
                  reason=form.get("note"))
            published = publish_due(s)
        flash = (f"Published as rules version {published[-1]}: tills receive it at their next "
                 "sync." if published else
                 f"Scheduled for {when.astimezone(STORE_TZ):%Y-%m-%d %H:%M}.")
        return RedirectResponse(f"{PREFIX}/programme?flash={flash}", status_code=303)

    @router.post("/programme/restore/{rules_version}")
    @action
    def programme_restore(request: Request, staff: Staff, form: Form, rules_version: str):
        """Undo: an earlier published version's rules, as a new version in force now."""
        with db_of(request).write() as s:
            old = s.get(m.RulesVersion, int(rules_version)) if rules_version.isdigit() else None
            if old is None:
                return RedirectResponse(f"{PREFIX}/programme?flash=No rules version "
                                        f"{rules_version}.", status_code=303)
            try:
                rules = Rules.from_dict(old.rules)
            except RulesError as exc:
                return RedirectResponse(f"{PREFIX}/programme?flash=Version {rules_version} "
                                        f"cannot be used any more: {exc}", status_code=303)
            before = loyalty.current_rules(s).to_dict()
            after = rules.to_dict()
            row = ProgrammeVersion(rules=after, effective_at=utcnow(), status="scheduled",
                                   note=f"restore of rules version {rules_version}",
                                   created_at=utcnow(), created_by=staff.username)
            s.add(row)
            s.flush()
            audit(s, staff, "programme.restore", f"rules version {rules_version}",
                  {k: v for k, v in before.items() if after.get(k) != v},
                  {k: v for k, v in after.items() if before.get(k) != v}, form.get("note"))
            published = publish_due(s)
        return RedirectResponse(f"{PREFIX}/programme?flash=Rules version {rules_version} "
                                f"restored as version {published[-1]}.", status_code=303)

    @router.post("/programme/{version_id}/cancel")
    @action
    def programme_cancel(request: Request, staff: Staff, form: Form, version_id: str):
        with db_of(request).write() as s:
            claimed = s.execute(update(ProgrammeVersion).where(
                ProgrammeVersion.id == int(version_id), ProgrammeVersion.status == "scheduled"
            ).values(status="cancelled")).rowcount
            if claimed:
                audit(s, staff, "programme.cancel", f"programme version {version_id}",
                      before={"status": "scheduled"}, after={"status": "cancelled"})
        message = "Cancelled." if claimed else "Only a scheduled version can be cancelled."
        return RedirectResponse(f"{PREFIX}/programme?flash={message}", status_code=303)
