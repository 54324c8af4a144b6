"""Benefits with quotas (权益次数) and count cards (次卡): pure data and arithmetic.

A *benefit* is a named thing a member may be given at the till (免费上门测量, 免费升杯, 一杯咖啡):
it covers some SKUs and/or categories and, when redeemed on a covered line, either prices one
unit of the line at zero (``free``) or takes a fixed value off one unit (``value_off``).

A member holds uses of a benefit from two sources:

- a **quota** of their tier: N uses per period (``month`` or ``year``, calendar periods of the
  store's local date), or unlimited (``uses: null``);
- a **count card** (次卡) sold to them: a product that, when sold, grants N uses with an expiry
  date (``valid_days`` after the sale). A refunded card loses its unused uses, never the used.

One redemption is one use on one unit of one basket line. When the cashier does not pick the
source, the quota is spent first (it resets with the period), then the card that expires first.

Everything here is stdlib only; money is integer fen. The programme (``Programme``) is the
brand's data, distributed by the central service as JSON (money as yuan strings, as rules.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .money import Fen, format_fen, parse_yuan

PERIODS = ("month", "year")
KINDS = ("free", "value_off")
QUOTA = "quota"  # the source of a use taken from the tier's quota; a card's source is its id


class BenefitError(ValueError):
    """A benefit definition or a redemption that cannot be used; the message says why.

    ``code`` is a machine reason: unknown_benefit, not_covered, none_left, expired,
    bad_line, not_member, by_weight."""

    def __init__(self, message: str, code: str = "benefit") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Benefit:
    code: str
    name: str
    kind: str = "free"  # free: one unit at zero; value_off: value_fen off one unit
    value_fen: Fen = 0
    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    name_en: str = ""

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 64:
            raise BenefitError("benefit code: 1 to 64 characters")
        if self.kind not in KINDS:
            raise BenefitError(f"benefit {self.code}: kind must be one of {', '.join(KINDS)}")
        if not isinstance(self.value_fen, int) or isinstance(self.value_fen, bool) \
                or self.value_fen < 0:
            raise BenefitError(f"benefit {self.code}: value is whole fen, not negative")
        if self.kind == "value_off" and self.value_fen <= 0:
            raise BenefitError(f"benefit {self.code}: a value_off benefit needs a value")
        if not self.skus and not self.categories:
            raise BenefitError(f"benefit {self.code}: name the SKUs or categories it covers")

    def covers(self, sku: str, category: str) -> bool:
        return sku in self.skus or (bool(category) and category in self.categories)

    def unit_discount(self, unit_price: Fen) -> Fen:
        """What one use takes off one unit priced ``unit_price`` (never more than the unit)."""
        if self.kind == "free":
            return max(0, unit_price)
        return max(0, min(self.value_fen, unit_price))

    def display_name(self, lang: str = "zh") -> str:
        return (self.name_en or self.name) if lang.startswith("en") else self.name

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en,
                "kind": self.kind, "value": format_fen(self.value_fen),
                "skus": sorted(self.skus), "categories": sorted(self.categories)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "benefits[]") -> Benefit:
        try:
            return cls(code=_text(d, "code", where), name=str(d.get("name") or d["code"]),
                       name_en=str(d.get("name_en", "")), kind=str(d.get("kind", "free")),
                       value_fen=parse_yuan(str(d.get("value", "0.00"))),
                       skus=frozenset(_strings(d, "skus", where)),
                       categories=frozenset(_strings(d, "categories", where)))
        except KeyError as exc:
            raise BenefitError(f"{where}.{exc.args[0]} is required") from None
        except BenefitError:
            raise
        except ValueError as exc:
            raise BenefitError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class Quota:
    benefit: str
    tier: str
    period: str = "month"
    uses: int | None = 1  # None: unlimited

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise BenefitError(f"quota {self.benefit}/{self.tier}: period is month or year")
        if self.uses is not None and (not isinstance(self.uses, int)
                                      or isinstance(self.uses, bool) or self.uses < 0):
            raise BenefitError(f"quota {self.benefit}/{self.tier}: uses is a whole number "
                               "or null (unlimited)")

    def to_dict(self) -> dict[str, Any]:
        return {"benefit": self.benefit, "tier": self.tier, "period": self.period,
                "uses": self.uses}


@dataclass(frozen=True)
class CountCardProduct:
    """Selling ``sku`` gives the buyer ``uses`` uses of ``benefit`` per unit sold, valid for
    ``valid_days`` days from the day of the sale (the last day included)."""

    sku: str
    benefit: str
    uses: int
    valid_days: int = 365

    def __post_init__(self) -> None:
        if not isinstance(self.uses, int) or isinstance(self.uses, bool) or self.uses < 1:
            raise BenefitError(f"count card {self.sku}: uses must be at least 1")
        if not isinstance(self.valid_days, int) or self.valid_days < 1:
            raise BenefitError(f"count card {self.sku}: valid_days must be at least 1")

    def expires_on(self, sold_on: date) -> date:
        return sold_on + timedelta(days=self.valid_days - 1)

    def to_dict(self) -> dict[str, Any]:
        return {"sku": self.sku, "benefit": self.benefit, "uses": self.uses,
                "valid_days": self.valid_days}


@dataclass(frozen=True)
class Programme:
    """The brand's benefits, quotas and count cards (and the points-mall rewards, mall.py)."""

    benefits: tuple[Benefit, ...] = ()
    quotas: tuple[Quota, ...] = ()
    count_cards: tuple[CountCardProduct, ...] = ()
    rewards: tuple = ()  # mall.Reward, kept here so that one document carries the programme
    version: int = 0
    # The offline risk limit (as points have one): uses one till may spend per member and
    # local day while it cannot reach the central service.
    offline_daily_uses: int = 3

    def __post_init__(self) -> None:
        codes = [b.code for b in self.benefits]
        if len(set(codes)) != len(codes):
            raise BenefitError("benefit codes must be unique")
        known = set(codes)
        seen = set()
        for q in self.quotas:
            if q.benefit not in known:
                raise BenefitError(f"quota names an unknown benefit {q.benefit!r}")
            if (q.benefit, q.tier) in seen:
                raise BenefitError(f"two quotas for {q.benefit} and tier {q.tier}")
            seen.add((q.benefit, q.tier))
        skus = [c.sku for c in self.count_cards]
        if len(set(skus)) != len(skus):
            raise BenefitError("one count card per SKU")
        for c in self.count_cards:
            if c.benefit not in known:
                raise BenefitError(f"count card {c.sku} names an unknown benefit {c.benefit!r}")

    def benefit(self, code: str) -> Benefit:
        for b in self.benefits:
            if b.code == code:
                return b
        raise BenefitError(f"no benefit {code!r} in the programme", "unknown_benefit")

    def has_benefit(self, code: str) -> bool:
        return any(b.code == code for b in self.benefits)

    def quota(self, benefit: str, tier: str) -> Quota | None:
        for q in self.quotas:
            if q.benefit == benefit and q.tier == tier:
                return q
        return None

    def card_for(self, sku: str) -> CountCardProduct | None:
        for c in self.count_cards:
            if c.sku == sku:
                return c
        return None

    def reward(self, code: str):
        for r in self.rewards:
            if r.code == code:
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "offline_daily_uses": self.offline_daily_uses,
                "benefits": [b.to_dict() for b in self.benefits],
                "quotas": [q.to_dict() for q in self.quotas],
                "count_cards": [c.to_dict() for c in self.count_cards],
                "rewards": [r.to_dict() for r in self.rewards]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Programme:
        from .mall import Reward  # mall builds on this module

        if not d:
            return EMPTY
        if not isinstance(d, Mapping):
            raise BenefitError("benefit programme: expected an object")
        try:
            benefits = tuple(Benefit.from_dict(x, f"benefits[{i}]")
                             for i, x in enumerate(_list(d, "benefits")))
            quotas = tuple(Quota(benefit=_text(x, "benefit", f"quotas[{i}]"),
                                 tier=_text(x, "tier", f"quotas[{i}]"),
                                 period=str(x.get("period", "month")), uses=x.get("uses", 1))
                           for i, x in enumerate(_list(d, "quotas")))
            cards = tuple(CountCardProduct(sku=_text(x, "sku", f"count_cards[{i}]"),
                                           benefit=_text(x, "benefit", f"count_cards[{i}]"),
                                           uses=x.get("uses", 0),
                                           valid_days=x.get("valid_days", 365))
                          for i, x in enumerate(_list(d, "count_cards")))
            rewards = tuple(Reward.from_dict(x, f"rewards[{i}]")
                            for i, x in enumerate(_list(d, "rewards")))
            version = d.get("version", 0)
            if not isinstance(version, int) or isinstance(version, bool):
                raise BenefitError("version must be an integer")
            limit = d.get("offline_daily_uses", 3)
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
                raise BenefitError("offline_daily_uses must be a whole number, not negative")
        except (AttributeError, TypeError) as exc:
            raise BenefitError(f"benefit programme: {exc}") from None
        return cls(benefits, quotas, cards, rewards, version, limit)


