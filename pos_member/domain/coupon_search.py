"""The choice of coupons (DESIGN.md's pricing order, step 3): the combination that saves the
member the most, ties to fewer coupons, then the earliest expiry, then the code (``_choose``).
Each non-stackable coupon alone is compared in O(1); the stackable ones are searched by branch
and bound over combinations of up to the rules' limit (``_search_stackable``), dominated
coupons pruned first, each combination's saving priced exactly without spreading every
discount over its lines (``_Saver``), within ``NODE_BUDGET`` coupon applications. Only the
winner is priced in full (``_Context.evaluate``). docs/pricing.md describes the search.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .coupon_candidates import _alone_saving, _Cand, _Context, _Eval, _Sums
from .coupons import Coupon, CouponKind
from .fast_money import _spread, _times
from .money import Fen

# How many coupon applications the stackable search prices before it settles for the best
# found. Every combination of up to 10 stackable coupons under the default limit of 3 (175
# combinations, 460 applications) fits in it, so such a search is always exhaustive; larger ones
# are exact whenever the bounds cut the rest; see docs/pricing.md.
NODE_BUDGET = 600


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
    stack = [c for c in cands if c.coupon.stackable]
    # A single stackable coupon can only be used alone: priced in O(1) with the non-stackable
    # ones rather than by the search (the same saving and tie-breaks; most baskets present
    # one coupon).
    single = len(stack) == 1 and limit >= 1
    # Each non-stackable coupon alone: its saving in O(1).
    alone_best: tuple | None = None
    alone_cand: _Cand | None = None
    for c in cands:
        if c.coupon.stackable and not single:
            continue
        saving = _alone_saving(c, sums, tier_total)
        if saving is None:
            continue
        key = (-saving, 1, (c.expiry,), (c.coupon.code,))
        if alone_best is None or key < alone_best:
            alone_best, alone_cand = key, c
    if alone_best is not None and alone_best < best.key():
        best = _Pick(-alone_best[0], (alone_cand,))  # type: ignore[arg-type]
    if stack and not single:
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
