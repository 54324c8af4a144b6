"""The pure core: money, rules, coupons, the pricing engine, points, hints and refunds.

Standard library only; nothing here imports the rest of the project.
"""

# The names below are imported on first use (PEP 562), not with the package: the start path
# needs only ``domain.rules`` (the login screen's tier names) and importing the pricing engine,
# refunds and coupons with it cost a tenth of the time to the login screen (issue 14, item 8).
_EXPORTS = {
    "BasketLine": "basket", "MemberSnapshot": "basket",
    "Coupon": "coupons", "CouponKind": "coupons", "Reason": "coupons",
    "Fen": "money", "allocate": "money", "format_fen": "money", "parse_yuan": "money",
    "PointLot": "points",
    "PricingError": "pricing", "PricingRequest": "pricing", "PricingResult": "pricing",
    "price": "pricing",
    "RefundError": "refunds", "RefundOutcome": "refunds", "SoldLine": "refunds",
    "SoldSale": "refunds", "refund": "refunds",
    "DEFAULT_RULES": "rules", "Rules": "rules", "RulesError": "rules", "Tier": "rules",
}


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "BasketLine", "MemberSnapshot", "Coupon", "CouponKind", "Reason", "Fen", "allocate",
    "format_fen", "parse_yuan", "PointLot", "PricingError", "PricingRequest", "PricingResult",
    "price", "RefundError", "RefundOutcome", "SoldLine", "SoldSale", "refund", "DEFAULT_RULES",
    "Rules", "RulesError", "Tier",
]
