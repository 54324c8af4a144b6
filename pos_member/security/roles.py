"""Roles, the protected actions of the till, and who may approve them.

DESIGN.md: void, refund, price or discount override, no-sale drawer opening, cash differences
over a threshold and closing a shift need a manager's PIN. Spending points on a member who was
identified by anything weaker than a verified dynamic code (a printed card, a phone number)
needs one too.

Decisions:
- A manager performs every protected action directly: their own PIN, entered at login, is the
  approval. The action is still written to the audit log (approver = None, or the service may
  repeat the manager's id there).
- A cashier needs a manager's approval for every protected action. Any action not listed in
  :class:`Action` is not protected by this module.
- An approver's role is only trusted after the approver's PIN has been checked
  (:func:`pos_member.security.pins.check_pin`); this module does not check PINs.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

__all__ = [
    "Action",
    "ApprovalDenied",
    "ApprovalRequired",
    "Authorization",
    "Role",
    "approve",
    "authorization_for",
    "authorize",
    "needs_approval",
]


class Role(enum.StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"


class Action(enum.StrEnum):
    VOID_LINE = "void_line"
    VOID_BASKET = "void_basket"
    REFUND = "refund"
    PRICE_OVERRIDE = "price_override"
    DISCOUNT_OVERRIDE = "discount_override"
    NO_SALE_DRAWER = "no_sale_drawer"
    CASH_DIFFERENCE_OVER_THRESHOLD = "cash_difference_over_threshold"
    CLOSE_SHIFT = "close_shift"
    # Spending points with a static card code or a phone number instead of a dynamic code.
    STATIC_CODE_POINTS_SPEND = "static_code_points_spend"


class Authorization(enum.StrEnum):
    DIRECT = "direct"
    NEEDS_APPROVAL = "needs_approval"


# Which protected actions each role may perform without anybody's approval.
_DIRECT: Mapping[Role, frozenset[Action]] = {
    Role.CASHIER: frozenset(),
    Role.MANAGER: frozenset(Action),
}

# Roles whose PIN approves a protected action.
_APPROVERS: frozenset[Role] = frozenset({Role.MANAGER})


class ApprovalDenied(PermissionError):
    """The person who tried to approve an action may not approve it."""

    def __init__(self, action: Action | str, approver_role: object) -> None:
        self.action = action
        self.approver_role = approver_role
        super().__init__(
            f"Only a manager can approve '{action}'; the approver's role is '{approver_role}'."
        )


class ApprovalRequired(PermissionError):
    """The action needs a manager's approval and none was given."""

    def __init__(self, action: Action, actor_role: Role) -> None:
        self.action = action
        self.actor_role = actor_role
        super().__init__(f"'{action}' by a {actor_role} needs a manager's approval.")


def authorization_for(role: Role | str, action: Action | str) -> Authorization:
    """Whether ``role`` may perform ``action`` directly or needs a manager's approval.

    Raises ValueError for an unknown role or action name.
    """
    role, action = Role(role), Action(action)
    return Authorization.DIRECT if action in _DIRECT[role] else Authorization.NEEDS_APPROVAL


def needs_approval(role: Role | str, action: Action | str) -> bool:
    return authorization_for(role, action) is Authorization.NEEDS_APPROVAL


def approve(action: Action | str, approver_role: Role | str) -> Action:
    """Accept ``approver_role``'s approval of ``action``, or raise :class:`ApprovalDenied`.

    An unknown role name is denied rather than reported as a ValueError: a role that cannot
    be recognised must never approve anything. Returns the action as an :class:`Action`.
    """
    action = Action(action)
    try:
        role = Role(approver_role)
    except ValueError:
        raise ApprovalDenied(action, approver_role) from None
    if role not in _APPROVERS:
        raise ApprovalDenied(action, role)
    return action


def authorize(
    actor_role: Role | str, action: Action | str, approver_role: Role | str | None = None
) -> Authorization:
    """The whole rule in one call, for services.

    Returns DIRECT when the actor may act alone (an approver given anyway is ignored), or
    NEEDS_APPROVAL when the given approver's approval was accepted. Raises
    :class:`ApprovalRequired` when approval is needed and none was given, and
    :class:`ApprovalDenied` when the approver may not approve.
    """
    actor_role, action = Role(actor_role), Action(action)
    authorization = authorization_for(actor_role, action)
    if authorization is Authorization.DIRECT:
        return authorization
    if approver_role is None:
        raise ApprovalRequired(action, actor_role)
    approve(action, approver_role)
    return authorization