EMPTY = Programme()


def _text(d: Mapping[str, Any], key: str, where: str) -> str:
    v = d[key]
    if not isinstance(v, str) or not v:
        raise BenefitError(f"{where}.{key} must be a non-empty string")
    return v


def _strings(d: Mapping[str, Any], key: str, where: str) -> list[str]:
    v = d.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise BenefitError(f"{where}.{key} must be a list of strings")
    return v


def _list(d: Mapping[str, Any], key: str) -> list:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise BenefitError(f"{key} must be a list")
    return v


# --- balances ---------------------------------------------------------------------------------

def period_key(period: str, day: date) -> str:
    """The quota period a local date falls in: ``2026-12`` (month) or ``2026`` (year)."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "year":
        return f"{day.year:04d}"
    raise BenefitError(f"unknown period {period!r}")


def period_end(period: str, day: date) -> date:
    if period == "year":
        return date(day.year, 12, 31)
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


@dataclass(frozen=True)
class CardState:
    """A count card a member holds, as the till knows it (uses_left: after every use the
    central service confirmed and this till's own unconfirmed ones)."""

    id: str
    benefit: str
    uses_total: int
    uses_left: int
    expires_on: date
    status: str = "active"  # active, refunded
    sku: str = ""


@dataclass(frozen=True)
class Balance:
    """What a member may still use of one benefit from one source, today."""

    benefit: str
    source: str  # "quota" or the card's id
    remaining: int | None  # None: unlimited
    expires_on: date | None = None  # a card's last day; a quota's period end
    period_key: str | None = None  # quota only
    total: int | None = None  # the quota's uses per period / the card's uses

    @property
    def usable(self) -> bool:
        return self.remaining is None or self.remaining > 0

    def to_dict(self) -> dict[str, Any]:
        return {"benefit": self.benefit, "source": self.source, "remaining": self.remaining,
                "expires_on": self.expires_on.isoformat() if self.expires_on else None,
                "period_key": self.period_key, "total": self.total}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "benefits.balances[]") -> Balance:
        try:
            remaining = d.get("remaining")
            if remaining is not None and (not isinstance(remaining, int)
                                          or isinstance(remaining, bool)):
                raise BenefitError(f"{where}.remaining must be an integer or null")
            total = d.get("total")
            exp = d.get("expires_on")
            return cls(benefit=_text(d, "benefit", where), source=_text(d, "source", where),
                       remaining=remaining,
                       expires_on=date.fromisoformat(exp) if exp else None,
                       period_key=d.get("period_key"), total=total)
        except KeyError as exc:
            raise BenefitError(f"{where}.{exc.args[0]} is required") from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, BenefitError):
                raise
            raise BenefitError(f"{where}: {exc}") from None


