"""Point lots and their expiry, earning multipliers, and the arithmetic of earning points.

Points expire in lots: by default a lot earned in year Y lasts to the end of year Y + 1. Redeeming
consumes the lots that expire first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from .money import Fen, floor_div_decimal

if TYPE_CHECKING:  # pragma: no cover
    from .rules import Rules


@dataclass(frozen=True)
class PointLot:
    earned_on: date
    points: int  # what is left of the lot
    expires_on: date | None = None  # last day the lot can be used; derived from rules if None

    def expiry(self, rules: "Rules") -> date:
        if self.expires_on is not None:
            return self.expires_on
        return lot_expiry(self.earned_on, rules)


def lot_expiry(earned_on: date, rules: "Rules") -> date:
    """Last day a lot earned on ``earned_on`` can be used (31 December of a later year)."""
    return date(earned_on.year + rules.points_expiry_years_after, 12, 31)


def expiring_within(lots: Iterable[PointLot], today: date, days: int,
                    rules: "Rules") -> tuple[int, date | None]:
    """Points in lots whose last day falls within ``days`` from ``today``, and the earliest day."""
    try:
        horizon = today + timedelta(days=days)
    except OverflowError:
        horizon = date.max
    total = 0
    earliest: date | None = None
    for lot in lots:
        exp = lot.expiry(rules)
        if lot.points > 0 and today <= exp <= horizon:
            total += lot.points
            earliest = exp if earliest is None or exp < earliest else earliest
    return total, earliest


def expire_lots(lots: Iterable[PointLot], today: date,
                rules: "Rules") -> tuple[list[PointLot], int]:
    """Drop the lots past their last day; return the kept lots and the points expired."""
    kept: list[PointLot] = []
    expired = 0
    for lot in lots:
        if lot.expiry(rules) < today:
            expired += max(0, lot.points)
        else:
            kept.append(lot)
    return kept, expired


def consume_lots(lots: Iterable[PointLot], points: int,
                 rules: "Rules") -> tuple[list[PointLot], int]:
    """Take ``points`` from the lots that expire first.

    Returns the lots left (empty lots dropped) and the shortfall, the points that no lot covered
    (a balance going negative; the caller records it, never clamps it).
    """
    if points < 0:
        raise ValueError("points to consume must not be negative")
    ordered = sorted(lots, key=lambda lot: (lot.expiry(rules), lot.earned_on))
    left: list[PointLot] = []
    need = points
    for lot in ordered:
        if need > 0 and lot.points > 0:
            take = min(lot.points, need)
            need -= take
            lot = replace(lot, points=lot.points - take)
        if lot.points != 0:
            left.append(lot)
    return left, need


def earning_multiplier(rules: "Rules", tier_code: str, at: datetime,
                       birthday: date | None) -> tuple[Decimal, str]:
    """The highest multiplier that applies, and where it comes from (tier, member_day, birthday).

    Multipliers never compound: the member day and the birthday month do not multiply.
    """
    best, source, _rule = earning_multiplier_rule(rules, tier_code, at, birthday)
    return best, source


def earning_multiplier_rule(rules: "Rules", tier_code: str, at: datetime,
                            birthday: date | None) -> tuple[Decimal, str, str | None]:
    """``earning_multiplier`` and the rule it comes from: the member day's id for a member-day
    multiplier (domain/member_days.py), else None."""
    from .member_days import best_multiplier

    best = rules.tier(tier_code).points_multiplier
    source = "tier"
    rule: str | None = None
    day = best_multiplier(rules.member_days, tier_code, at.date())
    if day is not None and day[0] > best:
        best, source, rule = day[0], "member_day", day[1].id
    if birthday is not None and birthday.month == at.month and (
        not rules.birthday_tiers or tier_code in rules.birthday_tiers
    ):
        if rules.birthday_multiplier > best:
            best, source, rule = rules.birthday_multiplier, "birthday", None
    return best, source, rule


def points_for(paid: Fen, multiplier: Decimal, rules: "Rules") -> int:
    """floor(paid × multiplier / earn unit): 1 point per ¥10 by default."""
    if paid <= 0:
        return 0
    return floor_div_decimal(Decimal(paid) * multiplier / Decimal(rules.earn_unit))


def growth_for(paid: Fen, rules: "Rules") -> int:
    """floor(paid in yuan): one growth point per yuan paid with money."""
    return max(0, paid) // rules.growth_unit
