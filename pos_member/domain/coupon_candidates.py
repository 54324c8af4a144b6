"""The coupons of a quote as the combination search sees them: a valid coupon with its eligible
lines, application order, expiry and the most it can ever take off (``_Cand``,
``_make_cand``); the basket's amounts and full tier discount (``_Context``) on which a
combination is priced in full, coupon by coupon on the running remainder, percent before
amount (``_Context.evaluate``, an ``_Eval`` with the per-line split); the per-scope sums
computed once (``_Sums``) and what a coupon saves when it is the only one (``_alone_basis``,
``_alone_saving``), in O(1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Sequence

from .basket import BasketLine
from .coupons import Coupon, CouponKind, local_naive
from .fast_money import _spread, _times
from .money import Fen


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
