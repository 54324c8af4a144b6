"""Gifts the tills issue (birthday, upgrade 升级礼, member-day coupon), received exactly once.

A gift's id is derived from member, gift and period (pos_member/domain/gifts.py), so the same
gift issued offline by two tills arrives twice with one id: the first is kept (its row here and
its wallet coupon, sent to every till in the feed), the second changes nothing and is answered
with a ``gift_already_issued`` conflict naming the first till. A gift the service's rules do not
give (an id not derived from its member, gift and period; a birthday gift outside the birthday
month; an upgrade gift for a tier not reached; a member-day coupon on another day; a coupon
other than the rules define) is kept as sent (the member holds it already) and reported as a
``gift_mismatch`` conflict with the reason, for the operations team to follow up. See
docs/gifts.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from pos_central import models as m
from pos_central.changes import record_change
from pos_central.db import UTCDateTime
from pos_central.models import CODE_LEN, UUID_LEN, Base
from pos_member.domain.gifts import GiftError, GiftOffer, GiftReward, coupon_for, gift_id
from pos_member.domain.rules import Rules
from pos_member.sync import protocol as p

# A gift issued longer ago than this when it reaches the service (a till offline for weeks is
# designed for; months are not) is a back-filled gift: kept, reported as gift_mismatch "stale".
MAX_GIFT_AGE = timedelta(days=42)
FUTURE_TOLERANCE = timedelta(hours=1)
# Reasons whose wallet coupon the service records withdrawn (void): a back-dated or
# forward-dated issue mints nothing spendable at the other tills.
BACKDATED = frozenset({"local_date", "stale", "future"})
# The store-local time (the coupon's valid_from) lies this far from issued_at (UTC) at most.
UTC_OFFSETS = (timedelta(hours=-12), timedelta(hours=14))


class GiftIssue(Base):
    """One row per gift id: the first till's issue (migration 0003)."""

    __tablename__ = "gifts_issued"
    gift_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    gift: Mapped[str] = mapped_column(String(CODE_LEN))
    period: Mapped[str] = mapped_column(String(32))
    coupon_code: Mapped[str] = mapped_column(String(CODE_LEN))
    terminal_id: Mapped[str] = mapped_column(String(UUID_LEN))
    store_id: Mapped[str] = mapped_column(String(CODE_LEN))
    event_id: Mapped[str] = mapped_column(String(UUID_LEN))
    sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(Date)


def apply_gift_issued(ctx: Any, gift: p.GiftIssuedPayload) -> None:
    """Apply one ``gift_issued`` event (``ctx`` is pos_central.apply_context.Context)."""
    s = ctx.session
    gid = str(gift.gift_id)
    first = s.get(GiftIssue, gid)
    if first is not None:
        ctx.conflict(
            p.ConflictKind.GIFT_ALREADY_ISSUED,
            f"Gift {gift.gift} ({gift.period}) was already issued to this member by another "
            f"till; this issue adds nothing and its coupon {gift.coupon.code} is the first "
            "one's.", member_id=gift.member_id, coupon_code=first.coupon_code,
            sale_id=gift.sale_id, other_terminal_id=first.terminal_id,
            first_event_id=first.event_id, gift_id=gid)
        return
    account, _ = ctx.account(gift.member_id)
    member = account.member if account is not None else None
    if member is not None:
        # The same gift and period issued under another id of this member (a merged-away id
        # gives another gift id): one gift per survivor.
        ids = {str(member.id), str(gift.member_id)} | set(s.execute(
            select(m.MemberMergeRow.member_id).where(
                m.MemberMergeRow.merged_into == member.id)).scalars())
        first = s.execute(select(GiftIssue).where(
            GiftIssue.member_id.in_(sorted(ids)), GiftIssue.gift == gift.gift,
            GiftIssue.period == gift.period).order_by(GiftIssue.issued_at)).scalars().first()
        if first is not None:
            ctx.conflict(
                p.ConflictKind.GIFT_ALREADY_ISSUED,
                f"Gift {gift.gift} ({gift.period}) was already issued to this member (under "
                f"another of its ids, merged); this issue adds nothing and its coupon "
                f"{gift.coupon.code} is not added.", member_id=member.id,
                coupon_code=first.coupon_code, sale_id=gift.sale_id,
                other_terminal_id=first.terminal_id, first_event_id=first.event_id,
                gift_id=gid, first_gift_id=first.gift_id, reason="merged_member")
            return
    if member is None:
        ctx.conflict(p.ConflictKind.UNKNOWN_MEMBER,
                     f"Member {gift.member_id} is not known to the service; the gift is kept.",
                     member_id=gift.member_id, coupon_code=gift.coupon.code, gift_id=gid)
    reason = _when_mismatch(gift, ctx.now) or _mismatch(ctx.rules, gift, member)
    if reason is not None:
        ctx.conflict(p.ConflictKind.GIFT_MISMATCH,
                     f"Gift {gift.gift} ({gift.period}): {reason[1]}; kept as issued.",
                     member_id=gift.member_id, coupon_code=gift.coupon.code,
                     sale_id=gift.sale_id, reason=reason[0], gift_id=gid)
    s.add(GiftIssue(gift_id=gid, member_id=str(member.id if member else gift.member_id), kind=gift.kind, gift=gift.gift,
                    period=gift.period, coupon_code=gift.coupon.code,
                    terminal_id=ctx.terminal_id, store_id=gift.store_id, event_id=ctx.event_id,
                    sale_id=str(gift.sale_id) if gift.sale_id else None,
                    issued_at=gift.issued_at, local_date=gift.local_date))
    s.flush()  # a second issue in the same batch finds it
    owner = str(member.id) if member is not None else str(gift.member_id)
    c = gift.coupon
    existing = ctx.coupon(c.code)
    if existing is None:
        ctx.add_coupon({
            "code": c.code, "kind": c.kind, "title": c.title, "value_fen": c.value_fen,
            "rate": str(c.rate) if c.rate is not None else None, "cap_fen": c.cap_fen,
            "threshold_fen": c.threshold_fen, "categories": [], "skus": list(c.skus),
            "valid_from": c.valid_from.isoformat(), "valid_to": c.valid_to.isoformat(), "weekdays": [],
            "tiers": [], "stackable": False, "with_tier_discount": True, "member_id": owner,
            "status": p.CouponStatus.VOID.value if reason is not None and reason[0] in BACKDATED
            else p.CouponStatus.AVAILABLE.value})
        record_change(s, "coupon", c.code)


