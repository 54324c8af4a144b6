"""The quote contract: a basket as JSON in, the priced result as JSON out.

This format is public (support and integration tooling relies on it); docs/quote.md describes it.
Every malformed input raises :class:`QuoteInputError` with a one-line message naming the field.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from pos_member.domain.basket import BasketLine, MemberSnapshot
from pos_member.domain.coupons import Coupon, CouponKind
from pos_member.domain.money import format_fen, parse_decimal, parse_yuan
from pos_member.domain.points import PointLot
from pos_member.domain.pricing import PricingError, PricingRequest, PricingResult, price
from pos_member.domain.rules import DEFAULT_RULES, Rules, RulesError
from pos_member.services import quote_benefits


class QuoteInputError(ValueError):
    """Bad quote input; the message names the field."""


_REQUEST_KEYS = {"at", "member", "lines", "coupons", "redeem_points", "online", "rules",
                 "chosen_coupons", "benefits"}
_MEMBER_KEYS = {"id", "tier", "growth", "points", "birthday", "last_purchase_at", "gifts_claimed",
                "redeemed_today_offline", "pending_redeemed", "lots"}
_LINE_KEYS = {"sku", "name", "unit_price", "qty", "category", "discountable", "points_eligible",
              "member_prices"}
_COUPON_KEYS = {"code", "kind", "value", "rate", "cap", "threshold", "categories", "skus",
                "valid_from", "valid_to", "weekdays", "tiers", "stackable", "with_tier_discount",
                "used"}


def _obj(value: Any, where: str, keys: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise QuoteInputError(f"{where}: expected an object")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise QuoteInputError(f"{where}.{unknown[0]}: unknown field")
    return value


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d or d[key] is None:
        raise QuoteInputError(f"{where}.{key}: required")
    return d[key]


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise QuoteInputError(f"{where}: expected a string")
    return value


def _bool(d: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    v = d.get(key, default)
    if not isinstance(v, bool):
        raise QuoteInputError(f"{where}.{key}: expected true or false")
    return v


def _int(d: Mapping[str, Any], key: str, where: str, default: int | None = None,
         minimum: int | None = 0) -> int:
    v = d.get(key, default)
    if v is None:
        raise QuoteInputError(f"{where}.{key}: required")
    if not isinstance(v, int) or isinstance(v, bool):
        raise QuoteInputError(f"{where}.{key}: expected a whole number")
    if minimum is not None and v < minimum:
        raise QuoteInputError(f"{where}.{key}: must not be below {minimum}")
    return v


def _money(value: Any, where: str, allow_negative: bool = False) -> int:
    if not isinstance(value, str):
        raise QuoteInputError(f"{where}: expected an amount string like \"12.30\"")
    try:
        fen = parse_yuan(value)
    except ValueError as exc:
        raise QuoteInputError(f"{where}: {exc}") from None
    if fen < 0 and not allow_negative:
        raise QuoteInputError(f"{where}: must not be negative")
    return fen


def _decimal(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise QuoteInputError(f"{where}: expected a decimal string like \"0.80\"")
    try:
        return parse_decimal(value, where)
    except ValueError as exc:
        raise QuoteInputError(str(exc)) from None


def _datetime(value: Any, where: str, need_offset: bool = False) -> datetime:
    text = _str(value, where)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise QuoteInputError(f"{where}: not an ISO date-time: {text[:40]!r}") from None
    if need_offset and dt.tzinfo is None:
        raise QuoteInputError(f"{where}: needs a UTC offset, e.g. 2026-11-25T12:00:00+08:00")
    return dt


def _date(value: Any, where: str) -> date:
    text = _str(value, where)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QuoteInputError(f"{where}: not a date YYYY-MM-DD: {text[:40]!r}") from None


def _str_list(d: Mapping[str, Any], key: str, where: str) -> frozenset[str]:
    v = d.get(key) or []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise QuoteInputError(f"{where}.{key}: expected a list of strings")
    return frozenset(v)


def parse_request(data: Any) -> tuple[PricingRequest, Rules]:
    d = _obj(data, "request", _REQUEST_KEYS)
    at = _datetime(_req(d, "at", "request"), "at", need_offset=True)
    if not 1970 <= at.year <= 9000:
        raise QuoteInputError("at: the year must be between 1970 and 9000")
    rules = DEFAULT_RULES
    if d.get("rules") is not None:
        try:
            rules = DEFAULT_RULES.with_overrides(d["rules"])
        except RulesError as exc:
            raise QuoteInputError(str(exc)) from None

    member = None
    if d.get("member") is not None:
        member = _parse_member(d["member"], rules)

    raw_lines = _req(d, "lines", "request")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise QuoteInputError("lines: expected a non-empty list")
    lines = tuple(_parse_line(x, f"lines[{i}]") for i, x in enumerate(raw_lines))

    raw_coupons = d.get("coupons") or []
    if not isinstance(raw_coupons, list):
        raise QuoteInputError("coupons: expected a list")
    coupons = tuple(_parse_coupon(x, f"coupons[{i}]", at, rules)
                    for i, x in enumerate(raw_coupons))
    seen: set[str] = set()
    for i, c in enumerate(coupons):
        if c.code in seen:
            raise QuoteInputError(f"coupons[{i}].code: {c.code!r} is presented twice")
        seen.add(c.code)

    chosen = d.get("chosen_coupons")
    if chosen is not None:
        if not isinstance(chosen, list) or not all(isinstance(x, str) for x in chosen):
            raise QuoteInputError("chosen_coupons: expected a list of coupon codes")
        chosen = tuple(chosen)

    req = PricingRequest(
        at=at, lines=lines, member=member, coupons=coupons,
        redeem_points=_int(d, "redeem_points", "request", 0),
        online=_bool(d, "online", "request", True),
        chosen_coupons=chosen,
        benefits=quote_benefits.parse(d.get("benefits"), QuoteInputError),
    )
    return req, rules


def _parse_member(raw: Any, rules: Rules) -> MemberSnapshot:
    m = _obj(raw, "member", _MEMBER_KEYS)
    mid = _str(_req(m, "id", "member"), "member.id")
    tier = _str(_req(m, "tier", "member"), "member.tier")
    if not rules.has_tier(tier):
        known = ", ".join(t.code for t in rules.tiers)
        raise QuoteInputError(f"member.tier: unknown tier {tier[:40]!r} (known: {known})")
    lots = []
    raw_lots = m.get("lots") or []
    if not isinstance(raw_lots, list):
        raise QuoteInputError("member.lots: expected a list")
    for i, lot in enumerate(raw_lots):
        w = f"member.lots[{i}]"
        lot = _obj(lot, w, {"earned_on", "points", "expires_on"})
        lots.append(PointLot(
            earned_on=_date(_req(lot, "earned_on", w), f"{w}.earned_on"),
            points=_int(lot, "points", w, minimum=None),
            expires_on=_date(lot["expires_on"], f"{w}.expires_on") if lot.get("expires_on")
            else None,
        ))
    return MemberSnapshot(
        id=mid,
        tier=tier,
        growth=_int(m, "growth", "member", 0),
        points=_int(m, "points", "member", 0, minimum=None),
        pending_redeemed=_int(m, "pending_redeemed", "member", 0),
        redeemed_today_offline=_int(m, "redeemed_today_offline", "member", 0),
        birthday=_date(m["birthday"], "member.birthday") if m.get("birthday") else None,
        last_purchase_at=(_datetime(m["last_purchase_at"], "member.last_purchase_at")
                          if m.get("last_purchase_at") else None),
        lots=tuple(lots),
        gifts_claimed=_str_list(m, "gifts_claimed", "member"),
    )


def _parse_line(raw: Any, where: str) -> BasketLine:
    d = _obj(raw, where, _LINE_KEYS)
    sku = _str(_req(d, "sku", where), f"{where}.sku")
    price_ = _money(_req(d, "unit_price", where), f"{where}.unit_price")
    qty_raw = _req(d, "qty", where)
    qty = _decimal(qty_raw if not isinstance(qty_raw, int) or isinstance(qty_raw, bool)
                   else str(qty_raw), f"{where}.qty")
    if qty <= 0:
        raise QuoteInputError(f"{where}.qty: must be greater than zero")
    return BasketLine(
        sku=sku,
        name=_str(d.get("name", sku), f"{where}.name"),
        unit_price=price_,
        qty=qty,
        category=_str(d.get("category", ""), f"{where}.category"),
        discountable=_bool(d, "discountable", where, True),
        points_eligible=_bool(d, "points_eligible", where, True),
        member_prices=_member_prices(d.get("member_prices"), f"{where}.member_prices"),
    )


def _member_prices(raw: Any, where: str) -> tuple[tuple[str, int], ...]:
    """``{"silver": "25.00", "gold": "22.00"}``: a unit price per tier code (会员价)."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise QuoteInputError(f"{where}: expected an object of tier code -> amount")
    return tuple((_str(tier, where), _money(v, f"{where}.{tier}")) for tier, v in raw.items())


