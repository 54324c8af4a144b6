"""Composition root: the one place that knows every concrete class.

``open_till`` takes the single-instance lock, upgrades the database (backing it up first),
seeds the demo brand on a first start when asked, and builds the :class:`TillContext` the
services, the command line and the UI share.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from pos_member.store.paths import data_dir, default_db_path

if TYPE_CHECKING:  # the database stack is imported when a till is opened, not before:
    # `python main.py` paints its window first (and logs with pos_member.log_file before it)
    from pos_member.services.context import TillContext
    from pos_member.store.db import InstanceLock

log = logging.getLogger("pos_member")

SETTING_STORE_ID = "store_id"
DEFAULT_STORE_ID = "demo-store"


@dataclass
class OpenTill:
    ctx: TillContext
    db_path: Path
    lock: InstanceLock | None
    seeded: bool = False

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file in the user's data folder (and warnings to stderr); takes the
    place of the plain handler ``run`` starts with before the window (pos_member/log_file.py)."""
    from pos_member import log_file

    return log_file.setup(level)


def open_till(db_path: str | os.PathLike[str] | None = None, *, lock: bool = True,
              seed_demo_if_new: bool = False, demo_members: int = 2000,
              quick_check: bool = True) -> OpenTill:
    """Open (and on a first start create) the till at ``db_path``.

    Raises :class:`pos_member.store.health.DatabaseDamaged` (nothing changed) when the file is
    empty, missing where a till lived, corrupt (``quick_check``) or behind its high-water mark.
    """
    from pos_member.services.context import TillContext
    from pos_member.store import repositories as repo
    from pos_member.store.db import (
        acquire_instance_lock, create_engine_for, session_factory, transaction,
    )
    from pos_member.store.migrate import upgrade_to_head

    from pos_member.store import health

    path = Path(db_path) if db_path else default_db_path()
    instance = acquire_instance_lock(path) if lock else None
    try:
        # Never a new till over an old one's remains (raises health.DatabaseDamaged).
        is_new = health.check_database(path, quick_check=quick_check) == "new"
        result = upgrade_to_head(path)
        if result.backup_path:
            log.info("database upgraded %s -> %s, backup at %s", result.before, result.after,
                     result.backup_path)
        seeded = False
        if is_new and seed_demo_if_new:
            from pos_member.store.seed import seed_demo

            seed_demo(path, members=demo_members)
            seeded = True
        engine = create_engine_for(path)
        sessions = session_factory(engine)
        readers = session_factory(create_engine_for(path, read_only=True))
        with transaction(sessions) as s:
            terminal_id = repo.get_setting(s, "terminal_id")
            if terminal_id is None:
                import uuid

                terminal_id = str(uuid.uuid4())
                repo.set_setting(s, "terminal_id", terminal_id)
            store_id = repo.get_setting(s, SETTING_STORE_ID, DEFAULT_STORE_ID)
            tz_name = repo.get_setting(s, "store_tz", "Asia/Shanghai")
        # The high-water mark from now on follows every commit (store/health.py).
        try:
            mark = health.refresh_mark(path)
        except OSError as exc:
            log.warning("could not write the high-water mark beside %s: %s", path, exc)
            mark = None
        health.install_mark_writer(engine, sessions, path, mark)
        ctx = TillContext(sessions=sessions, readers=readers, terminal_id=terminal_id,
                          store_id=store_id, tz_name=tz_name)
        return OpenTill(ctx, path, instance, seeded)
    except BaseException:
        if instance is not None:
            instance.release()
        raise


def start_sync(ctx: TillContext, listener=None):
    """Start the background sync engine for this till (push, pull, back-off on its own
    thread; idle until the till is enrolled) and route its status to ``listener``.

    Returns the engine; call ``stop()`` on it at shutdown. :func:`enroller` with the engine is
    what the settings screen enrols with (at once, then the engine wakes).
    """
    from pos_member.sync.engine import SyncEngine

    engine = SyncEngine(ctx)
    if listener is not None:
        engine.listeners.append(listener)
    engine.start()
    return engine


def enroller(engine=None):
    """The enrolment ``services.settings.enrol_terminal`` is given (``enrol=``): the sync
    package's, sent at once, waking ``engine`` (None: no engine yet, e.g. the first-run
    wizard). None when this build has no sync package: the code is then only recorded."""
    try:
        from pos_member.sync.enrolment import settings_enroller
    except ImportError:  # pragma: no cover - a build without the sync package
        log.warning("no sync package: an enrolment code is only recorded")
        return None
    return settings_enroller(engine)


def stop_sync(engine, timeout: float = 5.0) -> None:
    """Stop the engine :func:`start_sync` started."""
    engine.stop(timeout=timeout)


def online_gateway(ctx: TillContext):
    """The online-only calls (美团/抖音 vouchers, order activation) through the central
    service; None in a build without the sync package (vouchers are then refused)."""
    try:
        from pos_member.sync.online import OnlineGateway
    except ImportError:  # pragma: no cover - a build without the sync package
        return None
    return OnlineGateway(ctx.sessions, ctx.tz_name)
