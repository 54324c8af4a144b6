from datetime import UTC, datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher, Type
from hypothesis import given, settings
from hypothesis import strategies as st

from pos_member.security.pins import (
    LockoutPolicy,
    LockoutState,
    PinOutcome,
    PinPolicyError,
    check_pin,
    hash_pin,
    is_locked,
    make_pin_hasher,
    needs_rehash,
    validate_pin,
    verify_pin_hash,
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
GOOD_PIN = "2468"
# Lockout tests care about the state machine, not the cost of argon2: use tiny parameters.
FAST = make_pin_hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
FAST_HASH = FAST.hash(GOOD_PIN)


def attempt(state, pin, now, policy=LockoutPolicy()):
    return check_pin(state, pin, now, pin_hash=FAST_HASH, policy=policy, hasher=FAST)


# --- policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pin",
    ["0000", "1111", "99999999", "1234", "4321", "0123", "7890", "0987", "123456", "87654321",
     "1212", "123123", "12341234", "2580", "5201314", "1314520", "112233", "147258"],
)
def test_weak_pins_are_refused_with_a_clear_message(pin):
    with pytest.raises(PinPolicyError, match="too easy to guess") as info:
        validate_pin(pin)
    assert pin not in str(info.value)  # the message never repeats the PIN
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "pin", ["", "123", "246813579", "12a4", "12 34", " 2468", "2468\n", "\u0662\u0664\u0666\u0668",
            "\uff12\uff14\uff16\uff18", "-246"],
)
def test_malformed_pins_are_refused(pin):
    with pytest.raises(PinPolicyError, match="4 to 8 digits"):
        validate_pin(pin)


def test_non_text_pin_is_refused():
    with pytest.raises(PinPolicyError, match="text"):
        validate_pin(2468)  # type: ignore[arg-type]


@pytest.mark.parametrize("pin", ["2468", "8351", "902741", "00000001", "13572468", "1235"])
def test_reasonable_pins_are_accepted(pin):
    assert validate_pin(pin) == pin


def test_hash_pin_refuses_a_weak_pin_before_hashing():
    with pytest.raises(PinPolicyError):
        hash_pin("1234")


# --- hashing ----------------------------------------------------------------------------------


def test_default_hash_is_argon2id_with_the_documented_parameters():
    pin_hash = hash_pin(GOOD_PIN)
    assert pin_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_pin_hash(pin_hash, GOOD_PIN)
    assert not verify_pin_hash(pin_hash, "2469")
    assert not needs_rehash(pin_hash)


def test_two_hashes_of_one_pin_differ_by_salt():
    assert hash_pin(GOOD_PIN) != hash_pin(GOOD_PIN)


@pytest.mark.parametrize("bad_hash", ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$xx$yy"])
def test_a_malformed_hash_never_matches_and_needs_rehash(bad_hash):
    assert not verify_pin_hash(bad_hash, GOOD_PIN)
    assert needs_rehash(bad_hash)


@pytest.mark.parametrize("pin", ["", "24680000000", "abcd", "2468 "])
def test_input_that_cannot_be_a_pin_does_not_match(pin):
    assert not verify_pin_hash(FAST_HASH, pin, FAST)


def test_needs_rehash_for_other_parameters_or_variant():
    weaker = FAST.hash(GOOD_PIN)
    argon2i = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.I)
    assert needs_rehash(weaker)
    assert needs_rehash(argon2i.hash(GOOD_PIN))
    # an old hash still verifies, so the login succeeds and the caller can rehash
    assert verify_pin_hash(argon2i.hash(GOOD_PIN), GOOD_PIN)


# --- lockout ----------------------------------------------------------------------------------


def test_correct_pin_is_ok_and_resets_failures():
    result, state = attempt(LockoutState(failed_count=3, lockout_count=2), GOOD_PIN, T0)
    assert result.ok and result.outcome is PinOutcome.OK
    assert state == LockoutState()


