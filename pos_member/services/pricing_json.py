"""A PricingResult as plain JSON (kept with each sale in ``sales.quote_json``) and back.

The stored quote is what answers the retry of a sale already recorded, so every quote a till
has ever stored must stay readable by every later release (and, after a rollback, by the one
before). Format 2 (``"format": 2``) names every field; reading it

- takes each field of the current model by name,
- fills a field the stored quote does not have from the model's default (a field added in a
  later release), and refuses one the model cannot default (``QuoteFormatError`` names it),
- ignores names the model does not know (written by a newer release).

Format 1, the positional lists written before format 2 existed (no ``"format"`` key), is still
read: sales already in tills' databases carry it. See docs/database.md, "Stored quotes".
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any, Mapping

from pos_member.domain.benefits import BenefitUse
from pos_member.domain.coupons import Reason
from pos_member.domain.gifts import GiftError, GiftOffer
from pos_member.domain.mall import MallLine
from pos_member.domain.pricing import AppliedCoupon, LineResult, PricingResult, RejectedCoupon

QUOTE_FORMAT = 2

# Format 1 stored these records as lists, in this order (frozen: never edit).
_V1_LINE = ("sku", "name", "amount", "tier_discount", "coupon_discount", "points_value",
            "points_redeemed", "rounding", "paid", "points_eligible")
_V1_APPLIED = ("code", "discount", "per_line")
_V1_REJECTED = ("code", "reason", "shortfall")


class QuoteFormatError(ValueError):
    """A stored quote that cannot be read into the current model (the message says why)."""


def pricing_to_dict(r: PricingResult) -> dict[str, Any]:
    out: dict[str, Any] = {"format": QUOTE_FORMAT}
    for name in _names(PricingResult):
        v = getattr(r, name)
        if name in _RECORD_LISTS:
            out[name] = [_record(x) for x in v]
        elif name == "hints":
            out[name] = list(v)
        elif name == "gifts":
            out[name] = [g.to_dict() for g in v]
        else:
            out[name] = _plain(v)
    return out


def pricing_from_dict(d: Mapping[str, Any]) -> PricingResult:
    if not isinstance(d, Mapping):
        raise QuoteFormatError("a stored quote is a JSON object")
    fmt = d.get("format", 1)
    if fmt == 1:
        lines = [_positional(x, _V1_LINE, "lines[]") for x in d.get("lines", ())]
        applied = [_positional(x, _V1_APPLIED, "applied[]") for x in d.get("applied", ())]
        rejected = [_positional(x, _V1_REJECTED, "rejected[]") for x in d.get("rejected", ())]
    elif isinstance(fmt, int) and not isinstance(fmt, bool) and fmt >= 2:
        # A later format keeps format 2's rule: fields are named, new ones are defaulted.
        lines, applied, rejected = (list(d.get(k, ())) for k in ("lines", "applied", "rejected"))
    else:
        raise QuoteFormatError(f"unknown stored quote format {fmt!r}")
    top = dict(d)
    top["lines"] = tuple(_with_shelf(_build(LineResult, x, "lines[]"), x) for x in lines)
    try:
        top["gifts"] = tuple(GiftOffer.from_dict(x) for x in d.get("gifts", ()))
    except (GiftError, AttributeError) as exc:
        raise QuoteFormatError(f"gifts[]: {exc}") from None
    top["applied"] = tuple(_build(AppliedCoupon, x, "applied[]") for x in applied)
    top["rejected"] = tuple(_build(RejectedCoupon, x, "rejected[]") for x in rejected)
    top["benefits_used"] = tuple(_build(BenefitUse, x, "benefits_used[]")
                                 for x in d.get("benefits_used", ()))
    top["mall_lines"] = tuple(_build(MallLine, x, "mall_lines[]")
                              for x in d.get("mall_lines", ()))
    return _build(PricingResult, top, "quote")


# --- helpers -----------------------------------------------------------------------------------

_RECORD_LISTS = frozenset({"lines", "applied", "rejected", "benefits_used", "mall_lines"})
_AS_IS = frozenset({int, str, bool, type(None)})


@lru_cache(maxsize=None)
def _names(cls: type) -> tuple[str, ...]:
    """The dataclass's field names, in order (``dataclasses.fields`` builds them each call)."""
    return tuple(f.name for f in dataclasses.fields(cls))


def _plain(v: Any) -> Any:
    if type(v) in _AS_IS:  # most values: fen, counts, codes (not a str-based enum: its type)
        return v
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, Reason):
        return v.value
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


@lru_cache(maxsize=None)
def _getter(cls: type) -> tuple[tuple[str, ...], Any]:
    """The field names and one getter of all their values (a tuple, in field order)."""
    names = _names(cls)
    get = attrgetter(*names)
    return names, (get if len(names) > 1 else (lambda obj: (get(obj),)))


def _record(obj: Any) -> dict[str, Any]:
    names, get = _getter(type(obj))
    as_is = _AS_IS
    return dict(zip(names, [v if type(v) in as_is else _plain(v) for v in get(obj)]))


def _with_shelf(line: LineResult, stored: Mapping[str, Any]) -> LineResult:
    """A quote stored before member prices has no ``shelf_amount``: it was the amount."""
    if "shelf_amount" in stored:
        return line
    return dataclasses.replace(line, shelf_amount=line.amount + line.member_price_saving)


def _positional(x: Any, names: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(x, (list, tuple)) or len(x) > len(names):
        raise QuoteFormatError(f"{where}: format 1 expects a list of at most {len(names)}")
    return dict(zip(names, x))


def _build(cls: type, d: Any, where: str) -> Any:
    if not isinstance(d, Mapping):
        raise QuoteFormatError(f"{where}: expected an object")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in d:
            kwargs[f.name] = _typed(cls, f.name, d[f.name])
        elif (f.default is dataclasses.MISSING
              and f.default_factory is dataclasses.MISSING):  # type: ignore[misc]
            raise QuoteFormatError(f"{where}.{f.name} is missing and has no default")
    return cls(**kwargs)


def _typed(cls: type, name: str, v: Any) -> Any:
    """The stored value as the model holds it (JSON keeps Decimals as strings, tuples as lists)."""
    if cls is PricingResult and name in ("multiplier", "member_day_rate"):
        return Decimal(str(v))
    if cls is PricingResult and name == "hints":
        return tuple(v)
    if cls is AppliedCoupon and name == "per_line":
        return tuple(v)
    if cls is RejectedCoupon and name == "reason":
        return Reason(v)
    return v
