"""Read-only look-ups for the cashier's screen: products by barcode or SKU, search by name,
categories with their products for the quick-key grid; plus the few till facts the status bar
and the receipt need (store name and address, printer spec, events waiting to sync, whether a
shift is open), so the UI never touches the store directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, or_, select

from pos_member.domain import scale
from pos_member.domain.pinyin import query_key
from pos_member.store import repositories as repo
from pos_member.store.models import Barcode, Category, Product

from .context import TillContext
from .errors import InvalidInput, NotFound

MAX_RESULTS = 50
STORE_SETTINGS = ("brand_name", "store_name", "store_address", "printer", "printer_width",
                  "printer_encoding", "language")


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    name_en: str | None
    category_id: str | None
    unit_price_fen: int
    unit: str  # pcs or kg
    discountable: bool
    points_eligible: bool
    barcode: str | None = None

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class CategoryView:
    id: str
    name: str
    name_en: str | None
    products: tuple[ProductView, ...]

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


def _view(p: Product, barcode: str | None = None) -> ProductView:
    if barcode is None and p.barcodes:
        barcode = p.barcodes[0].code
    return ProductView(p.sku, p.name, p.name_en, p.category_id, p.unit_price_fen, p.unit,
                       p.discountable, p.points_eligible, barcode)


def find_product(ctx: TillContext, code: str) -> ProductView:
    """A product by one of its barcodes, or by its SKU (case-insensitive); NotFound otherwise."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        raise NotFound("no product with this code", code="unknown_product")
    with ctx.read_sessions() as s:
        bc = s.get(Barcode, code)
        if bc is not None and bc.product is not None and bc.product.active:
            return _view(bc.product, bc.code)
        p = s.get(Product, code) or s.get(Product, code.upper())
        if p is not None and p.active:
            return _view(p)
    raise NotFound(f"no product with the code {code!r}", code="unknown_product")


SCALE_BARCODES = "scale_barcodes"  # sync_state key: the store's scale layouts (domain.scale)


@dataclass(frozen=True)
class WeighedItem:
    """A scale label read at the till: the product, its weight and what the line costs.

    ``label_price_fen`` is the price printed on a price-embedded label (None for a weight
    label); ``exact`` says the line's amount at the till's unit price equals it (always True for
    a weight label)."""

    product: ProductView
    weight_kg: Decimal
    amount_fen: int
    label_price_fen: int | None = None
    exact: bool = True


def scale_layouts(ctx: TillContext) -> tuple[scale.ScaleLayout, ...]:
    """The store's scale barcode layouts (the ``scale_barcodes`` setting, or the default)."""
    with ctx.read_sessions() as s:
        text = repo.get_setting(s, SCALE_BARCODES)
    if text is None:
        return scale.DEFAULT_LAYOUTS
    try:
        return scale.parse_layouts(text)
    except scale.ScaleError:
        return scale.DEFAULT_LAYOUTS  # a bad setting is refused when saved; never crash a scan


def find_scale_item(ctx: TillContext, code: str) -> WeighedItem | None:
    """The weighed item a scale barcode stands for, or None when ``code`` is not a scale code
    of this store. The product is the one with the label's item code (PLU) as a barcode, or as
    its SKU (with or without the leading zeros). A label of an unknown PLU is NotFound; a
    weight label of a product sold by the piece is InvalidInput."""
    reading = scale.read_scale_code(code, scale_layouts(ctx))
    if reading is None:
        return None
    product = None
    for candidate in dict.fromkeys((reading.item, reading.item.lstrip("0") or "0")):
        try:
            product = find_product(ctx, candidate)
            break
        except NotFound:
            continue
    if product is None:
        raise NotFound(f"scale label {code}: no product with the item code {reading.item}",
                       code="unknown_plu")
    if product.unit != "kg":
        raise InvalidInput(f"scale label {code}: {product.name} is sold by the piece",
                           code="not_weighed")
    if reading.weight_kg is not None:
        if reading.weight_kg <= 0:
            raise InvalidInput(f"scale label {code}: the weight is zero", code="bad_weight")
        return WeighedItem(product, reading.weight_kg,
                           scale.amount_for(product.unit_price_fen, reading.weight_kg))
    try:
        weight, exact = scale.weight_for_price(reading.price_fen or 0, product.unit_price_fen)
    except scale.ScaleError as exc:
        raise InvalidInput(f"scale label {code}: {exc}", code=exc.code) from None
    return WeighedItem(product, weight, scale.amount_for(product.unit_price_fen, weight),
                       reading.price_fen, exact)


