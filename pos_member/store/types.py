"""Column types shared by the models: UTC instants, local wall-clock times, JSON as text.

All three store plain TEXT in SQLite so the file stays readable with any SQLite tool and the
migrations need no project imports (they use ``sa.String`` / ``sa.Text``).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator

from pos_member.domain.quantity import milli_to_qty, qty_to_milli  # noqa: F401 - re-exported

# Fixed width, so that text order is time order: 2024-05-01T04:30:00.000000Z (27 characters).
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def new_uuid() -> str:
    """A new random UUID as its 36-character text form (made on the till)."""
    return str(uuid.uuid4())


# The last instant formatted and its text: a sale stores the same instant in several rows
# (datetimes are immutable, so the same object has the same text).
_last_utc: tuple[Any, str] = (object(), "")


def format_utc(value: datetime) -> str:
    """The stored text of an aware datetime; naive datetimes are refused."""
    global _last_utc
    last = _last_utc
    if value is last[0]:
        return last[1]
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: store times as aware datetimes (UTC)")
    text = value.astimezone(UTC).strftime(_UTC_FORMAT)
    _last_utc = (value, text)
    return text


class UTCDateTime(TypeDecorator[datetime]):
    """An instant, stored as fixed-width ISO-8601 UTC text ending in ``Z``.

    Binds only aware datetimes (any zone; converted to UTC) and returns aware UTC datetimes.
    SQLite's date functions understand the stored text, and ``ORDER BY`` sorts it by time.
    """

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        return format_utc(value)

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:  # written by hand without a zone: it is UTC by contract
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


class LocalDateTime(TypeDecorator[datetime]):
    """A wall-clock time in the store's own time zone (naive), e.g. a coupon window bound.

    Coupon windows are judged in the store's local time (DESIGN.md), so they are kept as the
    brand wrote them, without a zone. Aware datetimes are refused to catch mix-ups.
    """

    impl = String(19)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"LocalDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is not None:
            raise ValueError(f"aware datetime {value!r}: local wall-clock times are naive")
        return value.strftime(_LOCAL_FORMAT)

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_utc(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# json.dumps with these arguments builds this same encoder on every call; one is kept.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default
)


def dump_json(value: Any) -> str:
    """Deterministic compact JSON (sorted keys, UTF-8 kept as is).

    Decimals become strings ("0.80"), aware datetimes UTC text, dates ISO dates.
    """
    return _ENCODER.encode(value)


class JSONText(TypeDecorator[Any]):
    """A JSON document kept as TEXT; binds Python values, returns them parsed.

    Not mutation-tracked: assign a new value instead of editing the loaded one in place.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return dump_json(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        return json.loads(value)
