"""Dormant members (沉睡会员): segments, win-back offers, and the recall figures (召回率).

* A member is dormant for a segment of N days when their last purchase (or, never having
  bought, their registration) is at least N days ago. The default segments are 90 and 180
  days (DESIGN.md); a member dormant for 180 days is in the 90-day segment too.
* :func:`issue_winback` gives every member of a segment a personal coupon (an
  ``amount_off`` coupon with the member's id, so it reaches every till through the change
  feed like any coupon, and the till shows and applies it when the member comes back). A
  member who still holds an unused, unexpired win-back coupon is skipped.
* :func:`recall_report` counts, per campaign, who came back (a sale after the offer), how many
  used the offer, and what they spent since: the figures the operations console charts.

Command line: ``python -m pos_central dormant segments|issue|report`` (see cli.py).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from pos_central import models as m
from pos_central.changes import record_change
from pos_central.cross_channel_models import WinbackCampaign, WinbackOffer
from pos_central.db import utcnow
from pos_member.sync import protocol as p

SEGMENTS = (90, 180)


@dataclass(frozen=True)
class Segment:
    days: int
    members: int  # dormant for at least ``days``
    with_consent: int  # of whom agreed to marketing


@dataclass(frozen=True)
class Recall:
    campaign_id: str
    name: str
    segment_days: int
    issued_at: datetime
    issued: int  # members given the offer
    came_back: int  # of whom bought at least once since
    used_offer: int  # of whom used the win-back coupon
    spent_fen: int  # what those who came back spent since (sales total, less refunds)
    recall_rate_bp: int  # came_back / issued in basis points (10000 = 100 %)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["issued_at"] = self.issued_at.isoformat()
        d["recall_rate"] = f"{self.recall_rate_bp / 100:.2f}%"
        return d


def _dormant_query(days: int, now: datetime):
    cutoff = now - timedelta(days=days)
    last = func.coalesce(m.Member.last_purchase_at, m.Member.registered_at)
    return select(m.Member).where(m.Member.merged_into.is_(None), last <= cutoff)


def dormant_members(session: Session, days: int, now: datetime | None = None) -> list[m.Member]:
    return list(session.execute(_dormant_query(days, now or utcnow())
                                .order_by(m.Member.id)).scalars())


def segments(session: Session, now: datetime | None = None,
             days: tuple[int, ...] = SEGMENTS) -> list[Segment]:
    now = now or utcnow()
    out = []
    for d in days:
        members = dormant_members(session, d, now)
        out.append(Segment(d, len(members), sum(1 for x in members if x.marketing_consent)))
    return out


def issue_winback(session: Session, days: int, *, value_fen: int = 1500,
                  threshold_fen: int = 0, valid_days: int = 14, name: str = "",
                  consent_only: bool = False, now: datetime | None = None) -> WinbackCampaign:
    """Give the segment's members a win-back coupon; returns the campaign (``members`` = how
    many got one). The caller commits (the coupons reach the tills through the feed)."""
    if value_fen <= 0 or threshold_fen < 0 or valid_days <= 0 or days <= 0:
        raise ValueError("the offer needs a value > 0, a threshold >= 0, valid days > 0 and "
                         "a segment of days > 0")
    now = now or utcnow()
    campaign = WinbackCampaign(id=str(uuid.uuid4()), segment_days=days, issued_at=now,
                               name=name or f"{days} 天沉睡召回", value_fen=value_fen,
                               threshold_fen=threshold_fen, valid_days=valid_days, members=0)
    session.add(campaign)
    holding = _holding_offer(session, now)
    yuan = f"{value_fen // 100}" if value_fen % 100 == 0 else \
        f"{value_fen // 100}.{value_fen % 100:02d}"
    title = f"好久不见 ¥{yuan}" + (" 无门槛" if not threshold_fen else
                                   f" 满{threshold_fen // 100}可用")
    template = p.CouponData(code="WB-TEMPLATE", kind="amount_off", title=title,
                            value_fen=value_fen, threshold_fen=threshold_fen, valid_from=now,
                            valid_to=now + timedelta(days=valid_days))
    template.to_domain()  # the pricing engine's own checks, once for the whole segment
    values = template.model_dump(mode="json")
    values.update(valid_from=now.isoformat(), valid_to=template.valid_to.isoformat())
    coupons, offers = [], []
    for member in dormant_members(session, days, now):
        if member.id in holding or (consent_only and not member.marketing_consent):
            continue
        code = f"WB-{uuid.uuid4().hex[:12].upper()}"
        coupons.append({**values, "code": code, "member_id": member.id,
                        "used_by_sale_id": None})
        offers.append({"campaign_id": campaign.id, "member_id": member.id, "coupon_code": code,
                       "last_purchase_at": member.last_purchase_at})
    session.flush()
    for start in range(0, len(coupons), 1000):  # one INSERT per thousand rows
        session.execute(insert(m.Coupon), coupons[start:start + 1000])
        session.execute(insert(WinbackOffer), offers[start:start + 1000])
    for row in coupons:
        record_change(session, "coupon", row["code"])  # to every till through the feed
    count = len(coupons)
    campaign.members = count
    session.flush()
    return campaign


def _holding_offer(session: Session, now: datetime) -> set[str]:
    """Members with a win-back coupon still usable."""
    rows = session.execute(
        select(WinbackOffer.member_id, m.Coupon.valid_to)
        .join(m.Coupon, m.Coupon.code == WinbackOffer.coupon_code)
        .where(m.Coupon.status == p.CouponStatus.AVAILABLE.value)).all()
    return {mid for mid, valid_to in rows
            if valid_to is None or datetime.fromisoformat(valid_to) > now}


def recall_report(session: Session, campaign_id: str | None = None) -> list[Recall]:
    """召回率 per campaign (newest first): who came back after the offer and what they spent."""
    query = select(WinbackCampaign).order_by(WinbackCampaign.issued_at.desc())
    if campaign_id is not None:
        query = query.where(WinbackCampaign.id == campaign_id)
    out = []
    for c in session.execute(query).scalars():
        offers = session.execute(select(WinbackOffer).where(WinbackOffer.campaign_id == c.id)
                                 ).scalars().all()
        members = [o.member_id for o in offers]
        # a member merged into another since: their survivor's sales count
        survivors = dict(session.execute(
            select(m.Member.id, func.coalesce(m.Member.merged_into, m.Member.id))
            .where(m.Member.id.in_(members))).all()) if members else {}
        ids = set(survivors.values()) | set(members)
        sales = session.execute(
            select(m.Sale.member_id, m.Sale.id, m.Sale.total_fen)
            .where(m.Sale.member_id.in_(ids), m.Sale.sold_at > c.issued_at)).all() if ids else []
        refunds = dict(session.execute(
            select(m.Refund.sale_id, func.sum(m.Refund.amount_fen))
            .where(m.Refund.sale_id.in_([s.id for s in sales]))
            .group_by(m.Refund.sale_id)).all()) if sales else {}
        back = {s.member_id for s in sales}
        came_back = sum(1 for o in offers if survivors.get(o.member_id, o.member_id) in back
                        or o.member_id in back)
        spent = sum(s.total_fen - int(refunds.get(s.id) or 0) for s in sales)
        used = session.execute(
            select(func.count()).select_from(m.Coupon)
            .where(m.Coupon.code.in_([o.coupon_code for o in offers]),
                   or_(m.Coupon.status == p.CouponStatus.USED.value,
                       m.Coupon.used_by_sale_id.is_not(None)))).scalar_one() if offers else 0
        rate = (came_back * 10000 // len(offers)) if offers else 0
        out.append(Recall(c.id, c.name, c.segment_days, c.issued_at, len(offers), came_back,
                          used, spent, rate))
    return out
