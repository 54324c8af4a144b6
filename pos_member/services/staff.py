"""Staff log-in with PINs (lockout kept in the database), manager approvals, the audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_member.security import audit as audit_chain
from pos_member.security.pins import LockoutState, PinOutcome, check_pin
from pos_member.security.roles import Action, ApprovalDenied, ApprovalRequired, Role, authorize
from pos_member.store import checkout_reads
from pos_member.store.db import transaction
from pos_member.store.fastwrite import insert_rows
from pos_member.store.models import AuditLogEntry, Staff

from .context import TillContext
from .errors import ApprovalNeeded, AuthFailed, InvalidInput, NotFound, ServiceError


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    role: Role


def _entry_from_row(row: AuditLogEntry) -> audit_chain.AuditEntry:
    return audit_chain.AuditEntry(
        seq=row.seq, at=audit_chain.format_timestamp(row.at), actor=row.actor,
        approver=row.approver, action=row.action, details=json.loads(row.details),
        prev_hash=row.prev_hash, hash=row.hash)


_READ_HEAD: Any = object()


def append_audit(session: Session, *, actor: str, action: str, at: datetime,
                 details: dict | None = None, approver: str | None = None,
                 head: Any = _READ_HEAD) -> audit_chain.AuditEntry:
    """Add the next link of the hash chain in the caller's transaction.

    ``head``: the log's last entry (``store.checkout_reads.AuditRow``, None for an empty log)
    when the caller read it in this write transaction and appended nothing since; by default
    it is read here.
    """
    last = checkout_reads.audit_head(session) if head is _READ_HEAD else head
    # The new link needs the last entry's seq and hash only (its other fields are not in the
    # new entry's hash; verify_chain and `db check` judge them), so the last entry is not
    # rebuilt and re-serialised here; its seq and hash are checked by next_entry.
    if last is None:
        prev_seq, prev_hash = 0, audit_chain.GENESIS_HASH
    elif type(last.seq) is not int or last.seq < 1:
        raise audit_chain.AuditFormatError("seq must be an integer >= 1")
    else:
        prev_seq, prev_hash = last.seq, last.hash
    entry, details_text = audit_chain.next_entry(prev_seq, prev_hash, actor=actor,
                                                 action=action, at=at, details=details or {},
                                                 approver=approver)
    insert_rows(session, AuditLogEntry, [dict(
        seq=entry.seq, at=datetime.fromisoformat(entry.at.replace("Z", "+00:00")),
        actor=entry.actor, approver=entry.approver, action=entry.action,
        details=details_text, prev_hash=entry.prev_hash, hash=entry.hash)])
    return entry


def load_audit_chain(session: Session) -> list[audit_chain.AuditEntry]:
    rows = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
    return [_entry_from_row(r) for r in rows]


def audit_head(session: Session) -> tuple[int, str]:
    last = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last is not None else (0, audit_chain.GENESIS_HASH)


def _staff_by_login(session: Session, login: str) -> Staff:
    staff = session.scalars(select(Staff).where(Staff.login_code == login,
                                                Staff.active.is_(True))).first()
    if staff is None:
        staff = session.get(Staff, login)
        if staff is None or not staff.active:
            raise NotFound("no active staff member with that code")
    return staff


def _check(session: Session, staff: Staff, pin: str, now: datetime) -> None:
    state = LockoutState(staff.failed_count, staff.locked_until, staff.lockout_count)
    result, new_state = check_pin(state, pin, now, pin_hash=staff.pin_hash)
    staff.failed_count = new_state.failed_count
    staff.locked_until = new_state.locked_until
    staff.lockout_count = new_state.lockout_count
    if result.outcome is PinOutcome.LOCKED:
        raise AuthFailed(f"{staff.name} is locked out until "
                         f"{result.locked_until:%H:%M} UTC after repeated wrong PINs",
                         code="locked", locked_until=result.locked_until,
                         retry_after_s=max(0, int((result.locked_until - now).total_seconds())))
    if result.outcome is PinOutcome.WRONG_PIN:
        left = result.attempts_left
        raise AuthFailed(f"wrong PIN ({left} attempts left before lock-out)"
                         if left is not None else "wrong PIN", code="wrong_pin", attempts_left=left)


def login(ctx: TillContext, login_code: str, pin: str) -> StaffMember:
    """Check a PIN; the failure counter and lock-out are saved whatever the outcome."""
    now = ctx.now()
    error: AuthFailed | None = None
    with transaction(ctx.sessions) as session:
        staff = _staff_by_login(session, login_code)
        try:
            _check(session, staff, pin, now)
        except AuthFailed as exc:
            error = exc
            append_audit(session, actor=staff.id, action="login_failed", at=now,
                         details={"reason": exc.code})
        else:
            append_audit(session, actor=staff.id, action="login", at=now)
        member = StaffMember(staff.id, staff.name, Role(staff.role))
    if error is not None:
        raise error
    return member


@dataclass(frozen=True)
class Approval:
    """A manager's PIN, given at the till for one protected action."""

    login_code: str
    pin: str


