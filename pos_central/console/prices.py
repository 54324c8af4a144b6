"""Member prices (会员价): a price per tier on a catalogue product, sent to the tills with the
product through the feed. How it combines with the tier discount is the rules'
``member_price_mode`` (Programme page): ``replace`` (the member price, no tier discount on top)
or ``best`` (whichever is lower).

A member price is at most the shelf price (a "member price" above it would charge members
more); an empty input means the tier pays the shelf price.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import or_, select

from pos_central import admin, loyalty
from pos_central import models as m
from pos_central.console.auth import Staff
from pos_central.console.web import (
    PREFIX,
    FieldError,
    Form,
    action,
    audit,
    db_of,
    page,
    parse_yuan_field,
    render,
)
from pos_central.views import product_data

MAX_ROWS = 200


def products_query(q: str):
    query = select(m.Product).where(m.Product.active.is_(True)).order_by(m.Product.sku)
    if q:
        query = query.where(or_(m.Product.sku == q, m.Product.name.ilike(f"%{q}%"),
                                m.Product.name_en.ilike(f"%{q}%"),
                                m.Product.sku.in_(select(m.Barcode.sku)
                                                  .where(m.Barcode.code == q))))
    return query


def _page(request: Request, staff: Staff, errors=None, status: int = 200):
    q = request.query_params.get("q", "").strip()
    with db_of(request).read() as s:
        products = s.execute(products_query(q).limit(MAX_ROWS)).scalars().all()
        tiers = [(t.code, t.display_name("en")) for t in loyalty.current_rules(s).tiers]
        mode = loyalty.current_rules(s).to_dict().get("member_price_mode", "")
    return render(request, "prices.html", staff, status=status, title="Member prices",
                  products=products, tiers=tiers, q=q, errors=errors or {}, mode=mode)


def register(router: APIRouter) -> None:
    if "member_prices" not in m.Product.__table__.c:  # pragma: no cover - older catalogue
        return

    @router.get("/prices")
    @page
    def prices_page(request: Request, staff: Staff):
        return _page(request, staff)

    @router.post("/prices/{sku}")
    @action
    def set_prices(request: Request, staff: Staff, form: Form, sku: str):
        try:
            with db_of(request).write() as s:
                product = s.get(m.Product, sku)
                if product is None:
                    raise FieldError(sku, "no such product")
                prices: dict[str, int] = {}
                for tier in loyalty.current_rules(s).tiers:
                    fen = parse_yuan_field(form.get(f"p.{tier.code}"), sku, required=False)
                    if fen is None:
                        continue
                    if fen > product.unit_price_fen:
                        raise FieldError(sku, f"{tier.code}: ¥{fen / 100:.2f} is above the shelf "
                                              f"price ¥{product.unit_price_fen / 100:.2f}")
                    prices[tier.code] = fen
                before = dict(product.member_prices or {})
                data = product_data(product).model_copy(update={"member_prices": prices})
                admin.upsert_product(s, data)
                audit(s, staff, "product.member_prices", sku, before, prices)
        except FieldError as exc:
            return _page(request, staff, {exc.field: exc.message}, 422)
        return RedirectResponse(f"{PREFIX}/prices?flash=Member prices of {sku} saved.",
                                status_code=303)
