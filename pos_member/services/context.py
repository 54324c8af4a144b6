"""What every use case needs to know about the till it runs on, and the clock it reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class TillContext:
    """The composition root builds one; services take it as their first argument."""

    sessions: sessionmaker[Session]  # write sessions (BEGIN IMMEDIATE)
    terminal_id: str  # a UUID made when the till was set up
    store_id: str
    # Read-only sessions (plain BEGIN) for look-ups and reports, so they never queue behind
    # or hold the write lock; defaults to the write sessions.
    readers: sessionmaker[Session] | None = None
    tz_name: str = "Asia/Shanghai"
    clock: Callable[[], datetime] = field(default=_utc_now)  # aware UTC; tests replace it
    online: Callable[[], bool] = field(default=lambda: False)  # the sync engine's view

    def read_sessions(self) -> Session:
        return (self.readers or self.sessions)()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware time")
        return now.astimezone(timezone.utc)

    def local(self, at: datetime | None = None) -> datetime:
        """Store-local aware time (for pricing: member days, coupon windows, birthdays)."""
        return (at or self.now()).astimezone(self.tz)
