"""Console staff, their passwords (argon2id) and browser sessions (cookie + CSRF token).

- A session is a random token in an HttpOnly, SameSite=Strict cookie; the database keeps its
  SHA-256 only. It ends after ``IDLE_TIMEOUT`` without a request or ``MAX_AGE`` after sign-in,
  whichever comes first, and at sign-out.
- Every state-changing request carries the session's CSRF token (a hidden form field, or the
  ``X-CSRF-Token`` header htmx sends); a missing or wrong token is refused with 403.
- Five wrong passwords in a row lock the account for ``LOCKOUT``.
- Roles: ``admin`` (everything, staff accounts too), ``operator`` (programme, coupons,
  members, stores), ``read_only`` (sees everything, changes nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pos_central.console.tables import ROLES, ConsoleSession, ConsoleStaff
from pos_central.db import utcnow

COOKIE = "pos_console"
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
MAX_FAILED = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10

_HASHER = PasswordHasher(type=Type.ID)  # argon2id, the library's RFC 9106 low-memory profile
_DUMMY = _HASHER.hash("not a password of anyone")  # equal work for unknown usernames

CAN_CHANGE = {"admin", "operator"}


class ConsoleAuthError(ValueError):
    """Sign-in refused, or an account that cannot be made; the message says why."""


@dataclass(frozen=True)
class Staff:
    """The signed-in user of one request."""

    id: int
    username: str
    display_name: str
    role: str
    csrf_token: str

    @property
    def can_change(self) -> bool:
        return self.role in CAN_CHANGE

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def create_staff(session: Session, username: str, password: str, role: str,
                 display_name: str = "") -> ConsoleStaff:
    username = username.strip().lower()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise ConsoleAuthError("username: letters, digits, '.', '_' or '-', at most 64")
    if role not in ROLES:
        raise ConsoleAuthError(f"role: one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ConsoleAuthError(f"password: at least {MIN_PASSWORD} characters")
    if session.execute(select(ConsoleStaff.id).where(ConsoleStaff.username == username)).first():
        raise ConsoleAuthError(f"username: {username} exists already")
    row = ConsoleStaff(username=username, display_name=display_name or username, role=role,
                       password_hash=hash_password(password), active=True, created_at=utcnow(),
                       failed_logins=0)
    session.add(row)
    session.flush()
    return row


def set_password(session: Session, staff: ConsoleStaff, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConsoleAuthError(f"password: at least {MIN_PASSWORD} characters")
    staff.password_hash = hash_password(password)
    staff.failed_logins = 0
    staff.locked_until = None
    session.execute(delete(ConsoleSession).where(ConsoleSession.staff_id == staff.id))


def sign_in(session: Session, username: str, password: str) -> tuple[str, ConsoleStaff]:
    """A new session token for the right password; ConsoleAuthError otherwise."""
    now = utcnow()
    staff = session.execute(select(ConsoleStaff).where(
        ConsoleStaff.username == username.strip().lower())).scalar_one_or_none()
    if staff is None or not staff.active:
        try:
            _HASHER.verify(_DUMMY, password)
        except VerificationError:
            pass
        raise ConsoleAuthError("Wrong username or password.")
    if staff.locked_until is not None and staff.locked_until > now:
        raise ConsoleAuthError("Too many wrong passwords: this account is locked until "
                               f"{staff.locked_until:%H:%M} UTC.")
    try:
        _HASHER.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        staff.failed_logins = (staff.failed_logins or 0) + 1
        if staff.failed_logins >= MAX_FAILED:
            staff.locked_until = now + LOCKOUT
            staff.failed_logins = 0
        raise ConsoleAuthError("Wrong username or password.") from None
    if _HASHER.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = now
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_sha256(token), staff_id=staff.id,
                               csrf_token=secrets.token_urlsafe(32), created_at=now,
                               last_seen_at=now, expires_at=now + MAX_AGE))
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    return token, staff


def resolve(session: Session, token: str | None) -> Staff | None:
    """The staff member of a session token still alive (its idle clock restarted), or None
    (an ended session is deleted)."""
    if not token:
        return None
    now = utcnow()
    row = session.get(ConsoleSession, _sha256(token))
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + IDLE_TIMEOUT <= now:
        session.delete(row)
        return None
    staff = session.get(ConsoleStaff, row.staff_id)
    if staff is None or not staff.active:
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(seconds=30):  # not a write on every request
        row.last_seen_at = now
    return Staff(id=staff.id, username=staff.username, display_name=staff.display_name,
                 role=staff.role, csrf_token=row.csrf_token)


def peek(session: Session, token: str | None) -> tuple[Staff | None, bool]:
    """``resolve`` without writing: the staff member, and whether ``resolve`` has something
    to write (an ended session to delete, the idle clock to restart). Most requests need no
    write transaction (on SQLite a write would wait for the tills' pushes)."""
    if not token:
        return None, False
    now = utcnow()
    row = session.get(ConsoleSession, _sha256(token))
    if row is None:
        return None, False
    if row.expires_at <= now or row.last_seen_at + IDLE_TIMEOUT <= now:
        return None, True
    staff = session.get(ConsoleStaff, row.staff_id)
    if staff is None or not staff.active:
        return None, True
    return (Staff(id=staff.id, username=staff.username, display_name=staff.display_name,
                  role=staff.role, csrf_token=row.csrf_token),
            now - row.last_seen_at > timedelta(seconds=30))


def sign_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(
            ConsoleSession.token_hash == _sha256(token)))


def csrf_ok(staff: Staff, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(staff.csrf_token, sent)
