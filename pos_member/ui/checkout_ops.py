"""Functions the checkout screen runs on the DB worker: each is one op, so a scan costs one
round trip (identify the member, load their coupons and reprice the basket together)."""

from __future__ import annotations

from dataclasses import dataclass

from pos_member.services import catalogue, checkout, members
from pos_member.services.errors import NotFound


@dataclass(frozen=True)
class MemberLoaded:
    lookup: object              # members.LookupResult
    member: object | None       # the one member (None: a pick list)
    wallet: list[str]
    coupons: dict[str, object]  # code -> catalogue.CouponView
    pricing: object | None      # PricingResult, None for an empty basket


def load_member(ctx, text: str | None, member_id: str | None, cart, entered: tuple[str, ...],
                lookup=None) -> MemberLoaded:
    """Identify a member (by scan/typed text, or by id after a pick list), load their coupon
    wallet and price the basket for them."""
    if lookup is None:
        lookup = members.lookup(ctx, text or "")
    member = lookup.member
    if member_id is not None:
        member = next((m for m in lookup.members if m.id == member_id), None) \
            or members.get_member(ctx, member_id)
    if member is None:
        return MemberLoaded(lookup, None, [], {}, None)
    wallet = members.member_coupons(ctx, member.id)
    codes = tuple(dict.fromkeys([*wallet, *entered]))
    views = {c.code: c for c in catalogue.coupon_details(ctx, codes)} if codes else {}
    pricing = checkout.quote_basket(ctx, cart, member.id, codes) if cart else None
    return MemberLoaded(lookup, member, wallet, views, pricing)


@dataclass(frozen=True)
class Resolved:
    kind: str      # product | weighed | coupon
    value: object  # ProductView | catalogue.WeighedItem | CouponView


def resolve_code(ctx, code: str) -> Resolved:
    """A scanned or typed code: a product (barcode or SKU), a scale label (a weighed product
    with its weight) or, failing those, a coupon."""
    try:
        return Resolved("product", catalogue.find_product(ctx, code))
    except NotFound:
        pass
    weighed = catalogue.find_scale_item(ctx, code)  # NotFound/InvalidInput for a bad label
    if weighed is not None:
        return Resolved("weighed", weighed)
    found = catalogue.coupon_details(ctx, [code]) or catalogue.coupon_details(ctx, [code.upper()])
    if found:
        return Resolved("coupon", found[0])
    raise NotFound(f"no product or coupon with the code {code!r}", code="unknown_code")


def refresh_member(ctx, member_id: str):
    return members.get_member(ctx, member_id)


def print_recorded_sale(ctx, receipts, sale_id: str) -> tuple[int | None, bytes]:
    """Queue a finished sale's receipt and return (job id, preview PNG): built from the sale
    as recorded, as every reprint is, so they are the same receipt but for the COPY mark."""
    from pos_member.services.receipts import sale_receipt

    return receipts.print_sale(sale_receipt(ctx, sale_id), sale_id)