def test_lockout_timeline_with_doubling_and_cap():
    state, now = LockoutState(), T0
    expected_periods = [5, 10, 20, 40, 60, 60]  # minutes; capped at one hour
    for lockout_number, minutes in enumerate(expected_periods, start=1):
        for attempts_left in (4, 3, 2, 1):
            result, state = attempt(state, "1357", now)
            assert result.outcome is PinOutcome.WRONG_PIN
            assert result.attempts_left == attempts_left
            now += timedelta(seconds=10)
        result, state = attempt(state, "1357", now)
        assert result.outcome is PinOutcome.LOCKED
        assert result.locked_until == now + timedelta(minutes=minutes)
        assert state == LockoutState(0, now + timedelta(minutes=minutes), lockout_number)

        # while locked even the right PIN is not tried, and the state does not move
        until = state.locked_until
        locked_result, locked_state = attempt(state, GOOD_PIN, until - timedelta(seconds=1))
        assert locked_result.outcome is PinOutcome.LOCKED
        assert locked_result.locked_until == until
        assert locked_state == state
        assert is_locked(state, until - timedelta(microseconds=1))
        assert not is_locked(state, until)
        now = until

    # a success after the lock ends resets everything: the next lockout is 5 minutes again
    result, state = attempt(state, GOOD_PIN, now)
    assert result.ok and state == LockoutState()
    for _ in range(5):
        result, state = attempt(state, "1357", now)
    assert result.locked_until == now + timedelta(minutes=5)


def test_a_success_between_failures_restarts_the_count():
    state = LockoutState()
    for _ in range(4):
        _, state = attempt(state, "1357", T0)
    _, state = attempt(state, GOOD_PIN, T0)
    result, state = attempt(state, "1357", T0)
    assert result.attempts_left == 4


def test_custom_policy():
    policy = LockoutPolicy(max_failures=3, base_lockout=timedelta(minutes=1),
                           max_lockout=timedelta(minutes=3))
    assert [policy.lockout_period(n) for n in (1, 2, 3, 4, 500)] == [
        timedelta(minutes=m) for m in (1, 2, 3, 3, 3)
    ]
    state = LockoutState()
    outcomes = []
    for _ in range(3):
        result, state = attempt(state, "1357", T0, policy)
        outcomes.append(result.outcome)
    assert outcomes == [PinOutcome.WRONG_PIN, PinOutcome.WRONG_PIN, PinOutcome.LOCKED]


@pytest.mark.parametrize(
    "kwargs",
    [{"max_failures": 0}, {"base_lockout": timedelta(0)},
     {"base_lockout": timedelta(hours=2), "max_lockout": timedelta(hours=1)}],
)
def test_nonsense_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        LockoutPolicy(**kwargs)


def test_times_must_be_aware_and_are_kept_in_utc():
    with pytest.raises(ValueError, match="timezone-aware"):
        attempt(LockoutState(), GOOD_PIN, datetime(2024, 5, 1, 9, 0))
    shanghai = timezone(timedelta(hours=8))
    state = LockoutState(locked_until=datetime(2024, 5, 1, 17, 5, tzinfo=shanghai))
    assert state.locked_until == datetime(2024, 5, 1, 9, 5, tzinfo=UTC)
    assert state.locked_until.tzinfo == UTC
    assert is_locked(state, T0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=7200)),
        max_size=60,
    )
)
def test_lockout_invariants(attempts):
    policy = LockoutPolicy()
    state, now = LockoutState(), T0
    for correct, gap in attempts:
        now += timedelta(seconds=gap)
        was_locked = is_locked(state, now)
        result, new_state = attempt(state, GOOD_PIN if correct else "1357", now, policy)
        if was_locked:
            assert result.outcome is PinOutcome.LOCKED and new_state == state
        elif correct:
            assert result.ok and new_state == LockoutState()
        else:
            assert result.outcome in (PinOutcome.WRONG_PIN, PinOutcome.LOCKED)
        assert 0 <= new_state.failed_count < policy.max_failures
        if new_state.locked_until is not None:
            assert new_state.locked_until - now <= policy.max_lockout
        state = new_state
