"""Benefits (权益次数/次卡) and the points mall (积分兑换) at the till.

What a member may spend is what the central service last said (``benefit_member_cache``: quota
uses per period, cards with their uses left) less this till's own uses whose sale event is still
waiting in the outbox; cards sold here and not yet pushed count in full. Once the event is
pushed the central service holds the use, and the next pull's member entry carries it (the sync
engine pulls right after a push). The same goes for mall stock (``mall_stock``, this store's).

Offline, the uses one till may spend per member and local day are limited by the programme's
``offline_daily_uses`` (the risk limit, like points' offline daily limit); a balance spent by two
tills offline is the central service's conflict, never a negative balance here.

Checkout calls :func:`benefit_request` to price the claims and :func:`record_sale` in the
sale's transaction; refunds call :func:`record_refund`. The sync engine calls
:func:`apply_feed` with each page of changes.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_member.domain import benefits as bd
from pos_member.domain import mall as md
from pos_member.store import repositories as repo
from pos_member.store.models import (
    BenefitMemberCache,
    BenefitUse,
    CountCardSold,
    MallRedemption,
    MallStockCache,
    OutboxEvent,
)

from .errors import InvalidInput

PROGRAMME_KEY = "benefit_programme"


# -- reading ----------------------------------------------------------------------------------

def programme(session: Session) -> bd.Programme:
    return programme_of(repo.get_setting(session, PROGRAMME_KEY))


_parsed: dict[str, bd.Programme] = {}  # the last programme text read, parsed (it is frozen)


def programme_of(text: str | None) -> bd.Programme:
    """The programme stored as ``text`` (the ``benefit_programme`` setting, or None)."""
    if not text:
        return bd.EMPTY
    prog = _parsed.get(text)
    if prog is not None:
        return prog
    try:
        prog = bd.Programme.from_dict(json.loads(text))
    except (ValueError, bd.BenefitError):
        return bd.EMPTY  # a programme this release cannot read: no benefits, never a crash
    _parsed.clear()
    _parsed[text] = prog
    return prog


def set_programme(session: Session, prog: bd.Programme | dict) -> None:
    """Store the programme (from the feed, or a demo/test set-up)."""
    if isinstance(prog, bd.Programme):
        prog = prog.to_dict()
    bd.Programme.from_dict(prog)  # validated before it is kept
    repo.set_setting(session, PROGRAMME_KEY, json.dumps(prog, ensure_ascii=False,
                                                        sort_keys=True))


def _pending_events(session: Session) -> Any:
    return select(OutboxEvent.event_id).where(OutboxEvent.status == "pending")


def _cache(session: Session, member_id: str) -> dict[str, Any]:
    row = session.get(BenefitMemberCache, member_id)
    return row.data if row is not None and isinstance(row.data, dict) else {}


def member_balances(session: Session, member_id: str, tier: str | None, today: date,
                    prog: bd.Programme | None = None) -> tuple[bd.Balance, ...]:
    """Every source of uses the member holds today (quota first, then cards soonest first)."""
    prog = prog or programme(session)
    cached = _cache(session, member_id)
    used: dict[tuple[str, str], int] = {}
    for q in cached.get("quota_used", ()):
        key = (q["benefit"], q["period_key"])
        used[key] = used.get(key, 0) + int(q["used"])
    cards: dict[str, dict[str, Any]] = {c["id"]: dict(c) for c in cached.get("cards", ())}
    pending = _pending_events(session)
    for card in session.scalars(select(CountCardSold).where(
            CountCardSold.member_id == member_id, CountCardSold.event_id.in_(pending))):
        cards.setdefault(card.id, {"id": card.id, "benefit": card.benefit, "sku": card.sku,
                                   "uses_total": card.uses_total, "uses_left": card.uses_total,
                                   "expires_on": card.expires_on.isoformat(),
                                   "status": "active"})
    for card in session.scalars(select(CountCardSold).where(
            CountCardSold.member_id == member_id, CountCardSold.refund_id.is_not(None))):
        if card.id in cards:
            cards[card.id]["status"] = "refunded"
    for use in session.scalars(select(BenefitUse).where(
            BenefitUse.member_id == member_id, BenefitUse.event_id.in_(pending),
            BenefitUse.refund_id.is_(None))):
        if use.source == bd.QUOTA:
            key = (use.benefit, use.period_key or "")
            used[key] = used.get(key, 0) + 1
        elif use.source in cards:
            cards[use.source]["uses_left"] = int(cards[use.source]["uses_left"]) - 1
    # uses given back by a refund the service has not heard of yet, of a sale it has
    for use in session.scalars(select(BenefitUse).where(
            BenefitUse.member_id == member_id, BenefitUse.refund_event_id.in_(pending),
            BenefitUse.event_id.not_in(pending))):
        if use.source == bd.QUOTA:
            key = (use.benefit, use.period_key or "")
            used[key] = max(0, used.get(key, 0) - 1)
        elif use.source in cards:
            cards[use.source]["uses_left"] = int(cards[use.source]["uses_left"]) + 1
    states = [bd.CardState(id=c["id"], benefit=c["benefit"], uses_total=int(c["uses_total"]),
                           uses_left=int(c["uses_left"]),
                           expires_on=date.fromisoformat(str(c["expires_on"])),
                           status=c.get("status", "active"), sku=c.get("sku", ""))
              for c in cards.values()]
    return bd.balances(prog, tier, used, states, today)


def mall_stock(session: Session) -> dict[str, int]:
    """This store's stock per reward: the central figure less this till's unpushed redemptions."""
    stock = {r.reward: r.stock for r in session.scalars(select(MallStockCache))}
    pending = _pending_events(session)
    for reward, qty in session.execute(
            select(MallRedemption.reward, func.sum(MallRedemption.qty - MallRedemption.returned_qty))
            .where(MallRedemption.event_id.in_(pending)).group_by(MallRedemption.reward)):
        stock[reward] = stock.get(reward, 0) - int(qty or 0)
    return stock


def offline_uses_today(session: Session, member_id: str, day_start: datetime) -> int:
    return session.scalar(select(func.count()).select_from(BenefitUse).where(
        BenefitUse.member_id == member_id, BenefitUse.offline == 1,
        BenefitUse.at >= day_start)) or 0


# -- checkout ---------------------------------------------------------------------------------

def benefit_request(session: Session, member_id: str | None, tier: str | None, today: date,
                    claims: tuple[bd.Claim, ...], mall: tuple[md.MallClaim, ...],
                    *, online: bool = True, day_start: datetime | None = None,
                    skus: tuple[str, ...] = (),
                    prog: bd.Programme | None = None) -> bd.BenefitRequest | None:
    """What pricing needs for these claims, or None when there are none. Refuses (with a
    clear message, nothing recorded) a claim without a member, an offline claim beyond the
    risk limit, and a mall reward this store is out of."""
    if member_id is None and skus:
        prog = prog or programme(session)
        for sku in skus:
            if prog.card_for(sku) is not None:
                raise InvalidInput("a count card is sold to a member: identify the member "
                                   "first (the uses go to their account)", code="no_member")
    if not claims and not mall:
        return None
    if member_id is None:
        raise InvalidInput("benefits and the points mall are for members: identify the "
                           "member first", code="no_member")
    prog = prog or programme(session)
    if claims and not online and day_start is not None:
        spent = offline_uses_today(session, member_id, day_start)
        if spent + len(claims) > prog.offline_daily_uses:
            raise InvalidInput(
                f"offline, at most {prog.offline_daily_uses} benefit uses per member a day on "
                f"this till ({spent} used today); try again when the till is online",
                code="benefit_offline_limit")
    if mall:
        stock = mall_stock(session)
        wanted: dict[str, int] = {}
        for c in mall:
            wanted[c.reward] = wanted.get(c.reward, 0) + c.qty
        for code, qty in wanted.items():
            reward = prog.reward(code)
            have = stock.get(code)
            if reward is None:
                raise InvalidInput(f"no reward {code!r} in the points mall",
                                   code="unknown_reward")
            if have is None or have < qty:
                raise InvalidInput(f"{reward.name}: out of stock (this store has "
                                   f"{max(0, have or 0)})", code="out_of_stock")
    return bd.BenefitRequest(prog.benefits, member_balances(session, member_id, tier, today,
                                                            prog),
                             tuple(claims), prog.rewards, tuple(mall))


def record_sale(session: Session, *, sale_id: str, member_id: str | None, event_id: str,
                lines: list[Any], result: Any, tier: str | None, today: date, now: datetime,
                online: bool, prog: bd.Programme | None = None) -> dict[str, Any] | None:
    """Write this till's rows for the sale's benefit uses, count cards sold and mall
    redemptions; returns the sale event's ``benefits`` (protocol SaleBenefits) or None.

    ``lines`` are the basket lines (domain BasketLine) in order; line numbers are 1-based.
    """
    prog = prog or programme(session)
    cards = []
    if member_id is not None:
        for no, line in enumerate(lines, start=1):
            product = prog.card_for(line.sku)
            if product is None:
                continue
            for _ in range(int(line.qty)):
                cards.append((no, product))
    if not (result.benefits_used or result.mall_lines or cards):
        return None
    uses_out, cards_out, mall_out = [], [], []
    for use in result.benefits_used:
        use_id = str(uuid.uuid4())
        session.add(BenefitUse(id=use_id, member_id=member_id, benefit=use.benefit,
                               source=use.source, period_key=use.period_key, sale_id=sale_id,
                               line_no=use.line + 1, discount_fen=use.discount,
                               event_id=event_id, at=now, offline=0 if online else 1))
        uses_out.append({"use_id": use_id, "benefit": use.benefit, "source": use.source,
                         "line_no": use.line + 1, "discount_fen": use.discount,
                         "period_key": use.period_key,
                         "tier": tier if use.source == bd.QUOTA else None,
                         "offline": not online})
    for no, product in cards:
        card_id = str(uuid.uuid4())
        expires = product.expires_on(today)
        session.add(CountCardSold(id=card_id, member_id=member_id, sku=product.sku,
                                  benefit=product.benefit, uses_total=product.uses,
                                  expires_on=expires, sale_id=sale_id, line_no=no,
                                  event_id=event_id, at=now))
        cards_out.append({"card_id": card_id, "sku": product.sku, "benefit": product.benefit,
                          "line_no": no, "uses": product.uses,
                          "expires_on": expires.isoformat()})
    for ml in result.mall_lines:
        rid = str(uuid.uuid4())
        session.add(MallRedemption(id=rid, member_id=member_id, reward=ml.reward, qty=ml.qty,
                                   points=ml.points, sale_id=sale_id, line_no=ml.line + 1,
                                   event_id=event_id, at=now, returned_qty=0))
        mall_out.append({"redemption_id": rid, "reward": ml.reward, "line_no": ml.line + 1,
                         "qty": ml.qty, "points": ml.points})
    session.flush()
    return {"uses": uses_out, "cards": cards_out, "mall": mall_out}


def record_refund(session: Session, *, sale_id: str, refund_id: str, event_id: str,
                  refunded: dict[int, Any]) -> dict[str, Any] | None:
    """The benefit side of a refund of ``refunded`` (line number -> quantity refunded):

    - a refunded line that took benefit uses gives them back (as many as units refunded);
    - a refunded count card takes back its unused uses only (the used ones stay used);
    - a refunded mall line puts the reward back in stock (its points come back with the
      refund's points_returned, as any redeemed points).

    Returns the refund event's ``benefits`` (protocol RefundBenefits) or None.
    """
    back, cards_out, mall_out = [], [], []
    uses = list(session.scalars(select(BenefitUse).where(
        BenefitUse.sale_id == sale_id, BenefitUse.refund_id.is_(None))
        .order_by(BenefitUse.line_no, BenefitUse.id)))
    for no, qty in sorted(refunded.items()):
        units = int(qty)
        for use in [u for u in uses if u.line_no == no][:units]:
            use.refund_id, use.refund_event_id = refund_id, event_id
            back.append(use.id)
    cards = list(session.scalars(select(CountCardSold).where(
        CountCardSold.sale_id == sale_id, CountCardSold.refund_id.is_(None))
        .order_by(CountCardSold.line_no, CountCardSold.id)))
    for no, qty in sorted(refunded.items()):
        for card in [c for c in cards if c.line_no == no][:int(qty)]:
            left = card_uses_left(session, card)
            card.refund_id, card.uses_removed = refund_id, bd.card_refund(card.uses_total, left)
            cards_out.append({"card_id": card.id, "uses_removed": card.uses_removed})
    for red in session.scalars(select(MallRedemption).where(MallRedemption.sale_id == sale_id)):
        qty = refunded.get(red.line_no)
        if not qty:
            continue
        n = min(int(qty), red.qty - red.returned_qty)
        if n <= 0:
            continue
        red.returned_qty += n
        stock = session.get(MallStockCache, red.reward)
        if stock is not None and red.event_id not in set(session.scalars(
                _pending_events(session))):
            stock.stock += n  # the central figure took it off: put it back until the pull
        mall_out.append({"redemption_id": red.id, "qty": n})
    if not (back or cards_out or mall_out):
        return None
    session.flush()
    return {"uses_returned": back, "cards": cards_out, "mall": mall_out}


def card_uses_left(session: Session, card: CountCardSold) -> int:
    """A card's uses left as this till knows them (never below zero: a negative count is the
    central service's conflict)."""
    for b in member_balances(session, card.member_id, None, date.min):
        if b.source == card.id:
            return max(0, b.remaining or 0)
    cached = {c["id"]: c for c in _cache(session, card.member_id).get("cards", ())}
    if card.id in cached:
        return max(0, int(cached[card.id]["uses_left"]))
    return 0


def card_line_paid(session: Session, sale_id: str, line_no: int, paid: int) -> int:
    """What a sale line counts as paid when it is refunded: a count-card line is worth the
    paid amount in proportion to its cards' unused uses (3 of 10 used: 7/10 back, rounded
    down to the fen); any other line its paid amount. Applied while none of the line's cards
    was refunded yet (a card line refunded in parts is refunded per card: docs/quote.md)."""
    cards = list(session.scalars(select(CountCardSold).where(
        CountCardSold.sale_id == sale_id, CountCardSold.line_no == line_no)))
    if not cards or any(c.refund_id is not None for c in cards):
        return paid
    total = sum(c.uses_total for c in cards)
    left = sum(card_uses_left(session, c) for c in cards)
    return bd.card_refund_fen(paid, total, left)


def card_refund_cap(session: Session, sale_id: str, line_no: int, paid: int) -> int | None:
    """The most a refund of a count-card line may give back: the paid amount in proportion to
    the unused uses (docs/quote.md). None: the line is not a count card."""
    card = session.scalars(select(CountCardSold).where(
        CountCardSold.sale_id == sale_id, CountCardSold.line_no == line_no,
        CountCardSold.refund_id.is_(None))).first()
    if card is None:
        return None
    return bd.card_refund_fen(paid, card.uses_total, card_uses_left(session, card))


# -- the feed ---------------------------------------------------------------------------------

def apply_feed(session: Session, changes: list[Any], store_id: str | None,
               lean_members: list[dict[str, Any]] | None = None) -> None:
    """Keep the programme, this store's mall stock and the members' balances from a page
    (``lean_members``: the pull's live members as checked dicts, sync/lean.py)."""
    now = datetime.now().astimezone()
    if store_id is None:
        store_id = repo.get_setting(session, "store_id")  # the enrolled store (app.py)
    for c in changes:
        if c.entity == "benefit_rules" and not c.deleted and c.data is not None:
            current = programme(session)
            if c.data.version >= current.version:
                set_programme(session, {**c.data.programme, "version": c.data.version})
        elif c.entity == "mall_stock" and c.data is not None:
            if store_id and c.data.store_id != store_id:
                continue
            row = session.get(MallStockCache, c.data.reward)
            if row is None:
                session.add(MallStockCache(reward=c.data.reward, stock=c.data.stock,
                                           updated_at=now))
            else:
                row.stock, row.updated_at = c.data.stock, now
        elif c.entity == "member" and not c.deleted and c.data is not None \
                and c.data.benefits is not None:
            _cache_member(session, str(c.data.id), c.data.benefits.model_dump(mode="json"), now)
    for d in lean_members or ():
        raw = d.get("benefits")
        if raw is not None:
            data = _checked_member_benefits(raw)
            if data is None:
                continue  # a member entry the till cannot read keeps its last balances
            _cache_member(session, str(d["id"]), data, now)
    session.flush()


def _checked_member_benefits(raw: Any) -> dict[str, Any] | None:
    """A lean member's ``benefits`` (protocol MemberBenefitsData as a dict), checked field by
    field (the sync layer's lean reader keeps members as dicts), or None."""
    if not isinstance(raw, dict):
        return None
    used, cards = raw.get("quota_used", []), raw.get("cards", [])
    if not isinstance(used, list) or not isinstance(cards, list):
        return None
    try:
        out_used = [{"benefit": str(q["benefit"]), "period_key": str(q["period_key"]),
                     "used": int(q["used"])} for q in used]
        out_cards = [{"id": str(c["id"]), "sku": str(c.get("sku", "")),
                      "benefit": str(c["benefit"]), "uses_total": int(c["uses_total"]),
                      "uses_left": int(c["uses_left"]),
                      "expires_on": date.fromisoformat(str(c["expires_on"])).isoformat(),
                      "status": str(c.get("status", "active"))} for c in cards]
    except (KeyError, TypeError, ValueError):
        return None
    return {"quota_used": out_used, "cards": out_cards}


def _cache_member(session: Session, member_id: str, data: dict[str, Any], now: datetime) -> None:
    row = session.get(BenefitMemberCache, member_id)
    if row is None:
        session.add(BenefitMemberCache(member_id=member_id, data=data, updated_at=now))
    else:
        row.data, row.updated_at = data, now


def hints(session: Session, member_id: str, tier: str | None, today: date) -> tuple[dict, ...]:
    prog = programme(session)
    return bd.hints(prog, member_balances(session, member_id, tier, today, prog), today)


def offer_list(session: Session, available_points: int | None) -> list[dict]:
    """The mall's rewards for the screen, each with whether it can be offered now."""
    return md.offerable(programme(session).rewards, available_points, mall_stock(session))


def mall_points_on_rows(result: Any, line_rows: list[dict[str, Any]]) -> int:
    """Put each mall line's points on its sale line row (``points_redeemed``: the line is paid
    with them, and a refund of the line returns them); returns the mall's points."""
    for ml in result.mall_lines:
        line_rows[ml.line]["points_redeemed"] += ml.points
    return result.mall_points


def receipt_marks(session: Session, quote: dict[str, Any]) -> dict[int, tuple[int, str]]:
    """For the receipt, per sale line index: (what the benefits took off the line, the note
    printed under it or after its name), from the stored quote. A benefit use reads
    "权益 免费升杯 Free upsize"; a mall line "积分兑换 500分 Points mall"."""
    out: dict[int, tuple[int, str]] = {}
    if not isinstance(quote, dict) or not (quote.get("benefits_used") or quote.get("mall_lines")):
        return out
    prog = programme(session)
    for u in quote.get("benefits_used") or ():
        i, d = int(u["line"]), int(u["discount"])
        b = prog.benefit(u["benefit"]) if prog.has_benefit(u["benefit"]) else None
        name = f"{b.name} {b.name_en}".strip() if b else u["benefit"]
        got = out.get(i, (0, ""))
        out[i] = (got[0] + d, f"权益 {name}" if not got[1] else got[1])
    for ml in quote.get("mall_lines") or ():
        i = int(ml["line"])
        got = out.get(i, (0, ""))
        out[i] = (got[0], f"积分兑换 {int(ml['points'])}分 Points mall")
    return out


def with_member_hints(session: Session, result: Any, member_id: str | None, tier: str | None,
                      today: date, prog: bd.Programme | None = None) -> Any:
    """The quote with the member's benefit hints after its own (what is left after this
    basket: benefit_left, card_left, card_expiring); unchanged without a programme."""
    if member_id is None:
        return result
    prog = prog or programme(session)
    if not prog.benefits:
        return result
    from dataclasses import replace

    spent: dict[tuple[str, str], int] = {}
    for u in result.benefits_used:
        spent[(u.benefit, u.source)] = spent.get((u.benefit, u.source), 0) + 1
    left = tuple(replace(b, remaining=None if b.remaining is None
                         else b.remaining - spent.get((b.benefit, b.source), 0))
                 for b in member_balances(session, member_id, tier, today, prog))
    extra = bd.hints(prog, left, today)
    return replace(result, hints=tuple(result.hints) + extra) if extra else result
