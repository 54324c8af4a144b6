"""Benefits with quotas (权益次数), count cards (次卡) and the points mall (积分兑换) on the service.

The brand sets the programme (:func:`set_programme`: benefit definitions, per-tier quotas,
count-card products, mall rewards) and each store's mall stock (:func:`set_stock`); both go to
every till through the change feed (entities ``benefit_rules`` and ``mall_stock``), and each
member's balances (quota uses per period, cards) ride in the member's feed entry.

A sale's ``benefits`` and a refund's are applied here, after the sale or refund itself, each
movement once (keyed by the UUID the till made). What a till sends is checked against what the
service knows; whatever disagrees is a conflict recorded and reported, with the till's figures
applied as sent, never clamped:

- a quota use beyond the tier's allowance for its period (two tills spent the last use
  offline): ``benefit_overdrawn``, the period's count goes over;
- a card use beyond the card's uses: ``benefit_overdrawn``, the card's uses left go negative;
- a use of an unknown benefit or card, another member's card, a refunded or expired card, a
  tier without that quota, a count card or reward whose figures are not the programme's, a
  card refund whose unused uses differ from the service's count: ``benefit_mismatch``;
- a mall redemption beyond the store's stock: ``mall_out_of_stock``, the stock goes negative.

Lock order: the sale's member is locked by the batch's preload (members ``FOR UPDATE``), so two
pushes spending the same member's quota or card are applied one after the other; mall stock
rows are locked ``FOR UPDATE`` when read.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import case, func, select

from pos_central import models as m
from pos_central.benefit_tables import (
    BenefitProgramme,
    BenefitUseRow,
    CountCard,
    MallRedemptionRow,
    MallStock,
)
from pos_central.changes import record_change
from pos_central.db import utcnow
from pos_member.domain import benefits as bd
from pos_member.sync import benefits_wire as bw
from pos_member.sync import protocol as p

ConflictKind = p.ConflictKind


# -- the brand's side ---------------------------------------------------------------------------

def current_programme(session: Any) -> bd.Programme:
    row = session.execute(select(BenefitProgramme).order_by(BenefitProgramme.version.desc())
                          .limit(1)).scalar_one_or_none()
    if row is None:
        return bd.EMPTY
    return bd.Programme.from_dict({**row.programme, "version": row.version})


def set_programme(session: Any, programme: bd.Programme | dict) -> int:
    """A new version of the programme (validated by the domain); returns its number."""
    if isinstance(programme, dict):
        programme = bd.Programme.from_dict(programme)
    latest = session.execute(select(func.max(BenefitProgramme.version))).scalar() or 0
    version = latest + 1
    doc = programme.to_dict()
    doc["version"] = version
    session.add(BenefitProgramme(version=version, programme=doc, created_at=utcnow()))
    record_change(session, "benefit_rules", str(version))
    return version


def set_stock(session: Any, store_id: str, reward: str, stock: int) -> None:
    """Set what a store holds of a reward (a count taken, a delivery booked)."""
    if not isinstance(stock, int) or isinstance(stock, bool) or stock < 0:
        raise ValueError("stock is a whole number, not negative")
    row = session.get(MallStock, (store_id, reward))
    if row is None:
        session.add(MallStock(store_id=store_id, reward=reward, stock=stock,
                              updated_at=utcnow()))
    else:
        row.stock, row.updated_at = stock, utcnow()
    record_change(session, "mall_stock", f"{store_id}:{reward}")


# -- the feed -------------------------------------------------------------------------------------

def load_feed(session: Any, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if entity == "benefit_rules":
        versions = [int(i) for i in ids]
        for row in session.execute(select(BenefitProgramme)
                                   .where(BenefitProgramme.version.in_(versions))).scalars():
            out[str(row.version)] = bw.BenefitProgrammeData(
                version=row.version, programme=row.programme).model_dump(mode="json")
    elif entity == "mall_stock":
        keys = [tuple(i.split(":", 1)) for i in ids if ":" in i]
        for store_id, reward in keys:
            row = session.get(MallStock, (store_id, reward))
            if row is not None:
                out[f"{store_id}:{reward}"] = bw.MallStockData(
                    store_id=row.store_id, reward=row.reward, stock=row.stock
                ).model_dump(mode="json")
    return out


def member_benefits(session: Any, member_ids: list[str]) -> dict[str, bw.MemberBenefitsData]:
    """Each member's quota uses by benefit and period (returned uses not counted) and cards."""
    used: dict[str, list[bw.QuotaUsedData]] = {}
    cards: dict[str, list[bw.CountCardData]] = {}
    u = BenefitUseRow.__table__
    for i in range(0, len(member_ids), 2000):
        chunk = member_ids[i:i + 2000]
        # every period a member ever used, returned uses counted out (0 when all came back:
        # the till must hear that too, or it keeps its old count)
        for member_id, benefit, key, n in session.execute(
                select(u.c.member_id, u.c.benefit, u.c.period_key,
                       func.sum(case((u.c.returned_at.is_(None), 1), else_=0)))
                .where(u.c.member_id.in_(chunk), u.c.source == bd.QUOTA)
                .group_by(u.c.member_id, u.c.benefit, u.c.period_key)).all():
            used.setdefault(member_id, []).append(
                bw.QuotaUsedData(benefit=benefit, period_key=key or "", used=int(n or 0)))
        for c in session.execute(select(CountCard).where(CountCard.member_id.in_(chunk))
                                 .order_by(CountCard.expires_on, CountCard.id)).scalars():
            cards.setdefault(c.member_id, []).append(bw.CountCardData(
                id=c.id, sku=c.sku, benefit=c.benefit, uses_total=c.uses_total,
                uses_left=c.uses_total - c.uses_used, expires_on=c.expires_on,
                status=c.status))
    return {mid: bw.MemberBenefitsData(quota_used=sorted(used.get(mid, []),
                                                         key=lambda x: (x.benefit,
                                                                        x.period_key)),
                                       cards=cards.get(mid, []))
            for mid in set(used) | set(cards)}


