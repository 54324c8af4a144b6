"""A PricingResult as plain JSON (kept with each sale in ``sales.quote_json``) and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pos_member.domain.coupons import Reason
from pos_member.domain.pricing import AppliedCoupon, LineResult, PricingResult, RejectedCoupon


def pricing_to_dict(r: PricingResult) -> dict[str, Any]:
    return {
        "subtotal": r.subtotal, "tier_discount": r.tier_discount,
        "coupon_discount": r.coupon_discount, "points_redeemed": r.points_redeemed,
        "points_value": r.points_value, "rounding": r.rounding, "total": r.total,
        "lines": [[x.sku, x.name, x.amount, x.tier_discount, x.coupon_discount, x.points_value,
                   x.points_redeemed, x.rounding, x.paid, x.points_eligible] for x in r.lines],
        "applied": [[a.code, a.discount, list(a.per_line)] for a in r.applied],
        "rejected": [[x.code, x.reason.value, x.shortfall] for x in r.rejected],
        "points_earned": r.points_earned, "growth_earned": r.growth_earned,
        "multiplier": str(r.multiplier), "multiplier_source": r.multiplier_source,
        "tier_before": r.tier_before, "tier_after": r.tier_after,
        "redeem_limited_by": r.redeem_limited_by, "hints": list(r.hints),
    }


def pricing_from_dict(d: dict[str, Any]) -> PricingResult:
    return PricingResult(
        subtotal=d["subtotal"], tier_discount=d["tier_discount"],
        coupon_discount=d["coupon_discount"], points_redeemed=d["points_redeemed"],
        points_value=d["points_value"], rounding=d["rounding"], total=d["total"],
        lines=tuple(LineResult(*x) for x in d["lines"]),
        applied=tuple(AppliedCoupon(c, disc, tuple(per)) for c, disc, per in d["applied"]),
        rejected=tuple(RejectedCoupon(c, Reason(reason), short) for c, reason, short
                       in d["rejected"]),
        points_earned=d["points_earned"], growth_earned=d["growth_earned"],
        multiplier=Decimal(d["multiplier"]), multiplier_source=d["multiplier_source"],
        tier_before=d["tier_before"], tier_after=d["tier_after"],
        redeem_limited_by=d["redeem_limited_by"], hints=tuple(d["hints"]),
    )
