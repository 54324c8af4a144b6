"""Stored value (储值) on the service: recharges, refunds of recharges, balance spent and
returned by sales and refunds.

The balance is the sum of ``stored_value_ledger`` (one row per movement, keyed by the UUID the
till made for it: a row already there is never applied again). What a till sends is checked
against what the service knows, and whatever disagrees is a conflict recorded on both sides
(the answer carries it) with the till's figures applied as sent, never clamped:

- a recharge whose bonus (or rule) is not what the brand's rules give for its amount;
- a spend beyond the principal or bonus the service holds (two tills spent the same balance
  offline): the part goes negative, ``stored_value_overdrawn``;
- a refund to the balance beyond what its sale spent, part by part;
- a recharge refund of a recharge the service does not know, refunded before, of another
  member, or with figures other than the service computes from its own ledger.
- a recharge refund pushed again (same refund id, new entry or event): not applied twice.

Tier upgrades of a recharge rule lift the member's growth to the tier's threshold (a growth
``adjust`` row in the points ledger), so the next sale's tier computation keeps the tier.
Gift coupons are issued from the rule's template coupon, bound to the member.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from pos_central import loyalty
from pos_central import models as m
from pos_central.changes import record_change
from pos_central.stored_value_tables import StoredValueEntry, StoredValueRecharge
from pos_member.domain import stored_value as sv
from pos_member.sync import protocol as p

ConflictKind = p.ConflictKind


def balances(session: Any, member_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(principal, bonus) per member: the sums of their ledger rows."""
    out: dict[str, tuple[int, int]] = {}
    t = StoredValueEntry.__table__
    for i in range(0, len(member_ids), 2000):
        chunk = member_ids[i:i + 2000]
        for member_id, principal, bonus in session.execute(
                select(t.c.member_id, func.sum(t.c.principal_fen), func.sum(t.c.bonus_fen))
                .where(t.c.member_id.in_(chunk)).group_by(t.c.member_id)).all():
            out[member_id] = (int(principal or 0), int(bonus or 0))
    return out


def balance(session: Any, member_id: str) -> sv.Balance:
    session.flush()
    principal, bonus = balances(session, [member_id]).get(member_id, (0, 0))
    return sv.Balance(principal, bonus)


def add_to_feed(session: Any, members: dict[str, dict[str, Any]]) -> None:
    """Put the balances into the feed's member dicts (wire MemberData)."""
    found = balances(session, list(members))
    for member_id, d in members.items():
        principal, bonus = found.get(member_id, (0, 0))
        d["stored_principal_fen"], d["stored_bonus_fen"] = principal, bonus


def with_balance(session: Any, data: p.MemberData) -> p.MemberData:
    b = balance(session, str(data.id))
    return data.model_copy(update={"stored_principal_fen": b.principal,
                                   "stored_bonus_fen": b.bonus})


# -- applying events ----------------------------------------------------------------------------


def _member(ctx: Any, member_id: Any) -> m.Member | None:
    account, _ = ctx.account(member_id)
    return None if account is None else account.member


def _entry_taken(ctx: Any, entry_id: str, what: str, **ids: Any) -> bool:
    """True when the ledger row exists already (the movement is not applied again); a row
    of another movement under the same id is a conflict."""
    ctx.session.flush()
    row = ctx.session.get(StoredValueEntry, entry_id)
    if row is None:
        return False
    same = all(getattr(row, k) == (None if v is None else str(v)) for k, v in ids.items())
    if not same:
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"{what}: stored-value entry {entry_id} was already used by another "
                     "movement; not applied twice.", member_id=row.member_id,
                     reason="entry_reused", entry_id=entry_id)
    return True


def _move(ctx: Any, member_id: str, kind: str, entry_id: str, movement: sv.Movement,
          at: Any, **ids: Any) -> tuple[sv.Balance, sv.Balance]:
    before = balance(ctx.session, member_id)
    ctx.session.add(StoredValueEntry(
        id=entry_id, member_id=member_id, kind=kind, principal_fen=movement.principal,
        bonus_fen=movement.bonus, event_id=ctx.event_id, terminal_id=ctx.terminal_id, at=at,
        **{k: (None if v is None else str(v)) for k, v in ids.items()}))
    after = before.plus(movement)
    return before, after