def add_to_feed(session: Any, members: dict[str, dict[str, Any]]) -> None:
    """Put the members' benefit balances into the feed's member dicts (wire MemberData)."""
    for member_id, data in member_benefits(session, list(members)).items():
        members[member_id]["benefits"] = data.model_dump(mode="json")


# -- applying a sale --------------------------------------------------------------------------

def _member_of(ctx: Any, member_id: Any) -> m.Member | None:
    if member_id is None:
        return None
    account, _ = ctx.account(member_id)
    return account.member if account is not None else None


def _quota_used(ctx: Any, member_id: str, benefit: str, key: str | None) -> int:
    ctx.session.flush()
    return ctx.session.execute(
        select(func.count()).select_from(BenefitUseRow)
        .where(BenefitUseRow.member_id == member_id, BenefitUseRow.benefit == benefit,
               BenefitUseRow.source == bd.QUOTA, BenefitUseRow.period_key == key,
               BenefitUseRow.returned_at.is_(None))).scalar_one()


def on_sale(ctx: Any, sale: p.SalePayload) -> None:
    moves = sale.benefits
    if moves is None or not (moves.uses or moves.cards or moves.mall):
        return
    s = ctx.session
    sale_id = str(sale.sale_id)
    member = _member_of(ctx, sale.member_id)
    member_id = member.id if member is not None else (str(sale.member_id)
                                                       if sale.member_id else None)
    programme = current_programme(s)
    today = _sale_day(ctx, sale, sale_id, member_id,
                      any(u.source == bd.QUOTA for u in moves.uses))
    # Cards first: a card sold and used in the same sale is known when its use is checked.
    granted: dict[int, int] = {}  # line_no -> cards granted on it so far
    for card in moves.cards:
        _grant(ctx, programme, sale, sale_id, member_id, card, today, granted)
    tier = _tier_before(ctx, member, sale)
    units: dict[int, int] = {}  # line_no -> uses on it so far (one use takes one unit)
    for use in moves.uses:
        _use(ctx, programme, sale, sale_id, member_id, use, today, tier, units)
    drawn: dict[int, int] = {}  # line_no -> points the sale's redemptions drew on it so far
    for red in moves.mall:
        _redeem(ctx, programme, sale, sale_id, member_id, red, drawn)
    if member is not None:
        record_change(s, "member", member.id)  # the member's balances changed


# The longest a till is expected to stay offline (DESIGN: "weeks offline"): a quota use in a
# sale older than this when it reaches the service is reported (a till back-dating sales to
# spend earlier periods' unused quotas). Applied as sent all the same.
MAX_OFFLINE_AGE = timedelta(days=31)
CLOCK_SKEW = timedelta(minutes=10)  # a sale this far ahead of the service's clock is reported


