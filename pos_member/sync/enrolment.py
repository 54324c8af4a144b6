"""Enrolling this till with the central service, and where the sync settings live.

:func:`enrol` sends the one-time code (``POST /v1/enrol``), keeps the bearer token with
:class:`~pos_member.sync.token_store.TokenStore` (OS keyring, else an owner-only file), and
records in ``sync_state``: the service's address, the terminal id the service gave this till,
the enrolment state the settings screen shows (``enrolled`` / ``failed`` and a message), and —
when the till has none yet — the next terminal sequence number (one past any number already
used by the outbox, sales or refunds, so a number is never sent twice).

The settings screen calls ``pos_member.services.settings.enrol_terminal``. Given
:func:`settings_enroller` (``enrol=``, wired by ``pos_member.app``) that call enrols at once (and
wakes the engine); without it the settings service records the code as *pending* and
:class:`~pos_member.sync.engine.SyncEngine` enrols with it on its next run (:func:`enrol_pending`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pos_member import __version__
from pos_member.services import settings as till_settings
from pos_member.services.context import TillContext
from pos_member.services.errors import ServiceError
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store.models import OutboxEvent, Refund, Sale
from pos_member.store.types import utcnow
from pos_member.sync.client import (
    AuthError,
    CorruptResponse,
    OfflineError,
    ProtocolError,
    ServerError,
    SyncClient,
    SyncError,
    SyncTimeout,
)
from pos_member.sync.token_store import TokenStore

log = logging.getLogger(__name__)


class Wakeable(Protocol):
    """What enrolment needs of the sync engine: a nudge to sync now. (The engine imports this
    module to enrol on its run; naming the engine here would make the two a circle.)"""

    def wake(self, force: bool = False) -> None: ...

CENTRAL_URL = till_settings.CENTRAL_URL  # "central_url"
CENTRAL_TERMINAL_ID = "central_terminal_id"  # the id the service gave this till at enrolment
CENTRAL_STORE_ID = "central_store_id"
CA_BUNDLE = "central_ca_bundle"  # optional path of a CA bundle (a brand's private CA)
STORE_ID = "store_id"


def db_path_of(sessions: sessionmaker[Session]) -> Path:
    """The SQLite file behind a session factory."""
    bind = sessions.kw.get("bind")
    database = getattr(getattr(bind, "url", None), "database", None)
    if not database:
        raise ValueError("the session factory is not bound to an SQLite file")
    return Path(database).resolve()


def token_store_for(sessions: sessionmaker[Session]) -> TokenStore:
    """The token store of the till whose database ``sessions`` open (user = its path)."""
    return TokenStore.for_database(db_path_of(sessions))


def _sessions(target: TillContext | sessionmaker[Session]) -> sessionmaker[Session]:
    return target.sessions if isinstance(target, TillContext) else target


def _store_id(target: TillContext | sessionmaker[Session]) -> str:
    if isinstance(target, TillContext):
        return target.store_id
    with target() as s:
        return repo.get_setting(s, STORE_ID, "demo-store") or "demo-store"


def _seed_terminal_seq(session: Session) -> None:
    if repo.get_setting(session, repo.NEXT_TERMINAL_SEQ_KEY) is not None:
        return
    highest = max(
        session.scalar(select(func.max(OutboxEvent.terminal_seq))) or 0,
        session.scalar(select(func.max(Sale.terminal_seq))) or 0,
        session.scalar(select(func.max(Refund.terminal_seq))) or 0,
    )
    repo.set_setting(session, repo.NEXT_TERMINAL_SEQ_KEY, str(highest + 1))


def _record_failure(sessions: sessionmaker[Session], url: str, message: str) -> None:
    with transaction(sessions) as s:
        repo.set_setting(s, CENTRAL_URL, url)
        repo.set_setting(s, till_settings.ENROLMENT_STATE, "failed")
        repo.set_setting(s, till_settings.ENROLMENT_MESSAGE, message[:500])


def error_code(exc: SyncError) -> str:
    """A stable short code for a failure (``offline``, ``timeout``, ``server_error``...)."""
    if isinstance(exc, ProtocolError):
        return exc.code
    if isinstance(exc, SyncTimeout):
        return "timeout"
    return {OfflineError: "offline", ServerError: "server_error", AuthError: "unauthorized",
            CorruptResponse: "corrupt_response"}.get(type(exc), "sync_error")


def enrol(target: TillContext | sessionmaker[Session], base_url: str, code: str,
          terminal_name: str = "", *, store_id: str | None = None,
          client: SyncClient | None = None, token_store: TokenStore | None = None,
          ca_bundle: str | None = None,
          app_version: str = __version__) -> till_settings.EnrolmentStatus:
    """Enrol this till with a one-time code; returns the settings screen's status.

    Raises :class:`~pos_member.services.errors.ServiceError` (``code`` = the service's error
    code, e.g. ``enrolment_code_used``, or ``offline``) after recording the failure.
    """
    sessions = _sessions(target)
    url = till_settings.normalise_central_url(base_url)
    code = till_settings.normalise_enrolment_code(code)
    with sessions() as s:
        name = (terminal_name or repo.get_setting(s, till_settings.TERMINAL_NAME) or "Till")
        ca_bundle = ca_bundle or repo.get_setting(s, CA_BUNDLE) or None
    name = name.strip()[:100] or "Till"
    store = store_id or _store_id(target)
    own_client = client is None
    client = client or SyncClient(url, ca_bundle=ca_bundle)
    try:
        answer = client.enrol(code, name, store, app_version)
    except ProtocolError as exc:
        message = exc.error.message if exc.error is not None else exc.message
        _record_failure(sessions, url, f"{exc.code}: {message}")
        raise ServiceError(message, code=exc.code) from None
    except SyncError as exc:
        _record_failure(sessions, url, exc.message)
        raise ServiceError(f"cannot enrol: {exc.message}", code=error_code(exc)) from None
    finally:
        if own_client:
            client.close()
    store_for_token = token_store or token_store_for(sessions)
    backend = store_for_token.set(answer.token)
    now = utcnow()
    with transaction(sessions) as s:
        previous = repo.get_setting(s, CENTRAL_TERMINAL_ID)
        repo.set_setting(s, CENTRAL_URL, url)
        repo.set_setting(s, CENTRAL_TERMINAL_ID, str(answer.terminal_id))
        repo.set_setting(s, CENTRAL_STORE_ID, answer.store_id)
        repo.set_setting(s, till_settings.TERMINAL_NAME, name)
        repo.set_setting(s, till_settings.ENROLMENT_STATE, "enrolled")
        repo.set_setting(s, till_settings.ENROLMENT_MESSAGE, "")
        repo.set_setting(s, till_settings.ENROLMENT_CODE, "")
        repo.set_setting(s, till_settings.ENROLLED_AT, now.isoformat())
        _seed_terminal_seq(s)
    if previous and previous != str(answer.terminal_id):
        log.warning("re-enrolled: terminal %s replaces %s", answer.terminal_id, previous)
    log.info("enrolled with %s as terminal %s (token kept in the %s)", url, answer.terminal_id,
             backend)
    return till_settings.EnrolmentStatus(
        "enrolled", f"enrolled as terminal {answer.terminal_id}", str(answer.terminal_id))


def enrol_pending(target: TillContext | sessionmaker[Session],
                  **kw: Any) -> till_settings.EnrolmentStatus | None:
    """Enrol with a code the settings screen recorded as pending; None when there is none."""
    sessions = _sessions(target)
    with sessions() as s:
        state = repo.get_setting(s, till_settings.ENROLMENT_STATE)
        code = repo.get_setting(s, till_settings.ENROLMENT_CODE)
        url = repo.get_setting(s, CENTRAL_URL)
        name = repo.get_setting(s, till_settings.TERMINAL_NAME) or ""
    if state != "pending" or not code or not url:
        return None
    return enrol(target, url, code, name, **kw)


def settings_enroller(engine: Wakeable | None = None):
    """The enrolment ``services.settings.enrol_terminal`` is given (``enrol=``): enrol at once
    over HTTP, then wake ``engine`` when there is one."""

    def enrol_now(ctx: TillContext, url: str, code: str,
                  terminal_name: str) -> till_settings.EnrolmentStatus:
        status = enrol(ctx, url, code, terminal_name)
        if engine is not None:
            engine.wake(force=True)
        return status

    return enrol_now