def _answer(ctx: Any, member: m.Member | None, after: sv.Balance) -> None:
    if member is None:
        return
    loyalty.touch(ctx.session, member)
    base = ctx.outcome.member or p.MemberBalance(member_id=member.id, points=member.points,
                                                 growth=member.growth, tier=member.tier)
    ctx.outcome.member = base.model_copy(update={"stored_principal_fen": after.principal,
                                                 "stored_bonus_fen": after.bonus})


def _overdrawn(ctx: Any, what: str, member_id: str, before: sv.Balance, after: sv.Balance,
               asked: int, sale_id: Any = None) -> None:
    if after.principal >= 0 and after.bonus >= 0:
        return
    other = ctx.session.execute(
        select(StoredValueEntry.terminal_id, StoredValueEntry.sale_id)
        .where(StoredValueEntry.member_id == member_id, StoredValueEntry.kind == "spend",
               StoredValueEntry.terminal_id != ctx.terminal_id)
        .order_by(StoredValueEntry.at.desc()).limit(1)).first()
    ctx.conflict(
        ConflictKind.STORED_VALUE_OVERDRAWN,
        f"{what} took ¥{sv.format_fen(asked)} of stored value but the member had "
        f"¥{sv.format_fen(before.total)} (principal ¥{sv.format_fen(before.principal)}, bonus "
        f"¥{sv.format_fen(before.bonus)}); the balance is now ¥{sv.format_fen(after.total)}.",
        member_id=member_id, sale_id=sale_id, points_requested=None,
        points_available=before.total, balance_after=after.total,
        other_terminal_id=other[0] if other else None,
        other_sale_id=other[1] if other else None,
        principal_before=before.principal, bonus_before=before.bonus,
        principal_after=after.principal, bonus_after=after.bonus, requested_fen=asked)


def on_sale(ctx: Any, sale: p.SalePayload) -> None:
    use = sale.stored_value
    if use is None or sale.member_id is None:
        return
    sale_id = str(sale.sale_id)
    if _entry_taken(ctx, str(use.entry_id), f"Sale {sale.receipt_no}", sale_id=sale_id):
        return
    member = _member(ctx, sale.member_id)
    member_id = member.id if member else str(sale.member_id)
    movement = sv.Movement(-use.principal_fen, -use.bonus_fen)
    before, after = _move(ctx, member_id, "spend", str(use.entry_id), movement, sale.sold_at,
                          sale_id=sale_id)
    _overdrawn(ctx, f"Sale {sale.receipt_no}", member_id, before, after, -movement.total,
               sale_id)
    _answer(ctx, member, after)


