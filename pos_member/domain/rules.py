"""Loyalty rules as data: tiers, earning, redemption limits, member days, coupons per order.

The central service distributes one ``Rules`` value as JSON; the defaults here are the ones of
DESIGN.md. Money fields in JSON are yuan strings ("10.00"), rates and multipliers are decimal
strings ("0.95", "2"), so nothing ever passes through a float.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any, Mapping

from .gifts import GiftError, GiftReward
from .member_days import (DEFAULT_MEMBER_DAYS, MemberDay, MemberDayError, legacy_member_days,
                          parse_member_days)
from .member_prices import MEMBER_PRICE_MODES
from .money import Fen, format_fen, parse_decimal, parse_yuan
from .stored_value import DEFAULT_STORED_VALUE_RULES, StoredValueRules


class RulesError(ValueError):
    """Rules JSON that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Tier:
    code: str
    name: str
    min_growth: int
    discount_rate: Decimal  # 1.00 = no discount, 0.95 = 95折
    points_multiplier: Decimal = Decimal(1)
    name_en: str = ""

    def display_name(self, lang: str = "zh") -> str:
        """The brand's name for the tier, as the brand wrote it: ``name`` for a Chinese screen
        or paper, ``name_en`` (when the brand gave one) for an English one."""
        if lang.startswith("en"):
            return self.name_en or self.name
        return self.name

    def paper_name(self, lang: str = "zh_hans") -> str:
        """On a report the printer's labels are bilingual in Chinese: "黑金卡 Black Gold"."""
        if lang.startswith("en"):
            return self.name_en or self.name
        if self.name_en and self.name_en != self.name:
            return f"{self.name} {self.name_en}"
        return self.name

    def discount_label(self, lang: str = "zh") -> str:
        return discount_label(self.discount_rate, lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "min_growth": self.min_growth,
            "discount_rate": str(self.discount_rate),
            "points_multiplier": str(self.points_multiplier),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "tiers[]") -> "Tier":
        try:
            code = d["code"]
            if not isinstance(code, str) or not code:
                raise RulesError(f"{where}.code must be a non-empty string")
            min_growth = d.get("min_growth", 0)
            if not isinstance(min_growth, int) or isinstance(min_growth, bool) or min_growth < 0:
                raise RulesError(f"{where}.min_growth must be a non-negative integer")
            rate = parse_decimal(str(d.get("discount_rate", "1")), f"{where}.discount_rate")
            if not Decimal(0) < rate <= Decimal(1):
                raise RulesError(f"{where}.discount_rate must be in (0, 1]")
            mult = parse_decimal(str(d.get("points_multiplier", "1")), f"{where}.points_multiplier")
            if mult < 0:
                raise RulesError(f"{where}.points_multiplier must not be negative")
        except KeyError as exc:
            raise RulesError(f"{where}.{exc.args[0]} is required") from None
        except RulesError:
            raise
        except ValueError as exc:
            raise RulesError(str(exc)) from None
        return cls(code=code, name=str(d.get("name", code)), name_en=str(d.get("name_en", "")),
                   min_growth=min_growth, discount_rate=rate, points_multiplier=mult)


def discount_label(rate: Decimal, lang: str = "zh") -> str:
    """A tier or coupon rate as a shopper reads it: 0.88 -> "88折", 0.90 -> "9折", 0.875 ->
    "87.5折" in Chinese; "12% off", "10% off", "12.5% off" in English; "" for 1 (no discount)."""
    if rate >= 1:
        return ""
    if lang.startswith("en"):
        off = _plain_number((1 - rate) * 100)
        return f"{off}% off"
    zhe = _plain_number(rate * 100)
    if len(zhe) == 2 and zhe.endswith("0"):  # 90 -> 9折
        zhe = zhe[0]
    return f"{zhe}折"


