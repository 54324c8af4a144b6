"""The wire format's version and limits, its scalar types and its two base models.

Every integer a till sends is bounded for its meaning (money, points, counts, sequences, line
numbers); quantities and rates are decimal strings (floats refused); instants, wall-clock
times and dates are ISO 8601 text in the years 1900 to 2199, checked by one regular expression
each that is also the OpenAPI document's pattern; texts refuse NUL characters (PostgreSQL
cannot store them); codes are printable ASCII without spaces; time zones are the IANA names
the zone database knows. ``WireIn`` (what a till sends: unknown fields refused) and ``WireOut``
(what the service sends: unknown fields ignored) are the bases of every model of the protocol.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NaiveDatetime,
    PlainSerializer,
    Strict,
    WithJsonSchema,
)

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"
PROTOCOL_HEADER = "X-POS-Protocol-Version"  # sent on every response; a till may send it too
MAX_EVENTS_PER_PUSH = 1000
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000

# Every integer a till sends is bounded for its meaning, far inside a 64-bit column (and its
# sums): an integer beyond the bound is a field-named 422, never a database overflow.
MONEY_LIMIT = 10**12  # ¥10,000,000,000.00
POINTS_LIMIT = 10**10
SEQ_LIMIT = 10**15  # terminal sequences, audit positions
COUNT_LIMIT = 10**9
Fen = Annotated[int, Strict(), Field(ge=-MONEY_LIMIT, le=MONEY_LIMIT)]
"""A signed amount of fen (rounding, differences)."""
FenAmount = Annotated[int, Strict(), Field(ge=0, le=MONEY_LIMIT)]
"""A non-negative amount of fen."""
Points = Annotated[int, Strict(), Field(ge=0, le=POINTS_LIMIT)]
SignedPoints = Annotated[int, Strict(), Field(ge=-POINTS_LIMIT, le=POINTS_LIMIT)]
Count = Annotated[int, Strict(), Field(ge=0, le=COUNT_LIMIT)]
Seq = Annotated[int, Strict(), Field(ge=1, le=SEQ_LIMIT)]
LineNo = Annotated[int, Strict(), Field(ge=1, le=10_000)]


def _decimal_text(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite decimal")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text and len(text) <= 24 and all(c in "0123456789.-" for c in text):
            try:
                parsed = Decimal(text)
            except ArithmeticError:
                pass
            else:
                if parsed.is_finite():
                    return parsed
    raise ValueError("must be a decimal string such as '2', '0.350' or '0.80' (no floats)")


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


_DECIMAL_SCHEMA = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "maxLength": 24,
                   "examples": ["0.350"]}
DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema(_DECIMAL_SCHEMA),
]
"""A decimal number written as a string ("0.80"); floats are refused."""
Quantity = Annotated[
    DecimalText, AfterValidator(_positive),
    WithJsonSchema({"type": "string", "maxLength": 24, "examples": ["0.350"],
                    "pattern": r"^([0-9]*[1-9][0-9]*(\.[0-9]+)?|[0-9]+\.[0-9]*[1-9][0-9]*)$"}),
]


# Times and dates a till sends are ISO 8601 text in the years 1900 to 2199 (no year 1 or 9999:
# converted to UTC or to a lot's expiry they would overflow), checked by one regular
# expression that is also the OpenAPI document's pattern, so the document states exactly what
# the service accepts (no unix numbers, no impossible days such as 02-30).
_YEAR = r"(19[0-9]{2}|2[01][0-9]{2})"
_LEAP_YEAR = (r"(19([02468][48]|[13579][26]|[2468]0)|20([02468][048]|[13579][26])"
              r"|21([02468][48]|[13579][26]|[2468]0))")
_MONTH_DAY = (r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
              r"|(0[13578]|1[02])-31)")
_DATE_RE = rf"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME_RE = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_OFFSET_RE = r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)"
DATE_PATTERN = rf"^{_DATE_RE}$"
LOCAL_TIME_PATTERN = rf"^{_DATE_RE}T{_TIME_RE}$"
INSTANT_PATTERN = rf"^{_DATE_RE}T{_TIME_RE}{_OFFSET_RE}$"
LOCAL_OR_INSTANT_PATTERN = rf"^{_DATE_RE}T{_TIME_RE}{_OFFSET_RE}?$"


def _text_matching(pattern: str, what: str):
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, (datetime, date)):  # built in Python (the service's answers)
            if not 1900 <= value.year <= 2199:
                raise ValueError(f"must be {what} in the years 1900 to 2199")
            return value
        if not isinstance(value, str) or compiled.fullmatch(value) is None:
            raise ValueError(f"must be {what} in the years 1900 to 2199")
        return value
    return BeforeValidator(check)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[
    AwareDatetime,
    _text_matching(INSTANT_PATTERN, "an ISO 8601 time with an offset (2026-05-20T12:00:00+08:00)"),
    AfterValidator(_to_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN,
                    "examples": ["2026-05-20T04:00:00Z"]}),
]
"""An instant with an offset, normalised to UTC (serialised with a ``Z``)."""
LocalDatetime = Annotated[
    NaiveDatetime,
    _text_matching(LOCAL_TIME_PATTERN, "a wall-clock time without an offset (2026-05-20T12:00:00)"),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME_PATTERN,
                    "examples": ["2026-05-20T12:00:00"]}),
]
"""A store's wall-clock time: ISO 8601 without an offset."""
WireDate = Annotated[
    date, _text_matching(DATE_PATTERN, "a date (1988-03-12)"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
LocalOrInstant = Annotated[
    datetime,
    WithJsonSchema({"type": "string", "pattern": LOCAL_OR_INSTANT_PATTERN,
                    "description": "without an offset: the store's wall clock; with one: "
                                   "that instant"}),
]
"""A coupon window's edge as the service sends it: naive (store-local) or with an offset."""

_NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot store NUL characters; the schema says so
ShortText = Annotated[str, Field(min_length=1, max_length=64, pattern=_NO_NUL)]


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - a type factory
    """Free text of at most ``max_length`` characters, without NUL characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=_NO_NUL)]


Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
"""SKUs, coupon codes, category ids, store ids, barcodes: printable ASCII without spaces."""
TierCode = Annotated[str, Field(min_length=1, max_length=32, pattern=_NO_NUL)]


def _time_zones() -> list[str]:
    from zoneinfo import available_timezones
    return sorted(z for z in available_timezones() if len(z) <= 64)


TIME_ZONES = frozenset(_time_zones())


def _known_zone(value: Any) -> Any:
    if not isinstance(value, str) or value not in TIME_ZONES:
        raise ValueError("must be an IANA time zone name such as 'Asia/Shanghai'")
    return value


TzName = Annotated[str, BeforeValidator(_known_zone),
                   WithJsonSchema({"type": "string", "enum": sorted(TIME_ZONES),
                                   "examples": ["Asia/Shanghai"]})]
"""An IANA time zone the service's zone database knows (the document lists them)."""
Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{5,20}$", examples=["13812341234"])]
TenderCode = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]{0,15}$",
          examples=["cash", "wechat", "alipay", "unionpay", "meituan", "douyin", "other"]),
]


class WireIn(BaseModel):
    """A model a till sends: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WireOut(BaseModel):
    """A model the service sends: unknown fields are ignored (newer services add fields)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