def on_refund(ctx: Any, refund: p.RefundPayload) -> None:
    use = refund.stored_value
    if use is None or refund.member_id is None:
        return
    sale_id, refund_id = str(refund.sale_id), str(refund.refund_id)
    if _entry_taken(ctx, str(use.entry_id), f"Refund {refund.receipt_no}", sale_id=sale_id,
                    refund_id=refund_id):
        return
    member = _member(ctx, refund.member_id)
    member_id = member.id if member else str(refund.member_id)
    t = StoredValueEntry
    payer = ctx.session.execute(select(t.member_id).where(t.sale_id == sale_id,
                                                          t.kind == "spend").limit(1)).scalar()
    if payer is not None:
        owner = _member(ctx, payer)
        payer = owner.id if owner else payer
        if payer != member_id:  # the balance goes back to whoever paid with it
            ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                         f"Refund {refund.receipt_no} put stored value back to member "
                         f"{member_id}, but its sale was paid from member {payer}'s balance; "
                         f"credited to {payer}.", member_id=member_id, sale_id=sale_id,
                         reason="other_member", sale_member_id=payer)
            member, member_id = owner, payer
    rows = ctx.session.execute(select(t.kind, func.sum(t.principal_fen), func.sum(t.bonus_fen))
                               .where(t.sale_id == sale_id).group_by(t.kind)).all()
    sums = {kind: (int(a or 0), int(b or 0)) for kind, a, b in rows}
    spent = sums.get("spend", (0, 0))
    back = sums.get("spend_refund", (0, 0))
    left_p, left_b = -spent[0] - back[0], -spent[1] - back[1]
    if use.principal_fen > left_p or use.bonus_fen > left_b:
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"Refund {refund.receipt_no} put back principal "
                     f"¥{sv.format_fen(use.principal_fen)} and bonus "
                     f"¥{sv.format_fen(use.bonus_fen)}, but its sale has principal "
                     f"¥{sv.format_fen(max(left_p, 0))} and bonus "
                     f"¥{sv.format_fen(max(left_b, 0))} of balance payment left; applied as "
                     "sent.", member_id=member_id, sale_id=sale_id,
                     reason="refund_exceeds_spend", principal_left=left_p, bonus_left=left_b,
                     principal_sent=use.principal_fen, bonus_sent=use.bonus_fen)
    _, after = _move(ctx, member_id, "spend_refund", str(use.entry_id),
                     sv.Movement(use.principal_fen, use.bonus_fen), refund.refunded_at,
                     sale_id=sale_id, refund_id=refund_id)
    _answer(ctx, member, after)


def apply_recharge(ctx: Any, pl: p.RechargePayload) -> None:
    recharge_id = str(pl.recharge_id)
    ctx.session.flush()
    if ctx.session.get(StoredValueRecharge, recharge_id) is not None or _entry_taken(
            ctx, str(pl.entry_id), f"Recharge {pl.receipt_no}", recharge_id=recharge_id):
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"Recharge {pl.receipt_no} reached the service before in another event; "
                     "it was not applied twice.", member_id=pl.member_id,
                     reason="duplicate_recharge", recharge_id=recharge_id)
        return
    member = _member(ctx, pl.member_id)
    if member is None:
        ctx.conflict(ConflictKind.UNKNOWN_MEMBER,
                     f"Recharge {pl.receipt_no}: member {pl.member_id} is not known to the "
                     "service; the recharge is recorded under that id.",
                     member_id=pl.member_id)
    member_id = member.id if member else str(pl.member_id)
    rules = ctx.rules.stored_value
    try:
        grant: sv.Grant | None = sv.recharge(pl.amount_fen, rules)
    except sv.StoredValueError as exc:
        grant = None
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"Recharge {pl.receipt_no}: {exc}; applied as sent.", member_id=member_id,
                     reason=exc.code, recharge_id=recharge_id)
    rule = grant.rule if grant else None
    if grant is not None and (pl.bonus_fen != grant.bonus
                              or (pl.rule_id or None) != (rule.id if rule else None)):
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"Recharge {pl.receipt_no} of ¥{sv.format_fen(pl.amount_fen)} gave a bonus "
                     f"of ¥{sv.format_fen(pl.bonus_fen)} (rule {pl.rule_id or 'none'}); the "
                     f"brand's rules give ¥{sv.format_fen(grant.bonus)} (rule "
                     f"{rule.id if rule else 'none'}). Applied as sent.", member_id=member_id,
                     reason="bonus_not_per_rule", recharge_id=recharge_id,
                     bonus_sent=pl.bonus_fen, bonus_expected=grant.bonus,
                     rule_sent=pl.rule_id, rule_expected=rule.id if rule else None)
    _, after = _move(ctx, member_id, "recharge", str(pl.entry_id),
                     sv.Movement(pl.amount_fen, pl.bonus_fen), pl.recharged_at,
                     recharge_id=recharge_id)
    coupon = _gift_coupon(ctx, rule, member, recharge_id) if member else None
    tier = _upgrade(ctx, rule, member, pl.recharged_at) if member else None
    ctx.session.add(StoredValueRecharge(
        id=recharge_id, member_id=member_id, terminal_id=ctx.terminal_id, store_id=pl.store_id,
        event_id=ctx.event_id, receipt_no=pl.receipt_no, amount_fen=pl.amount_fen,
        bonus_fen=pl.bonus_fen, rule_id=pl.rule_id, gift_coupon=coupon, tier_to=tier,
        tenders=[x.model_dump(mode="json") for x in pl.payments], recharged_at=pl.recharged_at,
        local_date=pl.local_time.date(), refund_tenders=[]))
    _answer(ctx, member, after)