def _parse_coupon(raw: Any, where: str, at: datetime, rules: Rules) -> Coupon:
    d = _obj(raw, where, _COUPON_KEYS)
    code = _str(_req(d, "code", where), f"{where}.code")
    kind_raw = _str(_req(d, "kind", where), f"{where}.kind")
    try:
        kind = CouponKind(kind_raw)
    except ValueError:
        raise QuoteInputError(f"{where}.kind: must be amount_off or percent_off") from None
    value = rate = None
    if kind is CouponKind.AMOUNT_OFF:
        if d.get("value") is None:
            raise QuoteInputError(f"{where}.value: an amount_off coupon needs a value")
        value = _money(d["value"], f"{where}.value")
        if value <= 0:
            raise QuoteInputError(f"{where}.value: must be greater than zero")
    else:
        if d.get("rate") is None:
            raise QuoteInputError(f"{where}.rate: a percent_off coupon needs a rate")
        rate = _decimal(d["rate"], f"{where}.rate")
        if not Decimal(0) <= rate < Decimal(1):
            raise QuoteInputError(f"{where}.rate: must be at least 0 and below 1 (0.80 = 8折)")
    weekdays = d.get("weekdays") or []
    if not isinstance(weekdays, list) or not all(
            isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 7 for x in weekdays):
        raise QuoteInputError(f"{where}.weekdays: expected numbers 1 (Monday) to 7 (Sunday)")
    tiers = _str_list(d, "tiers", where)
    for t in tiers:
        if not rules.has_tier(t):
            raise QuoteInputError(f"{where}.tiers: unknown tier {t[:40]!r}")
    valid_from = _datetime(d["valid_from"], f"{where}.valid_from") if d.get("valid_from") else None
    valid_to = _datetime(d["valid_to"], f"{where}.valid_to") if d.get("valid_to") else None
    try:
        return Coupon(
            code=code, kind=kind, value=value, rate=rate,
            cap=_money(d["cap"], f"{where}.cap") if d.get("cap") is not None else None,
            threshold=_money(d.get("threshold", "0.00"), f"{where}.threshold"),
            categories=_str_list(d, "categories", where),
            skus=_str_list(d, "skus", where),
            valid_from=valid_from, valid_to=valid_to,
            weekdays=frozenset(weekdays), tiers=tiers,
            stackable=_bool(d, "stackable", where, False),
            with_tier_discount=_bool(d, "with_tier_discount", where, True),
            used=_bool(d, "used", where, False),
        )
    except (ValueError, TypeError) as exc:
        raise QuoteInputError(f"{where}: {exc}") from None


