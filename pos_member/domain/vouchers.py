"""Group-buy vouchers (美团/抖音) at the till: what they earn. Pure arithmetic.

The brand's rule (DESIGN.md "Cross-channel"): a sale paid partly with a platform voucher earns
growth on the whole sale, points only on what was paid with money other than the voucher
(the customer paid the platform, not the brand). ``points_on_vouchers`` turns the points on.
"""

from __future__ import annotations

from collections.abc import Iterable

VOUCHER_TENDERS = ("meituan", "douyin")


def voucher_share(tenders: Iterable[tuple[str, int]]) -> int:
    """Fen of the sale covered by platform vouchers, from (tender, amount) pairs."""
    return sum(max(amount, 0) for kind, amount in tenders if kind in VOUCHER_TENDERS)


def points_after_vouchers(points_earned: int, total: int, voucher_fen: int,
                          points_on_vouchers: bool = False) -> int:
    """Points of a sale of ``total`` fen of which ``voucher_fen`` was paid with vouchers:
    the points of the money part, rounded down (never more than ``points_earned``)."""
    if points_on_vouchers or voucher_fen <= 0 or points_earned <= 0:
        return points_earned
    if voucher_fen >= total or total <= 0:
        return 0
    return points_earned * (total - voucher_fen) // total