def _sale_day(ctx: Any, sale: p.SalePayload, sale_id: str, member_id: str | None,
              quota: bool) -> date:
    """The store's day of the sale, from its instant in its zone (never the till's
    ``local_time``, which is checked against it). With quota uses: a local_time that is not
    the instant's, and a sale older than the longest offline spell (or in the future), are
    ``benefit_mismatch`` (reasons ``local_time``, ``stale``)."""
    from zoneinfo import ZoneInfo

    try:
        at = sale.sold_at.astimezone(ZoneInfo(sale.tz))
    except (ValueError, KeyError, OSError):
        at = sale.sold_at.astimezone(UTC)
    day = at.date()
    if not quota:
        return day
    what = f"Sale {sale.receipt_no}"
    if abs(sale.local_time - at.replace(tzinfo=None)) > CLOCK_SKEW:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what}: its local time {sale.local_time:%Y-%m-%d %H:%M} is not its "
                     f"instant in {sale.tz} ({at:%Y-%m-%d %H:%M}); its quota uses count on "
                     f"{day}.", member_id=member_id, sale_id=sale_id, reason="local_time",
                     local_time=sale.local_time.isoformat(), local_day=day.isoformat())
    now = ctx.now if ctx.now.tzinfo is not None else ctx.now.replace(tzinfo=UTC)
    if now - sale.sold_at > MAX_OFFLINE_AGE or sale.sold_at - now > CLOCK_SKEW:
        old = now - sale.sold_at > MAX_OFFLINE_AGE
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what} spent quota uses " + (
                         f"on {day}, more than {MAX_OFFLINE_AGE.days} days before it reached "
                         "the service (longer than a till stays offline)" if old else
                         f"at {sale.sold_at:%Y-%m-%d %H:%M} UTC, ahead of the service's clock")
                     + "; the uses are recorded as sent.", member_id=member_id,
                     sale_id=sale_id, reason="stale" if old else "future",
                     max_age_days=MAX_OFFLINE_AGE.days, sold_at=sale.sold_at.isoformat())
    return day


def _tier_before(ctx: Any, member: m.Member | None, sale: p.SalePayload) -> str | None:
    """The member's tier before this sale, as the service knows it (the sale's growth was
    added by the time the benefits are applied; the tier follows the growth). A member the
    service does not know: the till's word (the sale is reported as unknown_member anyway)."""
    if member is None:
        return sale.tier_before
    rules = ctx.rules
    if sale.growth_earned and member.tier == rules.tier_for_growth(max(0, member.growth)).code:
        return rules.tier_for_growth(max(0, member.growth - sale.growth_earned)).code
    return member.tier


def _grant(ctx: Any, programme: bd.Programme, sale: p.SalePayload, sale_id: str,
           member_id: str | None, card: bw.CountCardGrant, today: date,
           granted: dict[int, int]) -> None:
    s = ctx.session
    card_id = str(card.card_id)
    if s.get(CountCard, card_id) is not None:
        return  # carried before (a retried sale under another event): applied once
    # A card is minted only for a unit the sale sold: a line of the card's SKU, at most its
    # quantity (whole pieces) of cards on it. Anything else is not a card sold: reported,
    # nothing minted (the sale itself stays as sent).
    line = next((x for x in sale.lines if x.line_no == card.line_no), None)
    n = granted.get(card.line_no, 0)
    if line is None or line.sku != card.sku or line.qty != line.qty.to_integral_value() \
            or n + 1 > int(line.qty):
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"Sale {sale.receipt_no} carried count card {card.sku} on line "
                     f"{card.line_no}, which " + (
                         "the sale does not have" if line is None else
                         f"sold {line.sku}" if line.sku != card.sku else
                         f"sold {line.qty} (this would be card {n + 1})") +
                     "; no card was issued.", member_id=member_id, sale_id=sale_id,
                     card_id=card_id, sku=card.sku, line_no=card.line_no,
                     reason="card_not_sold")
        return
    granted[card.line_no] = n + 1
    if member_id is None:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"Sale {sale.receipt_no} sold count card {card.sku} without a member; "
                     "the card is not held by anyone.", sale_id=sale_id, card_id=card_id,
                     reason="no_member")
        return
    product = programme.card_for(card.sku)
    if product is None or product.benefit != card.benefit or product.uses != card.uses \
            or card.expires_on != product.expires_on(today):
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"Sale {sale.receipt_no}: count card {card.sku} ({card.uses} × "
                     f"{card.benefit} until {card.expires_on}) is not what the programme "
                     "sells; the card is kept as sent.", member_id=member_id, sale_id=sale_id,
                     card_id=card_id, reason="card_terms",
                     expected=None if product is None else product.to_dict())
    s.add(CountCard(id=card_id, member_id=member_id, sku=card.sku, benefit=card.benefit,
                    uses_total=card.uses, uses_used=0, expires_on=card.expires_on,
                    status="active", sale_id=sale_id, line_no=card.line_no,
                    terminal_id=ctx.terminal_id, sold_at=sale.sold_at))
    s.flush()