def _plain_number(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier("regular", "普卡", 0, Decimal("1.00"), Decimal(1), "Regular"),
    Tier("silver", "银卡", 3000, Decimal("0.95"), Decimal(1), "Silver"),
    Tier("gold", "金卡", 6000, Decimal("0.90"), Decimal(1), "Gold"),
)

CASH_ROUNDING_MODES = ("none", "jiao", "yuan")

_MONEY_FIELDS = {"earn_unit", "growth_unit", "point_value", "coupon_nudge_max"}
_DECIMAL_FIELDS = {"redeem_max_ratio", "member_day_multiplier", "birthday_multiplier"}
# The fields of an old rules document that described its one member day (domain/member_days.py)
_LEGACY_MEMBER_DAY = ("member_day_weekdays", "member_day_tiers", "member_day_multiplier")


@dataclass(frozen=True)
class Rules:
    tiers: tuple[Tier, ...] = DEFAULT_TIERS
    # Earning: floor(paid × multiplier / earn_unit) points; growth = floor(paid / growth_unit).
    earn_unit: Fen = 1000  # ¥10 per point
    growth_unit: Fen = 100  # one growth point per yuan
    # Redemption: 1 point = point_value; at most redeem_max_ratio of what is payable.
    point_value: Fen = 100  # ¥1.00
    redeem_max_ratio: Decimal = Decimal("0.50")
    offline_daily_redeem_limit: int = 200  # points per member per day on one till, offline
    # Multipliers: highest wins, never compounded.
    member_day_weekdays: tuple[int, ...] = (3,)  # ISO weekday, 3 = Wednesday
    member_day_tiers: tuple[str, ...] = ("silver", "gold")
    member_day_multiplier: Decimal = Decimal(2)
    birthday_multiplier: Decimal = Decimal(2)
    birthday_tiers: tuple[str, ...] = ()  # empty = every tier
    # Coupons.
    max_coupons_per_order: int = 3
    # Cash rounding (抹零): none, down to the jiao, or down to the yuan.
    cash_rounding: str = "none"
    # Point expiry: lots expire at the end of the calendar year N years after the year earned.
    points_expiry_years_after: int = 1
    expiring_soon_days: int = 30
    # Hints.
    dormant_days: int = 90
    coupon_nudge_max: Fen = 5000  # tell the cashier when ≤ ¥50 more would unlock a coupon
    win_back_offer: str = ""
    first_order_coupon: str = ""  # template code of the coupon a new member receives, if any
    # Benefits (DESIGN.md "Benefits"): member prices, member days by tier, gifts.
    member_price_mode: str = "replace"  # replace: no tier discount on top; best: the lower
    # Every member day; the legacy member_day_* fields above are kept for old readers, and an
    # old document that sets them (without member_days) means the one day they describe.
    member_days: tuple[MemberDay, ...] = DEFAULT_MEMBER_DAYS
    birthday_gift: GiftReward | None = None  # once per calendar year, in the birthday month
    upgrade_gifts: tuple[tuple[str, GiftReward], ...] = ()  # (tier reached, gift)
    # Stored value (储值): recharge rules, presets, offline limit (domain/stored_value.py).
    stored_value: StoredValueRules = DEFAULT_STORED_VALUE_RULES

    def __post_init__(self) -> None:
        if not self.tiers:
            raise RulesError("tiers must not be empty")
        growths = [t.min_growth for t in self.tiers]
        if growths != sorted(growths) or len(set(growths)) != len(growths):
            raise RulesError("tiers must be in strictly increasing min_growth order")
        if growths[0] != 0:
            raise RulesError("the first tier must start at growth 0")
        if len({t.code for t in self.tiers}) != len(self.tiers):
            raise RulesError("tier codes must be unique")
        if self.cash_rounding not in CASH_ROUNDING_MODES:
            raise RulesError(f"cash_rounding must be one of {', '.join(CASH_ROUNDING_MODES)}")
        if self.earn_unit <= 0 or self.point_value <= 0 or self.growth_unit <= 0:
            raise RulesError("earn_unit, point_value and growth_unit must be positive")
        if not Decimal(0) <= self.redeem_max_ratio <= Decimal(1):
            raise RulesError("redeem_max_ratio must be between 0 and 1")
        if self.max_coupons_per_order < 1:
            raise RulesError("max_coupons_per_order must be at least 1")
        if self.offline_daily_redeem_limit < 0:
            raise RulesError("offline_daily_redeem_limit must not be negative")
        for d in self.member_day_weekdays:
            if d not in range(1, 8):
                raise RulesError("member_day_weekdays holds ISO weekdays 1..7")
        if self.member_price_mode not in MEMBER_PRICE_MODES:
            raise RulesError("member_price_mode must be replace or best")
        codes = {t.code for t in self.tiers}
        for tier, _gift in self.upgrade_gifts:
            if tier not in codes:
                raise RulesError(f"upgrade_gifts: unknown tier {tier!r}")

    # -- benefits ----------------------------------------------------------------------------
    def upgrade_gift(self, tier_code: str | None) -> GiftReward | None:
        for tier, gift in self.upgrade_gifts:
            if tier == tier_code:
                return gift
        return None

    # -- tiers -------------------------------------------------------------------------------
    def tier(self, code: str) -> Tier:
        for t in self.tiers:
            if t.code == code:
                return t
        raise KeyError(code)

    def has_tier(self, code: str) -> bool:
        return any(t.code == code for t in self.tiers)

    def tier_for_growth(self, growth: int) -> Tier:
        current = self.tiers[0]
        for t in self.tiers:
            if growth >= t.min_growth:
                current = t
        return current

    def tier_label(self, code: str | None, lang: str = "zh") -> str:
        """The display name of a tier code; a code these rules no longer have shows as is."""
        if code and self.has_tier(code):
            return self.tier(code).display_name(lang)
        return code or ""

    def report_order(self, codes) -> list[str]:
        """Tier codes as a report lists them: the top tier first, codes the rules no longer
        have after the known ones, non-members (``non_member``) last."""
        rank = {t.code: i for i, t in enumerate(reversed(self.tiers))}
        return sorted(codes, key=lambda c: (c == "non_member", rank.get(c, len(rank)), c))

    def next_tier(self, tier_code: str) -> Tier | None:
        codes = [t.code for t in self.tiers]
        i = codes.index(tier_code)
        return self.tiers[i + 1] if i + 1 < len(self.tiers) else None

    # -- JSON --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "tiers":
                out[f.name] = [t.to_dict() for t in v]
            elif f.name == "member_days":
                out[f.name] = [md.to_dict() for md in v]
            elif f.name == "birthday_gift":
                out[f.name] = v.to_dict() if v is not None else None
            elif f.name == "upgrade_gifts":
                out[f.name] = {tier: g.to_dict() for tier, g in v}
            elif f.name == "stored_value":
                out[f.name] = v.to_dict()
            elif f.name in _MONEY_FIELDS:
                out[f.name] = format_fen(v)
            elif isinstance(v, Decimal):
                out[f.name] = str(v)
            elif isinstance(v, tuple):
                out[f.name] = list(v)
            else:
                out[f.name] = v
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Rules":
        return DEFAULT_RULES.with_overrides(d)

    @classmethod
    def from_json(cls, text: str) -> "Rules":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RulesError(f"rules: malformed JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise RulesError("rules: expected a JSON object")
        return cls.from_dict(data)

    def with_overrides(self, d: Mapping[str, Any]) -> "Rules":
        """A copy with the fields named in ``d`` replaced (same names and formats as to_dict)."""
        if not isinstance(d, Mapping):
            raise RulesError("rules: expected an object")
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, raw in d.items():
            if name not in known:
                raise RulesError(f"rules.{name} is not a known rule")
            changes[name] = _convert_field(name, raw, getattr(self, name), changes, d, self)
        if "member_days" not in d and "tiers" in changes:
            # new tiers without new member days: the days keep the benefits of tiers that exist
            codes = {t.code for t in changes["tiers"]}
            changes["member_days"] = tuple(
                replace(md, benefits=tuple(b for b in md.benefits if b.tier in codes))
                for md in self.member_days)
        if "member_days" not in d and any(k in d for k in _LEGACY_MEMBER_DAY):
            # an old document: its member day is the one the legacy fields describe
            codes = {t.code for t in changes.get("tiers", self.tiers)}
            changes["member_days"] = legacy_member_days(
                changes.get("member_day_weekdays", self.member_day_weekdays),
                [t for t in changes.get("member_day_tiers", self.member_day_tiers)
                 if t in codes],
                changes.get("member_day_multiplier", self.member_day_multiplier))
        try:
            return replace(self, **changes)
        except RulesError as exc:
            raise RulesError(f"rules: {exc}") from None


def _convert_field(name: str, raw: Any, current: Any, changes: Mapping[str, Any] | None = None,
                   doc: Mapping[str, Any] | None = None, base: "Rules | None" = None) -> Any:
    where = f"rules.{name}"
    try:
        if name in ("member_days", "upgrade_gifts"):
            tiers = (changes or {}).get("tiers")
            if tiers is None and doc is not None and "tiers" in doc:
                tiers = _convert_field("tiers", doc["tiers"], None)
            codes = [t.code for t in (tiers or (base.tiers if base else DEFAULT_TIERS))]
            if name == "member_days":
                return parse_member_days(raw, codes, where)
            if not isinstance(raw, Mapping):
                raise RulesError(f"{where} must be an object of tier code -> gift")
            for tier in raw:
                if tier not in codes:
                    raise RulesError(f"{where}: unknown tier {tier!r}")
            return tuple((tier, GiftReward.from_dict(g, f"{where}.{tier}"))
                         for tier, g in raw.items())
        if name == "birthday_gift":
            return None if raw is None else GiftReward.from_dict(raw, where)
        if name == "member_price_mode":
            if raw not in MEMBER_PRICE_MODES:
                raise RulesError(f"{where} must be replace or best")
            return raw
        if name == "tiers":
            if not isinstance(raw, list):
                raise RulesError(f"{where} must be a list")
            return tuple(Tier.from_dict(t, f"{where}[{i}]") for i, t in enumerate(raw))
        if name == "stored_value":
            return StoredValueRules.from_dict(raw, where)
        if name in _MONEY_FIELDS:
            if not isinstance(raw, str):
                raise RulesError(f"{where} must be an amount string like \"10.00\"")
            return parse_yuan(raw)
        if name in _DECIMAL_FIELDS:
            if not isinstance(raw, (str, int)) or isinstance(raw, bool):
                raise RulesError(f"{where} must be a decimal string like \"0.50\"")
            return parse_decimal(str(raw), where)
        if isinstance(current, bool):
            if not isinstance(raw, bool):
                raise RulesError(f"{where} must be true or false")
            return raw
        if isinstance(current, int):
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise RulesError(f"{where} must be an integer")
            return raw
        if isinstance(current, tuple):
            if not isinstance(raw, list):
                raise RulesError(f"{where} must be a list")
            kind = int if name.endswith("weekdays") else str
            if not all(isinstance(x, kind) and not isinstance(x, bool) for x in raw):
                raise RulesError(f"{where} must be a list of {kind.__name__}")
            return tuple(raw)
        if isinstance(current, str):
            if not isinstance(raw, str):
                raise RulesError(f"{where} must be a string")
            return raw
    except RulesError:
        raise
    except (GiftError, MemberDayError) as exc:
        raise RulesError(str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise RulesError(f"{where}: {exc}") from None
    raise RulesError(f"{where} cannot be set")  # pragma: no cover


DEFAULT_RULES = Rules()
