"""Gifts (礼遇): the birthday gift, the upgrade gift (升级礼) and the member-day coupon.

Every gift ends up as a coupon in the member's wallet: a coupon gift as it is defined, a product
gift as a coupon for one unit of that product (``percent_off`` at rate 0 on the product's sku,
capped at the unit's price when the gift is issued). A gift is issued offline by the till with a
deterministic id, ``uuid5(GIFT_NAMESPACE, "member|gift|period")``:

- birthday gift: gift ``birthday``, period the calendar year ("2026"); claimable during the
  member's birthday month (store-local), once a year;
- upgrade gift: gift ``upgrade:<tier>``, period ``once``: issued by the sale that first lifts the
  member to that tier, usable from the next sale;
- member-day coupon: gift ``member_day:<day id>``, period the local date ("2026-12-02"): collected
  at the till once per member day.

Two tills that issue the same gift offline therefore produce the same id; the central service
keeps the first and answers a conflict for the second. Pure: standard library only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .money import Fen, format_fen, parse_decimal, parse_yuan

GIFT_NAMESPACE = uuid.UUID("6f1d1c52-6a4e-5b8e-9a59-5d3c1e0b9a11")

GIFT_KINDS = ("birthday", "upgrade", "member_day")
REWARD_KINDS = ("coupon", "product")


class GiftError(ValueError):
    """A gift definition that cannot be used; the message names the field."""


# Both are pure and asked for on every sale with a member (the gifts the member could have
# today), a few uuid5 hashes each time: the answers are kept (a few thousand strings at most).
@lru_cache(maxsize=4096)
def gift_id(member_id: str, gift: str, period: str) -> str:
    """The deterministic id of one gift to one member for one period."""
    return str(uuid.uuid5(GIFT_NAMESPACE, f"{member_id}|{gift}|{period}"))


@lru_cache(maxsize=4096)
def gift_coupon_code(gid: str) -> str:
    """The wallet coupon's code for a gift: short, readable, derived from the gift id."""
    return "GF" + uuid.UUID(gid).hex[:10].upper()


@dataclass(frozen=True)
class GiftReward:
    """What a gift gives: a coupon (amount_off or percent_off) or one unit of a product."""

    kind: str = "coupon"  # coupon | product
    title: str = ""
    coupon_kind: str = "amount_off"  # amount_off | percent_off (coupon rewards)
    value: Fen = 0  # amount_off
    rate: Decimal | None = None  # percent_off: what the member pays, 0.80 = 20 % off
    cap: Fen | None = None
    threshold: Fen = 0
    sku: str = ""  # product rewards
    valid_days: int = 30  # the coupon is valid from the moment of issue for this many days

    def __post_init__(self) -> None:
        if self.kind not in REWARD_KINDS:
            raise GiftError("gift.kind must be coupon or product")
        if self.valid_days < 1:
            raise GiftError("gift.valid_days must be at least 1")
        if self.kind == "product":
            if not self.sku:
                raise GiftError("gift.sku: a product gift names its product")
        elif self.coupon_kind == "amount_off":
            if self.value <= 0:
                raise GiftError("gift.value must be greater than zero")
        elif self.coupon_kind == "percent_off":
            if self.rate is None or not Decimal(0) <= self.rate < 1:
                raise GiftError("gift.rate must be at least 0 and below 1")
        else:
            raise GiftError("gift.coupon_kind must be amount_off or percent_off")
        if self.threshold < 0 or (self.cap is not None and self.cap <= 0):
            raise GiftError("gift.threshold must not be negative and gift.cap must be positive")

    def label(self) -> str:
        """What the cashier reads: the brand's title, else a short description."""
        if self.title:
            return self.title
        if self.kind == "product":
            return f"赠品 {self.sku}"
        if self.coupon_kind == "amount_off":
            head = f"¥{format_fen(self.value)}券"
            return head if self.threshold == 0 else f"满{format_fen(self.threshold)}减" \
                f"{format_fen(self.value)}券"
        return f"{_plain(self.rate * 10)}折券"  # type: ignore[operator]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "title": self.title,
                               "valid_days": self.valid_days}
        if self.kind == "product":
            out["sku"] = self.sku
            return out
        out["coupon_kind"] = self.coupon_kind
        if self.coupon_kind == "amount_off":
            out["value"] = format_fen(self.value)
        else:
            out["rate"] = str(self.rate)
        if self.cap is not None:
            out["cap"] = format_fen(self.cap)
        out["threshold"] = format_fen(self.threshold)
        return out

    @classmethod
    def from_dict(cls, d: Any, where: str = "gift") -> GiftReward:
        if not isinstance(d, Mapping):
            raise GiftError(f"{where}: expected an object")
        known = {"kind", "title", "coupon_kind", "value", "rate", "cap", "threshold", "sku",
                 "valid_days"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise GiftError(f"{where}.{unknown[0]}: unknown field")
        try:
            kind = _text(d.get("kind", "coupon"), f"{where}.kind")
            valid_days = d.get("valid_days", 30)
            if not isinstance(valid_days, int) or isinstance(valid_days, bool):
                raise GiftError(f"{where}.valid_days must be a whole number")
            return cls(
                kind=kind, title=_text(d.get("title", ""), f"{where}.title"),
                coupon_kind=_text(d.get("coupon_kind", "amount_off"), f"{where}.coupon_kind"),
                value=_money(d.get("value", "0.00"), f"{where}.value"),
                rate=(parse_decimal(_text(d["rate"], f"{where}.rate"), f"{where}.rate")
                      if d.get("rate") is not None else None),
                cap=_money(d["cap"], f"{where}.cap") if d.get("cap") is not None else None,
                threshold=_money(d.get("threshold", "0.00"), f"{where}.threshold"),
                sku=_text(d.get("sku", ""), f"{where}.sku"),
                valid_days=valid_days,
            )
        except GiftError as exc:
            msg = str(exc)
            raise GiftError(msg if msg.startswith(where) else
                            msg.replace("gift.", f"{where}.", 1)) from None
        except ValueError as exc:
            raise GiftError(f"{where}: {exc}") from None


def _text(v: Any, where: str) -> str:
    if not isinstance(v, str):
        raise GiftError(f"{where} must be a string")
    return v


def _money(v: Any, where: str) -> Fen:
    if not isinstance(v, str):
        raise GiftError(f"{where} must be an amount string like \"10.00\"")
    fen = parse_yuan(v)
    if fen < 0:
        raise GiftError(f"{where} must not be negative")
    return fen


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class GiftOffer:
    """A gift as the quote and the till see it: claimable now, or issued by this sale."""

    kind: str  # birthday | upgrade | member_day
    gift: str  # birthday, upgrade:gold, member_day:wed
    period: str
    gift_id: str
    reward: GiftReward
    status: str  # claimable | issued | claimed
    tier: str | None = None  # upgrade gifts: the tier reached

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "gift": self.gift, "period": self.period,
               "gift_id": self.gift_id, "status": self.status, "title": self.reward.label(),
               "reward": self.reward.to_dict(), "coupon_code": gift_coupon_code(self.gift_id)}
        if self.tier is not None:
            out["tier"] = self.tier
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GiftOffer:
        """Back from :meth:`to_dict` (a stored quote)."""
        try:
            return cls(kind=d["kind"], gift=d["gift"], period=d["period"], gift_id=d["gift_id"],
                       reward=GiftReward.from_dict(d["reward"]), status=d["status"],
                       tier=d.get("tier"))
        except (KeyError, TypeError) as exc:
            raise GiftError(f"gift: {exc} is missing") from None


