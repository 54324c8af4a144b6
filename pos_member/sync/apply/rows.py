"""What the appliers of :mod:`pos_member.sync.apply` share: the stored text of an instant
(``utc_text``, the form of ``store.types.UTCDateTime`` made quickly), the session's own DBAPI
connection (``raw_connection``: statements on it join the session's transaction), chunked
look-ups of which keys a table already holds (``in_chunks``, ``existing_keys``) and settings
kept as JSON objects (``load_json_setting``, ``save_json_setting``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from pos_member.store import repositories as repo


def utc_text(moment: datetime | None) -> str | None:
    """The stored form of ``store.types.UTCDateTime`` (fixed width, ``…Z``), made quickly."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError(f"naive instant {moment!r}")
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def raw_connection(session: Session) -> sqlite3.Connection:
    """The session's own DBAPI connection (statements join the session's transaction)."""
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def in_chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def existing_keys(cur: sqlite3.Cursor, table: str, column: str, keys: Iterable[str]) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    for chunk in in_chunks(keys):
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in cur.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", list(chunk)))
    return found


def load_json_setting(session: Session, key: str) -> dict[str, Any]:
    try:
        value = json.loads(repo.get_setting(session, key) or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def save_json_setting(session: Session, key: str, value: dict[str, Any]) -> None:
    repo.set_setting(session, key, json.dumps(value, sort_keys=True, separators=(",", ":")))

