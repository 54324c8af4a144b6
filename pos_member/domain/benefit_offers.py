"""What a quote offers a member beyond prices: gifts (claimable now or issued by this sale) and
the hints about member days and gifts (docs/quote.md, "Member prices, member days and gifts").

Pure: it reads the request, the priced result and the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .gifts import GiftOffer, birthday_offer, member_day_offer, upgrade_offer
from .member_days import best_multiplier, days_on
from .money import format_fen

if TYPE_CHECKING:  # pragma: no cover
    from .pricing import PricingRequest, PricingResult
    from .rules import Rules


def gift_offers(req: PricingRequest, result: PricingResult,
                rules: Rules) -> tuple[GiftOffer, ...]:
    """The member's gifts for this quote, in a stable order: the upgrade gift this sale issues,
    the birthday gift, today's member-day coupons. Each has its deterministic id and a status:
    ``issued`` (by this sale), ``claimable`` (the cashier can collect it now) or ``claimed``
    (issued before: ``member.gifts_claimed`` holds its id)."""
    member = req.member
    if member is None:
        return ()
    today = req.at.date()
    claimed = member.gifts_claimed
    out: list[GiftOffer] = []
    if result.tier_after and result.tier_after != result.tier_before:
        offer = upgrade_offer(member.id, result.tier_after, rules.upgrade_gift(result.tier_after))
        if offer is not None:
            if offer.gift_id in claimed:  # reached this tier before: given once
                offer = upgrade_offer(member.id, result.tier_after,
                                      offer.reward, status="claimed")
            out.append(offer)  # type: ignore[arg-type]
    bday = birthday_offer(member.id, member.birthday, today, rules.birthday_gift, claimed)
    if bday is not None:
        out.append(bday)
    for md in days_on(rules.member_days, today):
        b = md.benefit_for(member.tier)
        if b is not None and b.coupon is not None:
            out.append(member_day_offer(member.id, md.id, today, b.coupon, claimed))
    return tuple(out)


def benefit_hints(req: PricingRequest, result: PricingResult,
                  rules: Rules) -> list[dict]:
    """Hints added after the older kinds (which keep their order and figures):
    ``upgrade_gift`` (this sale issues it), ``gift_claimable`` (one per gift the cashier can
    collect now), ``next_tier_gift`` (the next tier brings a gift: the yuan still to spend),
    ``member_day_benefit`` (a member day that gives this tier an extra discount today, with
    its name and its multiplier if it has one)."""
    member = req.member
    if member is None:
        return []
    hints: list[dict] = []
    for g in result.gifts:
        if g.kind == "upgrade" and g.status == "issued":
            hints.append({"kind": "upgrade_gift", "tier": g.tier, "gift_id": g.gift_id,
                          "title": g.reward.label()})
    for g in result.gifts:
        if g.status == "claimable":
            hints.append({"kind": "gift_claimable", "gift": g.gift, "gift_id": g.gift_id,
                          "title": g.reward.label()})
    nxt = rules.next_tier(result.tier_after or member.tier)
    if nxt is not None and rules.upgrade_gift(nxt.code) is not None:
        needed = max(0, nxt.min_growth - member.growth - result.growth_earned)
        hints.append({"kind": "next_tier_gift", "tier": nxt.code,
                      "amount": format_fen(needed * rules.growth_unit),
                      "title": rules.upgrade_gift(nxt.code).label()})  # type: ignore[union-attr]
    today = req.at.date()
    best = best_multiplier(rules.member_days, member.tier, today)
    for md in days_on(rules.member_days, today):
        b = md.benefit_for(member.tier)
        if b is None or b.discount_rate is None:
            continue  # a multiplier is told by ``member_day``, a coupon by ``gift_claimable``
        hint: dict = {"kind": "member_day_benefit", "day": md.id, "name": md.name}
        if b.points_multiplier is not None:
            hint["multiplier"] = str(b.points_multiplier)
            hint["applies"] = best is not None and best[1] is md and \
                result.multiplier_rule == md.id
        if b.discount_rate is not None:
            hint["discount_rate"] = str(b.discount_rate)
        if b.coupon is not None:
            hint["coupon"] = b.coupon.label()
        hints.append(hint)
    return hints