def balances(programme: Programme, tier: str | None, quota_used: Mapping[tuple[str, str], int],
             cards: Iterable[CardState], today: date) -> tuple[Balance, ...]:
    """Every source the member may draw on today: the tier's quotas (``quota_used`` maps
    (benefit, period key) to the uses already spent in that period, confirmed and pending),
    then the cards that are active, unexpired and not used up, soonest expiring first.

    A quota used beyond its allowance (two tills offline) shows ``remaining`` 0, never below:
    the overspend is the central service's conflict, not a negative balance to spend against.
    """
    out: list[Balance] = []
    if tier is not None:
        for q in programme.quotas:
            if q.tier != tier or not programme.has_benefit(q.benefit):
                continue
            key = period_key(q.period, today)
            used = quota_used.get((q.benefit, key), 0)
            remaining = None if q.uses is None else max(0, q.uses - used)
            out.append(Balance(q.benefit, QUOTA, remaining, period_end(q.period, today), key,
                               q.uses))
    live = [c for c in cards if c.status == "active" and c.expires_on >= today
            and c.uses_left > 0]
    live.sort(key=lambda c: (c.expires_on, c.id))
    out.extend(Balance(c.benefit, c.id, c.uses_left, c.expires_on, None, c.uses_total)
               for c in live)
    return tuple(out)


