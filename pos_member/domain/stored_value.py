"""Stored value (储值): a member's prepaid balance, kept as principal and bonus apart.

Pure arithmetic, no database: the till's service and the central service both use it, so the
two sides compute a spend's split and a recharge refund the same way.

- A recharge of ``amount`` adds ``amount`` to the principal and, when a recharge rule applies
  (the rule with the highest ``min_amount`` the recharge reaches), its bonus to the bonus
  (充300送30), and may name a gift coupon template and a tier the member is lifted to.
- A spend takes the principal first and the bonus last (``bonus_first`` in the brand's rules
  turns that round). The split is recorded on the ledger row, so a refund of the sale returns
  the money to the part it came from (in proportion; the last refund returns exactly what is
  left).
- Refunding a recharge returns the principal of that recharge still in the account, less the
  part of its bonus already spent (that bonus is paid for out of the principal), and removes
  what is left of its bonus. A recharge whose spent bonus exceeds the principal left cannot be
  refunded (the customer would owe the store).

Every movement is a :class:`Movement` (signed principal and bonus deltas); the balance is the
sum of the movements. Money is integer fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .money import Fen, format_fen, parse_yuan

MOVEMENT_KINDS = ("recharge", "spend", "spend_refund", "recharge_refund")
RECHARGE_TENDERS = ("cash", "wechat", "alipay", "card")
STORED_VALUE_TENDER = "stored_value"


class StoredValueError(ValueError):
    """A movement the account cannot make; ``code`` is a machine code for the screen."""

    def __init__(self, message: str, code: str, **data: Any) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class StoredValueRulesError(ValueError):
    """Stored-value settings that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Balance:
    principal: Fen = 0
    bonus: Fen = 0

    @property
    def total(self) -> Fen:
        return self.principal + self.bonus

    def plus(self, m: Movement) -> Balance:
        return Balance(self.principal + m.principal, self.bonus + m.bonus)


@dataclass(frozen=True)
class Movement:
    """Signed change of the two parts (positive: money into the account)."""

    principal: Fen = 0
    bonus: Fen = 0

    @property
    def total(self) -> Fen:
        return self.principal + self.bonus

    def negated(self) -> Movement:
        return Movement(-self.principal, -self.bonus)


@dataclass(frozen=True)
class RechargeRule:
    id: str
    min_amount: Fen  # a recharge of at least this much
    bonus: Fen = 0  # 充300送30: bonus 3000
    coupon: str = ""  # template code of a gift coupon the central service issues
    tier: str = ""  # the member is lifted to this tier (never lowered)
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "min_amount": format_fen(self.min_amount),
                "bonus": format_fen(self.bonus), "coupon": self.coupon, "tier": self.tier,
                "title": self.title}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> RechargeRule:
        if not isinstance(d, Mapping):
            raise StoredValueRulesError(f"{where} must be an object")
        rule_id = d.get("id")
        if not isinstance(rule_id, str) or not 0 < len(rule_id) <= 64:
            raise StoredValueRulesError(f"{where}.id must be a short non-empty string")
        min_amount = _money(d.get("min_amount"), f"{where}.min_amount")
        bonus = _money(d.get("bonus", "0"), f"{where}.bonus")
        if min_amount <= 0:
            raise StoredValueRulesError(f"{where}.min_amount must be more than zero")
        for name in ("coupon", "tier", "title"):
            if not isinstance(d.get(name, ""), str):
                raise StoredValueRulesError(f"{where}.{name} must be a string")
        return cls(rule_id, min_amount, bonus, d.get("coupon", ""), d.get("tier", ""),
                   d.get("title", ""))


def _money(raw: Any, where: str) -> Fen:
    if not isinstance(raw, str):
        raise StoredValueRulesError(f"{where} must be an amount string like \"300.00\"")
    value = parse_yuan(raw)
    if value < 0:
        raise StoredValueRulesError(f"{where} must not be negative")
    return value


DEFAULT_RECHARGE_RULES = (
    RechargeRule("r300", 30000, 3000, title="充300送30"),
    RechargeRule("r500", 50000, 8000, title="充500送80"),
)