def _gift_coupon(ctx: Any, rule: sv.RechargeRule | None, member: m.Member,
                 recharge_id: str) -> str | None:
    """Issue the rule's gift: a copy of its template coupon bound to the member."""
    if rule is None or not rule.coupon:
        return None
    template = ctx.coupon(rule.coupon)
    if template is None:
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"Recharge rule {rule.id} names gift coupon {rule.coupon}, which the service "
                     "does not have; no coupon was issued.", member_id=member.id,
                     reason="gift_coupon_unknown", recharge_id=recharge_id)
        return None
    code = f"{rule.coupon}-{recharge_id[:8].upper()}"[:64]
    if ctx.coupon(code) is None:
        copy = {c.key: getattr(template, c.key) for c in m.Coupon.__table__.columns}
        copy.update(code=code, member_id=member.id, status=p.CouponStatus.AVAILABLE.value,
                    used_by_sale_id=None, used_by_terminal_id=None, used_at=None)
        ctx.add_coupon(copy)
        record_change(ctx.session, "coupon", code)
    return code


def _upgrade(ctx: Any, rule: sv.RechargeRule | None, member: m.Member, at: Any) -> str | None:
    """Lift the member to the rule's tier (never down): growth up to the tier's threshold."""
    if rule is None or not rule.tier or not ctx.rules.has_tier(rule.tier):
        return None
    tier = ctx.rules.tier(rule.tier)
    if member.growth >= tier.min_growth:
        return None
    delta = tier.min_growth - member.growth
    member.growth = tier.min_growth
    member.tier = tier.code
    ctx.insert(m.PointsLedger, member_id=member.id, event_id=ctx.event_id, kind="adjust",
               points=0, growth=delta, balance_after=member.points, at=at)
    if ctx.outcome.member is not None:
        ctx.outcome.member = ctx.outcome.member.model_copy(
            update={"growth": member.growth, "tier": member.tier})
    return tier.code


