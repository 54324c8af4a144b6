"""The body of every non-2xx answer of the sync service: ``ErrorResponse``, its machine code
(``ErrorCode``, with the HTTP status each one goes with) and the field-level items of a 422
(``ErrorItem``), so that a till tells a bad request, a lost token, an unknown cursor or a
refused voucher apart by code, never by message text.
"""

from __future__ import annotations

import enum
from uuid import UUID

from pydantic import (
    Field,
)

from .base import PROTOCOL_VERSION, WireOut


class ErrorCode(enum.StrEnum):
    INVALID_REQUEST = "invalid_request"  # 422: malformed JSON, a field that fails validation
    UNAUTHORIZED = "unauthorized"  # 401: no, unknown or disabled bearer token
    ENROLMENT_CODE_INVALID = "enrolment_code_invalid"  # 403: no such one-time code
    ENROLMENT_CODE_USED = "enrolment_code_used"  # 403: the code enrolled a terminal already
    ENROLMENT_CODE_EXPIRED = "enrolment_code_expired"  # 403
    NOT_FOUND = "not_found"  # 404
    EVENT_PAYLOAD_MISMATCH = "event_payload_mismatch"  # 409: event id reused with other content
    CURSOR_UNKNOWN = "cursor_unknown"  # 409: cursor ahead of the feed: pull again from "0"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"  # 400: X-POS-Protocol-Version not served
    PAYLOAD_TOO_LARGE = "payload_too_large"  # 413
    UNAVAILABLE = "unavailable"  # 503: the database cannot be reached
    INTERNAL = "internal_error"  # 500: a bug; the request may be retried
    # Cross-channel (docs/cross-channel.md): the platform refused a voucher (details[0].type
    # says why: unknown, expired, used, cancelled, window_passed...), the platform did not
    # answer (503: retry with the same key), an order number already activated a membership,
    # or the phone given is not the order's.
    VOUCHER_REFUSED = "voucher_refused"  # 409
    PLATFORM_UNAVAILABLE = "platform_unavailable"  # 503
    ORDER_ALREADY_ACTIVATED = "order_already_activated"  # 409
    ORDER_PHONE_MISMATCH = "order_phone_mismatch"  # 409


class ErrorItem(WireOut):
    loc: list[str | int] = Field(default_factory=list)  # e.g. ["body", "events", 0, "payload"]
    message: str
    type: str = ""


class ErrorResponse(WireOut):
    """Every non-2xx answer has this body."""

    error: ErrorCode
    message: str
    details: list[ErrorItem] = Field(default_factory=list)
    event_ids: list[UUID] = Field(default_factory=list)  # the events a 409 is about
    protocol_version: int = PROTOCOL_VERSION
