"""Stored value arithmetic: recharge rules, spend split, refunds of spends and recharges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_member.domain.rules import Rules, RulesError
from pos_member.domain.stored_value import (
    Balance,
    Ledger,
    Movement,
    RechargeRule,
    StoredValueError,
    StoredValueRules,
    best_rule,
    recharge,
    refund_of_recharge,
    refund_of_spend,
    split_spend,
)

RULES = StoredValueRules()


def test_recharge_300_gives_30_bonus_and_500_gives_80() -> None:
    assert recharge(30000, RULES).movement == Movement(30000, 3000)
    assert recharge(49999, RULES).movement == Movement(49999, 3000)
    assert recharge(50000, RULES).movement == Movement(50000, 8000)
    assert recharge(29999, RULES).movement == Movement(29999, 0)
    assert recharge(29999, RULES).rule is None


def test_recharge_bounds_are_refused_with_a_code() -> None:
    with pytest.raises(StoredValueError) as exc:
        recharge(50, RULES)
    assert exc.value.code == "below_minimum"
    with pytest.raises(StoredValueError) as exc:
        recharge(RULES.max_recharge + 1, RULES)
    assert exc.value.code == "above_maximum"


def test_best_rule_takes_the_highest_threshold_reached() -> None:
    rules = StoredValueRules(recharge_rules=(
        RechargeRule("a", 10000, 500), RechargeRule("gold", 100000, 0, tier="gold"),
        RechargeRule("b", 30000, 3000, coupon="GIFT10")))
    assert best_rule(30000, rules).id == "b"
    assert best_rule(99999, rules).coupon == "GIFT10"
    assert best_rule(100000, rules).tier == "gold"


def test_spend_takes_principal_first_then_bonus() -> None:
    b = Balance(1000, 300)
    assert split_spend(b, 1200) == Movement(-1000, -200)
    assert split_spend(b, 1200, bonus_first=True) == Movement(-900, -300)
    with pytest.raises(StoredValueError) as exc:
        split_spend(b, 1301)
    assert exc.value.code == "insufficient_balance"
    assert exc.value.data["available"] == 1300


def test_an_overdrawn_part_gives_nothing_and_is_owed_first() -> None:
    assert split_spend(Balance(-100, 300), 200) == Movement(0, -200)
    with pytest.raises(StoredValueError):
        split_spend(Balance(-100, 300), 201)
    with pytest.raises(StoredValueError) as exc:
        split_spend(Balance(-500, 300), 1)
    assert exc.value.data["available"] == 0


def test_recharge_refund_returns_principal_less_spent_bonus() -> None:
    # 充300送30, then ¥310 spent (300 principal, 10 bonus), then ¥100 recharged again.
    ledger = Ledger()
    ledger.add(recharge(30000, RULES).movement)
    ledger.add(split_spend(ledger.balance, 31000))
    ledger.add(recharge(10000, RULES).movement)
    assert ledger.balance == Balance(10000, 2000)
    out = refund_of_recharge(10000, 0, ledger.balance)
    assert out.cash_back == 10000 and out.movement == Movement(-10000, 0)


def test_recharge_refund_after_bonus_spent() -> None:
    ledger = Ledger([recharge(30000, RULES).movement])
    ledger.add(split_spend(ledger.balance, 5000, bonus_first=True))  # 3000 bonus, 2000 principal
    out = refund_of_recharge(30000, 3000, ledger.balance)
    assert out.bonus_spent == 3000
    assert out.cash_back == 28000 - 3000
    ledger.add(out.movement)
    assert ledger.balance == Balance(0, 0)


def test_recharge_refund_refused_when_spent_bonus_exceeds_principal_left() -> None:
    with pytest.raises(StoredValueError) as exc:
        refund_of_recharge(30000, 3000, Balance(1000, 0))
    assert exc.value.code == "bonus_spent_exceeds_principal"


def test_rules_json_round_trip_and_bad_values() -> None:
    rules = Rules().with_overrides({"stored_value": {
        "offline_daily_limit": "200.00", "bonus_first": True,
        "recharge_rules": [{"id": "x", "min_amount": "100.00", "bonus": "5.00"}]}})
    assert rules.stored_value.offline_daily_limit == 20000
    assert rules.stored_value.rule("x").bonus == 500
    again = Rules.from_json(rules.to_json())
    assert again.stored_value == rules.stored_value
    with pytest.raises(RulesError, match="offline_daily_limit"):
        Rules().with_overrides({"stored_value": {"offline_daily_limit": 200}})
    with pytest.raises(RulesError, match="not a known setting"):
        Rules().with_overrides({"stored_value": {"bonus_last": True}})


# -- properties ---------------------------------------------------------------------------------

amounts = st.integers(min_value=100, max_value=200_000)


@st.composite
def histories(draw):
    """A random sequence of recharges and spends that the till would allow."""
    bonus_first = draw(st.booleans())
    ledger = Ledger()
    recharges = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()) or ledger.balance.total <= 0:
            grant = recharge(draw(amounts), RULES)
            ledger.add(grant.movement)
            recharges.append(grant)
        else:
            amount = draw(st.integers(1, ledger.balance.total))
            ledger.add(split_spend(ledger.balance, amount, bonus_first))
    return ledger, recharges, bonus_first


@settings(max_examples=300, deadline=None)
@given(histories())
def test_parts_never_go_negative_through_the_tills_own_movements(h) -> None:
    ledger, recharges, _ = h
    b = ledger.balance
    assert b.principal >= 0 and b.bonus >= 0
    assert b.principal <= sum(g.principal for g in recharges)
    grant = recharges[-1]
    try:
        out = refund_of_recharge(grant.principal, grant.bonus, b)
    except StoredValueError:
        return
    after = b.plus(out.movement)
    assert after.principal >= 0 and after.bonus >= 0
    assert 0 <= out.cash_back <= grant.principal


@settings(max_examples=300, deadline=None)
@given(amounts, st.booleans())
def test_full_refund_of_an_unused_recharge_nets_to_zero(amount, _bonus_first) -> None:
    ledger = Ledger()
    grant = recharge(amount, RULES)
    ledger.add(grant.movement)
    out = refund_of_recharge(grant.principal, grant.bonus, ledger.balance)
    ledger.add(out.movement)
    assert ledger.balance == Balance(0, 0)
    assert out.cash_back == amount


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 100_000), st.integers(0, 100_000), st.booleans(),
       st.lists(st.integers(1, 10_000), min_size=1, max_size=6))
def test_refunds_of_a_spend_return_exactly_the_spend(principal, bonus, bonus_first, parts):
    balance = Balance(principal, bonus)
    amount = min(sum(parts), balance.total)
    spent = split_spend(balance, amount, bonus_first)
    returned = Movement()
    left = amount
    for part in parts:
        if left == 0:
            break
        part = min(part, left)
        back = refund_of_spend(spent, returned, part)
        assert back.principal >= 0 and back.bonus >= 0 and back.total == part
        returned = Movement(returned.principal + back.principal, returned.bonus + back.bonus)
        left -= part
    if left:
        back = refund_of_spend(spent, returned, left)
        returned = Movement(returned.principal + back.principal, returned.bonus + back.bonus)
    assert returned == spent.negated()
    assert balance.plus(spent).plus(returned) == balance
    with pytest.raises(StoredValueError):
        refund_of_spend(spent, returned, 1)
