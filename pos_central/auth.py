"""Terminal enrolment (one-time codes) and bearer tokens. Only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from pos_central import models as m
from pos_central.db import Database, utcnow
from pos_central.errors import ApiError, unauthorized
from pos_member.sync.protocol import EnrolRequest, EnrolResponse, ErrorCode

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 12
TOKEN_PREFIX = "pmt_"
DEFAULT_CODE_TTL = timedelta(hours=24)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_code(code: str) -> str:
    """Codes are read aloud and typed: case, spaces and hyphens do not matter."""
    return "".join(c for c in code.upper() if c not in " -")


def new_enrol_code(db: Database, store_id: str | None = None,
                   ttl: timedelta = DEFAULT_CODE_TTL) -> str:
    """A one-time enrolment code such as ``7KQ4-M2XD-9RTB``, valid for ``ttl``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    with db.write() as s:
        s.add(m.EnrolCode(code_hash=_sha256(raw), store_id=store_id, created_at=now,
                          expires_at=now + ttl))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def enrol(db: Database, request: EnrolRequest) -> EnrolResponse:
    code_hash = _sha256(normalize_code(request.code))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    terminal_id = str(uuid.uuid4())
    now = utcnow()
    with db.write() as s:
        row = s.get(m.EnrolCode, code_hash)
        if row is None:
            raise ApiError(403, ErrorCode.ENROLMENT_CODE_INVALID,
                           "This enrolment code is not valid. Check it, or make a new one "
                           "with `python -m pos_central enrol-code`.")
        if row.store_id is not None and row.store_id != request.store_id:
            raise ApiError(403, ErrorCode.ENROLMENT_CODE_INVALID,
                           f"This enrolment code is for store {row.store_id}, "
                           f"not {request.store_id}.")
        claimed = s.execute(
            update(m.EnrolCode)
            .where(m.EnrolCode.code_hash == code_hash, m.EnrolCode.used_at.is_(None),
                   m.EnrolCode.expires_at > now)
            .values(used_at=now, terminal_id=terminal_id)
        ).rowcount
        if claimed != 1:
            s.refresh(row)
            if row.used_at is not None:
                raise ApiError(403, ErrorCode.ENROLMENT_CODE_USED,
                               "This enrolment code has already been used. Each code enrols "
                               "one terminal; make a new one.")
            raise ApiError(403, ErrorCode.ENROLMENT_CODE_EXPIRED,
                           "This enrolment code has expired; make a new one.")
        s.add(m.Terminal(id=terminal_id, name=request.terminal_name, store_id=request.store_id,
                         token_hash=_sha256(token), app_version=request.app_version,
                         created_at=now))
    return EnrolResponse(terminal_id=terminal_id, token=token, store_id=request.store_id,
                         server_time=now)


def authenticate(db: Database, authorization: str | None) -> str:
    """The terminal id for an ``Authorization: Bearer <token>`` header, or 401."""
    if not authorization:
        raise unauthorized()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise unauthorized()
    with db.read() as s:
        found = s.execute(
            select(m.Terminal.id, m.Terminal.active)
            .where(m.Terminal.token_hash == _sha256(token))
        ).first()
    if found is None or not found.active:
        raise unauthorized("The bearer token is not valid (unknown, or the terminal was "
                           "disabled). Enrol the terminal again.")
    return found.id
