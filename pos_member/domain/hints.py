"""What the till tells the cashier about a member: each hint a kind code and its figures.

Kinds (stable, part of the quote contract):
- ``tier_upgrade``: this sale lifts the member to a higher tier (from, to).
- ``next_tier``: the next tier and the growth (yuan paid) still needed after this sale.
- ``coupon_unlock``: a presented coupon that a little more spending would unlock.
- ``points_expiring``: points whose lots expire within the window, and the earliest day.
- ``birthday_month``: the member's birthday month, with its multiplier.
- ``member_day``: today is member day for this tier, with its multiplier.
- ``dormant``: no purchase for the configured number of days (沉睡会员), with the win-back offer.
- ``first_order``: a new member's first order, with the first-order coupon if the rules give one.
- then ``upgrade_gift``, ``gift_claimable``, ``next_tier_gift``, ``member_day_benefit``
  (domain/benefit_offers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .basket import MemberSnapshot
from .coupons import Reason
from .member_days import best_multiplier
from .money import format_fen
from .points import expiring_within

if TYPE_CHECKING:  # pragma: no cover
    from .rules import Rules


# What the hints read of a pricing request and its result (pricing.PricingRequest and
# PricingResult satisfy these). Named here, not imported: pricing calls member_hints, so
# importing pricing's types back would make the two modules a circle.
class HintRequest(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def member(self) -> MemberSnapshot | None: ...


class HintRejection(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def reason(self) -> Reason: ...
    @property
    def shortfall(self) -> int: ...


class HintResult(Protocol):
    @property
    def tier_before(self) -> str | None: ...
    @property
    def tier_after(self) -> str | None: ...
    @property
    def growth_earned(self) -> int: ...
    @property
    def rejected(self) -> Sequence[HintRejection]: ...


def member_hints(req: HintRequest, result: HintResult, rules: Rules) -> tuple[dict, ...]:
    member = req.member
    if member is None:
        return ()
    hints: list[dict] = []
    at = req.at
    today = at.date()

    if result.tier_after and result.tier_after != result.tier_before:
        hints.append({"kind": "tier_upgrade", "from": result.tier_before, "to": result.tier_after})

    growth_after = member.growth + result.growth_earned
    nxt = rules.next_tier(result.tier_after or member.tier)
    if nxt is not None:
        needed = max(0, nxt.min_growth - growth_after)
        hints.append({"kind": "next_tier", "tier": nxt.code, "growth_needed": needed,
                      "amount": format_fen(needed * rules.growth_unit)})

    for rej in result.rejected:
        if rej.reason is Reason.BELOW_THRESHOLD and 0 < rej.shortfall <= rules.coupon_nudge_max:
            hints.append({"kind": "coupon_unlock", "code": rej.code,
                          "amount": format_fen(rej.shortfall)})

    expiring, first_day = expiring_within(member.lots, today, rules.expiring_soon_days, rules)
    if expiring > 0 and first_day is not None:
        hints.append({"kind": "points_expiring", "points": expiring,
                      "expires_on": first_day.isoformat()})

    if member.birthday is not None and member.birthday.month == at.month and (
            not rules.birthday_tiers or member.tier in rules.birthday_tiers):
        hints.append({"kind": "birthday_month", "multiplier": str(rules.birthday_multiplier)})

    day = best_multiplier(rules.member_days, member.tier, today)
    if day is not None:
        hints.append({"kind": "member_day", "multiplier": str(day[0])})

    if member.last_purchase_at is None:
        hints.append({"kind": "first_order", "coupon": rules.first_order_coupon})
    else:
        last = member.last_purchase_at
        if last.tzinfo is not None:
            last = last.astimezone(at.tzinfo)
        days = (today - last.date()).days
        if days >= rules.dormant_days:
            # the central service's win-back coupons (pos_central/dormant.py) begin with WB-
            winback = next((a.code for a in result.applied if a.code.startswith("WB-")), None)
            hints.append({"kind": "dormant", "days": days, "offer": rules.win_back_offer,
                          "winback_coupon": winback})
    from .benefit_offers import benefit_hints  # gifts and member days, after the older kinds

    hints.extend(benefit_hints(req, result, rules))
    return tuple(hints)
