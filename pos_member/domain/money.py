"""Money as integer fen (分), and the arithmetic the pricing rules need.

Everything inside the project is an ``int`` of fen. Strings such as ``"12.30"`` exist only at the
edges (JSON, screens, receipts). Rates and quantities are :class:`decimal.Decimal`; a product of
fen and a rate is rounded ROUND_HALF_UP to the fen at once.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Sequence

Fen = int

_AMOUNT_RE = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
_DECIMAL_RE = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")


def parse_yuan(text: str | int | float | Decimal) -> Fen:
    """Parse ``"12.30"`` (yuan, at most two decimals) into 1230 fen.

    Floats are refused: they cannot carry money exactly. Integers are taken as whole yuan.
    """
    if isinstance(text, bool) or isinstance(text, float):
        raise ValueError(f"amount must be a string like '12.30', not {type(text).__name__}")
    if isinstance(text, int):
        return text * 100
    if isinstance(text, Decimal):
        text = format(text, "f")
    if not isinstance(text, str):
        raise ValueError(f"amount must be a string like '12.30', not {type(text).__name__}")
    s = text.strip()
    if not _AMOUNT_RE.match(s):
        raise ValueError(f"not an amount with at most two decimals: {text!r}")
    return int((Decimal(s) * 100).to_integral_exact())


def format_fen(fen: Fen) -> str:
    """1230 -> ``"12.30"``; -5 -> ``"-0.05"``."""
    sign = "-" if fen < 0 else ""
    a = abs(int(fen))
    return f"{sign}{a // 100}.{a % 100:02d}"


def parse_decimal(text: str | int | Decimal, what: str = "value") -> Decimal:
    """Parse a decimal string (quantity, rate) exactly; floats are refused."""
    if isinstance(text, bool) or isinstance(text, float):
        raise ValueError(f"{what} must be a string like '0.350', not {type(text).__name__}")
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, Decimal):
        return text
    if not isinstance(text, str) or not _DECIMAL_RE.match(text.strip()):
        raise ValueError(f"{what} is not a decimal number: {text!r}")
    try:
        return Decimal(text.strip())
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueError(f"{what} is not a decimal number: {text!r}") from exc


def round_half_up(value: Decimal) -> Fen:
    """Round a Decimal amount of fen to a whole fen, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def floor_div_decimal(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def times(fen: Fen, factor: Decimal) -> Fen:
    """``fen × factor`` rounded half up to the fen (line amounts, discounts)."""
    return round_half_up(Decimal(fen) * factor)


def allocate(total: Fen, weights: Sequence[int]) -> list[Fen]:
    """Split ``total`` over ``weights`` in proportion, by the largest-remainder method.

    The parts always add up to ``total`` exactly. Ties in the remainders go to the earlier index,
    so the result is deterministic. When every weight is zero the split is even (earlier indices
    take the odd fen). A negative total is allocated as its absolute value and negated.
    Weights must be non-negative.
    """
    n = len(weights)
    if n == 0:
        if total != 0:
            raise ValueError("cannot allocate a non-zero amount over no parts")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights must be non-negative")
    if total < 0:
        return [-p for p in allocate(-total, weights)]
    wsum = sum(weights)
    if wsum == 0:
        weights = [1] * n
        wsum = n
    parts = []
    rems = []
    for i, w in enumerate(weights):
        q, r = divmod(total * w, wsum)
        parts.append(q)
        rems.append((-r, i))
    short = total - sum(parts)
    if short:
        rems.sort()
        for _, i in rems[:short]:
            parts[i] += 1
    return parts


def allocate_capped(total: Fen, caps: Sequence[int]) -> list[Fen]:
    """Allocate ``total`` in proportion to ``caps`` where no part may exceed its cap.

    With ``0 <= total <= sum(caps)`` largest-remainder allocation in proportion to the caps
    already keeps every part within its cap; this checks the precondition.
    """
    if total < 0 or total > sum(caps):
        raise ValueError("amount to allocate exceeds what the parts can hold")
    return allocate(total, caps)