def _when_mismatch(gift: p.GiftIssuedPayload, now: datetime) -> tuple[str, str] | None:
    """The store-local date and time the till sent against its instant and the receive time."""
    issued = gift.issued_at.astimezone(UTC)
    offset = gift.coupon.valid_from - issued.replace(tzinfo=None)
    if not (UTC_OFFSETS[0] - timedelta(minutes=1) <= offset <= UTC_OFFSETS[1]) or \
            gift.coupon.valid_from.date() != gift.local_date:
        return "local_date", (f"the local date {gift.local_date.isoformat()} and the coupon's "
                              f"start are not the store's time at {issued.isoformat()}")
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if issued < now - MAX_GIFT_AGE:
        return "stale", (f"issued {issued.date().isoformat()}, more than "
                         f"{MAX_GIFT_AGE.days} days before it reached the service")
    if issued > now + FUTURE_TOLERANCE:
        return "future", f"issued {issued.isoformat()}, after it reached the service"
    return None


def _coupon_mismatch(gift: p.GiftIssuedPayload, reward: GiftReward) -> bool:
    """Whether the wallet coupon is not the one the rules' reward gives (domain coupon_for at
    the coupon's own store-local start, which _when_mismatch tied to issued_at)."""
    c = gift.coupon
    offer = GiftOffer(gift.kind, gift.gift, gift.period, str(gift.gift_id), reward, "issued")
    try:
        want = coupon_for(offer, c.valid_from, c.cap_fen if reward.kind == "product" else None)
    except (GiftError, OverflowError):  # OverflowError: a start near year 9999
        return True
    rate = Decimal(str(c.rate)) if c.rate is not None else None
    return (c.code, c.kind, c.value_fen, rate, c.cap_fen, c.threshold_fen, tuple(c.skus),
            c.valid_from.replace(microsecond=0), c.valid_to) != (
        want.code, want.kind, want.value, want.rate, want.cap, want.threshold, want.skus,
        want.valid_from, want.valid_to)


def _mismatch(rules: Rules, gift: p.GiftIssuedPayload,
              member: m.Member | None) -> tuple[str, str] | None:
    """Why the rules do not give this gift, or None."""
    if gift_id(str(gift.member_id), gift.gift, gift.period) != str(gift.gift_id):
        return "gift_id", "the gift id is not the one its member, gift and period give"
    prefix = {"birthday": "birthday", "upgrade": "upgrade:", "member_day": "member_day:"}
    if not gift.gift.startswith(prefix[gift.kind]) or (
            gift.kind == "birthday" and gift.gift != "birthday"):
        return "kind", f"a {gift.kind} gift cannot be {gift.gift!r}"
    day = gift.local_date
    reward: GiftReward | None = None
    if gift.kind == "birthday":
        reward = rules.birthday_gift
        if reward is None:
            return "not_in_rules", "the rules give no birthday gift"
        if gift.period != str(day.year):
            return "period", f"a birthday gift of {day.year} has the period {day.year}"
        if member is not None and (member.birthday is None or member.birthday.month != day.month):
            return "not_birthday_month", f"{day.isoformat()} is not in the member's birthday month"
    elif gift.kind == "upgrade":
        tier = gift.gift.split(":", 1)[1]
        reward = rules.upgrade_gift(tier)
        if reward is None:
            return "not_in_rules", f"the rules give no upgrade gift for tier {tier}"
        if gift.period != "once":
            return "period", "an upgrade gift is given once"
        codes = [t.code for t in rules.tiers]
        if member is not None and member.tier in codes and \
                codes.index(member.tier) < codes.index(tier):
            return "tier_not_reached", f"the member is {member.tier}, not {tier}"
    else:
        day_id = gift.gift.split(":", 1)[1]
        md = next((x for x in rules.member_days if x.id == day_id), None)
        if md is None:
            return "not_in_rules", f"the rules have no member day {day_id!r}"
        if gift.period != day.isoformat() or not md.applies_on(day):
            return "not_member_day", f"{day.isoformat()} is not member day {day_id}"
        benefit = md.benefit_for(member.tier) if member is not None else None
        reward = benefit.coupon if benefit is not None else None
        if member is not None and reward is None:
            return "tier_not_allowed", f"member day {day_id} gives {member.tier} no coupon"
    if reward is not None and _coupon_mismatch(gift, reward):
        what = f"one {reward.sku}" if reward.kind == "product" else reward.label()
        return "figures", (f"the coupon (code, kind, value, rate, cap, threshold, products, "
                           f"validity) is not the {what} the rules give")
    return None