# --- redeeming --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """The cashier redeems one use of ``benefit`` on basket line ``line`` (0-based); ``source``
    picks a card (its id) or the quota; None lets the engine pick (quota, then soonest card)."""

    benefit: str
    line: int
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"benefit": self.benefit, "line": self.line, "source": self.source}


@dataclass(frozen=True)
class BenefitUse:
    benefit: str
    source: str
    line: int
    discount: Fen
    period_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"benefit": self.benefit, "source": self.source, "line": self.line,
                "discount": format_fen(self.discount), "period_key": self.period_key}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BenefitUse:
        return cls(str(d["benefit"]), str(d["source"]), int(d["line"]),
                   parse_yuan(str(d["discount"])), d.get("period_key"))


@dataclass(frozen=True)
class BenefitRequest:
    """What pricing needs to redeem benefits: the definitions, the member's balances (from
    ``balances``) and the cashier's claims."""

    definitions: tuple[Benefit, ...] = ()
    balances: tuple[Balance, ...] = ()
    claims: tuple[Claim, ...] = ()
    rewards: tuple = ()  # mall.Reward: the points mall's rewards the claims below name
    mall: tuple = ()  # mall.MallClaim


def redeem(req: BenefitRequest, skus: Sequence[str], categories: Sequence[str],
           unit_prices: Sequence[Fen], qtys: Sequence[Decimal], amounts: Sequence[Fen]
           ) -> tuple[list[Fen], tuple[BenefitUse, ...]]:
    """The discount each line takes from the claims, and the uses spent.

    Each claim takes one unit of its line; a line takes at most as many claims as it has units
    (its quantity, whole pieces only) and never more than its amount. A claim that cannot be
    honoured raises :class:`BenefitError` (nothing is silently dropped): unknown benefit, the
    line not covered, no use left, a weighed line.
    """
    per_line = [0] * len(amounts)
    if not req.claims:
        return per_line, ()
    defs = {b.code: b for b in req.definitions}
    left: dict[tuple[str, str], int | None] = {}
    order: dict[str, list[Balance]] = {}
    for b in req.balances:
        left[(b.benefit, b.source)] = b.remaining
        order.setdefault(b.benefit, []).append(b)
    units_taken = [0] * len(amounts)
    uses: list[BenefitUse] = []
    for claim in req.claims:
        benefit = defs.get(claim.benefit)
        if benefit is None:
            raise BenefitError(f"no benefit {claim.benefit!r}", "unknown_benefit")
        i = claim.line
        if not isinstance(i, int) or not 0 <= i < len(amounts):
            raise BenefitError(f"benefit {benefit.name}: no basket line {i}", "bad_line")
        if not benefit.covers(skus[i], categories[i]):
            raise BenefitError(f"{benefit.name} does not cover {skus[i]}", "not_covered")
        qty = qtys[i]
        if qty != qty.to_integral_value():
            raise BenefitError(f"{benefit.name}: a benefit covers pieces, not weighed goods",
                               "by_weight")
        if units_taken[i] + 1 > int(qty):
            raise BenefitError(f"{benefit.name}: every unit of line {i + 1} is already "
                               "redeemed", "bad_line")
        source = _pick(benefit.code, claim.source, order, left)
        rem = left[(benefit.code, source)]
        if rem is not None:
            left[(benefit.code, source)] = rem - 1
        d = min(benefit.unit_discount(unit_prices[i]), amounts[i] - per_line[i])
        per_line[i] += d
        units_taken[i] += 1
        bal = next(b for b in order[benefit.code] if b.source == source)
        uses.append(BenefitUse(benefit.code, source, i, d, bal.period_key))
    return per_line, tuple(uses)


def _pick(benefit: str, wanted: str | None, order: dict[str, list[Balance]],
          left: dict[tuple[str, str], int | None]) -> str:
    sources = order.get(benefit, [])
    if wanted is not None:
        if (benefit, wanted) not in left:
            raise BenefitError(f"the member holds no {benefit} from {wanted}", "none_left")
        rem = left[(benefit, wanted)]
        if rem is not None and rem <= 0:
            raise BenefitError(f"no {benefit} use left on {wanted}", "none_left")
        return wanted
    for b in sources:  # the quota first, then cards soonest expiring (balances' order)
        rem = left[(benefit, b.source)]
        if rem is None or rem > 0:
            return b.source
    raise BenefitError(f"no {benefit} use left this period", "none_left")


def card_refund(uses_total: int, uses_left: int) -> int:
    """The uses a refunded count card takes back: only the unused ones."""
    if not 0 <= uses_left <= uses_total:
        raise BenefitError("uses left must be between 0 and the card's uses")
    return uses_left


