"""Refusals the services give: each with a stable code and a message a cashier can read."""

from __future__ import annotations


class ServiceError(Exception):
    """A use case refused; nothing was changed. ``code`` is stable, ``message`` is for people."""

    code = "refused"

    def __init__(self, message: str, code: str | None = None, **details: object):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return self.message


class NotFound(ServiceError):
    code = "not_found"


class InvalidInput(ServiceError):
    code = "invalid_input"


class ApprovalNeeded(ServiceError):
    """The action needs a manager's PIN (or the approver given is not a manager)."""

    code = "approval_needed"


class AuthFailed(ServiceError):
    code = "auth_failed"


class ShiftStateError(ServiceError):
    code = "shift_state"
