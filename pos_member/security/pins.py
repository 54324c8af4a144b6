"""Staff PINs: policy, argon2id hashing, and lockout after repeated failures.

Everything here is a pure function of its inputs: the current time is always passed in as
``now`` (an aware datetime), never read from the wall clock, so the lockout timeline can be
tested exactly and a store can persist :class:`LockoutState` as four plain columns.

A 4-8 digit PIN is a weak secret (at most 10^8 values): the argon2id hash keeps it from being
read off a copied database at a glance, but it is the lockout that really protects it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "ARGON2_MEMORY_COST_KIB",
    "ARGON2_PARALLELISM",
    "ARGON2_TIME_COST",
    "DEFAULT_LOCKOUT_POLICY",
    "LockoutPolicy",
    "LockoutState",
    "PinCheck",
    "PinOutcome",
    "PinPolicyError",
    "check_pin",
    "hash_pin",
    "is_locked",
    "make_pin_hasher",
    "needs_rehash",
    "record_failure",
    "record_success",
    "validate_pin",
    "verify_pin_hash",
]

# OWASP's minimum argon2id configuration (19 MiB, 2 passes, 1 lane): about 25 ms per verify on
# an ordinary till, slow enough to hurt offline guessing, fast enough for a login.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_COST_KIB = 19 * 1024
ARGON2_PARALLELISM = 1

PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 8
_PIN_SHAPE = re.compile(r"[0-9]{4,8}", re.ASCII)

# Frequently chosen PINs that the sequence and repetition rules below do not already catch:
# keypad columns and diagonals, and the numeric love phrases common in China (5201314 and kin).
_COMMON_PINS = frozenset(
    {
        "2580", "0852", "1004", "2000", "1122", "6969", "5683", "1314",
        "112233", "123321", "147258", "258369", "159753", "5201314", "1314520", "7758521",
    }
)


class PinPolicyError(ValueError):
    """The PIN breaks the PIN policy. The message never contains the PIN itself."""


def validate_pin(pin: str) -> str:
    """Return ``pin`` if it is acceptable as a new PIN, otherwise raise :class:`PinPolicyError`.

    Rules: 4 to 8 ASCII digits; not one digit repeated (0000); not a run up or down the digits,
    wrapping past 9 (1234, 4321, 7890); not a short block repeated (1212, 123123); not one of a
    short list of very common PINs (2580, 5201314, ...).
    """
    if not isinstance(pin, str):
        raise PinPolicyError("A PIN must be given as text.")
    if not _PIN_SHAPE.fullmatch(pin):
        raise PinPolicyError(
            f"A PIN must be {PIN_MIN_LENGTH} to {PIN_MAX_LENGTH} digits (0-9), nothing else."
        )
    if len(set(pin)) == 1:
        raise PinPolicyError("This PIN is too easy to guess: it repeats one digit.")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({1}, {9}):
        raise PinPolicyError("This PIN is too easy to guess: its digits run in sequence.")
    for size in range(1, len(pin) // 2 + 1):
        if len(pin) % size == 0 and pin[:size] * (len(pin) // size) == pin:
            raise PinPolicyError("This PIN is too easy to guess: it repeats a short pattern.")
    if pin in _COMMON_PINS:
        raise PinPolicyError("This PIN is too easy to guess: it is one of the most common PINs.")
    return pin


def make_pin_hasher(
    time_cost: int = ARGON2_TIME_COST,
    memory_cost_kib: int = ARGON2_MEMORY_COST_KIB,
    parallelism: int = ARGON2_PARALLELISM,
) -> PasswordHasher:
    """An argon2id hasher (explicitly ``Type.ID``) with the till's parameters."""
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_cost_kib,
        parallelism=parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


_DEFAULT_HASHER = make_pin_hasher()


def hash_pin(pin: str, hasher: PasswordHasher | None = None) -> str:
    """Check ``pin`` against the policy, then return its argon2id hash (a PHC string)."""
    validate_pin(pin)
    return (hasher or _DEFAULT_HASHER).hash(pin)


def verify_pin_hash(pin_hash: str, pin: str, hasher: PasswordHasher | None = None) -> bool:
    """True when ``pin`` matches ``pin_hash``. A malformed or non-argon2 hash never matches.

    Anything that is not 4-8 digits is refused without running argon2: no valid PIN looks
    like that, and it saves the 25 ms.
    """
    if not isinstance(pin, str) or not _PIN_SHAPE.fullmatch(pin):
        return False
    try:
        return (hasher or _DEFAULT_HASHER).verify(pin_hash, pin)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(pin_hash: str, hasher: PasswordHasher | None = None) -> bool:
    """True when ``pin_hash`` was made with other parameters or another argon2 variant.

    After a successful login the caller, who then knows the PIN, stores ``hash_pin(pin)``.
    """
    try:
        return (hasher or _DEFAULT_HASHER).check_needs_rehash(pin_hash)
    except (InvalidHashError, ValueError):
        return True


