"""The points mall (积分兑换): rewards priced in points, with stock per store.

A reward is either a product (a catalogue SKU handed over) or a coupon (issued to the member
by the central service from a template). Either way the till records it as a sale line of the
reward's SKU priced at zero and paid with points: ``points × qty`` come off the member's
balance, one unit of stock off the store's. A redemption is checked before the cashier
offers it: the member's points and the store's stock.

Stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .benefits import BenefitError

REWARD_KINDS = ("product", "coupon")


class MallError(BenefitError):
    """A redemption that cannot be made; ``code``: out_of_stock, not_enough_points,
    unknown_reward, no_member, bad_quantity, inactive."""


@dataclass(frozen=True)
class Reward:
    code: str
    name: str
    points: int  # per unit
    sku: str  # the catalogue product the sale line carries (a coupon reward's own SKU)
    kind: str = "product"
    coupon_template: str | None = None  # kind coupon: the template coupon code
    active: bool = True
    name_en: str = ""

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 64:
            raise MallError("reward code: 1 to 64 characters")
        if not isinstance(self.points, int) or isinstance(self.points, bool) or self.points < 1:
            raise MallError(f"reward {self.code}: points must be a whole number of at least 1")
        if self.kind not in REWARD_KINDS:
            raise MallError(f"reward {self.code}: kind is product or coupon")
        if self.kind == "coupon" and not self.coupon_template:
            raise MallError(f"reward {self.code}: a coupon reward names its coupon_template")
        if not self.sku:
            raise MallError(f"reward {self.code}: name the SKU its sale line carries")

    def display_name(self, lang: str = "zh") -> str:
        return (self.name_en or self.name) if lang.startswith("en") else self.name

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en,
                "points": self.points, "sku": self.sku, "kind": self.kind,
                "coupon_template": self.coupon_template, "active": self.active}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "rewards[]") -> Reward:
        try:
            return cls(code=str(d["code"]), name=str(d.get("name") or d["code"]),
                       name_en=str(d.get("name_en", "")), points=d["points"], sku=str(d["sku"]),
                       kind=str(d.get("kind", "product")),
                       coupon_template=d.get("coupon_template"),
                       active=bool(d.get("active", True)))
        except KeyError as exc:
            raise MallError(f"{where}.{exc.args[0]} is required") from None


@dataclass(frozen=True)
class MallClaim:
    """The cashier redeems ``qty`` of reward ``reward`` for basket line ``line`` (0-based)."""

    reward: str
    line: int
    qty: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"reward": self.reward, "line": self.line, "qty": self.qty}


@dataclass(frozen=True)
class MallLine:
    reward: str
    line: int
    qty: int
    points: int  # for the whole line
    value: int  # the fen the line's amount loses (it is paid with points)

    def to_dict(self) -> dict[str, Any]:
        return {"reward": self.reward, "line": self.line, "qty": self.qty,
                "points": self.points}


def refusal(reward: Reward | None, qty: int, available_points: int | None,
            stock: int | None) -> MallError | None:
    """Why this redemption cannot be offered, or None. ``stock`` None: not stocked here
    (the store holds none); ``available_points`` None: no member."""
    if reward is None:
        return MallError("no such reward in the points mall", "unknown_reward")
    if not reward.active:
        return MallError(f"{reward.name} is no longer offered", "inactive")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
        return MallError("redeem at least one", "bad_quantity")
    if available_points is None:
        return MallError("the points mall is for members: identify the member first",
                         "no_member")
    if stock is None or stock < qty:
        have = 0 if stock is None else max(0, stock)
        return MallError(f"{reward.name}: out of stock (this store has {have})",
                         "out_of_stock")
    need = reward.points * qty
    if available_points < need:
        return MallError(f"{reward.name} needs {need} points; the member has "
                         f"{max(0, available_points)}", "not_enough_points")
    return None


def offerable(rewards, available_points: int | None, stock: Mapping[str, int]) -> list[dict]:
    """Each active reward with whether it can be offered now and, if not, why (out of stock is
    said before the cashier offers it)."""
    out = []
    for r in rewards:
        if not r.active:
            continue
        why = refusal(r, 1, available_points, stock.get(r.code))
        out.append({"reward": r.code, "name": r.name, "points": r.points,
                    "stock": max(0, stock.get(r.code, 0)),
                    "ok": why is None, "reason": None if why is None else why.code,
                    "message": None if why is None else str(why)})
    return out


def apply_mall(claims, rewards, skus, qtys, amounts, available_points: int | None
               ) -> tuple[list[int], tuple[MallLine, ...], int]:
    """Each mall claim makes its line's units paid with points: the fen each line loses, the
    mall lines and the points they cost. Raises :class:`MallError` when a claim's reward is
    unknown, its line carries another SKU, or the member lacks the points (stock is the
    till's service's check: pricing does not know the store's stock)."""
    per_line = [0] * len(amounts)
    if not claims:
        return per_line, (), 0
    by_code = {r.code: r for r in rewards}
    lines: list[MallLine] = []
    total = 0
    for c in claims:
        r = by_code.get(c.reward)
        if r is None or not r.active:
            raise MallError(f"no reward {c.reward!r} in the points mall", "unknown_reward")
        i = c.line
        if not isinstance(i, int) or not 0 <= i < len(amounts) or skus[i] != r.sku:
            raise MallError(f"{r.name}: the reward's line must carry SKU {r.sku}", "bad_line")
        if not isinstance(c.qty, int) or c.qty < 1 or qtys[i] != c.qty or per_line[i]:
            raise MallError(f"{r.name}: the line's quantity is the quantity redeemed",
                            "bad_quantity")
        per_line[i] = amounts[i]
        total += r.points * c.qty
        lines.append(MallLine(r.code, i, c.qty, r.points * c.qty, amounts[i]))
    if available_points is None:
        raise MallError("the points mall is for members: identify the member first",
                        "no_member")
    if total > available_points:
        raise MallError(f"the rewards need {total} points; the member has "
                        f"{max(0, available_points)}", "not_enough_points")
    return per_line, tuple(lines), total
