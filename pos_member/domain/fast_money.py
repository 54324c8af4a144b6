"""Money arithmetic on the pricing engine's hot path: ``_times`` answers what
``money.times`` answers (a fen amount times a decimal factor, half up) and ``_spread`` what
``money.allocate`` answers (a largest-remainder split, ties to the earlier line), both in
integer steps, several times faster; any case outside their fast path goes to the ``money``
function itself. ``tests/domain/test_pricing_fast_paths.py`` holds them to those functions.
"""

from __future__ import annotations

from decimal import Decimal, getcontext

from .money import Fen, allocate, times

# factor -> (numerator, denominator, reach): ``reach`` bounds the digits of fen × factor.
_RATIOS: dict[Decimal, tuple[int, int, int]] = {}


def _times(fen: Fen, factor: Decimal) -> Fen:
    """``money.times(fen, factor)``, the same result, in integer arithmetic.

    ``times`` rounds ``Decimal(fen) * factor`` half up to the fen. When that product is exact in
    the current decimal context (its significant digits fit the precision) the result is the
    exact fraction ``fen × num / den`` rounded half up, which integers compute several times
    faster; otherwise (or for a factor that is not finite) ``times`` itself answers.
    """
    r = _RATIOS.get(factor)
    if r is None:
        if not factor.is_finite():
            return times(fen, factor)
        exponent = factor.as_tuple().exponent
        if not -40 <= exponent <= 40:  # type: ignore[operator]  # far from money: no shortcut
            return times(fen, factor)
        num, den = factor.as_integer_ratio()
        # fen × factor × 10^m is an integer (den divides 10^m); its digits bound the product's
        m = max(0, -exponent)  # type: ignore[operator]
        if len(_RATIOS) > 4096:
            _RATIOS.clear()
        r = _RATIOS[factor] = (num, den, abs(num) * (10 ** m // den))
    num, den, reach = r
    if (fen if fen >= 0 else -fen) * reach >= 10 ** getcontext().prec:
        return times(fen, factor)
    p = fen * num
    if p >= 0:
        return (2 * p + den) // (2 * den)
    return -((den - 2 * p) // (2 * den))


def _spread(total: Fen, weights: list[Fen]) -> list[Fen]:
    """``money.allocate(total, weights)``, the same largest-remainder split (ties to the
    earlier line) in fewer steps, for a positive total over weights that are not negative
    and not all zero (what the engine spreads: a discount, the points' value, the rounding,
    over what is left of the lines); anything else goes to ``allocate`` itself."""
    wsum = sum(weights)
    if total <= 0 or wsum <= 0 or min(weights) < 0:
        return allocate(total, weights)
    parts = [total * w // wsum for w in weights]
    short = total - sum(parts)
    if short:
        rems = [total * w % wsum for w in weights]
        # a stable sort, largest remainder first: equal remainders keep the earlier line first
        for i in sorted(range(len(weights)), key=rems.__getitem__, reverse=True)[:short]:
            parts[i] += 1
    return parts