def _use(ctx: Any, programme: bd.Programme, sale: p.SalePayload, sale_id: str,
         member_id: str | None, use: bw.BenefitUseWire, today: date,
         tier: str | None, units: dict[int, int]) -> None:
    s = ctx.session
    use_id = str(use.use_id)
    if s.get(BenefitUseRow, use_id) is not None:
        return
    if member_id is None:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"Sale {sale.receipt_no} used benefit {use.benefit} without a member; "
                     "nothing was counted.", sale_id=sale_id, benefit=use.benefit,
                     reason="no_member")
        return
    what = f"Sale {sale.receipt_no}"
    if not programme.has_benefit(use.benefit):
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what} used benefit {use.benefit}, which the programme does not have; "
                     "the use is recorded as sent.", member_id=member_id, sale_id=sale_id,
                     benefit=use.benefit, reason="unknown_benefit")
    line = next((x for x in sale.lines if x.line_no == use.line_no), None)
    if programme.has_benefit(use.benefit) and (
            line is None or not programme.benefit(use.benefit).covers(line.sku,
                                                                      line.category_id or "")):
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what} used {use.benefit} on line {use.line_no}, which the benefit does "
                     "not cover; the use is recorded as sent.", member_id=member_id,
                     sale_id=sale_id, benefit=use.benefit, reason="not_covered")
    if line is not None:
        _check_unit(ctx, programme, what, member_id, sale_id, use, line, units)
    if use.source == bd.QUOTA:
        # the quota of the tier the service knows, never the one the till claims
        if use.tier is not None and tier is not None and use.tier != tier:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what}: the use of {use.benefit} was counted by the till against "
                         f"tier {use.tier}'s quota; the member is {tier} on the service, whose "
                         "quota it counts against.", member_id=member_id, sale_id=sale_id,
                         benefit=use.benefit, reason="tier", tier=tier, tier_sent=use.tier)
        quota = programme.quota(use.benefit, tier) if tier else None
        key = use.period_key
        if quota is not None and key != bd.period_key(quota.period, today):
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what}: the use of {use.benefit} counts against period {key}, the "
                         f"sale's day is in {bd.period_key(quota.period, today)}.",
                         member_id=member_id, sale_id=sale_id, benefit=use.benefit,
                         reason="period")
        if quota is None:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what}: tier {tier} has no quota of {use.benefit}; the use is "
                         "recorded as sent.", member_id=member_id, sale_id=sale_id,
                         benefit=use.benefit, reason="no_quota", tier=tier)
        elif quota.uses is not None:
            before = _quota_used(ctx, member_id, use.benefit, key)
            if before >= quota.uses:
                ctx.conflict(ConflictKind.BENEFIT_OVERDRAWN,
                             f"{what} used {use.benefit} for period {key}, but the member "
                             f"had used {before} of {quota.uses} already (another till first); "
                             f"the period now counts {before + 1}.", member_id=member_id,
                             sale_id=sale_id, benefit=use.benefit, source=bd.QUOTA,
                             period_key=key, allowance=quota.uses, used_before=before,
                             used_after=before + 1)
    else:
        card = s.get(CountCard, use.source)
        if card is None:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what} used count card {use.source}, which the service does not "
                         "know; the use is recorded as sent.", member_id=member_id,
                         sale_id=sale_id, benefit=use.benefit, card_id=use.source,
                         reason="unknown_card")
        else:
            problem = None
            if card.member_id != member_id:
                problem = ("other_member", "the card belongs to another member")
            elif card.benefit != use.benefit:
                problem = ("other_benefit", f"the card is for {card.benefit}")
            elif card.status != "active":
                problem = ("refunded", "the card was refunded")
            elif card.expires_on < today:
                problem = ("expired", f"the card expired on {card.expires_on}")
            if problem is not None:
                ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                             f"{what} used count card {card.id}, but {problem[1]}; the use is "
                             "recorded as sent.", member_id=member_id, sale_id=sale_id,
                             benefit=use.benefit, card_id=card.id, reason=problem[0])
            left = card.uses_total - card.uses_used
            card.uses_used += 1
            if left <= 0:
                ctx.conflict(ConflictKind.BENEFIT_OVERDRAWN,
                             f"{what} used count card {card.id} ({card.benefit}) with "
                             f"{left} uses left (another till spent it first); it now has "
                             f"{left - 1}.", member_id=member_id, sale_id=sale_id,
                             benefit=use.benefit, source=card.id, card_id=card.id,
                             uses_left_before=left, uses_left_after=left - 1)
    s.add(BenefitUseRow(id=use_id, member_id=member_id, benefit=use.benefit,
                        source=use.source, period_key=use.period_key, sale_id=sale_id,
                        line_no=use.line_no, discount_fen=use.discount_fen,
                        terminal_id=ctx.terminal_id, event_id=ctx.event_id, at=sale.sold_at))
    s.flush()


