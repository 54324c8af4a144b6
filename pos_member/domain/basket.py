"""Basket lines and the member as the pricing engine sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .money import Fen, times
from .points import PointLot


@dataclass(frozen=True)
class BasketLine:
    sku: str
    name: str
    unit_price: Fen
    qty: Decimal  # fractional for weighed goods (kg), e.g. Decimal("0.350")
    category: str = ""
    discountable: bool = True
    points_eligible: bool = True
    # Member prices (会员价): (tier code, unit price in fen) pairs; see domain/member_prices.py
    member_prices: tuple[tuple[str, Fen], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.unit_price, int) or isinstance(self.unit_price, bool):
            raise TypeError("unit_price is integer fen")
        if self.unit_price < 0:
            raise ValueError(f"line {self.sku}: unit price must not be negative")
        if not isinstance(self.qty, Decimal):
            raise TypeError("qty is a Decimal")
        if not self.qty.is_finite() or self.qty <= 0:
            raise ValueError(f"line {self.sku}: quantity must be greater than zero")

    @property
    def amount(self) -> Fen:
        """Unit price × quantity, rounded half up to the fen."""
        return times(self.unit_price, self.qty)


@dataclass(frozen=True)
class MemberSnapshot:
    """What the till knows of a member at the moment of pricing."""

    id: str
    tier: str
    growth: int
    points: int  # cached balance from the central service (may be negative)
    pending_redeemed: int = 0  # redeemed on this till, not yet confirmed by the central service
    redeemed_today_offline: int = 0  # redeemed offline today on this till (risk limit)
    birthday: date | None = None
    last_purchase_at: datetime | None = None
    lots: tuple[PointLot, ...] = field(default_factory=tuple)
    # Ids of the gifts already issued to the member (domain/gifts.py): not offered again.
    gifts_claimed: frozenset[str] = frozenset()

    @property
    def available_points(self) -> int:
        return max(0, self.points - self.pending_redeemed)
