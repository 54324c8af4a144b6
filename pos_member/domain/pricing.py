"""The pricing engine: DESIGN.md's pricing order, on plain dataclasses.

1. line amount = unit price × quantity;
2. tier discount on discountable lines (the member's tier before this sale);
3. coupons, percent before amount, each on the running remainder of its eligible lines, the
   combination chosen to save the member the most (ties: fewer coupons, then the coupon that
   expires first), every coupon not applied given a reason;
4. points redemption within the balance, the share of the payable and the offline daily limit;
5. cash rounding.
Then points and growth earned on what is paid with money over points-eligible lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal, getcontext
from typing import Sequence

from .basket import BasketLine, MemberSnapshot
from .benefits import BenefitError, BenefitRequest, BenefitUse, apply_to_basket
from .coupons import Coupon, CouponKind, Reason, _rejection, local_naive
from .mall import MallLine
from .money import Fen, allocate, floor_div_decimal, times
from .member_days import extra_rate
from .member_prices import price_lines
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


# --- exact arithmetic, fast ------------------------------------------------------------------

# factor -> (numerator, denominator, reach): ``reach`` bounds the digits of fen × factor.
_RATIOS: dict[Decimal, tuple[int, int, int]] = {}


def _times(fen: Fen, factor: Decimal) -> Fen:
    """``money.times(fen, factor)``, the same result, in integer arithmetic.

    ``times`` rounds ``Decimal(fen) * factor`` half up to the fen. When that product is exact in
    the current decimal context (its significant digits fit the precision) the result is the
    exact fraction ``fen × num / den`` rounded half up, which integers compute several times
    faster; otherwise (or for a factor that is not finite) ``times`` itself answers.
    """
    r = _RATIOS.get(factor)
    if r is None:
        if not factor.is_finite():
            return times(fen, factor)
        exponent = factor.as_tuple().exponent
        if not -40 <= exponent <= 40:  # type: ignore[operator]  # far from money: no shortcut
            return times(fen, factor)
        num, den = factor.as_integer_ratio()
        # fen × factor × 10^m is an integer (den divides 10^m); its digits bound the product's
        m = max(0, -exponent)  # type: ignore[operator]
        if len(_RATIOS) > 4096:
            _RATIOS.clear()
        r = _RATIOS[factor] = (num, den, abs(num) * (10 ** m // den))
    num, den, reach = r
    if (fen if fen >= 0 else -fen) * reach >= 10 ** getcontext().prec:
        return times(fen, factor)
    p = fen * num
    if p >= 0:
        return (2 * p + den) // (2 * den)
    return -((den - 2 * p) // (2 * den))


# --- the coupon combination ------------------------------------------------------------------

@dataclass
class _Cand:
    coupon: Coupon
    elig: tuple[int, ...]
    order: tuple  # application order: percent first, then amount; earliest expiry; code
    expiry: tuple  # tie-break key: earliest expiry first, never-expiring last
    bound: Fen  # upper bound of what it can ever take off


@dataclass
class _Eval:
    saving: Fen
    cands: tuple[_Cand, ...]
    tier: list[Fen]
    per_coupon: list[tuple[_Cand, list[Fen]]]
    remaining: list[Fen]

    def key(self) -> tuple:
        """Smaller is better: most saved, then fewer coupons, then earliest expiry, then code."""
        return (-self.saving, len(self.cands), tuple(sorted(c.expiry for c in self.cands)),
                tuple(sorted(c.coupon.code for c in self.cands)))


class _Context:
    def __init__(self, lines: Sequence[BasketLine], amounts: list[Fen], tier_full: list[Fen]):
        self.lines = lines
        self.amounts = amounts
        self.tier_full = tier_full

    def base(self, no_tier: frozenset[int]) -> list[Fen]:
        return [0 if i in no_tier else t for i, t in enumerate(self.tier_full)]

    @staticmethod
    def threshold_met(c: _Cand, amounts: list[Fen], after_tier: list[Fen]) -> bool:
        basis_lines = amounts if not c.coupon.with_tier_discount else after_tier
        return sum(basis_lines[i] for i in c.elig) >= c.coupon.threshold

    @staticmethod
    def apply(c: _Cand, remaining: list[Fen]) -> tuple[Fen, list[Fen] | None]:
        """Take coupon ``c`` off ``remaining`` in place; return the discount and its split."""
        rem = sum(remaining[i] for i in c.elig)
        cp = c.coupon
        if cp.kind is CouponKind.PERCENT_OFF:
            d = _times(rem, Decimal(1) - cp.rate)  # type: ignore[operator]
            if cp.cap is not None:
                d = min(d, cp.cap)
        else:
            d = cp.value  # type: ignore[assignment]
        d = min(d, rem)
        if d <= 0:
            return 0, None
        parts = _spread(d, [remaining[i] for i in c.elig])
        for i, p in zip(c.elig, parts):
            remaining[i] -= p
        return d, parts

    def evaluate(self, cands: Sequence[_Cand]) -> _Eval | None:
        """Price one combination; None if a threshold is not met."""
        no_tier = frozenset(i for c in cands if not c.coupon.with_tier_discount for i in c.elig)
        tier = self.base(no_tier)
        after = [a - t for a, t in zip(self.amounts, tier)]
        for c in cands:
            if not self.threshold_met(c, self.amounts, after):
                return None
        remaining = list(after)
        saving = sum(tier)
        per: list[tuple[_Cand, list[Fen]]] = []
        for c in sorted(cands, key=lambda c: c.order):
            d, parts = self.apply(c, remaining)
            saving += d
            split = [0] * len(self.amounts)
            if parts:
                for i, p in zip(c.elig, parts):
                    split[i] = p
            per.append((c, split))
        return _Eval(saving, tuple(cands), tier, per, remaining)


_UNSET = object()


def _make_cand(coupon: Coupon, lines: Sequence[BasketLine], amounts: list[Fen],
               at: datetime, scopes: dict | None = None, *, end=_UNSET,
               gross: Fen | None = None) -> _Cand:
    """A valid coupon as the search sees it. ``end`` (its store-local end) and ``gross`` (the
    sum of its lines' amounts): when the caller has them already."""
    key = (coupon.categories, coupon.skus)
    if scopes is not None and key in scopes:
        elig = scopes[key]
    else:
        elig = coupon.eligible_indices(lines)
        if scopes is not None:
            scopes[key] = elig
    if end is _UNSET:
        end = local_naive(coupon.valid_to, at)
    expiry = (0, end) if end is not None else (1, datetime.max)
    if gross is None:
        gross = sum(amounts[i] for i in elig)
    if coupon.kind is CouponKind.PERCENT_OFF:
        bound = _times(gross, Decimal(1) - coupon.rate)  # type: ignore[operator]
        if coupon.cap is not None:
            bound = min(bound, coupon.cap)
    else:
        bound = min(coupon.value, gross)  # type: ignore[type-var]
    kind_order = 0 if coupon.kind is CouponKind.PERCENT_OFF else 1
    return _Cand(coupon, elig, (kind_order, expiry, coupon.code), expiry, max(bound, 0))


# How many coupon applications the stackable search prices before it settles for the best
# found. Every combination of up to 10 stackable coupons under the default limit of 3 (175
# combinations, 460 applications) fits in it, so such a search is always exhaustive; larger ones
# are exact whenever the bounds cut the rest; see docs/pricing.md.
NODE_BUDGET = 600


class _Sums:
    """Per-scope sums of the line amounts and of the full tier discount, computed once."""

    def __init__(self, ctx: _Context):
        self.ctx = ctx
        # by the scope tuple's identity (coupons of one scope share it; hashing the tuple's
        # contents each time cost more than the sums), the tuple kept so the id stays its own
        self.cache: dict[int, tuple[tuple[int, ...], Fen, Fen]] = {}

    def __call__(self, elig: tuple[int, ...]) -> tuple[Fen, Fen]:
        got = self.cache.get(id(elig))
        if got is None:
            a, t = self.ctx.amounts, self.ctx.tier_full
            got = self.cache[id(elig)] = (elig, sum(map(a.__getitem__, elig)),
                                          sum(map(t.__getitem__, elig)))
        return got[1], got[2]


def _alone_basis(c: _Cand, sums: _Sums) -> Fen:
    """The amount a coupon's threshold is judged on when it is the only coupon."""
    gross, tier = sums(c.elig)
    return gross if not c.coupon.with_tier_discount else gross - tier


def _alone_saving(c: _Cand, sums: _Sums, tier_total: Fen) -> Fen | None:
    """What ``ctx.evaluate([c])`` saves, in O(1); None when its threshold is not met."""
    gross, tier = sums(c.elig)
    wtd = c.coupon.with_tier_discount
    rem = gross - tier if wtd else gross
    if rem < c.coupon.threshold:
        return None
    cp = c.coupon
    if cp.kind is CouponKind.PERCENT_OFF:
        d = _times(rem, Decimal(1) - cp.rate)  # type: ignore[operator]
        if cp.cap is not None:
            d = min(d, cp.cap)
    else:
        d = cp.value  # type: ignore[assignment]
    d = max(0, min(d, rem))
    return (tier_total if wtd else tier_total - tier) + d


def _better_or_equal(a: Coupon, b: Coupon) -> bool:
    """Whether coupon ``a`` takes at least what ``b`` takes from any remainder (same kind)."""
    if a.threshold > b.threshold:
        return False
    if a.kind is CouponKind.AMOUNT_OFF:
        return a.value >= b.value  # type: ignore[operator]
    if a.rate > b.rate:  # type: ignore[operator]
        return False
    return a.cap is None or (b.cap is not None and a.cap >= b.cap)


def _prune_dominated(stack: list[_Cand], limit: int) -> list[_Cand]:
    """Drop the stackable coupons that cannot be in the best combination.

    Coupons with the same scope, kind and tier-discount rule are compared: ``a`` dominates
    ``b`` when its threshold is no higher, it takes at least as much from any remainder, and it
    expires first (then: smaller code), so it also wins every tie. A coupon dominated by
    ``limit`` others can be swapped for one of them that the combination does not hold yet.
    """
    groups: dict[tuple, list[_Cand]] = {}
    for c in stack:
        groups.setdefault((c.elig, c.coupon.kind, c.coupon.with_tier_discount), []).append(c)
    kept: list[_Cand] = []
    for members in groups.values():
        members.sort(key=lambda c: (c.expiry, c.coupon.code))
        for k, b in enumerate(members):
            dominators = 0
            for a in members[:k]:
                if _better_or_equal(a.coupon, b.coupon):
                    dominators += 1
                    if dominators >= limit:
                        break
            if dominators < limit:
                kept.append(b)
    return kept


class _Pick:
    """A combination known by its saving: ``_Eval``'s ``key`` without the per-line figures."""

    __slots__ = ("saving", "cands")

    def __init__(self, saving: Fen, cands: tuple[_Cand, ...]):
        self.saving = saving
        self.cands = cands

    def key(self) -> tuple:
        return (-self.saving, len(self.cands), tuple(sorted(c.expiry for c in self.cands)),
                tuple(sorted(c.coupon.code for c in self.cands)))


def _choose(ctx: _Context, cands: list[_Cand], limit: int,
            budget: int = NODE_BUDGET, prune: bool = True,
            sums: _Sums | None = None) -> _Eval:
    """The best combination: most saved, then fewer coupons, earliest expiry, code.

    Every combination is compared by its saving alone; only the winner is priced in full."""
    tier_total = sum(ctx.tier_full)
    best = _Pick(tier_total, ())  # no coupon: the tier discount
    if sums is None:
        sums = _Sums(ctx)
    # Each non-stackable coupon alone: its saving in O(1).
    alone_best: tuple | None = None
    alone_cand: _Cand | None = None
    for c in cands:
        if c.coupon.stackable:
            continue
        saving = _alone_saving(c, sums, tier_total)
        if saving is None:
            continue
        key = (-saving, 1, (c.expiry,), (c.coupon.code,))
        if alone_best is None or key < alone_best:
            alone_best, alone_cand = key, c
    if alone_best is not None and alone_best < best.key():
        best = _Pick(-alone_best[0], (alone_cand,))  # type: ignore[arg-type]
    stack = [c for c in cands if c.coupon.stackable]
    if stack:
        best = _search_stackable(ctx, stack, limit, best, sums, budget, prune)
    return ctx.evaluate(list(best.cands))  # type: ignore[return-value]


# How an earlier coupon's lines relate to a later coupon's: inside them (or the same lines),
# apart from them, or crossing them (some shared, some not).
_INSIDE, _APART, _CROSS = 0, 1, 2


class _Base:
    """The line amounts after the tier discount a combination keeps: all of it, or none on the
    lines of its no-tier coupons; with the sum over each scope, worked out once."""

    __slots__ = ("after", "tier_total", "sums")

    def __init__(self, after: list[Fen], tier_total: Fen, sums: dict[int, Fen]):
        self.after = after
        self.tier_total = tier_total
        self.sums = sums


class _Node:
    """A combination priced by the search: its saving and what the next coupon needs.

    ``base``: its tier base; ``rem``: the running remainder per line, spread out (None: the
    base's ``after``); ``pending``: the coupons applied since, as (pool index, discount), whose
    spread over their lines is not worked out yet.
    """

    __slots__ = ("saving", "idx", "base", "rem", "pending", "last")

    def __init__(self, saving: Fen, idx: tuple[int, ...], base: _Base,
                 rem: list[Fen] | None, pending: tuple, last: int):
        self.saving = saving
        self.idx = idx
        self.base = base
        self.rem = rem
        self.pending = pending
        self.last = last  # the largest application rank among the coupons


class _Saver:
    """Prices combinations of the search's pool exactly as ``_Context.evaluate`` does, but for
    the saving only (issue 10).

    A coupon's discount depends only on the remainder of its own lines. An earlier coupon
    whose lines lie inside the later one's takes its whole discount from them, one whose lines
    are apart takes nothing from them: in both cases the sum is known without spreading the
    earlier discount over its lines. Only an earlier coupon whose lines cross the later one's
    needs the spread (largest remainder), and then only when the later coupon is a percentage,
    or an amount its lines might not cover. The winning combination is priced in full once,
    by ``_Context.evaluate``.
    """

    def __init__(self, ctx: _Context, pool: list[_Cand], sums: _Sums):
        self.ctx = ctx
        scope_of: dict[tuple[int, ...], int] = {}
        self.scopes: list[frozenset[int]] = []
        self.elig: list[tuple[int, ...]] = []  # per scope
        gross: list[Fen] = []
        base: list[Fen] = []
        self.sid: list[int] = []
        for c in pool:
            s = scope_of.get(c.elig)
            if s is None:
                s = scope_of[c.elig] = len(self.scopes)
                self.scopes.append(frozenset(c.elig))
                self.elig.append(c.elig)
                g, t = sums(c.elig)
                gross.append(g)
                base.append(g - t)
            self.sid.append(s)
        self.gross = gross
        self.full = _Base([a - t for a, t in zip(ctx.amounts, ctx.tier_full)],
                          sum(ctx.tier_full), dict(enumerate(base)))
        self.bases: dict[frozenset[int], _Base] = {frozenset(): self.full}
        self.rel: dict[tuple[int, int], int] = {}
        self.wtd: list[bool] = []
        self.threshold: list[Fen] = []
        self.percent: list[bool] = []
        self.keep: list[Decimal | None] = []
        self.cap: list[Fen | None] = []
        self.value: list[Fen | None] = []
        for c in pool:
            cp = c.coupon
            self.wtd.append(cp.with_tier_discount)
            self.threshold.append(cp.threshold)
            pct = cp.kind is CouponKind.PERCENT_OFF
            self.percent.append(pct)
            self.keep.append(Decimal(1) - cp.rate if pct else None)  # type: ignore[operator]
            self.cap.append(cp.cap)
            self.value.append(cp.value)
        ranks = sorted(range(len(pool)), key=lambda k: pool[k].order)
        self.rank = [0] * len(pool)
        for r, k in enumerate(ranks):
            self.rank[k] = r

    def relation(self, earlier: int, later: int) -> int:
        """How scope ``earlier``'s lines relate to scope ``later``'s."""
        key = (earlier, later)
        r = self.rel.get(key)
        if r is None:
            a, b = self.scopes[earlier], self.scopes[later]
            r = self.rel[key] = (_INSIDE if a <= b else _APART if a.isdisjoint(b) else _CROSS)
        return r

    def base_for(self, idx: tuple[int, ...]) -> _Base:
        """The tier base of a combination: the no-tier coupons' lines get no tier discount."""
        wtd = self.wtd
        no_tier = frozenset(self.sid[k] for k in idx if not wtd[k])
        got = self.bases.get(no_tier)
        if got is None:
            lines = {i for s in no_tier for i in self.elig[s]}
            tier = [0 if i in lines else t for i, t in enumerate(self.ctx.tier_full)]
            got = self.bases[no_tier] = _Base(
                [a - t for a, t in zip(self.ctx.amounts, tier)], sum(tier), {})
        return got

    def base_sum(self, base: _Base, s_id: int) -> Fen:
        got = base.sums.get(s_id)
        if got is None:
            got = base.sums[s_id] = sum(map(base.after.__getitem__, self.elig[s_id]))
        return got

    def step(self, base: _Base, rem: list[Fen] | None, pending: tuple,
             k: int) -> tuple[Fen, list[Fen] | None, tuple]:
        """Coupon ``k`` on the running remainder: its discount, and the remainder after it."""
        s_id = self.sid[k]
        if rem is None:
            left = self.base_sum(base, s_id)
        else:
            left = sum(map(rem.__getitem__, self.elig[s_id]))
        lower = left  # at least what is left on its lines
        exact = True
        for p, dp in pending:
            r = self.relation(self.sid[p], s_id)
            if r == _INSIDE:
                left -= dp
                lower -= dp
            elif r == _CROSS:
                exact = False
                lower -= dp
        if not exact:
            value = self.value[k]
            if not self.percent[k] and lower >= value:  # type: ignore[operator]
                return value, rem, pending + ((k, value),)  # type: ignore[return-value]
            rem = self.spread(base, rem, pending)
            pending = ()
            left = sum(map(rem.__getitem__, self.elig[s_id]))
        if self.percent[k]:
            d = _times(left, self.keep[k])  # type: ignore[arg-type]
            cap = self.cap[k]
            if cap is not None and cap < d:
                d = cap
        else:
            d = self.value[k]  # type: ignore[assignment]
        if left < d:
            d = left
        if d <= 0:
            return 0, rem, pending
        return d, rem, pending + ((k, d),)

    def spread(self, base: _Base, rem: list[Fen] | None, pending: tuple) -> list[Fen]:
        """The remainder per line once the pending discounts are spread (a new list)."""
        out = list(base.after if rem is None else rem)
        for p, dp in pending:
            elig = self.elig[self.sid[p]]
            for i, part in zip(elig, _spread(dp, [out[i] for i in elig])):
                out[i] -= part
        return out

    def met(self, base: _Base, k: int) -> bool:
        """Whether coupon ``k``'s threshold is met on this tier base."""
        if not self.wtd[k]:
            return self.gross[self.sid[k]] >= self.threshold[k]
        return self.base_sum(base, self.sid[k]) >= self.threshold[k]

    def combo(self, idx: tuple[int, ...]) -> _Node | None:
        """Price the combination ``idx`` from scratch; None if a threshold is not met."""
        base = self.base_for(idx)
        for k in idx:
            if not self.met(base, k):
                return None
        rank = self.rank
        saving = base.tier_total
        rem = None
        pending: tuple = ()
        for k in sorted(idx, key=rank.__getitem__):
            d, rem, pending = self.step(base, rem, pending, k)
            saving += d
        return _Node(saving, idx, base, rem, pending, max(rank[k] for k in idx))

    def extend(self, node: _Node, k: int) -> _Node | None:
        """``combo(node.idx + (k,))`` when coupon ``k`` keeps the tier discount and applies
        after every coupon of ``node``."""
        if not self.met(node.base, k):
            return None
        d, rem, pending = self.step(node.base, node.rem, node.pending, k)
        return _Node(node.saving + d, node.idx + (k,), node.base, rem, pending, self.rank[k])


def _spread(total: Fen, weights: list[Fen]) -> list[Fen]:
    """``money.allocate(total, weights)``, the same largest-remainder split (ties to the
    earlier line) in fewer steps, for a positive total over weights that are not negative
    and not all zero (what the engine spreads: a discount, the points' value, the rounding,
    over what is left of the lines); anything else goes to ``allocate`` itself."""
    wsum = sum(weights)
    if total <= 0 or wsum <= 0 or min(weights) < 0:
        return allocate(total, weights)
    parts = [total * w // wsum for w in weights]
    short = total - sum(parts)
    if short:
        rems = [total * w % wsum for w in weights]
        # a stable sort, largest remainder first: equal remainders keep the earlier line first
        for i in sorted(range(len(weights)), key=rems.__getitem__, reverse=True)[:short]:
            parts[i] += 1
    return parts


def _search_stackable(ctx: _Context, stack: list[_Cand], limit: int, best: _Pick,
                      sums: _Sums, budget: int, prune: bool) -> _Pick:
    """Branch and bound over the combinations of up to ``limit`` stackable coupons.

    Coupons are tried largest possible discount first (``bound``: what the coupon could take
    from its lines before any other discount), each combination's saving priced exactly
    (``_Saver``). A branch is cut when the tier discount plus the bounds of its coupons and of
    the largest ones still ahead cannot beat the best found, counting the tie-breaks (fewer
    coupons, then the earliest expiry). Iterative (no recursion, whatever the limit); after
    ``budget`` coupon applications the best found so far is kept: deterministic, and exact
    whenever the search ends within the budget.
    """
    any_no_tier = any(not c.coupon.with_tier_discount for c in stack)
    pool = []
    for c in stack:
        gross, tier = sums(c.elig)
        # The largest basis its threshold can ever be judged on: a no-tier coupon's own lines
        # before discount; a normal coupon's after the tier discount, unless a no-tier coupon
        # in the same combination can lift that discount.
        basis = gross if (not c.coupon.with_tier_discount or any_no_tier) else gross - tier
        if basis >= c.coupon.threshold and c.bound > 0:
            pool.append(c)
    if prune:
        pool = _prune_dominated(pool, limit)
    pool.sort(key=lambda c: (-c.bound, c.order))
    n = len(pool)
    if n == 0:
        return best
    saver = _Saver(ctx, pool, sums)
    bounds = [c.bound for c in pool]
    expiry = [c.expiry for c in pool]
    codes = [c.coupon.code for c in pool]
    wtd = saver.wtd
    rank = saver.rank
    prefix = [0]
    for b in bounds:
        prefix.append(prefix[-1] + b)
    # suffix_min_expiry[j]: the earliest expiry among pool[j:]
    sme: list[tuple] = [(2, datetime.max)] * (n + 1)
    for j in range(n - 1, -1, -1):
        sme[j] = min(expiry[j], sme[j + 1])
    subtotal = sum(ctx.amounts)
    tier_total = saver.full.tier_total
    limit = max(0, min(limit, n))

    # The best so far, as its key's parts: a search node wins only with a smaller key.
    best_node: _Node | None = None
    best_saving = best.saving
    best_n = len(best.cands)
    best_key = best.key()
    best_exp = best_key[2]

    spent = 0  # coupon applications priced so far, against the budget
    # Depth first, largest bounds first, without recursion: each frame is (chosen indices, the
    # chosen combination priced (None: threshold not met), the sum of their bounds, the next
    # index to try as the following coupon).
    root = _Node(tier_total, (), saver.full, None, (), -1)
    todo: list[tuple[tuple[int, ...], _Node | None, Fen, int]] = [((), root, 0, 0)]
    while todo:
        chosen, parent, chosen_bound, k = todo.pop()
        if k >= n or len(chosen) >= limit:
            continue
        size = len(chosen) + 1
        # the tier discount, the bounds chosen, this one's and the largest ones still ahead
        ub = tier_total + chosen_bound + bounds[k] + (
            prefix[min(n, k + 1 + limit - size)] - prefix[k + 1])
        if subtotal < ub:
            ub = subtotal
        if ub < best_saving:
            continue  # later coupons have smaller bounds: no sibling after this one can win
        if ub == best_saving:
            if size > best_n:
                continue
            if size == best_n:
                lower = tuple(sorted([expiry[i] for i in chosen]
                                     + [sme[k]] * (size - len(chosen))))
                if lower > best_exp:
                    todo.append((chosen, parent, chosen_bound, k + 1))
                    continue
        combo = chosen + (k,)
        if parent is not None and wtd[k] and parent.last < rank[k]:
            # It applies after the others on the same base: extend the parent's remainder.
            spent += 1
            ev = saver.extend(parent, k)
        else:
            spent += size
            ev = saver.combo(combo)
        if spent > budget:
            break
        if ev is not None and ev.saving >= best_saving:
            key = (-ev.saving, size, tuple(sorted(expiry[i] for i in combo)),
                   tuple(sorted(codes[i] for i in combo)))
            if key < best_key:
                best_node, best_key = ev, key
                best_saving, best_n, best_exp = ev.saving, size, key[2]
        todo.append((chosen, parent, chosen_bound, k + 1))  # the next sibling, after this subtree
        todo.append((combo, ev, chosen_bound + bounds[k], k + 1))
    if best_node is None:
        return best
    return _Pick(best_node.saving, tuple(pool[i] for i in best_node.idx))


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
