"""What the sync engine reports: its state for the UI (:class:`SyncStatus`), what one cycle
did (:class:`SyncReport`), and :class:`NotEnrolled`. Re-exported by :mod:`pos_member.sync.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pos_member.sync.apply.pull import PageStats
from pos_member.sync.client import AuthError


class NotEnrolled(AuthError):
    """The till has no service address or no token yet."""


@dataclass(frozen=True)
class SyncStatus:
    """What the UI shows: online or not, last success, what waits, conflicts, the last error.

    ``state`` is one of ``not_enrolled``, ``idle`` (never ran), ``syncing``, ``online`` (the
    last cycle succeeded), ``offline`` (the service cannot be reached: backing off), ``error``
    (the service refused: 401, protocol or a bug), ``stopped``.
    """

    online: bool
    last_success: datetime | None
    events_waiting: int
    conflicts_open: int
    last_error: str | None
    state: str = "idle"
    next_attempt_in: float | None = None  # seconds, while the thread waits


@dataclass
class SyncReport:
    """What one cycle did."""

    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    merges: int = 0
    refused: int = 0
    batches: int = 0
    pages: int = 0
    restarted_feed: bool = False
    pulled: PageStats = field(default_factory=PageStats)


def _utc_from_text(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