def card_refund_fen(paid: Fen, uses_total: int, uses_left: int) -> Fen:
    """The money a refunded count card gives back: the paid amount in proportion to the unused
    uses, rounded down to the fen (the used part was consumed; docs/quote.md)."""
    card_refund(uses_total, uses_left)
    return paid * uses_left // uses_total


@dataclass(frozen=True)
class Hint:
    kind: str  # benefit_left, card_expiring
    benefit: str
    name: str
    remaining: int | None
    expires_on: date | None = None
    extra: dict = field(default_factory=dict)


def hints(programme: Programme, bals: Iterable[Balance], today: date,
          expiring_days: int = 30) -> tuple[dict, ...]:
    """What the cashier is told: each benefit with uses left this period (or unlimited), and
    count cards with uses left that expire within ``expiring_days``."""
    out: list[dict] = []
    for b in bals:
        if not programme.has_benefit(b.benefit):
            continue
        name = programme.benefit(b.benefit).name
        if b.source == QUOTA:
            if b.usable:
                out.append({"kind": "benefit_left", "benefit": b.benefit, "name": name,
                            "remaining": b.remaining, "period_key": b.period_key})
        elif b.usable:
            soon = b.expires_on is not None and (b.expires_on - today).days <= expiring_days
            out.append({"kind": "card_expiring" if soon else "card_left",
                        "benefit": b.benefit, "name": name, "card_id": b.source,
                        "remaining": b.remaining,
                        "expires_on": b.expires_on.isoformat() if b.expires_on else None})
    return tuple(out)


def apply_to_basket(req: BenefitRequest | None, lines, amounts: list[Fen],
                    available_points: int | None):
    """Pricing's hook (after member prices, before the tier discount): the line amounts less
    the benefits redeemed and the mall rewards paid with points, and what was used.

    Returns ``(amounts, benefit_uses, per-line benefit discount, mall_lines, mall_points)``.
    """
    if req is None or (not req.claims and not req.mall):
        return amounts, (), [0] * len(amounts), (), 0
    from .mall import apply_mall

    skus = [x.sku for x in lines]
    cats = [x.category for x in lines]
    qtys = [x.qty for x in lines]
    mall_off, mall_lines, mall_points = apply_mall(req.mall, req.rewards, skus, qtys, amounts,
                                                   available_points)
    for claim in req.claims:
        if 0 <= claim.line < len(lines) and mall_off[claim.line]:
            raise BenefitError("a line paid with points takes no benefit", "bad_line")
    # one unit at what it costs after member prices (the line's amount over its pieces)
    units = [a // int(q) if q == q.to_integral_value() and q >= 1 else x.unit_price
             for a, q, x in zip(amounts, qtys, lines)]
    off, uses = redeem(req, skus, cats, units, qtys, amounts)
    after = [a - o - m for a, o, m in zip(amounts, off, mall_off)]
    return after, uses, off, mall_lines, mall_points


def demo_programme() -> Programme:
    """The sample programme of docs/quote.md: 免费上门测量 (silver 1 a year, gold unlimited), a
    free upsize each month for silver and gold, the 10-cup coffee card, two mall rewards."""
    from .mall import Reward

    return Programme(
        benefits=(
            Benefit("HOME_MEASURE", "免费上门测量", skus=frozenset({"SVC-MEASURE"}),
                    name_en="Free home measuring"),
            Benefit("UPSIZE", "免费升杯", kind="value_off", value_fen=300,
                    categories=frozenset({"coffee"}), name_en="Free upsize"),
            Benefit("COFFEE", "咖啡一杯", categories=frozenset({"coffee"}), name_en="A coffee"),
        ),
        quotas=(
            Quota("HOME_MEASURE", "silver", "year", 1),
            Quota("HOME_MEASURE", "gold", "year", None),
            Quota("UPSIZE", "silver", "month", 1),
            Quota("UPSIZE", "gold", "month", 2),
        ),
        count_cards=(CountCardProduct("CARD-COFFEE10", "COFFEE", 10, 365),),
        rewards=(
            Reward("MUG", "品牌马克杯", 500, "MALL-MUG", name_en="Brand mug"),
            Reward("CPN10", "¥10 无门槛券", 300, "MALL-CPN10", kind="coupon",
                   coupon_template="TPL-MALL10", name_en="¥10 coupon"),
        ),
    )
