"""The wire models of enrolment (a one-time code exchanged for the terminal's id and bearer
token: ``EnrolRequest``, ``EnrolResponse``), of the service's clock (``TimeResponse``) and of
its health check (``HealthResponse``). Each answer carries the protocol version it speaks.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from .base import PROTOCOL_VERSION, Code, Text, UtcDatetime, WireIn, WireOut


class EnrolRequest(WireIn):
    code: Text(64, min_length=4)
    terminal_name: Text(100, min_length=1)
    store_id: Code
    app_version: Text(64) = ""


class EnrolResponse(WireOut):
    terminal_id: UUID
    token: str  # the bearer token: shown once, the service keeps only its hash
    store_id: str
    server_time: UtcDatetime
    protocol_version: int = PROTOCOL_VERSION


class TimeResponse(WireOut):
    server_time: UtcDatetime
    protocol_version: int = PROTOCOL_VERSION


class HealthResponse(WireOut):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    protocol_version: int = PROTOCOL_VERSION
    version: str = ""
