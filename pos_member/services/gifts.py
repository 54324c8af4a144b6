"""Gifts at the till: the member's gifts today, collecting one, and the upgrade gift a sale issues.

A gift is issued offline, in one transaction: the ``gifts_issued`` row (its deterministic id,
pos_member/domain/gifts.py), the wallet coupon it becomes, the ``gift_issued`` outbox event and
the audit entry. Issuing the same gift again on this till is refused (the row is there); a gift
another till issued is known here once the central service's feed brings its wallet coupon
(the coupon's code is derived from the gift id), and until then the central service answers
the second issue with a ``gift_already_issued`` conflict. See docs/gifts.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_member.domain.benefit_offers import gift_offers
from pos_member.domain.gifts import (
    GiftError,
    GiftOffer,
    coupon_for,
    gift_coupon_code,
    gift_id,
)
from pos_member.domain.member_days import days_on
from pos_member.domain.pricing import PricingResult
from pos_member.domain.rules import Rules
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import Coupon, GiftIssued, Member, Product

from .context import TillContext
from .errors import InvalidInput, NotFound, ServiceError
from .rules import current_rules
from .staff import StaffMember, append_audit


@dataclass(frozen=True)
class IssuedGift:
    gift_id: str
    kind: str
    title: str
    coupon_code: str
    tier: str | None = None


def claimed_gift_ids(session: Session, member_id: str, rules: Rules, today: date) -> frozenset[str]:
    """The ids of the member's gifts already issued: by this till (``gifts_issued``), or by
    another till as far as the feed told (the wallet coupon whose code the gift id gives)."""
    ids = set(session.scalars(select(GiftIssued.gift_id).where(
        GiftIssued.member_id == member_id)))
    by_code = gift_coupon_codes(member_id, rules, today, ids)
    if by_code:
        ids.update(by_code[c] for c in session.scalars(select(Coupon.code).where(
            Coupon.code.in_(list(by_code)))))
    return frozenset(ids)


def gift_coupon_codes(member_id: str, rules: Rules, today: date,
                      issued: set[str] | frozenset[str]) -> dict[str, str]:
    """The wallet coupon code of each gift the member could have today that this till has not
    issued (``issued``), to its gift id: a coupon of such a code on the till means another till
    issued the gift (:func:`claimed_gift_ids`)."""
    candidates = [gift_id(member_id, "birthday", str(today.year))]
    candidates += [gift_id(member_id, f"upgrade:{t.code}", "once") for t in rules.tiers]
    candidates += [gift_id(member_id, f"member_day:{md.id}", today.isoformat())
                   for md in days_on(rules.member_days, today)]
    return {gift_coupon_code(g): g for g in candidates if g not in issued}


def member_gifts(ctx: TillContext, member_id: str) -> list[GiftOffer]:
    """The member's gifts today (claimable or claimed), as the member panel lists them."""
    from .members import member_view

    local = ctx.local()
    with ctx.read_sessions() as session:
        m = session.get(Member, member_id)
        if m is None:
            raise NotFound("no such member in the till's cache", code="unknown_member")
        rules = current_rules(session)
        snapshot = member_view(session, m, local.date(), ctx.tz).snapshot
    return [g for g in gift_offers(_Req(local, snapshot), _NoSale(snapshot.tier), rules)
            if g.kind != "upgrade"]


def collect_gift(ctx: TillContext, staff: StaffMember, member_id: str, gift: str) -> IssuedGift:
    """Issue the member's claimable gift ``gift`` (``birthday`` or ``member_day:<id>``) now."""
    from .members import member_view

    now = ctx.now()
    local = ctx.local(now)
    with transaction(ctx.sessions) as session:
        m = session.get(Member, member_id)
        if m is None:
            raise NotFound("no such member in the till's cache", code="unknown_member")
        rules = current_rules(session)
        snapshot = member_view(session, m, local.date(), ctx.tz).snapshot
        offers = {g.gift: g for g in gift_offers(_Req(local, snapshot), _NoSale(snapshot.tier),
                                                 rules) if g.kind != "upgrade"}
        offer = offers.get(gift)
        if offer is None:
            raise InvalidInput("this gift is not for this member today", code="gift_not_offered")
        if offer.status != "claimable":
            raise ServiceError("the member has had this gift already", code="gift_claimed")
        issued = _issue(ctx, session, offer, member_id, staff.id, now, local, sale_id=None)
    return issued


