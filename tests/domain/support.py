"""Small builders shared by the example-based domain tests (not a test module itself).

Fixed calendar used throughout (store time zone UTC+08:00, like China):
- 2026-11-24 is a Tuesday, 2026-11-25 a Wednesday (the default member day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from pos_member.domain import (
    DEFAULT_RULES,
    BasketLine,
    Coupon,
    CouponKind,
    MemberSnapshot,
    PricingRequest,
    price,
)

CST = timezone(timedelta(hours=8))  # the store's UTC offset
TUESDAY = datetime(2026, 11, 24, 15, 30, tzinfo=CST)
WEDNESDAY = datetime(2026, 11, 25, 15, 30, tzinfo=CST)


def line(sku: str, unit_price: int, qty: str = "1", category: str = "", *,
         discountable: bool = True, points_eligible: bool = True) -> BasketLine:
    return BasketLine(sku=sku, name=sku, unit_price=unit_price, qty=Decimal(qty),
                      category=category, discountable=discountable,
                      points_eligible=points_eligible)


def member(tier: str = "regular", growth: int | None = None, points: int = 0,
           **kw) -> MemberSnapshot:
    if growth is None:
        growth = {"regular": 0, "silver": 3000, "gold": 6000}.get(tier, 0)
    # a recent purchase, so that no first_order / dormant hint appears unless a test asks for it
    kw.setdefault("last_purchase_at", datetime(2026, 11, 20, 12, 0, tzinfo=CST))
    return MemberSnapshot(id="m-1", tier=tier, growth=growth, points=points, **kw)


def amount_off(code: str, value: int, threshold: int = 0, **kw) -> Coupon:
    return Coupon(code=code, kind=CouponKind.AMOUNT_OFF, value=value, threshold=threshold, **kw)


def percent_off(code: str, rate: str, cap: int | None = None, threshold: int = 0, **kw) -> Coupon:
    return Coupon(code=code, kind=CouponKind.PERCENT_OFF, rate=Decimal(rate), cap=cap,
                  threshold=threshold, **kw)


def quote(lines, mem=None, coupons=(), at: datetime = TUESDAY, rules=DEFAULT_RULES, **kw):
    return price(PricingRequest(at=at, lines=tuple(lines), member=mem, coupons=tuple(coupons),
                                **kw), rules)


def reasons(result) -> dict[str, str]:
    return {r.code: r.reason.value for r in result.rejected}


def applied(result) -> dict[str, int]:
    return {a.code: a.discount for a in result.applied}


def hint(result, kind: str) -> dict | None:
    found = [h for h in result.hints if h["kind"] == kind]
    assert len(found) <= 1, found
    return found[0] if found else None


def assert_consistent(result) -> None:
    """The bookkeeping every priced basket must satisfy, whatever the numbers."""
    assert sum(x.amount for x in result.lines) == result.subtotal
    assert sum(x.tier_discount for x in result.lines) == result.tier_discount
    assert sum(x.coupon_discount for x in result.lines) == result.coupon_discount
    assert sum(x.points_value for x in result.lines) == result.points_value
    assert sum(x.points_redeemed for x in result.lines) == result.points_redeemed
    assert sum(x.rounding for x in result.lines) == result.rounding
    assert sum(x.paid for x in result.lines) == result.total
    assert sum(a.discount for a in result.applied) == result.coupon_discount
    for x in result.lines:
        assert x.paid == (x.amount - x.tier_discount - x.coupon_discount - x.points_value
                          - x.rounding)
        assert x.paid >= 0
    assert result.total == (result.subtotal - result.tier_discount - result.coupon_discount
                            - result.points_value - result.rounding)


__all__ = [
    "CST",
    "TUESDAY",
    "WEDNESDAY",
    "Decimal",
    "amount_off",
    "applied",
    "assert_consistent",
    "date",
    "datetime",
    "hint",
    "line",
    "member",
    "percent_off",
    "quote",
    "reasons",
    "timedelta",
    "timezone",
]