def _check_unit(ctx: Any, programme: bd.Programme, what: str, member_id: str, sale_id: str,
                use: bw.BenefitUseWire, line: p.SaleLine, units: dict[int, int]) -> None:
    """One use takes one unit of its line (whole pieces: at most the line's quantity of uses)
    and at most what the benefit takes off one unit at the line's unit price (the price before
    member prices, so never tighter than the till's own figure). Beyond: reported, the
    discount recorded as sent."""
    n = units.get(use.line_no, 0) + 1
    units[use.line_no] = n
    whole = line.qty == line.qty.to_integral_value()
    if not whole or n > int(line.qty):
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what} used {use.benefit} {n} times on line {use.line_no}, which has "
                     f"{line.qty} units" + ("" if whole else " (weighed goods take no benefit)")
                     + "; the use is recorded as sent.", member_id=member_id, sale_id=sale_id,
                     benefit=use.benefit, line_no=use.line_no, reason="units",
                     uses_on_line=n, qty=str(line.qty))
    if not programme.has_benefit(use.benefit):
        return
    most = programme.benefit(use.benefit).unit_discount(line.unit_price_fen)
    if use.discount_fen > most:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what}: the use of {use.benefit} on line {use.line_no} took "
                     f"{use.discount_fen} fen off; the benefit takes at most {most} fen off a "
                     f"unit at {line.unit_price_fen} fen. Recorded as sent.",
                     member_id=member_id, sale_id=sale_id, benefit=use.benefit,
                     line_no=use.line_no, reason="discount", discount_fen=use.discount_fen,
                     discount_max_fen=most)


def _stock_row(ctx: Any, store_id: str, reward: str) -> MallStock:
    s = ctx.session
    s.flush()
    row = s.execute(select(MallStock).where(MallStock.store_id == store_id,
                                            MallStock.reward == reward)
                    .with_for_update()).scalar_one_or_none()
    if row is None:
        row = MallStock(store_id=store_id, reward=reward, stock=0, updated_at=ctx.now)
        s.add(row)
    return row


