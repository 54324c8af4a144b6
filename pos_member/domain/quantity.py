"""Quantities as exact integer thousandths: how the till stores and adds up what it sells.

A quantity is a ``Decimal`` (``1`` piece, ``0.350`` kg); the database, the wire and the sums
keep it as integer thousandths (350), so weighed goods never pass through a float. The
services convert with these two functions (they are domain arithmetic, not storage: the
store's column types re-export them for their own use).
"""

from __future__ import annotations

from decimal import Decimal


def qty_to_milli(qty: Decimal) -> int:
    """A quantity as integer thousandths (``Decimal("0.350")`` -> 350); must be exact.

    Weighed goods are kept to the gram (3 decimals of a kilogram); round at the scale, not
    here: a quantity with a finer part raises ``ValueError`` rather than lose it silently.
    """
    if not isinstance(qty, Decimal) or not qty.is_finite():
        raise TypeError(f"quantity must be a finite Decimal, got {qty!r}")
    milli = qty * 1000
    if milli != milli.to_integral_value():
        raise ValueError(f"quantity {qty} has more than 3 decimals")
    return int(milli)


def milli_to_qty(milli: int) -> Decimal:
    """Integer thousandths back to a Decimal quantity (350 -> ``Decimal("0.350")``)."""
    return Decimal(int(milli)).scaleb(-3)
