"""The pricing engine: DESIGN.md's pricing order, on plain dataclasses.

1. line amount = unit price × quantity;
2. tier discount on discountable lines (the member's tier before this sale);
3. coupons, percent before amount, each on the running remainder of its eligible lines, the
   combination chosen to save the member the most (ties: fewer coupons, then the coupon that
   expires first), every coupon not applied given a reason;
4. points redemption within the balance, the share of the payable and the offline daily limit;
5. cash rounding.
Then points and growth earned on what is paid with money over points-eligible lines.

This module holds the request and the result and ``price``, which runs the steps in that order;
step 3 is the coupon search's (``coupon_candidates``: the coupons as the search sees them and a
combination priced in full; ``coupon_search``: the choice), and the integer fast paths of
``money.times`` and ``money.allocate`` the steps share are in ``fast_money``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Sequence

from .basket import BasketLine, MemberSnapshot
from .benefits import BenefitError, BenefitRequest, BenefitUse, apply_to_basket
from .coupon_candidates import _alone_basis, _Cand, _Context, _Eval, _make_cand, _Sums
from .coupon_search import _choose
from .coupons import Coupon, Reason, _rejection, local_naive
from .fast_money import _spread, _times
from .mall import MallLine
from .member_days import extra_rate
from .member_prices import price_lines
from .money import Fen, floor_div_decimal
from .points import earning_multiplier_rule, growth_for, points_for
from .rules import DEFAULT_RULES, Rules


class PricingError(ValueError):
    """A request the engine cannot price (the message says which field)."""


@dataclass(frozen=True)
class PricingRequest:
    at: datetime  # store-local time, aware
    lines: tuple[BasketLine, ...]
    member: MemberSnapshot | None = None
    coupons: tuple[Coupon, ...] = ()
    redeem_points: int = 0
    online: bool = True
    # The cashier's override: exactly these coupon codes, instead of the engine's best choice.
    chosen_coupons: tuple[str, ...] | None = None
    # Benefits redeemed (权益/次卡) and points-mall rewards (积分兑换): domain/benefits.py.
    benefits: BenefitRequest | None = None


@dataclass(frozen=True)
class LineResult:
    sku: str
    name: str
    amount: Fen
    tier_discount: Fen
    coupon_discount: Fen
    points_value: Fen
    points_redeemed: int  # the redeemed points allocated to this line (returned on refund)
    rounding: Fen
    paid: Fen
    points_eligible: bool
    shelf_amount: Fen = 0  # unit shelf price × quantity (= amount unless a member price applies)
    member_price_saving: Fen = 0  # shelf_amount less the member price's amount


_LINE_FIELDS = tuple(f.name for f in fields(LineResult))


def _line_results(*columns: Sequence) -> tuple[LineResult, ...]:
    """One ``LineResult`` per line from the columns of its fields, in field order.

    The same objects as ``LineResult(...)`` (a frozen dataclass with no ``__post_init__`` and
    no slots: its fields are its ``__dict__``), built without the frozen ``__init__``'s one
    ``object.__setattr__`` per field, which was a third of pricing a basket with no coupons.
    ``tests/domain/test_pricing_fast_paths.py`` holds it to the constructor.
    """
    new = object.__new__
    out = []
    for values in zip(*columns):
        line = new(LineResult)
        line.__dict__.update(zip(_LINE_FIELDS, values))
        out.append(line)
    return tuple(out)


@dataclass(frozen=True)
class AppliedCoupon:
    code: str
    discount: Fen
    per_line: tuple[Fen, ...]  # the discount on each basket line (zero off its scope)


@dataclass(frozen=True)
class RejectedCoupon:
    code: str
    reason: Reason
    shortfall: Fen = 0  # for below_threshold: how much more would unlock it


@dataclass(frozen=True)
class PricingResult:
    subtotal: Fen
    tier_discount: Fen
    coupon_discount: Fen
    points_redeemed: int
    points_value: Fen
    rounding: Fen
    total: Fen  # left to pay with money
    lines: tuple[LineResult, ...]
    applied: tuple[AppliedCoupon, ...]
    rejected: tuple[RejectedCoupon, ...]
    points_earned: int
    growth_earned: int
    multiplier: Decimal
    multiplier_source: str
    tier_before: str | None
    tier_after: str | None
    redeem_limited_by: str | None = None  # balance, max_ratio, offline_daily_limit, no_member
    hints: tuple[dict, ...] = field(default_factory=tuple)
    # Benefits and the points mall (docs/quote.md "Benefits and points mall"): the uses spent,
    # what they took off the lines' amounts (already out of ``lines[].amount``), the mall
    # lines and the points they cost (on top of ``points_redeemed``).
    benefits_used: tuple[BenefitUse, ...] = ()
    benefit_discount: Fen = 0
    mall_lines: tuple[MallLine, ...] = ()
    mall_points: int = 0
    # Member prices, member days and gifts (docs/quote.md; domain/member_prices.py,
    # member_days.py, gifts.py)
    member_price_saving: Fen = 0
    member_day_rate: Decimal = Decimal(1)  # the extra member-day rate inside the tier discount
    multiplier_rule: str | None = None  # the member day whose multiplier applies
    gifts: tuple = ()  # GiftOffer: claimable now, or issued by this sale (upgrade gift)


# --- the whole quote ------------------------------------------------------------------------

def price(req: PricingRequest, rules: Rules = DEFAULT_RULES) -> PricingResult:
    if not req.lines:
        raise PricingError("lines: a basket needs at least one line")
    if req.at.tzinfo is None:
        raise PricingError("at: the time must carry the store's UTC offset")
    if req.redeem_points < 0:
        raise PricingError("redeem_points must not be negative")
    member = req.member
    tier_code: str | None = None
    rate = Decimal(1)
    if member is not None:
        if not rules.has_tier(member.tier):
            raise PricingError(f"member.tier: unknown tier {member.tier!r}")
        tier_code = member.tier
        rate = rules.tier(member.tier).discount_rate
    # Presented coupons are a set by code: the same coupon presented twice is one coupon, two
    # different coupons under one code are a data error.
    presented: dict[str, Coupon] = {}
    for cp in req.coupons:
        seen = presented.setdefault(cp.code, cp)
        if seen is not cp and seen != cp:
            raise PricingError(f"coupons: two different coupons share the code {cp.code!r}")
    coupons = tuple(presented.values())
    chosen = (tuple(dict.fromkeys(req.chosen_coupons)) if req.chosen_coupons is not None
              else None)

    lines = req.lines
    # 1. member prices replace the shelf amount (no tier discount on top); the member day's
    # extra rate joins the tier's (domain/member_prices.py, member_days.py)
    day_rate = extra_rate(rules.member_days, tier_code, req.at.date())
    rate = rate * day_rate
    amounts, shelf, mp_saving, mp_lines = price_lines(
        lines, tier_code, rate, rules.member_price_mode, _times)
    benefit_uses: tuple[BenefitUse, ...] = ()
    mall_lines: tuple[MallLine, ...] = ()
    benefit_off: list[Fen] = []
    mall_points = 0
    if req.benefits is not None:  # after member prices, before the tier discount
        try:
            amounts, benefit_uses, benefit_off, mall_lines, mall_points = apply_to_basket(
                req.benefits, lines, amounts,
                None if member is None else member.available_points)
        except BenefitError as exc:
            raise PricingError(f"benefits: {exc}") from None
    off = Decimal(1) - rate
    tier_full = [_times(a, off) if line.discountable and rate < 1 and not mp else 0
                 for a, line, mp in zip(amounts, lines, mp_lines)]
    ctx = _Context(lines, amounts, tier_full)

    rejected: dict[str, RejectedCoupon] = {}
    valid: list[_Cand] = []
    scopes: dict = {}
    sums = _Sums(ctx)
    at = req.at
    now = at.replace(tzinfo=None)
    naive: dict[tuple, datetime] = {}  # each distinct coupon time, store-local, once

    def local(dt: datetime | None) -> datetime | None:
        if dt is None:
            return None
        k = (dt, dt.tzinfo, dt.fold)  # equal aware times of other zones or folds stay apart
        got = naive.get(k)
        if got is None:
            got = naive[k] = local_naive(dt, at)  # type: ignore[assignment]
        return got

    for cp in coupons:
        key = (cp.categories, cp.skus)
        elig = scopes.get(key)
        if elig is None:
            elig = scopes[key] = cp.eligible_indices(lines)
        end = local(cp.valid_to)
        reason = _rejection(cp, at, now, local(cp.valid_from), end, tier_code, lines, elig)
        if reason is not None:
            rejected[cp.code] = RejectedCoupon(cp.code, reason)
        else:
            valid.append(_make_cand(cp, lines, amounts, at, scopes, end=end,
                                    gross=sums(elig)[0]))

    limit = rules.max_coupons_per_order
    if chosen is not None:
        best = _forced(ctx, valid, rejected, chosen, limit)
    else:
        best = _choose(ctx, valid, limit, sums=sums)

    chosen_ids = {id(c) for c in best.cands}
    best_has_exclusive = any(not c.coupon.stackable for c in best.cands)
    for c in valid:
        if id(c) in chosen_ids:
            continue
        basis = _alone_basis(c, sums)
        if basis < c.coupon.threshold:  # not met even alone
            rejected[c.coupon.code] = RejectedCoupon(
                c.coupon.code, Reason.BELOW_THRESHOLD, c.coupon.threshold - basis)
        elif chosen is not None:
            rejected[c.coupon.code] = RejectedCoupon(c.coupon.code, Reason.NOT_CHOSEN)
        elif best.cands and (not c.coupon.stackable or best_has_exclusive):
            rejected[c.coupon.code] = RejectedCoupon(c.coupon.code, Reason.NOT_COMBINABLE)
        elif c.coupon.stackable and len(best.cands) >= limit:
            rejected[c.coupon.code] = RejectedCoupon(c.coupon.code, Reason.OVER_COUPON_LIMIT)
        else:
            rejected[c.coupon.code] = RejectedCoupon(c.coupon.code, Reason.NOT_CHOSEN)

    coupon_lines = [0] * len(lines)
    applied: list[AppliedCoupon] = []
    for c, split in best.per_coupon:
        d = sum(split)
        if d <= 0:
            # Only the cashier's override can choose a coupon that takes nothing: nothing is
            # left on its lines, and it is not spent.
            rejected[c.coupon.code] = RejectedCoupon(c.coupon.code, Reason.NO_ELIGIBLE_LINES)
            continue
        applied.append(AppliedCoupon(c.coupon.code, d, tuple(split)))
        for i, p in enumerate(split):
            coupon_lines[i] += p
    remaining = list(best.remaining)
    payable = sum(remaining)

    # 4. points redemption
    points, limited_by = _redeemable(req, rules, payable, mall_points)
    points_value = points * rules.point_value
    pv_lines = _spread(points_value, remaining) if points_value else [0] * len(lines)
    pts_lines = _spread(points, pv_lines) if points else [0] * len(lines)
    remaining = [r - p for r, p in zip(remaining, pv_lines)]

    # 5. cash rounding
    before_rounding = sum(remaining)
    unit = {"none": 1, "jiao": 10, "yuan": 100}[rules.cash_rounding]
    rounding = before_rounding % unit
    rd_lines = _spread(rounding, remaining) if rounding else [0] * len(lines)
    paid = [r - d for r, d in zip(remaining, rd_lines)]
    total = sum(paid)

    # earning
    multiplier = Decimal(0)
    source = "none"
    multiplier_rule = None
    points_earned = growth_earned = 0
    tier_after = tier_code
    if member is not None:
        multiplier, source, multiplier_rule = earning_multiplier_rule(
            rules, member.tier, req.at, member.birthday)
        eligible_paid = sum(p for p, line in zip(paid, lines) if line.points_eligible)
        points_earned = points_for(eligible_paid, multiplier, rules)
        growth_earned = growth_for(eligible_paid, rules)
        by_growth = rules.tier_for_growth(member.growth + growth_earned)
        codes_in_order = [t.code for t in rules.tiers]
        if codes_in_order.index(by_growth.code) > codes_in_order.index(member.tier):
            tier_after = by_growth.code

    line_results = _line_results(
        [line.sku for line in lines], [line.name for line in lines], amounts, best.tier,
        coupon_lines, pv_lines, pts_lines, rd_lines, paid,
        [line.points_eligible for line in lines], shelf, mp_saving)
    result = PricingResult(
        subtotal=sum(amounts),
        tier_discount=sum(best.tier),
        coupon_discount=sum(coupon_lines),
        points_redeemed=points,
        points_value=points_value,
        rounding=rounding,
        total=total,
        lines=line_results,
        applied=tuple(applied),
        rejected=tuple(rejected[c.code] for c in coupons if c.code in rejected),
        points_earned=points_earned,
        growth_earned=growth_earned,
        multiplier=multiplier,
        multiplier_source=source,
        tier_before=tier_code,
        tier_after=tier_after,
        redeem_limited_by=limited_by,
        benefits_used=benefit_uses,
        benefit_discount=sum(benefit_off),
        mall_lines=mall_lines,
        mall_points=mall_points,
        member_price_saving=sum(mp_saving),
        member_day_rate=day_rate,
        multiplier_rule=multiplier_rule,
    )
    if member is not None:
        from .benefit_offers import gift_offers

        result = _with_gifts(result, gift_offers(req, result, rules))
    from .hints import member_hints  # local import: hints builds on the result type

    return _with_hints(result, member_hints(req, result, rules))


def _with_gifts(result: PricingResult, gifts: tuple) -> PricingResult:
    from dataclasses import replace

    return replace(result, gifts=gifts)


def _with_hints(result: PricingResult, hints: tuple[dict, ...]) -> PricingResult:
    from dataclasses import replace

    return replace(result, hints=hints)


def _forced(ctx: _Context, valid: list[_Cand], rejected: dict[str, RejectedCoupon],
            codes: Sequence[str], limit: int) -> _Eval:
    """The cashier's override: exactly these coupons, or a clear refusal."""
    by_code = {c.coupon.code: c for c in valid}
    picked: list[_Cand] = []
    for code in codes:
        if code in rejected:
            raise PricingError(f"coupon {code} cannot be used: {rejected[code].reason.value}")
        if code not in by_code:
            raise PricingError(f"coupon {code} was not presented")
        picked.append(by_code[code])
    if len(picked) > 1 and any(not c.coupon.stackable for c in picked):
        raise PricingError("chosen coupons: a non-stackable coupon combines with no other")
    if len(picked) > limit:
        raise PricingError(f"chosen coupons: at most {limit} coupons per order")
    ev = ctx.evaluate(picked)
    if ev is None:
        raise PricingError("chosen coupons: a coupon's threshold is not met")
    return ev


def _redeemable(req: PricingRequest, rules: Rules, payable: Fen,
                mall_points: int = 0) -> tuple[int, str | None]:
    asked = req.redeem_points
    if asked == 0:
        return 0, None
    member = req.member
    if member is None:
        return 0, "no_member"
    limits = [
        ("balance", max(0, member.available_points - mall_points)),
        ("max_ratio", floor_div_decimal(Decimal(payable) * rules.redeem_max_ratio
                                        / Decimal(rules.point_value))),
    ]
    if not req.online:
        limits.append(("offline_daily_limit",
                       max(0, rules.offline_daily_redeem_limit - member.redeemed_today_offline)))
    points = asked
    limited_by = None
    for name, cap in limits:
        if cap < points:
            points, limited_by = cap, name
    return max(0, points), limited_by