# ---------------------------------------------------------------------------------------------
# Lockout


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """After ``max_failures`` consecutive failures, lock for ``base_lockout``; each further
    lockout doubles the period, never beyond ``max_lockout``."""

    max_failures: int = 5
    base_lockout: timedelta = timedelta(minutes=5)
    max_lockout: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if self.base_lockout <= timedelta(0) or self.max_lockout < self.base_lockout:
            raise ValueError("need 0 < base_lockout <= max_lockout")

    def lockout_period(self, lockout_number: int) -> timedelta:
        """How long the ``lockout_number``-th consecutive lockout (1-based) lasts."""
        if lockout_number < 1:
            raise ValueError("lockout_number is 1-based")
        doublings = min(lockout_number - 1, 32)  # 2**32 x 5 minutes is far past any cap
        return min(self.base_lockout * (2**doublings), self.max_lockout)


DEFAULT_LOCKOUT_POLICY = LockoutPolicy()


@dataclass(frozen=True, slots=True)
class LockoutState:
    """One staff member's login failures, as a store keeps them.

    ``failed_count``: consecutive wrong PINs since the last success or lockout.
    ``locked_until``: aware UTC datetime, or None; the account is locked while now < it.
    ``lockout_count``: lockouts since the last successful login (drives the doubling).
    """

    failed_count: int = 0
    locked_until: datetime | None = None
    lockout_count: int = 0

    def __post_init__(self) -> None:
        if self.failed_count < 0 or self.lockout_count < 0:
            raise ValueError("counts cannot be negative")
        if self.locked_until is not None:
            object.__setattr__(self, "locked_until", _utc(self.locked_until, "locked_until"))


class PinOutcome(enum.StrEnum):
    OK = "ok"
    WRONG_PIN = "wrong_pin"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class PinCheck:
    """The answer to one login attempt.

    ``attempts_left`` is set for WRONG_PIN (how many more failures before a lockout);
    ``locked_until`` is set for LOCKED (also when this very attempt caused the lockout).
    """

    outcome: PinOutcome
    attempts_left: int | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is PinOutcome.OK


def is_locked(state: LockoutState, now: datetime) -> bool:
    return state.locked_until is not None and _utc(now, "now") < state.locked_until


def record_failure(
    state: LockoutState, now: datetime, policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY
) -> tuple[PinCheck, LockoutState]:
    """Count one wrong PIN at ``now`` (the account must not be locked at ``now``)."""
    now = _utc(now, "now")
    failed = state.failed_count + 1
    if failed < policy.max_failures:
        new_state = replace(state, failed_count=failed)
        return PinCheck(PinOutcome.WRONG_PIN, attempts_left=policy.max_failures - failed), new_state
    lockouts = state.lockout_count + 1
    until = now + policy.lockout_period(lockouts)
    new_state = LockoutState(failed_count=0, locked_until=until, lockout_count=lockouts)
    return PinCheck(PinOutcome.LOCKED, locked_until=until), new_state


def record_success(state: LockoutState) -> tuple[PinCheck, LockoutState]:
    """A correct PIN: every counter goes back to zero."""
    return PinCheck(PinOutcome.OK), LockoutState()


def check_pin(
    state: LockoutState,
    pin: str,
    now: datetime,
    *,
    pin_hash: str,
    policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY,
    hasher: PasswordHasher | None = None,
) -> tuple[PinCheck, LockoutState]:
    """One login attempt at ``now`` against the stored ``pin_hash``.

    While locked, the PIN is not even tried: the answer is LOCKED and the state is unchanged,
    so guesses during a lockout neither succeed nor extend it. Otherwise a correct PIN resets
    the state and a wrong one counts towards the next lockout. The caller persists the
    returned state whatever the outcome, and should call :func:`needs_rehash` after an OK.
    """
    now = _utc(now, "now")
    if is_locked(state, now):
        return PinCheck(PinOutcome.LOCKED, locked_until=state.locked_until), state
    if verify_pin_hash(pin_hash, pin, hasher):
        return record_success(state)
    return record_failure(state, now, policy)


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
    return moment.astimezone(UTC)
