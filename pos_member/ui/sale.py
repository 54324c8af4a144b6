"""The sale in progress on the checkout screen: plain Python, no Qt (tested without a window).

The basket lives here until payment; the services price it (``quote_basket``) and record it
(``checkout``). ``sale_id`` is made when the sale starts and kept across retries, so a payment
retried after a timeout or a manager's approval is recorded once (checkout is idempotent).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from pos_member.services.catalogue import ProductView
from pos_member.services.checkout import CartLine, Tender


@dataclass
class CartItem:
    product: ProductView
    qty: Decimal
    override: int | None = None  # a manager-approved unit price (fen)

    @property
    def unit_price(self) -> int:
        return self.override if self.override is not None else self.product.unit_price_fen

    def line(self) -> CartLine:
        return CartLine(self.product.sku, self.qty, self.override)


@dataclass
class SaleState:
    sale_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    items: list[CartItem] = field(default_factory=list)
    member: object | None = None       # services.members.MemberView
    via: str = ""                      # how the member was identified
    code: object | None = None         # security VerifiedCode when via == dynamic_code
    code_text: str | None = None       # that code as scanned: checkout spends points with it
    wallet: list[str] = field(default_factory=list)   # the member's own coupons
    entered: list[str] = field(default_factory=list)  # coupons scanned or typed
    chosen: tuple[str, ...] | None = None  # the cashier's override of the engine's choice
    redeem_points: int = 0
    pricing: object | None = None      # domain PricingResult of the last quote
    version: int = 0                   # bumped on every change (stale quotes are ignored)
    # benefits redeemed: (CartItem, benefit code, source); mall rewards: (reward code, SKU)
    # (ui/benefits_dialog.py turns them into the services' claims)
    benefit_claims: list = field(default_factory=list)
    mall_claims: list = field(default_factory=list)

    def touch(self) -> None:
        self.version += 1

    # --- basket ------------------------------------------------------------------------------

    def add(self, product: ProductView, qty: Decimal = Decimal(1)) -> int:
        """Add a product; the same product (not weighed, no override) adds to its line.
        Returns the line's index."""
        if product.unit != "kg":
            for i, item in enumerate(self.items):
                if item.product.sku == product.sku and item.override is None:
                    item.qty += qty
                    self.touch()
                    return i
        self.items.append(CartItem(product, qty))
        self.touch()
        return len(self.items) - 1

    def set_qty(self, index: int, qty: Decimal) -> None:
        if qty <= 0:
            raise ValueError("the quantity must be greater than zero")
        self.items[index].qty = qty
        self.touch()

    def remove(self, index: int) -> CartItem:
        item = self.items.pop(index)
        self.touch()
        return item

    def cart(self) -> tuple[CartLine, ...]:
        return tuple(item.line() for item in self.items)

    @property
    def empty(self) -> bool:
        return not self.items

    # --- member and coupons ------------------------------------------------------------------

    def set_member(self, member, via: str, code=None, wallet: list[str] | None = None,
                   code_text: str | None = None) -> None:
        self.member, self.via, self.code = member, via, code
        self.code_text = code_text if code is not None else None
        self.wallet = list(wallet or [])
        self.chosen = None
        self.redeem_points = 0
        self.touch()

    def clear_member(self) -> None:
        self.set_member(None, "", None, [])

    def coupons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.wallet, *self.entered]))

    def add_coupon(self, code: str) -> bool:
        if code in self.coupons():
            return False
        self.entered.append(code)
        self.chosen = None
        self.touch()
        return True

    def drop_coupon(self, code: str) -> None:
        if code in self.entered:
            self.entered.remove(code)
        if self.chosen is not None:
            self.chosen = tuple(c for c in self.chosen if c != code)
        self.touch()

    @property
    def member_id(self) -> str | None:
        return getattr(self.member, "id", None)



@dataclass
class Payment:
    """Tenders taken in the payment dialog."""

    total: int
    tenders: list[Tender] = field(default_factory=list)

    @property
    def paid(self) -> int:
        return sum(t.amount for t in self.tenders)

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.paid)

    @property
    def change(self) -> int:
        return sum((t.tendered or t.amount) - t.amount for t in self.tenders if t.kind == "cash")

    def add(self, kind: str, amount: int, reference: str | None = None) -> Tender:
        """Take ``amount`` in ``kind``. Cash may exceed what is left (the rest is change); other
        tenders are cut to what is left."""
        if amount <= 0:
            raise ValueError("the amount must be greater than zero")
        left = self.remaining
        if left <= 0:
            raise ValueError("nothing is left to pay")
        if kind == "cash":
            tender = Tender("cash", min(amount, left), tendered=amount)
        else:
            tender = Tender(kind, min(amount, left), reference=reference)
        self.tenders.append(tender)
        return tender

    def remove_last(self) -> None:
        if self.tenders:
            self.tenders.pop()