@dataclass(frozen=True)
class StoredValueRules:
    """The brand's stored-value settings (part of the rules the central service sends)."""

    enabled: bool = True
    presets: tuple[Fen, ...] = (10000, 30000, 50000, 100000)  # buttons on the recharge screen
    recharge_rules: tuple[RechargeRule, ...] = DEFAULT_RECHARGE_RULES
    min_recharge: Fen = 100  # ¥1
    max_recharge: Fen = 5_000_000  # ¥50,000 in one recharge
    bonus_first: bool = False  # spend the bonus before the principal
    offline_daily_limit: Fen = 50000  # per member per day on one till, while offline

    def to_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "presets": [format_fen(x) for x in self.presets],
                "recharge_rules": [r.to_dict() for r in self.recharge_rules],
                "min_recharge": format_fen(self.min_recharge),
                "max_recharge": format_fen(self.max_recharge), "bonus_first": self.bonus_first,
                "offline_daily_limit": format_fen(self.offline_daily_limit)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "rules.stored_value"
                  ) -> StoredValueRules:
        if not isinstance(d, Mapping):
            raise StoredValueRulesError(f"{where} must be an object")
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise StoredValueRulesError(f"{where}.{min(unknown)} is not a known setting")
        base = cls()
        out: dict[str, Any] = {}
        for name in ("enabled", "bonus_first"):
            if name in d:
                if not isinstance(d[name], bool):
                    raise StoredValueRulesError(f"{where}.{name} must be true or false")
                out[name] = d[name]
        for name in ("min_recharge", "max_recharge", "offline_daily_limit"):
            if name in d:
                out[name] = _money(d[name], f"{where}.{name}")
        if "presets" in d:
            if not isinstance(d["presets"], list) or len(d["presets"]) > 12:
                raise StoredValueRulesError(f"{where}.presets must be a list of at most 12 amounts")
            out["presets"] = tuple(_money(x, f"{where}.presets[{i}]")
                                   for i, x in enumerate(d["presets"]))
        if "recharge_rules" in d:
            if not isinstance(d["recharge_rules"], list):
                raise StoredValueRulesError(f"{where}.recharge_rules must be a list")
            rules = tuple(RechargeRule.from_dict(r, f"{where}.recharge_rules[{i}]")
                          for i, r in enumerate(d["recharge_rules"]))
            if len({r.id for r in rules}) != len(rules):
                raise StoredValueRulesError(f"{where}.recharge_rules: ids must be unique")
            out["recharge_rules"] = rules
        result = cls(**{**{k: getattr(base, k) for k in cls.__dataclass_fields__}, **out})
        if result.min_recharge <= 0 or result.max_recharge < result.min_recharge:
            raise StoredValueRulesError(f"{where}: min_recharge must be positive and at most max_recharge")
        return result

    def rule(self, rule_id: str | None) -> RechargeRule | None:
        return next((r for r in self.recharge_rules if r.id == rule_id), None)


DEFAULT_STORED_VALUE_RULES = StoredValueRules()


@dataclass(frozen=True)
class Grant:
    """What a recharge gives: principal, bonus, and the rule's coupon and tier."""

    principal: Fen
    bonus: Fen
    rule: RechargeRule | None = None

    @property
    def movement(self) -> Movement:
        return Movement(self.principal, self.bonus)


def best_rule(amount: Fen, rules: StoredValueRules) -> RechargeRule | None:
    """The rule a recharge of ``amount`` earns: the highest threshold it reaches (ties: the
    larger bonus, then the rule listed first)."""
    reached = [r for r in rules.recharge_rules if amount >= r.min_amount]
    if not reached:
        return None
    return max(reached, key=lambda r: (r.min_amount, r.bonus))


def recharge(amount: Fen, rules: StoredValueRules) -> Grant:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise StoredValueError("a recharge is a whole number of fen", "bad_amount")
    if not rules.enabled:
        raise StoredValueError("stored value is not offered by this brand", "disabled")
    if amount < rules.min_recharge:
        raise StoredValueError(f"a recharge is at least ¥{format_fen(rules.min_recharge)}",
                               "below_minimum", minimum=rules.min_recharge)
    if amount > rules.max_recharge:
        raise StoredValueError(f"a recharge is at most ¥{format_fen(rules.max_recharge)}",
                               "above_maximum", maximum=rules.max_recharge)
    rule = best_rule(amount, rules)
    return Grant(amount, rule.bonus if rule else 0, rule)


