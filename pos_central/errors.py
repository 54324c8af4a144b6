"""The service's errors: each becomes an ``ErrorResponse`` body (pos_member.sync.protocol)."""

from __future__ import annotations

from pos_member.sync.protocol import ErrorCode, ErrorItem


class ApiError(Exception):
    def __init__(self, status: int, code: ErrorCode, message: str, *,
                 details: list[ErrorItem] | None = None, event_ids: list[str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.event_ids = event_ids or []
        self.headers = headers or {}


def unauthorized(message: str = "A valid bearer token is required.") -> ApiError:
    return ApiError(401, ErrorCode.UNAUTHORIZED, message,
                    headers={"WWW-Authenticate": 'Bearer realm="pos-central"'})


def invalid(message: str, loc: list[str | int] | None = None) -> ApiError:
    return ApiError(422, ErrorCode.INVALID_REQUEST, message,
                    details=[ErrorItem(loc=loc or [], message=message, type="value_error")])


def not_found(message: str) -> ApiError:
    return ApiError(404, ErrorCode.NOT_FOUND, message)