def issue_upgrade_gifts(ctx: TillContext, session: Session, result: PricingResult,
                        member_id: str | None, sale_id: str, staff_id: str, now: datetime,
                        local: datetime) -> list[IssuedGift]:
    """In checkout's transaction, after the sale's event: the upgrade gift the sale issues
    (``result.gifts``, status ``issued``); its coupon is valid from now, i.e. the next sale."""
    if member_id is None:
        return []
    out = []
    for offer in result.gifts:
        if offer.kind == "upgrade" and offer.status == "issued" \
                and session.get(GiftIssued, offer.gift_id) is None:
            out.append(_issue(ctx, session, offer, member_id, staff_id, now, local, sale_id))
    return out


def _issue(ctx: TillContext, session: Session, offer: GiftOffer, member_id: str, staff_id: str,
           now: datetime, local: datetime, sale_id: str | None) -> IssuedGift:
    unit_price = None
    if offer.reward.kind == "product":
        product = session.get(Product, offer.reward.sku)
        unit_price = product.unit_price_fen if product is not None and product.active else None
    try:
        c = coupon_for(offer, local.replace(tzinfo=None), unit_price)
    except GiftError as exc:
        raise ServiceError(str(exc), code="gift_unavailable") from None
    session.add(GiftIssued(gift_id=offer.gift_id, member_id=member_id, kind=offer.kind,
                           gift=offer.gift, period=offer.period, coupon_code=c.code,
                           title=c.title[:200], sale_id=sale_id, issued_at=now,
                           status="issued"))
    if session.get(Coupon, c.code) is None:
        session.add(Coupon(
            code=c.code, member_id=member_id, title=c.title[:100], kind=c.kind,
            value_fen=c.value, rate=str(c.rate) if c.rate is not None else None,
            cap_fen=c.cap, threshold_fen=c.threshold, categories=None,
            skus=list(c.skus) or None, valid_from=c.valid_from, valid_to=c.valid_to,
            weekdays=None, tiers=None, stackable=False, with_tier_discount=True,
            status="available"))
    repo.add_outbox_event(session, "gift_issued", {
        "gift_id": offer.gift_id, "member_id": member_id, "kind": offer.kind,
        "gift": offer.gift, "period": offer.period,
        "coupon": {"code": c.code, "title": c.title[:200], "kind": c.kind,
                   "value_fen": c.value, "rate": str(c.rate) if c.rate is not None else None,
                   "cap_fen": c.cap, "threshold_fen": c.threshold, "skus": list(c.skus),
                   "valid_from": c.valid_from.isoformat(), "valid_to": c.valid_to.isoformat()},
        "sale_id": sale_id, "issued_at": now.isoformat(),
        "local_date": local.date().isoformat(), "store_id": ctx.store_id,
        "staff_id": staff_id,
    }, terminal_seq=repo.next_terminal_seq(session), created_at=now)
    append_audit(session, actor=staff_id, action="gift_issued", at=now,
                 details={"member_id": member_id, "gift_id": offer.gift_id, "gift": offer.gift,
                          "coupon": c.code})
    return IssuedGift(offer.gift_id, offer.kind, c.title, c.code, offer.tier)


@dataclass(frozen=True)
class _Req:
    """The part of a pricing request that ``gift_offers`` reads."""

    at: datetime
    member: object


@dataclass(frozen=True)
class _NoSale:
    """No sale: no tier change (upgrade gifts come from checkout)."""

    tier_before: str
    tier_after: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tier_after", self.tier_before)