def search_products(ctx: TillContext, text: str, limit: int = 20) -> list[ProductView]:
    """Products whose name (Chinese or English), SKU or barcode contains ``text``, or whose
    name's pinyin initials or full pinyin contain it ("nt" and "natie" find 拿铁, "nt" also
    燕麦拿铁): names that start with it in pinyin first, then names that contain it in
    pinyin, then the other matches."""
    text = " ".join((text or "").split())[:64]
    if not text:
        return []
    pattern = f"%{repo.escape_like(text)}%"
    esc = repo.LIKE_ESCAPE
    matches = [
        Product.name.like(pattern, escape=esc), Product.name_en.ilike(pattern, escape=esc),
        Product.sku.ilike(pattern, escape=esc),
        Product.sku.in_(select(Barcode.sku).where(Barcode.code.like(pattern, escape=esc))),
    ]
    order: list[Any] = [Product.sku]
    key = query_key(text)
    if key and key.isascii():
        prefix = Product.name_initials.startswith(key) | Product.name_pinyin.startswith(key)
        # inside the full pinyin only from three letters: "nt" is not 蛋挞 (da-nt-a)
        inside = Product.name_initials.contains(key) | (
            Product.name_pinyin.contains(key) if len(key) >= 3 else prefix)
        matches += [prefix, inside]
        order.insert(0, case((prefix, 0), (inside, 1), else_=2))
    with ctx.read_sessions() as s:
        rows = s.scalars(
            select(Product).where(Product.active.is_(True)).where(or_(*matches))
            .order_by(*order).limit(max(1, min(limit, MAX_RESULTS))))
        return [_view(p) for p in rows]


def quick_keys(ctx: TillContext) -> list[CategoryView]:
    """Active categories in their order, each with its active products (the quick-key grid)."""
    with ctx.read_sessions() as s:
        cats = list(s.scalars(select(Category).where(Category.active.is_(True))
                              .order_by(Category.sort_order, Category.id)))
        products = list(s.scalars(select(Product).where(Product.active.is_(True))
                                  .order_by(Product.sku)))
        out = []
        for c in cats:
            out.append(CategoryView(c.id, c.name, c.name_en,
                                    tuple(_view(p) for p in products if p.category_id == c.id)))
        loose = tuple(_view(p) for p in products
                      if p.category_id not in {c.id for c in cats})
        if loose:
            out.append(CategoryView("", "其他", "Other", loose))
        return out


def store_info(ctx: TillContext) -> dict[str, str]:
    """The store's name, address and the till's printer settings kept in ``sync_state``."""
    with ctx.read_sessions() as s:
        out = {}
        for key in STORE_SETTINGS:
            value = repo.get_setting(s, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class TillStatus:
    events_waiting: int
    shift_open: bool
    shift_opened_at: datetime | None = None  # aware UTC, the open shift's
    shift_opened_by: str = ""                # the staff id who opened it


def till_status(ctx: TillContext) -> TillStatus:
    """What the status bar shows when no sync engine reports: the outbox and the shift."""
    from .shifts import current_shift

    with ctx.read_sessions() as s:
        shift = current_shift(s, ctx.terminal_id)
        return TillStatus(repo.count_pending_outbox(s), shift is not None,
                          shift.opened_at if shift is not None else None,
                          shift.opened_by if shift is not None else "")


@dataclass(frozen=True)
class CouponView:
    """A coupon's figures, for the member panel (the engine says whether it applies)."""

    code: str
    kind: str  # amount_off | percent_off
    value_fen: int | None
    rate: str | None
    cap_fen: int | None
    threshold_fen: int
    categories: tuple[str, ...]
    skus: tuple[str, ...]
    valid_to: object  # store-local naive datetime or None
    stackable: bool
    with_tier_discount: bool
    member_id: str | None
    status: str
    title: str = ""  # the brand's name for the coupon ("" when the service sent none)


def coupon_details(ctx: TillContext, codes: list[str] | tuple[str, ...]) -> list[CouponView]:
    """The coupons with these codes that the till knows, in the order given."""
    from pos_member.store.models import Coupon

    out = []
    with ctx.read_sessions() as s:
        for code in dict.fromkeys(codes):
            c = s.get(Coupon, code)
            if c is None:
                continue
            out.append(CouponView(c.code, c.kind, c.value_fen, c.rate, c.cap_fen,
                                  c.threshold_fen or 0, tuple(c.categories or ()),
                                  tuple(c.skus or ()), c.valid_to, c.stackable,
                                  c.with_tier_discount, c.member_id, c.status,
                                  c.title or ""))
    return out


def loyalty_rules(ctx: TillContext):
    """The loyalty rules in force (tier names and rates for the screens and paper)."""
    from .rules import current_rules

    with ctx.read_sessions() as s:
        return current_rules(s)


def loyalty_tiers(ctx: TillContext) -> list[tuple[str, int]]:
    """(tier code, growth needed) in ascending order, from the rules in force."""
    from .rules import current_rules

    with ctx.read_sessions() as s:
        return [(t.code, t.min_growth) for t in current_rules(s).tiers]