def authorize_action(ctx: TillContext, actor: StaffMember, action: Action,
                     approval: Approval | None) -> str | None:
    """Authorise ``action`` for ``actor``; returns the approving manager's id, or None.

    Runs before the use case's own transaction and in one of its own, so a wrong manager PIN
    counts towards that manager's lock-out even though the action is then refused.
    Raises :class:`ApprovalNeeded`.
    """
    now = ctx.now()
    approver_id: str | None = None
    approver_role: Role | None = None
    error: ApprovalNeeded | None = None
    if approval is not None:
        with transaction(ctx.sessions) as session:
            try:
                approver = _staff_by_login(session, approval.login_code)
            except NotFound:
                raise ApprovalNeeded("approval refused: unknown staff code",
                                     code="unknown_staff") from None
            try:
                _check(session, approver, approval.pin, now)
            except AuthFailed as exc:
                error = ApprovalNeeded(f"approval refused: {exc.message}", code=exc.code,
                                       **exc.details)  # attempts left, lock-out length
                append_audit(session, actor=actor.id, action="approval_failed", at=now,
                             details={"action": action.value, "approver": approver.id})
            approver_id, approver_role = approver.id, Role(approver.role)
    if error is not None:
        raise error
    try:
        authorize(actor.role, action, approver_role)
    except ApprovalRequired:
        raise ApprovalNeeded(f"{action.value.replace('_', ' ')} needs a manager's approval",
                             action=action.value) from None
    except ApprovalDenied:
        raise ApprovalNeeded("the approver is not a manager", code="not_a_manager") from None
    if approver_id is None and actor.role is Role.MANAGER:
        return actor.id
    return approver_id


def add_staff(ctx: TillContext, login_code: str, name: str, role: str, pin: str,
              actor: StaffMember | None = None) -> StaffMember:
    """Create a staff member (the first manager of a till set up from the central service,
    or a new cashier). The PIN must pass the PIN policy; only its argon2id hash is kept."""
    from pos_member.security.pins import PinPolicyError, hash_pin

    code = (login_code or "").strip()
    if not code or len(code) > 16 or not code.isalnum():
        raise InvalidInput("the staff code is 1 to 16 letters or digits", code="bad_code")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput("enter the staff member's name (at most 100 characters)",
                           code="bad_name")
    try:
        staff_role = Role(role)
    except ValueError:
        raise InvalidInput("the role is cashier or manager", code="bad_role") from None
    try:
        pin_hash = hash_pin(pin)
    except PinPolicyError as exc:
        raise InvalidInput(str(exc), code="weak_pin") from None
    now = ctx.now()
    with transaction(ctx.sessions) as session:
        taken = session.scalars(select(Staff).where(Staff.login_code == code)).first()
        if taken is not None or session.get(Staff, code) is not None:
            raise ServiceError("that staff code is taken", code="code_taken")
        session.add(Staff(id=code, login_code=code, name=name, role=staff_role.value,
                          pin_hash=pin_hash, failed_count=0, lockout_count=0, active=True))
        append_audit(session, actor=actor.id if actor else "setup", action="staff_added",
                     at=now, details={"staff_id": code, "role": staff_role.value})
    return StaffMember(code, name, staff_role)