def _redeem(ctx: Any, programme: bd.Programme, sale: p.SalePayload, sale_id: str,
            member_id: str | None, red: bw.MallRedemption, drawn: dict[int, int]) -> None:
    s = ctx.session
    rid = str(red.redemption_id)
    if s.get(MallRedemptionRow, rid) is not None:
        return
    # the line's points pay for every redemption on it together, not each one alone
    drawn_before = drawn.get(red.line_no, 0)
    drawn[red.line_no] = drawn_before + red.points
    what = f"Sale {sale.receipt_no}"
    reward = programme.reward(red.reward)
    if reward is None or reward.points * red.qty != red.points:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what} redeemed {red.qty} × {red.reward} for {red.points} points; the "
                     "programme " + ("has no such reward" if reward is None else
                                     f"prices it at {reward.points} points each") +
                     ". Recorded as sent.", member_id=member_id, sale_id=sale_id,
                     reward=red.reward, reason="reward_terms")
    line = next((x for x in sale.lines if x.line_no == red.line_no), None)
    if line is None or line.points_redeemed < drawn_before + red.points:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"{what}: the mall redemption's line {red.line_no} does not carry its "
                     f"{red.points} points" + (
                         f" (the line's {line.points_redeemed} points pay for the sale's "
                         f"other redemptions on it, {drawn_before} points, first)"
                         if line is not None and drawn_before else "") + ".",
                     member_id=member_id, sale_id=sale_id, reward=red.reward,
                     reason="line_points",
                     points_on_line=None if line is None else line.points_redeemed,
                     points_drawn=drawn_before + red.points)
    stock = _stock_row(ctx, sale.store_id, red.reward)
    before = stock.stock
    stock.stock = before - red.qty
    stock.updated_at = ctx.now
    record_change(s, "mall_stock", f"{sale.store_id}:{red.reward}")
    if before < red.qty:
        ctx.conflict(ConflictKind.MALL_OUT_OF_STOCK,
                     f"{what} redeemed {red.qty} × {red.reward} but store {sale.store_id} "
                     f"held {before}; the stock is now {stock.stock}.", member_id=member_id,
                     sale_id=sale_id, reward=red.reward, store=sale.store_id,
                     stock_before=before, stock_after=stock.stock)
    coupon = None
    if reward is not None and reward.kind == "coupon" and member_id is not None:
        coupon = _issue_coupon(ctx, reward, member_id, rid, sale_id)
    s.add(MallRedemptionRow(id=rid, member_id=member_id, store_id=sale.store_id,
                            reward=red.reward, qty=red.qty, points=red.points, returned_qty=0,
                            sale_id=sale_id, line_no=red.line_no, terminal_id=ctx.terminal_id,
                            coupon_code=coupon, at=sale.sold_at))
    s.flush()


def _issue_coupon(ctx: Any, reward: Any, member_id: str, rid: str, sale_id: str) -> str | None:
    """A coupon reward: a copy of its template coupon bound to the member (the feed and the
    member look-up bring it to every till). The code is derived from the redemption, so a
    replay issues nothing new."""
    template = ctx.coupon(reward.coupon_template)
    if template is None:
        ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                     f"Reward {reward.code} names coupon template {reward.coupon_template}, which "
                     "the service does not have; no coupon was issued.", member_id=member_id,
                     sale_id=sale_id, reward=reward.code, reason="coupon_template_unknown")
        return None
    code = f"{reward.coupon_template}-{rid[:8].upper()}"[:64]
    if ctx.coupon(code) is None:
        copy = {c.key: getattr(template, c.key) for c in m.Coupon.__table__.columns}
        copy.update(code=code, member_id=member_id, status=p.CouponStatus.AVAILABLE.value,
                    used_by_sale_id=None, used_by_terminal_id=None, used_at=None)
        ctx.add_coupon(copy)
        record_change(ctx.session, "coupon", code)
    return code


# -- applying a refund ------------------------------------------------------------------------

