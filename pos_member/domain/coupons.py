"""Coupons: the two kinds, their scopes and validity, and the reasons one is not applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Sequence

from .basket import BasketLine
from .money import Fen


class CouponKind(str, Enum):
    AMOUNT_OFF = "amount_off"  # value off, optional threshold (满300减30)
    PERCENT_OFF = "percent_off"  # rate (0.80 = 8折), optional cap on the discount


class Reason(str, Enum):
    """Why a presented coupon was not applied (stable codes, part of the quote contract)."""

    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_WEEKDAY = "wrong_weekday"
    TIER_NOT_ALLOWED = "tier_not_allowed"
    BELOW_THRESHOLD = "below_threshold"
    NO_ELIGIBLE_LINES = "no_eligible_lines"
    ALREADY_USED = "already_used"
    NOT_COMBINABLE = "not_combinable"
    OVER_COUPON_LIMIT = "over_coupon_limit"
    NOT_CHOSEN = "not_chosen"


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: CouponKind
    value: Fen | None = None  # amount_off
    rate: Decimal | None = None  # percent_off: what the customer pays, 0.80 = 20 % off
    cap: Fen | None = None  # percent_off: largest discount
    threshold: Fen = 0  # 0 = 无门槛
    categories: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    valid_from: datetime | None = None  # inclusive
    valid_to: datetime | None = None  # exclusive
    weekdays: frozenset[int] = frozenset()  # ISO 1 = Monday … 7 = Sunday; empty = every day
    tiers: frozenset[str] = frozenset()  # empty = members and non-members alike
    stackable: bool = False
    with_tier_discount: bool = True
    used: bool = False

    def __post_init__(self) -> None:
        kind = CouponKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if not self.code:
            raise ValueError("coupon code must not be empty")
        if kind is CouponKind.AMOUNT_OFF:
            if self.value is None:
                raise ValueError(f"coupon {self.code}: amount_off needs a value")
            if self.value <= 0:
                raise ValueError(f"coupon {self.code}: value must be greater than zero")
        else:
            if self.rate is None:
                raise ValueError(f"coupon {self.code}: percent_off needs a rate")
            if not Decimal(0) <= self.rate < Decimal(1):
                raise ValueError(f"coupon {self.code}: rate must be at least 0 and below 1")
        if self.cap is not None and self.cap < 0:
            raise ValueError(f"coupon {self.code}: cap must not be negative")
        if self.threshold < 0:
            raise ValueError(f"coupon {self.code}: threshold must not be negative")
        if any(d not in range(1, 8) for d in self.weekdays):
            raise ValueError(f"coupon {self.code}: weekdays are 1 (Monday) to 7 (Sunday)")
        if (self.valid_from is not None and self.valid_to is not None
                and self.valid_to <= self.valid_from):
            raise ValueError(f"coupon {self.code}: valid_to must be after valid_from")

    def covers(self, line: BasketLine) -> bool:
        """Whether a line is in the coupon's scope (all lines when no category or SKU is named)."""
        if not self.categories and not self.skus:
            return True
        return line.category in self.categories or line.sku in self.skus

    def eligible_indices(self, lines: Sequence[BasketLine]) -> tuple[int, ...]:
        """The indices of the lines in scope (``covers``, one pass)."""
        cats, skus = self.categories, self.skus
        if not cats and not skus:
            return tuple(range(len(lines)))
        return tuple(i for i, line in enumerate(lines) if line.category in cats or line.sku in skus)


def local_naive(dt: datetime | None, at: datetime) -> datetime | None:
    """A coupon time as a naive store-local time, to compare with the naive local ``at``.

    Aware times are converted to the offset of ``at`` (the store's time); naive ones are already
    store-local.
    """
    if dt is None:
        return None
    if dt.tzinfo is not None and at.tzinfo is not None:
        try:
            return dt.astimezone(at.tzinfo).replace(tzinfo=None)
        except OverflowError:  # e.g. 9999-12-31T23:59:59Z seen from UTC+8: "never ends"
            return datetime.max if dt.year > 1 else datetime.min
    return dt.replace(tzinfo=None)


def static_rejection(coupon: Coupon, at: datetime, tier_code: str | None,
                     lines: Sequence[BasketLine],
                     elig: tuple[int, ...] | None = None) -> Reason | None:
    """The first reason, independent of the other coupons, that ``coupon`` cannot apply.

    ``elig``: the coupon's eligible line indices when the caller already has them."""
    return _rejection(coupon, at, at.replace(tzinfo=None), local_naive(coupon.valid_from, at),
                      local_naive(coupon.valid_to, at), tier_code, lines, elig)


def _rejection(coupon: Coupon, at: datetime, now: datetime, start: datetime | None,
               end: datetime | None, tier_code: str | None, lines: Sequence[BasketLine],
               elig: tuple[int, ...] | None) -> Reason | None:
    """``static_rejection`` with the store-local times already worked out (``now``, the
    coupon's ``start`` and ``end``): the pricing engine converts each distinct time once."""
    if coupon.used:
        return Reason.ALREADY_USED
    if start is not None and now < start:
        return Reason.NOT_YET_VALID
    if end is not None and now >= end:
        return Reason.EXPIRED
    if coupon.weekdays and at.isoweekday() not in coupon.weekdays:
        return Reason.WRONG_WEEKDAY
    if coupon.tiers and (tier_code is None or tier_code not in coupon.tiers):
        return Reason.TIER_NOT_ALLOWED
    if not (coupon.eligible_indices(lines) if elig is None else elig):
        return Reason.NO_ELIGIBLE_LINES
    return None


def still_valid(coupon: Coupon, at: datetime) -> bool:
    """Whether a coupon's window still holds at ``at`` (used when a refund could restore it)."""
    end = local_naive(coupon.valid_to, at)
    return end is None or at.replace(tzinfo=None) < end
