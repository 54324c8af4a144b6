"""Benefits: the benefit programme (权益: benefits, per-tier quotas, count cards 次卡, points-mall
rewards) and each store's mall stock, edited here and sent to the tills through the feed
(pos_central.benefits: ``set_programme``, ``set_stock``).

The programme is one document (``pos_member.domain.benefits.Programme``): each section is
edited as JSON, validated by ``Programme.from_dict`` (the tills' own code) with its message
shown, and saved as a new version at once (a benefit programme has no effective time of its
own; schedule a member-day or price change on the Programme page instead).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from pos_central.console.auth import Staff
from pos_central.console.web import PREFIX, FieldError, Form, action, audit, db_of, page, render

SECTIONS_HELP = {
    "benefits": 'e.g. [{"code": "free-coffee", "name": "免费咖啡", "kind": "free", '
                '"skus": ["C002"]}]',
    "quotas": 'e.g. [{"benefit": "free-coffee", "tier": "gold", "period": "month", "uses": 1}]',
    "count_cards": 'e.g. [{"sku": "CARD10", "benefit": "free-coffee", "uses": 10, '
                   '"valid_days": 365}]',
    "rewards": 'e.g. [{"code": "mug", "name": "马克杯", "points": 500, "sku": "M001", '
               '"kind": "product"}]',
    "offline_daily_uses": "uses one till may spend per member and day while offline",
}


def _available() -> bool:
    try:
        import pos_central.benefits  # noqa: F401
    except ImportError:  # pragma: no cover - a service without the benefit programme
        return False
    return True


def _doc_from_form(form: Form, current: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name, value in current.items():
        if name == "version":
            continue
        raw = form.raw(f"b.{name}", None)
        if raw is None:
            doc[name] = value
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                doc[name] = int(raw)
            except ValueError:
                raise FieldError(name, f"{raw!r} is not a whole number") from None
        else:
            try:
                doc[name] = json.loads(raw or "[]")
            except json.JSONDecodeError as exc:
                raise FieldError(name, f"not valid JSON ({exc.msg}, line {exc.lineno})"
                                 ) from None
    return doc


def _field_of(message: str, names: list[str]) -> str:
    singular = {"benefits": ("benefit", "benefits["), "quotas": ("quota", "two quotas"),
                "count_cards": ("count card", "count_cards", "one count card"),
                "rewards": ("reward",),
                "offline_daily_uses": ("offline_daily_uses",)}
    for name in names:
        if any(message.startswith(w) for w in singular.get(name, ())):
            return name
    return "_"


def _page(request: Request, staff: Staff, doc=None, errors=None, status: int = 200):
    from pos_central import benefits
    from pos_central import models as m
    from pos_central.benefit_tables import MallStock

    with db_of(request).read() as s:
        current = benefits.current_programme(s).to_dict()
        stock = s.execute(select(MallStock).order_by(MallStock.store_id, MallStock.reward)
                          ).scalars().all()
        stores = sorted(set(s.execute(select(m.Terminal.store_id)).scalars()))
    doc = doc or current
    fields = [(k, "int" if isinstance(v, int) and not isinstance(v, bool) else "json", v)
              for k, v in doc.items() if k != "version"]
    return render(request, "benefits.html", staff, status=status, title="Benefits",
                  fields=fields, version=current.get("version", 0), errors=errors or {},
                  stock=stock, stores=stores, help=SECTIONS_HELP,
                  rewards=[r.get("code") for r in current.get("rewards", [])])


def register(router: APIRouter) -> None:
    if not _available():  # pragma: no cover
        return

    @router.get("/benefits")
    @page
    def benefits_page(request: Request, staff: Staff):
        return _page(request, staff)

    @router.post("/benefits")
    @action
    def save_benefits(request: Request, staff: Staff, form: Form):
        from pos_central import benefits
        from pos_member.domain.benefits import BenefitError, Programme

        with db_of(request).read() as s:
            current = benefits.current_programme(s).to_dict()
        try:
            doc = _doc_from_form(form, current)
        except FieldError as exc:
            return _page(request, staff, None, {exc.field: exc.message}, 422)
        try:
            programme = Programme.from_dict(doc)
        except (BenefitError, ValueError) as exc:
            return _page(request, staff, doc, {_field_of(str(exc), list(doc)): str(exc)}, 422)
        except (KeyError, TypeError, AttributeError) as exc:  # a JSON of another shape
            what = f"a field {exc} is missing" if isinstance(exc, KeyError) else str(exc)
            return _page(request, staff, doc, {"_": f"The programme is not complete: {what} "
                                                    "(see the examples under each section)."},
                         422)
        with db_of(request).write() as s:
            before = benefits.current_programme(s).to_dict()
            version = benefits.set_programme(s, programme)
            after = programme.to_dict()
            audit(s, staff, "benefits.set", f"benefit programme version {version}",
                  {k: v for k, v in before.items() if k != "version" and after.get(k) != v},
                  {k: v for k, v in after.items() if k != "version" and before.get(k) != v},
                  form.get("note"))
        return RedirectResponse(f"{PREFIX}/benefits?flash=Benefit programme version {version} "
                                "published: tills receive it at their next sync.",
                                status_code=303)

    @router.post("/benefits/stock")
    @action
    def set_stock(request: Request, staff: Staff, form: Form):
        from pos_central import benefits
        from pos_central.benefit_tables import MallStock

        store, reward = form.get("store").upper(), form.get("reward")
        try:
            if not store:
                raise FieldError("stock", "choose a store")
            if not reward:
                raise FieldError("stock", "choose a reward")
            try:
                count = int(form.get("stock"))
            except ValueError:
                raise FieldError("stock", "the stock is a whole number") from None
            if count < 0:
                raise FieldError("stock", "the stock cannot be negative")
        except FieldError as exc:
            return _page(request, staff, None, {exc.field: exc.message}, 422)
        with db_of(request).write() as s:
            row = s.get(MallStock, (store, reward))
            before = None if row is None else row.stock
            benefits.set_stock(s, store, reward, count)
            audit(s, staff, "mall.stock", f"{store} {reward}", {"stock": before},
                  {"stock": count}, form.get("note"))
        return RedirectResponse(f"{PREFIX}/benefits?flash=Stock of {reward} at {store}: "
                                f"{count}.", status_code=303)