def apply_recharge_refund(ctx: Any, pl: p.RechargeRefundPayload) -> None:
    recharge_id, refund_id = str(pl.recharge_id), str(pl.refund_id)
    what = f"Recharge refund {pl.receipt_no}"
    if _entry_taken(ctx, str(pl.entry_id), what, recharge_id=recharge_id, refund_id=refund_id):
        return
    recharge = ctx.session.get(StoredValueRecharge, recharge_id)
    if (recharge is not None and recharge.refund_id == refund_id) or ctx.session.execute(
            select(StoredValueEntry.id).where(StoredValueEntry.kind == "recharge_refund",
                                              StoredValueEntry.refund_id == refund_id)
            .limit(1)).first() is not None:
        # the same refund under a new entry (and event): the cash left the drawer once
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH,
                     f"{what} reached the service before in another event; it was not "
                     "applied twice.", member_id=pl.member_id,
                     reason="duplicate_recharge_refund", recharge_id=recharge_id,
                     refund_id=refund_id)
        return
    member = _member(ctx, pl.member_id)
    member_id = member.id if member else str(pl.member_id)
    before = balance(ctx.session, member_id)

    def mismatch(reason: str, message: str, **detail: Any) -> None:
        ctx.conflict(ConflictKind.STORED_VALUE_MISMATCH, f"{what}: {message}; applied as sent.",
                     member_id=member_id, reason=reason, recharge_id=recharge_id, **detail)

    if recharge is None:
        mismatch("unknown_recharge", "the service has not received that recharge")
    elif recharge.refund_id is not None and recharge.refund_id != refund_id:
        mismatch("already_refunded", f"the recharge was refunded before ({recharge.refund_id})",
                 other_terminal_id=recharge.refund_terminal_id)
    else:
        survivor = _member(ctx, recharge.member_id)
        if (survivor.id if survivor else recharge.member_id) != member_id:
            mismatch("other_member", "the recharge belongs to another member")
        try:
            want = sv.refund_of_recharge(recharge.amount_fen, recharge.bonus_fen, before)
        except sv.StoredValueError as exc:
            mismatch(exc.code, str(exc))
        else:
            sent = (pl.principal_fen, pl.bonus_fen, pl.cash_back_fen)
            expected = (-want.movement.principal, -want.movement.bonus, want.cash_back)
            if sent != expected:
                mismatch("figures_differ",
                         f"sent principal/bonus/cash back {sent}, the service's ledger gives "
                         f"{expected}", sent=list(sent), expected=list(expected))
        recharge.refund_id = refund_id
        recharge.refunded_at = pl.refunded_at
        recharge.refund_terminal_id = ctx.terminal_id
        recharge.refund_cash_fen = pl.cash_back_fen
        recharge.refund_principal_fen = pl.principal_fen
        recharge.refund_bonus_fen = pl.bonus_fen
        recharge.refund_tenders = [x.model_dump(mode="json") for x in pl.payments]
        _take_back_gifts(ctx, recharge, what, pl.refunded_at, mismatch)
    movement = sv.Movement(-pl.principal_fen, -pl.bonus_fen)
    _, after = _move(ctx, member_id, "recharge_refund", str(pl.entry_id), movement,
                     pl.refunded_at, recharge_id=recharge_id, refund_id=refund_id)
    _overdrawn(ctx, what, member_id, before, after, -movement.total)
    _answer(ctx, member, after)


def _take_back_gifts(ctx: Any, recharge: StoredValueRecharge, what: str, at: Any,
                     mismatch: Callable[..., None]) -> None:
    """A refunded recharge gives back what its rule gave: the gift coupon is voided (if it was
    used already, a ``gift_coupon_used`` conflict says so) and the growth lifted by its tier
    upgrade is taken back (an ``adjust`` row), the tier following the growth left."""
    code = recharge.gift_coupon
    coupon = ctx.coupon(code) if code else None
    if coupon is not None and coupon.status == p.CouponStatus.AVAILABLE.value:
        coupon.status = p.CouponStatus.VOID.value
        record_change(ctx.session, "coupon", code)
    elif coupon is not None and coupon.status == p.CouponStatus.USED.value:
        mismatch("gift_coupon_used", f"the recharge's gift coupon {code} was used already "
                 f"(sale {coupon.used_by_sale_id}); it is not taken back",
                 coupon_code=code, other_sale_id=coupon.used_by_sale_id)
    if not recharge.tier_to:
        return
    member = _member(ctx, recharge.member_id)
    lifted = ctx.session.execute(
        select(func.sum(m.PointsLedger.growth))
        .where(m.PointsLedger.event_id == recharge.event_id,
               m.PointsLedger.kind == "adjust")).scalar()
    if member is None or not lifted:
        return
    member.growth -= int(lifted)
    member.tier = ctx.rules.tier_for_growth(max(0, member.growth)).code
    ctx.insert(m.PointsLedger, member_id=member.id, event_id=ctx.event_id, kind="adjust",
               points=0, growth=-int(lifted), balance_after=member.points, at=at)
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = (ctx.outcome.member or p.MemberBalance(
        member_id=member.id, points=member.points, growth=member.growth, tier=member.tier)
    ).model_copy(update={"growth": member.growth, "tier": member.tier})


def then(applier: Callable[[Any, Any], None],
         hook: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """``applier`` followed by ``hook`` (the stored-value part of a sale or a refund)."""
    def applied(ctx: Any, payload: Any) -> None:
        applier(ctx, payload)
        hook(ctx, payload)
    applied.__name__ = applier.__name__
    applied.__doc__ = applier.__doc__
    return applied
