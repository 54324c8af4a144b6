import pytest

from pos_member.security.roles import (
    Action,
    ApprovalDenied,
    ApprovalRequired,
    Authorization,
    Role,
    approve,
    authorization_for,
    authorize,
    needs_approval,
)

DESIGN_ACTIONS = {
    "void_line", "void_basket", "refund", "price_override", "discount_override",
    "no_sale_drawer", "cash_difference_over_threshold", "close_shift", "static_code_points_spend",
}


def test_the_protected_actions_are_exactly_those_of_the_design():
    assert {a.value for a in Action} == DESIGN_ACTIONS
    assert {r.value for r in Role} == {"cashier", "manager"}


@pytest.mark.parametrize("action", list(Action))
def test_a_cashier_needs_approval_and_a_manager_acts_directly(action):
    assert authorization_for(Role.CASHIER, action) is Authorization.NEEDS_APPROVAL
    assert needs_approval("cashier", action.value)
    assert authorization_for(Role.MANAGER, action) is Authorization.DIRECT
    assert not needs_approval("manager", action)


@pytest.mark.parametrize("action", list(Action))
def test_only_a_manager_can_approve(action):
    assert approve(action.value, "manager") is action
    with pytest.raises(ApprovalDenied) as info:
        approve(action, Role.CASHIER)
    assert isinstance(info.value, PermissionError)
    assert "Only a manager" in str(info.value) and action.value in str(info.value)


@pytest.mark.parametrize("role", ["admin", "", "Manager", None, 3])
def test_an_unrecognised_approver_is_denied_not_crashed(role):
    with pytest.raises(ApprovalDenied):
        approve(Action.REFUND, role)


def test_unknown_action_or_actor_role_is_a_value_error():
    with pytest.raises(ValueError):
        authorization_for("cashier", "launch_rockets")
    with pytest.raises(ValueError):
        authorization_for("owner", Action.REFUND)


def test_authorize_combines_the_rules():
    assert authorize("manager", Action.VOID_LINE) is Authorization.DIRECT
    assert authorize("manager", Action.VOID_LINE, approver_role="cashier") is Authorization.DIRECT
    assert authorize("cashier", Action.REFUND, "manager") is Authorization.NEEDS_APPROVAL
    with pytest.raises(ApprovalRequired, match="needs a manager's approval") as info:
        authorize("cashier", Action.NO_SALE_DRAWER)
    assert isinstance(info.value, PermissionError)
    with pytest.raises(ApprovalDenied):
        authorize("cashier", Action.CLOSE_SHIFT, "cashier")
