"""Member prices (会员价): a product may carry a unit price per tier.

Step 1 of pricing for a member: a line whose product has a price for the member's tier costs that
price × quantity instead of the shelf amount, and gets no tier (or member-day) discount on top.
With the rules' ``member_price_mode`` "best" the line takes whichever is lower: the member price,
or the shelf amount less the tier discount (a tie keeps the tier discount). Coupons, thresholds
and everything after work on what the line costs after this step. The saving (shelf amount less
member amount) is kept per line for the receipt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from .money import Fen

MEMBER_PRICE_MODES = ("replace", "best")


def price_lines(lines: Sequence, tier: str | None, rate: Decimal, mode: str,
                times: Callable[[Fen, Decimal], Fen]
                ) -> tuple[list[Fen], list[Fen], list[Fen], list[bool]]:
    """Each line's amount, its shelf amount, its member-price saving, and whether the member
    price applies (such a line gets no tier discount).

    ``rate`` is the member's discount rate for today (tier × member day), used by "best" mode
    to compare; ``times`` the engine's rounding multiplication (half up to the fen).
    """
    shelf = [times(line.unit_price, line.qty) for line in lines]
    n = len(lines)
    if tier is None or not any(line.member_prices for line in lines):
        return shelf, shelf, [0] * n, [False] * n
    amounts = list(shelf)
    saving = [0] * n
    priced = [False] * n
    off = Decimal(1) - rate
    for i, line in enumerate(lines):
        unit = member_unit_price(line.member_prices, tier)
        if unit is None or unit >= line.unit_price:
            continue  # a member price no lower than the shelf price is not a benefit
        member_amount = times(unit, line.qty)
        if mode == "best":
            tier_off = times(shelf[i], off) if line.discountable and rate < 1 else 0
            if shelf[i] - tier_off <= member_amount:
                continue  # the tier discount is at least as good: it stays
        amounts[i] = member_amount
        saving[i] = shelf[i] - member_amount
        priced[i] = True
    return amounts, shelf, saving, priced


def member_unit_price(prices: Mapping[str, Fen] | Sequence[tuple[str, Fen]] | None,
                      tier: str | None) -> Fen | None:
    if not prices or tier is None:
        return None
    items = prices.items() if isinstance(prices, Mapping) else prices
    for code, fen in items:
        if code == tier:
            return fen
    return None