def birthday_offer(member_id: str, birthday: date | None, today: date,
                   reward: GiftReward | None, claimed: frozenset[str]) -> GiftOffer | None:
    """The birthday gift, when the member's birthday month is this month (once a year)."""
    if reward is None or birthday is None or birthday.month != today.month:
        return None
    period = str(today.year)
    gid = gift_id(member_id, "birthday", period)
    status = "claimed" if gid in claimed else "claimable"
    return GiftOffer("birthday", "birthday", period, gid, reward, status)


def upgrade_offer(member_id: str, tier: str, reward: GiftReward | None,
                  status: str = "issued") -> GiftOffer | None:
    """The upgrade gift for reaching ``tier`` (once per member and tier)."""
    if reward is None:
        return None
    gift = f"upgrade:{tier}"
    return GiftOffer("upgrade", gift, "once", gift_id(member_id, gift, "once"), reward, status,
                     tier=tier)


def member_day_offer(member_id: str, day_id: str, today: date, reward: GiftReward,
                     claimed: frozenset[str]) -> GiftOffer:
    gift = f"member_day:{day_id}"
    period = today.isoformat()
    gid = gift_id(member_id, gift, period)
    return GiftOffer("member_day", gift, period, gid, reward,
                     "claimed" if gid in claimed else "claimable")


@dataclass(frozen=True)
class IssuedCoupon:
    """The wallet coupon a gift becomes (figures in fen, times store-local and naive)."""

    code: str
    title: str
    kind: str  # amount_off | percent_off
    value: Fen | None
    rate: Decimal | None
    cap: Fen | None
    threshold: Fen
    skus: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime


def coupon_for(offer: GiftOffer, issued_at: datetime,
               unit_price: Fen | None = None) -> IssuedCoupon:
    """The coupon that ``offer`` puts in the wallet when issued at ``issued_at`` (store-local,
    naive). A product gift needs the product's ``unit_price`` (one unit, free)."""
    r = offer.reward
    start = issued_at.replace(microsecond=0)
    end = start + timedelta(days=r.valid_days)
    code = gift_coupon_code(offer.gift_id)
    title = r.label()
    if r.kind == "product":
        if unit_price is None or unit_price <= 0:
            raise GiftError(f"gift {offer.gift}: product {r.sku} is not on sale at this till")
        return IssuedCoupon(code, title, "percent_off", None, Decimal(0), unit_price, 0,
                            (r.sku,), start, end)
    if r.coupon_kind == "amount_off":
        return IssuedCoupon(code, title, "amount_off", r.value, None, None, r.threshold, (),
                            start, end)
    return IssuedCoupon(code, title, "percent_off", None, r.rate, r.cap, r.threshold, (),
                        start, end)
