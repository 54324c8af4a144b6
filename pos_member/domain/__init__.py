"""The pure core: money, rules, coupons, the pricing engine, points, hints and refunds.

Standard library only; nothing here imports the rest of the project.
"""

from .basket import BasketLine, MemberSnapshot
from .coupons import Coupon, CouponKind, Reason
from .money import Fen, allocate, format_fen, parse_yuan
from .points import PointLot
from .pricing import PricingError, PricingRequest, PricingResult, price
from .refunds import RefundError, RefundOutcome, SoldLine, SoldSale, refund
from .rules import DEFAULT_RULES, Rules, RulesError, Tier

__all__ = [
    "BasketLine", "MemberSnapshot", "Coupon", "CouponKind", "Reason", "Fen", "allocate",
    "format_fen", "parse_yuan", "PointLot", "PricingError", "PricingRequest", "PricingResult",
    "price", "RefundError", "RefundOutcome", "SoldLine", "SoldSale", "refund", "DEFAULT_RULES",
    "Rules", "RulesError", "Tier",
]
