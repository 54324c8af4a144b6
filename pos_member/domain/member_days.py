"""Member days (会员日) by tier: any number of days, each a weekday or a day of the month, each
with benefits per tier: a points multiplier, an extra discount rate, and/or a coupon to collect.

Judged in the store's local time. On a day that several member days share, the highest
multiplier wins (multipliers never compound, with each other or with the birthday month), the
extra discount rates multiply with the tier's (0.95 tier × 0.95 member day = 0.9025 on the
line), and each member day's coupon can be collected once.

An old rules document (before member days became a list) has ``member_day_weekdays``,
``member_day_tiers`` and ``member_day_multiplier``; :func:`legacy_member_days` turns them into
the one member day they meant, so such a document prices exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .gifts import GiftError, GiftReward
from .money import parse_decimal


class MemberDayError(ValueError):
    """A member day that cannot be used; the message names the field."""


@dataclass(frozen=True)
class MemberDayBenefit:
    tier: str
    points_multiplier: Decimal | None = None
    discount_rate: Decimal | None = None  # extra, on discountable lines: 0.95 = a further 95折
    coupon: GiftReward | None = None  # collectable once per member day

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tier": self.tier}
        if self.points_multiplier is not None:
            out["points_multiplier"] = str(self.points_multiplier)
        if self.discount_rate is not None:
            out["discount_rate"] = str(self.discount_rate)
        if self.coupon is not None:
            out["coupon"] = self.coupon.to_dict()
        return out


@dataclass(frozen=True)
class MemberDay:
    id: str
    name: str = ""
    weekdays: tuple[int, ...] = ()  # ISO 1 = Monday … 7 = Sunday
    month_days: tuple[int, ...] = ()  # 1..31; a day past the month's end never happens
    benefits: tuple[MemberDayBenefit, ...] = ()

    def applies_on(self, d: date) -> bool:
        return d.isoweekday() in self.weekdays or d.day in self.month_days

    def benefit_for(self, tier: str) -> MemberDayBenefit | None:
        for b in self.benefits:
            if b.tier == tier:
                return b
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "weekdays": list(self.weekdays),
                "month_days": list(self.month_days),
                "benefits": [b.to_dict() for b in self.benefits]}


def legacy_member_days(weekdays: Iterable[int], tiers: Iterable[str],
                       multiplier: Decimal) -> tuple[MemberDay, ...]:
    """The one member day an old rules document described (multipliers only)."""
    weekdays = tuple(weekdays)
    if not weekdays:
        return ()
    return (MemberDay("member_day", "会员日", weekdays, (),
                      tuple(MemberDayBenefit(t, points_multiplier=multiplier) for t in tiers)),)


DEFAULT_MEMBER_DAYS: tuple[MemberDay, ...] = (
    MemberDay("wednesday", "周三会员日", (3,), (), (
        MemberDayBenefit("regular", coupon=GiftReward(title="会员日¥10券", value=1000,
                                                      valid_days=1)),
        MemberDayBenefit("silver", points_multiplier=Decimal(2)),
        MemberDayBenefit("gold", points_multiplier=Decimal(2)),
    )),
)


def days_on(days: Iterable[MemberDay], d: date) -> list[MemberDay]:
    return [md for md in days if md.applies_on(d)]


def best_multiplier(days: Iterable[MemberDay], tier: str,
                    d: date) -> tuple[Decimal, MemberDay] | None:
    """The highest member-day multiplier for ``tier`` on ``d`` and its member day (first wins a
    tie), or None."""
    best: tuple[Decimal, MemberDay] | None = None
    for md in days_on(days, d):
        b = md.benefit_for(tier)
        if b is not None and b.points_multiplier is not None and (
                best is None or b.points_multiplier > best[0]):
            best = (b.points_multiplier, md)
    return best


def extra_rate(days: Iterable[MemberDay], tier: str | None, d: date) -> Decimal:
    """The product of today's extra discount rates for ``tier`` (1 = none)."""
    rate = Decimal(1)
    if tier is None:
        return rate
    for md in days_on(days, d):
        b = md.benefit_for(tier)
        if b is not None and b.discount_rate is not None:
            rate *= b.discount_rate
    return rate


