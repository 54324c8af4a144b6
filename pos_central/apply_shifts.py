"""Applying a till's own records: shifts opened and closed, cash movements, and audit heads
held to the head acknowledged last."""

from __future__ import annotations

from pos_central import models as m
from pos_central.apply_context import ConflictKind, Context
from pos_member.sync import protocol as p


def _shift(ctx: Context, shift_id: str, store_id: str) -> m.Shift:
    ctx.session.flush()  # rows added by earlier events of the batch become visible to get()
    shift = ctx.session.get(m.Shift, shift_id)
    if shift is None:
        shift = m.Shift(id=shift_id, terminal_id=ctx.terminal_id, store_id=store_id)
        ctx.session.add(shift)
    return shift


def apply_shift_opened(ctx: Context, opened: p.ShiftOpenedPayload) -> None:
    shift = _shift(ctx, str(opened.shift_id), opened.store_id)
    shift.opened_at = opened.opened_at
    shift.opening_float_fen = opened.opening_float_fen


def apply_shift_closed(ctx: Context, closed: p.ShiftClosedPayload) -> None:
    shift = _shift(ctx, str(closed.shift_id), closed.store_id)
    shift.closed_at = closed.closed_at
    shift.closing = closed.model_dump(mode="json")


def apply_cash_movement(ctx: Context, move: p.CashMovementPayload) -> None:
    ctx.session.flush()
    if ctx.session.get(m.CashMovement, str(move.movement_id)) is None:
        ctx.session.add(m.CashMovement(
            id=str(move.movement_id), terminal_id=ctx.terminal_id, shift_id=str(move.shift_id),
            kind=move.kind.value, amount_fen=move.amount_fen, at=move.at, reason=move.reason,
        ))


def apply_audit_head(ctx: Context, head: p.AuditHeadPayload) -> None:
    """Record the head, and hold it to the head acknowledged last (``audit_acks``).

    A head must extend the acknowledged one: the same seq with the same hash (nothing new), or
    a higher seq whose ``prev_ack_seq``/``prev_ack_hash`` are the acknowledged seq and hash. A
    lower seq (the log lost entries after a sync), another hash at the same seq, a link to
    another seq or another hash at the acknowledged seq (entries re-hashed) is a conflict the
    service keeps, and flags the terminal (``breaks``, ``broken_at``). The pushed head then
    becomes the acknowledged one, so one break is one conflict, not one per sync. A head with
    no link (a till from before the link) is checked only for the first two.
    """
    s = ctx.session
    s.flush()
    ack = s.get(m.AuditAck, ctx.terminal_id, with_for_update=True)
    known = s.get(m.AuditHead, (ctx.terminal_id, head.seq))
    if known is None:
        s.add(m.AuditHead(terminal_id=ctx.terminal_id, seq=head.seq, hash=head.hash,
                          at=head.at))
    if ack is None:
        earlier = known.hash if known is not None else None
        broken = earlier is not None and earlier != head.hash
        if broken:
            _audit_mismatch(ctx, head, earlier)
        s.add(m.AuditAck(terminal_id=ctx.terminal_id, seq=head.seq, hash=head.hash,
                         event_id=ctx.event_id, acknowledged_at=ctx.now,
                         breaks=int(broken), broken_at=ctx.now if broken else None))
        return
    broken = _audit_break(ctx, ack, head)
    if broken:
        ack.breaks = (ack.breaks or 0) + 1
        ack.broken_at = ctx.now
    if broken or head.seq != ack.seq:
        ack.seq, ack.hash = head.seq, head.hash
        ack.event_id, ack.acknowledged_at = ctx.event_id, ctx.now


def _audit_mismatch(ctx: Context, head: p.AuditHeadPayload, earlier: str) -> None:
    ctx.conflict(ConflictKind.AUDIT_CHAIN_MISMATCH,
                 f"The audit chain's entry {head.seq} was reported before with another "
                 "hash: the till's audit log may have been altered or restored.",
                 earlier_hash=earlier, hash=head.hash, reason="same_seq", seq=head.seq)


def _audit_break(ctx: Context, ack: m.AuditAck, head: p.AuditHeadPayload) -> bool:
    """Record the conflict when ``head`` does not extend ``ack``; True if it did not."""
    if head.seq == ack.seq:
        if head.hash == ack.hash:
            return False
        _audit_mismatch(ctx, head, ack.hash)
        return True
    where = dict(seq=head.seq, hash=head.hash, acknowledged_seq=ack.seq,
                 acknowledged_hash=ack.hash)
    if head.seq < ack.seq:
        ctx.conflict(ConflictKind.AUDIT_CHAIN_BROKEN,
                     f"The till's audit log ends at entry {head.seq}, but the service had "
                     f"acknowledged it up to entry {ack.seq}: entries were deleted, or the "
                     "database was restored from an older copy.", reason="shorter", **where)
        return True
    if head.prev_ack_seq is None:
        return False  # a till from before the link: only the length can be checked
    if head.prev_ack_seq != ack.seq:
        ctx.conflict(ConflictKind.AUDIT_CHAIN_BROKEN,
                     f"The till's audit head {head.seq} extends entry {head.prev_ack_seq}, but "
                     f"the service acknowledged entry {ack.seq} last: the till's record of the "
                     "chain was altered or restored.", reason="unlinked",
                     prev_ack_seq=head.prev_ack_seq, reported_hash=head.prev_ack_hash, **where)
        return True
    if head.prev_ack_hash != ack.hash:
        ctx.conflict(ConflictKind.AUDIT_CHAIN_BROKEN,
                     f"The till's audit log now holds another entry {ack.seq} than the one the "
                     "service acknowledged: entries up to it were changed and the chain "
                     "re-hashed.", reason="rewritten", prev_ack_seq=head.prev_ack_seq,
                     reported_hash=head.prev_ack_hash, **where)
        return True
    return False
