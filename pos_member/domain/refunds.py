"""Refund arithmetic: money, points and growth reversed in proportion, exactly to zero at the end.

Every figure is computed from the cumulative quantity refunded so far, never from the sum of
earlier rounded parts: the amount refunded after a refund is ``round(whole × refunded / sold)``,
and this refund takes the difference from the amount before it. So refunds in any order and any
number of steps add up to exactly the whole, and the last refund of a sale reverses exactly what
is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Mapping

from .coupons import Coupon, still_valid
from .money import Fen, round_half_up
from .rules import DEFAULT_RULES, Rules


class RefundError(ValueError):
    """A refund that cannot be made; nothing is changed."""


@dataclass(frozen=True)
class SoldLine:
    line_no: int
    qty: Decimal
    paid: Fen  # money paid for the line (after every discount, points and rounding)
    points_redeemed: int = 0  # redeemed points allocated to the line
    points_eligible: bool = True


@dataclass(frozen=True)
class SoldSale:
    lines: tuple[SoldLine, ...]
    points_earned: int
    growth_earned: int
    coupons: tuple[Coupon, ...] = ()  # the coupons the sale used

    def line(self, line_no: int) -> SoldLine:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        raise RefundError(f"line {line_no}: no such line in the sale")


@dataclass(frozen=True)
class RefundOutcome:
    lines: Mapping[int, tuple[Decimal, Fen]]  # line_no -> (qty refunded now, money refunded now)
    money: Fen
    points_reversed: int  # earned points taken back
    growth_reversed: int
    points_returned: int  # redeemed points given back
    coupons_restored: tuple[str, ...]
    full: bool  # after this refund, every line of the sale is refunded
    member_points_after: int
    member_growth_after: int
    tier_after: str
    negative_balance: bool  # the member's points went below zero (recorded, never clamped)
    refunded_after: Mapping[int, Decimal] = field(default_factory=dict)
    points_returned_by_line: Mapping[int, int] = field(default_factory=dict)


def _share(whole: int, part: Decimal, of: Decimal) -> int:
    if of == 0:
        return 0
    if part == of:
        return whole
    return round_half_up(Decimal(whole) * part / of)


def refund(sale: SoldSale, refunded_before: Mapping[int, Decimal],
           request: Mapping[int, Decimal] | None, at: datetime, member_points: int,
           member_growth: int, rules: Rules = DEFAULT_RULES) -> RefundOutcome:
    """Refund ``request`` (line_no -> quantity; None = everything still unrefunded).

    ``refunded_before`` holds the quantity of each line refunded by earlier refunds.
    ``member_points`` and ``member_growth`` are the member's balances now.
    """
    for no in refunded_before:
        sale.line(no)
    if request is None:
        request = {line.line_no: line.qty - refunded_before.get(line.line_no, Decimal(0))
                   for line in sale.lines}
        request = {k: v for k, v in request.items() if v > 0}
        if not request:
            raise RefundError("the sale is already fully refunded")
    if not request:
        raise RefundError("a refund needs at least one line")

    after = {line.line_no: refunded_before.get(line.line_no, Decimal(0)) for line in sale.lines}
    out_lines: dict[int, tuple[Decimal, Fen]] = {}
    returned_by_line: dict[int, int] = {}
    money = returned = 0
    for no, qty in request.items():
        line = sale.line(no)
        if not isinstance(qty, Decimal) or not qty.is_finite() or qty <= 0:
            raise RefundError(f"line {no}: the quantity to refund must be greater than zero")
        left = line.qty - after[no]
        if qty > left:
            raise RefundError(f"line {no}: refund of {qty} exceeds the {left} left to refund")
        before_q = after[no]
        after[no] = before_q + qty
        m = _share(line.paid, after[no], line.qty) - _share(line.paid, before_q, line.qty)
        r = (_share(line.points_redeemed, after[no], line.qty)
             - _share(line.points_redeemed, before_q, line.qty))
        out_lines[no] = (qty, m)
        returned_by_line[no] = r
        money += m
        returned += r

    def eligible_paid(refunded: Mapping[int, Decimal]) -> Decimal:
        return sum((Decimal(line.paid) * refunded[line.line_no] / line.qty
                    for line in sale.lines if line.points_eligible), Decimal(0))

    total_eligible = Decimal(sum(line.paid for line in sale.lines if line.points_eligible))
    full_eligible_after = all(after[line.line_no] == line.qty
                              for line in sale.lines if line.points_eligible)
    full_eligible_before = all(refunded_before.get(line.line_no, Decimal(0)) == line.qty
                               for line in sale.lines if line.points_eligible)

    def reversed_at(whole: int, refunded: Mapping[int, Decimal], full: bool) -> int:
        if full:
            return whole
        if total_eligible == 0:
            return 0
        return round_half_up(Decimal(whole) * eligible_paid(refunded) / total_eligible)

    before_map = {line.line_no: refunded_before.get(line.line_no, Decimal(0))
                  for line in sale.lines}
    points_rev = (reversed_at(sale.points_earned, after, full_eligible_after)
                  - reversed_at(sale.points_earned, before_map, full_eligible_before))
    growth_rev = (reversed_at(sale.growth_earned, after, full_eligible_after)
                  - reversed_at(sale.growth_earned, before_map, full_eligible_before))

    full = all(after[line.line_no] == line.qty for line in sale.lines)
    restored = tuple(c.code for c in sale.coupons if still_valid(c, at)) if full else ()
    points_after = member_points - points_rev + returned
    growth_after = member_growth - growth_rev
    return RefundOutcome(
        lines=out_lines,
        money=money,
        points_reversed=points_rev,
        growth_reversed=growth_rev,
        points_returned=returned,
        coupons_restored=restored,
        full=full,
        member_points_after=points_after,
        member_growth_after=growth_after,
        tier_after=rules.tier_for_growth(max(0, growth_after)).code,
        negative_balance=points_after < 0,
        refunded_after=after,
        points_returned_by_line=returned_by_line,
    )


def sold_sale_from_quote(req, result) -> SoldSale:
    """The refund view of a priced sale: its request's quantities and its result's figures.

    ``req`` and ``result`` are the :class:`~pos_member.domain.pricing.PricingRequest` and
    :class:`~pos_member.domain.pricing.PricingResult` of the sale; line numbers start at 1.
    """
    applied = {a.code for a in result.applied}
    return SoldSale(
        lines=tuple(
            SoldLine(no, line.qty, lr.paid, lr.points_redeemed, line.points_eligible)
            for no, (line, lr) in enumerate(zip(req.lines, result.lines), start=1)
        ),
        points_earned=result.points_earned,
        growth_earned=result.growth_earned,
        coupons=tuple(c for c in req.coupons if c.code in applied),
    )
