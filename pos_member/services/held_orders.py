"""Held orders (挂单/取单): a basket put aside so the cashier can serve the next customer, and
taken up again later, on this till, by any signed-in staff member, after a restart too.

A held order keeps the lines (SKU, quantity, a manager's price override), the member, the
coupons scanned or typed, the cashier's coupon choice and the points asked. It is not a sale:
nothing is spent, earned or sent. Recalling it prices the basket again with the prices and
rules in force now (they may have changed while it waited) and reports the old and new totals;
products no longer sold are left out and named. A price override is kept as a price, but its
manager's approval is not (an approval is never stored): checkout asks for one again.

Benefits redeemed (a quota use, a count-card use) and points-mall rewards are kept with the
line they were claimed on, so a recalled order prices as it was held. They are checked again at
recall (the quota may have been spent at another till meanwhile); one no longer possible is left
out and named (``dropped_claims``), never silently. Member prices, member-day rates and gifts
are not stored: the pricing engine derives them from the member and today's rules again.
Stored value and platform vouchers are tenders of the payment dialog, which an order on hold
never reached (hold is refused while the dialog is open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, literal_column, select

from pos_member.domain.benefits import Claim
from pos_member.domain.mall import MallClaim
from pos_member.domain.pricing import PricingResult
from pos_member.store.db import transaction
from pos_member.store.models import HeldOrder

from . import catalogue, checkout, members
from .checkout import CartLine
from .context import TillContext
from .errors import InvalidInput, NotFound, ServiceError
from .staff import StaffMember

MAX_HELD = 50          # more baskets on hold than this is a forgotten pile, not a queue
LABEL_MAX = 100
PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class HeldSummary:
    """One line of the recall list."""

    id: str
    held_at: datetime
    staff_id: str
    label: str
    member_id: str | None
    item_count: int
    total_fen: int


@dataclass(frozen=True)
class RecalledLine:
    product: object              # catalogue.ProductView
    qty: Decimal
    override: int | None


@dataclass(frozen=True)
class Recalled:
    summary: HeldSummary
    lines: tuple[RecalledLine, ...]
    member: object | None        # members.MemberView (None: no member or no longer known)
    wallet: tuple[str, ...]      # the member's own coupons now
    entered: tuple[str, ...]     # coupons scanned or typed, still known
    chosen: tuple[str, ...] | None
    redeem_points: int
    pricing: PricingResult | None  # priced now
    missing: tuple[str, ...]     # SKUs no longer sold (left out)
    dropped_coupons: tuple[str, ...]  # coupons no longer known (left out)
    claims: tuple[Claim, ...] = ()      # benefits redeemed, line indexes of ``lines``
    mall: tuple[MallClaim, ...] = ()    # points-mall rewards, line indexes of ``lines``
    dropped_claims: tuple[str, ...] = ()  # benefit / reward codes no longer possible

    @property
    def old_total(self) -> int:
        return self.summary.total_fen

    @property
    def new_total(self) -> int | None:
        return self.pricing.total if self.pricing is not None else None

    @property
    def total_changed(self) -> bool:
        return self.new_total is not None and self.new_total != self.old_total


def _summary(row: HeldOrder) -> HeldSummary:
    return HeldSummary(row.id, row.held_at, row.staff_id, row.label, row.member_id,
                       row.item_count, row.total_fen)


def hold(ctx: TillContext, staff: StaffMember, lines: tuple[CartLine, ...], *,
         member_id: str | None = None, coupons: tuple[str, ...] = (),
         chosen: tuple[str, ...] | None = None, redeem_points: int = 0, total_fen: int = 0,
         label: str = "", claims: tuple[Claim, ...] = (),
         mall: tuple[MallClaim, ...] = ()) -> HeldSummary:
    """Put a basket on hold. ``coupons`` are the ones scanned or typed (the member's own are
    loaded again at recall); ``total_fen`` the total on screen, compared at recall."""
    if staff is None:
        raise ServiceError("sign in first", code="not_signed_in")
    lines = tuple(lines)
    if not lines:
        raise InvalidInput("the basket is empty: nothing to hold", code="empty_basket")
    if total_fen < 0 or redeem_points < 0:
        raise InvalidInput("amounts cannot be negative", code="bad_amount")
    if any(not 0 <= c.line < len(lines) for c in (*claims, *mall)):
        raise InvalidInput("a benefit or reward names a line the basket does not have",
                           code="bad_claim")
    payload = {
        "version": PAYLOAD_VERSION,
        "lines": [{"sku": ln.sku, "qty": str(ln.qty), "override": ln.unit_price}
                  for ln in lines],
        "coupons": list(dict.fromkeys(coupons)),
        "chosen": list(chosen) if chosen is not None else None,
        "redeem_points": int(redeem_points),
        "claims": [c.to_dict() for c in claims],
        "mall": [m.to_dict() for m in mall],
    }
    label = " ".join((label or "").split())[:LABEL_MAX]
    with transaction(ctx.sessions) as s:
        if (s.scalar(select(func.count()).select_from(HeldOrder)) or 0) >= MAX_HELD:
            raise ServiceError(f"{MAX_HELD} orders are on hold already: recall or discard one",
                               code="too_many_held")
        row = HeldOrder(held_at=ctx.now(), staff_id=staff.id, member_id=member_id, label=label,
                        item_count=len(lines), total_fen=int(total_fen), payload=payload)
        s.add(row)
        s.flush()
        return _summary(row)


def list_held(ctx: TillContext) -> list[HeldSummary]:
    """Orders on hold, oldest first (the queue at the counter); held in the same instant, in
    the order they were held (SQLite's rowid)."""
    with ctx.read_sessions() as s:
        return [_summary(r) for r in s.scalars(
            select(HeldOrder).order_by(HeldOrder.held_at, literal_column("held_orders.rowid")))]


def count_held(ctx: TillContext) -> int:
    with ctx.read_sessions() as s:
        return s.scalar(select(func.count()).select_from(HeldOrder)) or 0


def _qty(text) -> Decimal | None:
    try:
        q = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return q if q.is_finite() and q > 0 else None


def recall(ctx: TillContext, held_id: str) -> Recalled:
    """Take an order off hold: its basket priced now. The row is deleted once the basket is
    rebuilt, so a recall that fails leaves the order on hold."""
    with ctx.read_sessions() as s:
        row = s.get(HeldOrder, held_id)
        if row is None:
            raise NotFound("that order is no longer on hold", code="held_order_gone")
        summary, payload = _summary(row), dict(row.payload or {})

    lines: list[RecalledLine] = []
    missing: list[str] = []
    new_index: dict[int, int] = {}  # held line index -> index in ``lines`` (some may be gone)
    for held_index, item in enumerate(payload.get("lines", [])):
        sku, qty = str(item.get("sku", "")), _qty(item.get("qty"))
        override = item.get("override")
        try:
            product = catalogue.find_product(ctx, sku)
        except NotFound:
            missing.append(sku)
            continue
        if qty is None:
            missing.append(sku)
            continue
        new_index[held_index] = len(lines)
        lines.append(RecalledLine(product, qty,
                                  int(override) if isinstance(override, int) else None))

    member = None
    wallet: tuple[str, ...] = ()
    if summary.member_id:
        try:
            member = members.get_member(ctx, summary.member_id)
            wallet = tuple(members.member_coupons(ctx, member.id))
        except NotFound:
            member = None
    asked = tuple(str(c) for c in payload.get("coupons", []))
    known = {c.code for c in catalogue.coupon_details(ctx, asked)} if asked else set()
    entered = tuple(c for c in asked if c in known)
    dropped = tuple(c for c in asked if c not in known)
    chosen = payload.get("chosen")
    chosen = tuple(c for c in chosen if c in known or c in wallet) if chosen is not None \
        else None
    redeem = int(payload.get("redeem_points") or 0) if member is not None else 0
    claims, mall, dropped_claims = _claims(payload, new_index, member is not None)

    pricing = None
    if lines:
        cart = tuple(CartLine(ln.product.sku, ln.qty, ln.override) for ln in lines)
        codes = tuple(dict.fromkeys([*wallet, *entered]))
        mid = member.id if member is not None else None

        def quote(chosen_, claims_, mall_):
            return checkout.quote_basket(ctx, cart, mid, codes, chosen_, redeem, claims_, mall_)
        try:
            pricing = quote(chosen, claims, mall)
        except ServiceError:
            # the cashier's coupon choice may no longer be possible: the engine's best one
            try:
                pricing = quote(None, claims, mall)
                chosen = None
            except ServiceError:
                # a benefit or reward no longer possible (spent meanwhile, the card refunded,
                # the reward out of stock): keep those still possible, name the others
                keep_c = tuple(c for c in claims if _quotes(quote, chosen, (c,), ()))
                keep_m = tuple(m for m in mall if _quotes(quote, chosen, keep_c, (m,)))
                dropped_claims += tuple(c.benefit for c in claims if c not in keep_c)
                dropped_claims += tuple(m.reward for m in mall if m not in keep_m)
                claims, mall = keep_c, keep_m
                try:
                    pricing = quote(chosen, claims, mall)
                except ServiceError:
                    chosen = None
                    pricing = quote(None, claims, mall)

    with transaction(ctx.sessions) as s:
        row = s.get(HeldOrder, held_id)
        if row is None:  # recalled meanwhile (never on one till: one worker), kept safe anyway
            raise NotFound("that order is no longer on hold", code="held_order_gone")
        s.delete(row)
    return Recalled(summary, tuple(lines), member, wallet, entered, chosen, redeem, pricing,
                    tuple(missing), dropped, claims, mall, dropped_claims)


def _claims(payload: dict, new_index: dict[int, int], has_member: bool
            ) -> tuple[tuple[Claim, ...], tuple[MallClaim, ...], tuple[str, ...]]:
    """The held claims moved to the recalled lines; those whose line or member is gone are
    named as dropped."""
    claims: list[Claim] = []
    mall: list[MallClaim] = []
    dropped: list[str] = []
    for item in payload.get("claims", []) or []:
        line = new_index.get(item.get("line")) if has_member else None
        if line is None:
            dropped.append(str(item.get("benefit")))
        else:
            claims.append(Claim(str(item["benefit"]), line, item.get("source")))
    for item in payload.get("mall", []) or []:
        line = new_index.get(item.get("line")) if has_member else None
        if line is None:
            dropped.append(str(item.get("reward")))
        else:
            mall.append(MallClaim(str(item["reward"]), line, int(item.get("qty") or 1)))
    return tuple(claims), tuple(mall), tuple(dropped)


def _quotes(quote, chosen, claims, mall) -> bool:
    try:
        quote(chosen, claims, mall)
    except ServiceError:
        try:
            quote(None, claims, mall)
        except ServiceError:
            return False
    return True


def discard(ctx: TillContext, staff: StaffMember, held_id: str) -> None:
    """The customer is not coming back: the order is dropped (nothing was sold)."""
    if staff is None:
        raise ServiceError("sign in first", code="not_signed_in")
    with transaction(ctx.sessions) as s:
        row = s.get(HeldOrder, held_id)
        if row is None:
            raise NotFound("that order is no longer on hold", code="held_order_gone")
        s.delete(row)
