"""Applying pushed registrations and member updates. A phone that reached the service first
keeps its member; the newcomer is recorded as merged into it."""

from __future__ import annotations

from typing import Any

from pos_central import loyalty
from pos_central import models as m
from pos_central.apply_context import ConflictKind, Context
from pos_central.changes import record_change
from pos_central.views import member_balance
from pos_member.sync import protocol as p


def apply_member_registered(ctx: Context, reg: p.MemberRegisteredPayload) -> None:
    s = ctx.session
    member_id = str(reg.member_id)
    if member_id in ctx.members:  # registered before (by another event): nothing new
        account, _ = ctx.account(member_id)
        ctx.outcome.member = member_balance(account.member) if account else None
        return
    survivor = ctx.by_phone.get(reg.phone)
    if survivor is not None:
        _merge_new_into(ctx, reg, survivor)
        return
    card_no = reg.card_no
    if card_no is not None and loyalty.card_taken(s, card_no):
        new_card = loyalty.new_card_no(s)
        ctx.conflict(ConflictKind.CARD_NO_TAKEN,
                     f"Card number {card_no} belongs to another member; the new member was "
                     f"given card number {new_card}.", member_id=member_id)
        card_no = new_card
    member = ctx.add_member({
        "id": member_id, "phone": reg.phone, "card_no": card_no or loyalty.new_card_no(s),
        "name": reg.name, "birthday": reg.birthday, "tier": ctx.rules.tiers[0].code, "growth": 0,
        "points": 0, "marketing_consent": reg.marketing_consent, "registered_at": reg.registered_at,
        "origin_terminal_id": ctx.terminal_id, "version": 0,
    })
    loyalty.touch(s, member)
    ctx.outcome.member = member_balance(member)


def apply_member_updated(ctx: Context, upd: p.MemberUpdatedPayload) -> None:
    """Name, birthday and consent as corrected at a till (merges followed to the survivor);
    the change goes out in the feed to every till."""
    account, _ = ctx.account(upd.member_id)
    if account is None:
        ctx.conflict(ConflictKind.UNKNOWN_MEMBER,
                     f"Member {upd.member_id} is not known to the service; the update was not "
                     "applied.", member_id=upd.member_id)
        return
    member = account.member
    member.name, member.birthday = upd.name, upd.birthday
    member.marketing_consent = upd.marketing_consent
    loyalty.touch(ctx.session, member)
    ctx.outcome.member = member_balance(member)


def _merge_new_into(ctx: Context, reg: p.MemberRegisteredPayload, survivor: Any) -> None:
    """The phone belongs to a member who reached the service first: keep that one and record
    the newcomer as merged into it (its id and card keep resolving to the survivor)."""
    s = ctx.session
    member_id = str(reg.member_id)
    card_no = reg.card_no if reg.card_no and not loyalty.card_taken(s, reg.card_no) else None
    ctx.add_member({
        "id": member_id, "phone": None, "card_no": card_no, "name": reg.name, "birthday": reg.birthday,
        "tier": survivor.tier, "growth": 0, "points": 0, "marketing_consent": reg.marketing_consent,
        "registered_at": reg.registered_at, "merged_into": survivor.id,
        "origin_terminal_id": ctx.terminal_id, "version": 1,
    })
    ctx.insert(m.MemberMergeRow, member_id=member_id, merged_into=survivor.id, phone=reg.phone,
               event_id=ctx.event_id, terminal_id=ctx.terminal_id, created_at=ctx.now)
    # Fill what the survivor lacks; consent given at either counter counts.
    survivor.name = survivor.name or reg.name
    survivor.birthday = survivor.birthday or reg.birthday
    survivor.marketing_consent = survivor.marketing_consent or reg.marketing_consent
    record_change(s, "member", member_id, deleted=True)
    loyalty.touch(s, survivor)
    ctx.outcome.merges.append(p.MemberMerge(member_id=member_id, merged_into=survivor.id,
                                            phone=reg.phone))
    ctx.outcome.member = member_balance(survivor)