def spendable(balance: Balance) -> Fen:
    """What can be spent: the positive parts, less what a negative part owes."""
    return max(0, min(max(balance.principal, 0) + max(balance.bonus, 0), balance.total))


def split_spend(balance: Balance, amount: Fen, bonus_first: bool = False) -> Movement:
    """The movement that spends ``amount`` (> 0) of ``balance``: principal first by default.

    A part that is negative (an overdrawn account) gives nothing and is repaid first: what can
    be spent is :func:`spendable`. More is refused: the till never overdraws an account itself.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise StoredValueError("a balance payment is a positive whole number of fen",
                               "bad_amount")
    principal, bonus = max(balance.principal, 0), max(balance.bonus, 0)
    available = spendable(balance)
    if amount > available:
        raise StoredValueError(
            f"the balance is ¥{format_fen(available)}, short of "
            f"¥{format_fen(amount)} by ¥{format_fen(amount - available)}",
            "insufficient_balance", available=available)
    if bonus_first:
        from_bonus = min(bonus, amount)
        return Movement(-(amount - from_bonus), -from_bonus)
    from_principal = min(principal, amount)
    return Movement(-from_principal, -(amount - from_principal))


def refund_of_spend(spent: Movement, returned: Movement, amount: Fen) -> Movement:
    """What a refund of ``amount`` of a sale's balance payment puts back.

    ``spent`` is the sale's spend (negative parts), ``returned`` what earlier refunds of the
    sale put back (positive parts). The amount is shared between principal and bonus in the
    proportion of the spend (half up on the principal), and never returns more to a part than
    is left of it: the last refund returns exactly what is left, so a full refund nets to zero.
    """
    left_p = -spent.principal - returned.principal
    left_b = -spent.bonus - returned.bonus
    if amount <= 0:
        raise StoredValueError("a refund to the balance is a positive amount", "bad_amount")
    if amount > left_p + left_b:
        raise StoredValueError(
            f"the sale has ¥{format_fen(left_p + left_b)} of balance payment left to refund",
            "refund_exceeds_spend", left=left_p + left_b)
    if amount == left_p + left_b:
        return Movement(left_p, left_b)
    whole = -spent.total
    p = (2 * amount * -spent.principal + whole) // (2 * whole)  # round half up
    p = max(amount - left_b, min(p, left_p))
    return Movement(p, amount - p)


@dataclass(frozen=True)
class RechargeRefund:
    cash_back: Fen  # handed back to the customer
    movement: Movement  # taken out of the account (negative parts)
    bonus_spent: Fen  # of this recharge's bonus, already spent


def refund_of_recharge(principal: Fen, bonus: Fen, balance: Balance) -> RechargeRefund:
    """Refund a recharge of ``principal`` that gave ``bonus``, from the account's ``balance``.

    The recharge's principal still in the account (at most ``principal``) is taken out; its
    bonus still there (at most ``bonus``) is removed; the customer gets the principal taken
    out less the bonus already spent.
    """
    bonus_left = min(bonus, max(balance.bonus, 0))
    bonus_spent = bonus - bonus_left
    principal_left = min(principal, max(balance.principal, 0))
    cash_back = principal_left - bonus_spent
    if cash_back < 0:
        raise StoredValueError(
            f"this recharge cannot be refunded: ¥{format_fen(bonus_spent)} of its bonus was "
            f"spent and only ¥{format_fen(principal_left)} of its principal is left",
            "bonus_spent_exceeds_principal", bonus_spent=bonus_spent,
            principal_left=principal_left)
    return RechargeRefund(cash_back, Movement(-principal_left, -bonus_left), bonus_spent)


def offline_allowance(limit: Fen, spent_today: Fen) -> Fen:
    """What one till may still take from a member's balance today while offline."""
    return max(limit - spent_today, 0)


@dataclass
class Ledger:
    """Movements in order; the balance is their sum (used by tests and the central's checks)."""

    movements: list[Movement] = field(default_factory=list)

    def add(self, m: Movement) -> None:
        self.movements.append(m)

    @property
    def balance(self) -> Balance:
        b = Balance()
        for m in self.movements:
            b = b.plus(m)
        return b