def parse_member_days(raw: Any, tier_codes: Iterable[str],
                      where: str = "rules.member_days") -> tuple[MemberDay, ...]:
    if not isinstance(raw, list):
        raise MemberDayError(f"{where} must be a list")
    known_tiers = set(tier_codes)
    out: list[MemberDay] = []
    ids: set[str] = set()
    for i, d in enumerate(raw):
        w = f"{where}[{i}]"
        if not isinstance(d, Mapping):
            raise MemberDayError(f"{w}: expected an object")
        unknown = sorted(set(d) - {"id", "name", "weekdays", "month_days", "benefits"})
        if unknown:
            raise MemberDayError(f"{w}.{unknown[0]}: unknown field")
        mid = d.get("id")
        if not isinstance(mid, str) or not mid or "|" in mid:
            raise MemberDayError(f"{w}.id must be a non-empty string without '|'")
        if mid in ids:
            raise MemberDayError(f"{w}.id: {mid!r} is used twice")
        ids.add(mid)
        name = d.get("name", "")
        if not isinstance(name, str):
            raise MemberDayError(f"{w}.name must be a string")
        weekdays = _ints(d.get("weekdays", []), f"{w}.weekdays", 1, 7)
        month_days = _ints(d.get("month_days", []), f"{w}.month_days", 1, 31)
        if not weekdays and not month_days:
            raise MemberDayError(f"{w}: a member day needs weekdays or month_days")
        raw_b = d.get("benefits", [])
        if not isinstance(raw_b, list):
            raise MemberDayError(f"{w}.benefits must be a list")
        benefits = []
        seen_tiers: set[str] = set()
        for j, b in enumerate(raw_b):
            benefits.append(_benefit(b, f"{w}.benefits[{j}]", known_tiers))
            if benefits[-1].tier in seen_tiers:
                raise MemberDayError(f"{w}.benefits[{j}].tier: tier given twice")
            seen_tiers.add(benefits[-1].tier)
        out.append(MemberDay(mid, name, weekdays, month_days, tuple(benefits)))
    return tuple(out)


def _ints(v: Any, where: str, lo: int, hi: int) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(
            isinstance(x, int) and not isinstance(x, bool) and lo <= x <= hi for x in v):
        raise MemberDayError(f"{where} must be a list of whole numbers {lo}..{hi}")
    return tuple(sorted(set(v)))


def _benefit(b: Any, w: str, known_tiers: set[str]) -> MemberDayBenefit:
    if not isinstance(b, Mapping):
        raise MemberDayError(f"{w}: expected an object")
    unknown = sorted(set(b) - {"tier", "points_multiplier", "discount_rate", "coupon"})
    if unknown:
        raise MemberDayError(f"{w}.{unknown[0]}: unknown field")
    tier = b.get("tier")
    if not isinstance(tier, str) or tier not in known_tiers:
        raise MemberDayError(f"{w}.tier: unknown tier {tier!r}")
    mult = rate = None
    try:
        if b.get("points_multiplier") is not None:
            mult = parse_decimal(str(b["points_multiplier"]), f"{w}.points_multiplier")
            if mult < 0:
                raise MemberDayError(f"{w}.points_multiplier must not be negative")
        if b.get("discount_rate") is not None:
            rate = parse_decimal(str(b["discount_rate"]), f"{w}.discount_rate")
            if not Decimal(0) < rate <= 1:
                raise MemberDayError(f"{w}.discount_rate must be in (0, 1]")
        coupon = (GiftReward.from_dict(b["coupon"], f"{w}.coupon")
                  if b.get("coupon") is not None else None)
    except GiftError as exc:
        raise MemberDayError(str(exc)) from None
    except MemberDayError:
        raise
    except ValueError as exc:
        raise MemberDayError(str(exc)) from None
    if isinstance(b.get("points_multiplier"), (bool, float)) or isinstance(
            b.get("discount_rate"), (bool, float)):
        raise MemberDayError(f"{w}: multipliers and rates are decimal strings like \"2\"")
    return MemberDayBenefit(tier, mult, rate, coupon)