def result_to_json(result: PricingResult) -> dict[str, Any]:
    f = format_fen
    return {
        "subtotal": f(result.subtotal),
        "tier_discount": f(result.tier_discount),
        "coupon_discount": f(result.coupon_discount),
        "points_redeemed": result.points_redeemed,
        "points_value": f(result.points_value),
        "rounding": f(result.rounding),
        "total": f(result.total),
        "lines": [
            {"sku": x.sku, "amount": f(x.amount), "tier_discount": f(x.tier_discount),
             "coupon_discount": f(x.coupon_discount), "points_value": f(x.points_value),
             "points_redeemed": x.points_redeemed, "rounding": f(x.rounding), "paid": f(x.paid),
             "shelf_amount": f(x.shelf_amount), "member_price_saving": f(x.member_price_saving)}
            for x in result.lines
        ],
        "applied_coupons": [a.code for a in result.applied],
        "coupon_details": [{"code": a.code, "discount": f(a.discount)} for a in result.applied],
        "rejected_coupons": [{"code": r.code, "reason": r.reason.value}
                             for r in result.rejected],
        "redeem_limited_by": result.redeem_limited_by,
        "points_earned": result.points_earned,
        "growth_earned": result.growth_earned,
        "multiplier": str(result.multiplier),
        "multiplier_source": result.multiplier_source,
        "tier_before": result.tier_before,
        "tier_after": result.tier_after,
        "hints": list(result.hints),
        "member_price_saving": f(result.member_price_saving),
        "member_day_rate": str(result.member_day_rate),
        "multiplier_rule": result.multiplier_rule,
        "gifts": [g.to_dict() for g in result.gifts],
        **quote_benefits.to_json(result),
    }


def quote_text(text: str) -> dict[str, Any]:
    """Parse a JSON request, price it, and return the JSON-ready result."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QuoteInputError(f"request: malformed JSON ({exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno})") from None
    except RecursionError:
        raise QuoteInputError("request: JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise QuoteInputError(f"request: unusable JSON ({str(exc)[:80]})") from None
    req, rules = parse_request(data)
    try:
        result = quote_benefits.with_hints(req, price(req, rules))
    except PricingError as exc:
        raise QuoteInputError(str(exc)) from None
    except (OverflowError, ArithmeticError) as exc:  # absurd figures that passed parsing
        raise QuoteInputError(f"request: figures out of range ({type(exc).__name__})") from None
    return result_to_json(result)