def on_refund(ctx: Any, refund: p.RefundPayload) -> None:
    moves = refund.benefits
    if moves is None or not (moves.uses_returned or moves.cards or moves.mall):
        return
    s = ctx.session
    s.flush()
    sale_id, refund_id = str(refund.sale_id), str(refund.refund_id)
    what = f"Refund {refund.receipt_no}"
    members: set[str] = set()
    for use_id in moves.uses_returned:
        row = s.get(BenefitUseRow, str(use_id))
        if row is None or row.sale_id != sale_id:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what} gave back benefit use {use_id}, which sale {sale_id} did not "
                         "make (or the service has not seen); nothing was given back.",
                         sale_id=sale_id, use_id=str(use_id), reason="unknown_use")
            continue
        if row.returned_at is not None:
            continue  # given back before
        row.returned_at, row.refund_id = refund.refunded_at, refund_id
        if row.source != bd.QUOTA:
            card = s.get(CountCard, row.source)
            if card is not None:
                card.uses_used -= 1
        members.add(row.member_id)
    for cr in moves.cards:
        card = s.get(CountCard, str(cr.card_id))
        if card is None or card.sale_id != sale_id:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what} refunded count card {cr.card_id}, which sale {sale_id} did "
                         "not sell (or the service has not seen).", sale_id=sale_id,
                         card_id=str(cr.card_id), reason="unknown_card")
            continue
        if card.status == "refunded":
            if card.refund_id != refund_id:
                ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                             f"{what}: count card {card.id} was refunded before.",
                             member_id=card.member_id, sale_id=sale_id, card_id=card.id,
                             reason="refunded_before")
            continue
        left = card.uses_total - card.uses_used
        if cr.uses_removed != max(0, left):
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what} removed {cr.uses_removed} unused uses of count card "
                         f"{card.id}; the service counts {left} left (a use another till "
                         "made). The card is refunded.", member_id=card.member_id,
                         sale_id=sale_id, card_id=card.id, reason="uses_left",
                         uses_left=left, uses_removed=cr.uses_removed)
        card.status, card.refund_id, card.uses_removed = "refunded", refund_id, cr.uses_removed
        members.add(card.member_id)
    for mr in moves.mall:
        row = s.get(MallRedemptionRow, str(mr.redemption_id))
        if row is None or row.sale_id != sale_id:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what} returned mall redemption {mr.redemption_id}, which sale "
                         f"{sale_id} did not make.", sale_id=sale_id,
                         redemption_id=str(mr.redemption_id), reason="unknown_redemption")
            continue
        if row.returned_qty + mr.qty > row.qty:
            ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                         f"{what} returned {mr.qty} × {row.reward}; {row.qty - row.returned_qty}"
                         " were left to return. The stock takes back what was left.",
                         member_id=row.member_id, sale_id=sale_id, reward=row.reward,
                         reason="returned_beyond")
        back = max(0, min(mr.qty, row.qty - row.returned_qty))
        row.returned_qty += back
        if row.coupon_code and back:
            coupon = ctx.coupon(row.coupon_code)
            if coupon is not None and coupon.status == p.CouponStatus.AVAILABLE.value:
                coupon.status = p.CouponStatus.VOID.value  # the reward goes back with its points
                record_change(s, "coupon", coupon.code)
            elif coupon is not None:
                ctx.conflict(ConflictKind.BENEFIT_MISMATCH,
                             f"{what} returned reward {row.reward}, but its coupon "
                             f"{coupon.code} was used already; the points go back all the "
                             "same.", member_id=row.member_id, sale_id=sale_id,
                             coupon_code=coupon.code, reason="coupon_used")
        stock = _stock_row(ctx, row.store_id, row.reward)
        stock.stock += back
        stock.updated_at = ctx.now
        record_change(s, "mall_stock", f"{row.store_id}:{row.reward}")
        if row.member_id:
            members.add(row.member_id)
    for member_id in sorted(members):
        record_change(s, "member", member_id)
    s.flush()


def then(applier, hook):
    """``applier`` followed by ``hook`` (the benefit part of a sale or a refund)."""
    def applied(ctx: Any, payload: Any) -> None:
        applier(ctx, payload)
        hook(ctx, payload)
    applied.__name__ = getattr(applier, "__name__", "applied")
    applied.__doc__ = applier.__doc__
    return applied


# -- the demo brand -------------------------------------------------------------------------

DEMO_STORE_ID = "demo-store"  # pos_member.app.DEFAULT_STORE_ID


def demo_brand_programme() -> bd.Programme:
    """The demo brand's benefits on its own catalogue: a free upsize (¥3 off a coffee) each
    month (silver 1, gold 2), a free egg tart for gold each month, and the points mall: the
    mug (800 points) in stock, the canvas tote (600 points) out of stock."""
    from pos_member.domain.mall import Reward

    return bd.Programme(
        benefits=(bd.Benefit("UPSIZE", "免费升杯", kind="value_off", value_fen=300,
                             categories=frozenset({"coffee"}), name_en="Free upsize"),
                  bd.Benefit("TART", "免费蛋挞", skus=frozenset({"B005"}),
                             name_en="Free egg tart")),
        quotas=(bd.Quota("UPSIZE", "silver", "month", 1), bd.Quota("UPSIZE", "gold", "month", 2),
                bd.Quota("TART", "gold", "month", 1)),
        rewards=(Reward("MUG", "马克杯", 800, "M003", name_en="Mug"),
                 Reward("TOTE", "品牌帆布袋", 600, "M001", name_en="Canvas Tote")))


def seed_demo(session: Any) -> None:
    """Called by pos_central.demo.seed_demo: the programme once, and the demo store's stock."""
    if not current_programme(session).benefits:
        set_programme(session, demo_brand_programme())
        set_stock(session, DEMO_STORE_ID, "MUG", 5)
        set_stock(session, DEMO_STORE_ID, "TOTE", 0)
