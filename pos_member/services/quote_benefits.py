"""The quote contract's benefits part (docs/quote.md, "Benefits and points mall").

A request may carry ``benefits``::

    "benefits": {
      "programme": {...},      # domain.benefits.Programme.to_dict(): definitions, rewards
      "balances": [{"benefit": "UPSIZE", "source": "quota", "remaining": 1,
                    "period_key": "2026-11", "expires_on": "2026-11-30", "total": 1}, ...],
      "redeem": [{"benefit": "UPSIZE", "line": 0, "source": null}],
      "mall": [{"reward": "MUG", "line": 1, "qty": 1}]
    }

and every result carries ``benefits_used``, ``benefit_discount``, ``mall_lines`` and
``mall_points`` (empty and zero for a request without benefits: old requests keep their old
answers). Hints about the balances (``benefit_left``, ``card_left``, ``card_expiring``) follow
the engine's own hints, only for a request that sends balances.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pos_member.domain import benefits as bd
from pos_member.domain.mall import MallClaim
from pos_member.domain.money import format_fen

_KEYS = {"programme", "balances", "redeem", "mall"}


def parse(raw: Any, error: type[ValueError]) -> bd.BenefitRequest | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise error("benefits: expected an object")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise error(f"benefits.{unknown[0]}: unknown field")
    try:
        prog = bd.Programme.from_dict(raw.get("programme") or {})
        bals = raw.get("balances") or []
        if not isinstance(bals, list):
            raise error("benefits.balances: expected a list")
        balances = tuple(bd.Balance.from_dict(b, f"benefits.balances[{i}]")
                         if isinstance(b, dict) else _bad(error, f"benefits.balances[{i}]")
                         for i, b in enumerate(bals))
        claims = []
        for i, c in enumerate(_list(raw, "redeem", error)):
            w = f"benefits.redeem[{i}]"
            if not isinstance(c, dict) or not isinstance(c.get("benefit"), str) \
                    or not _is_int(c.get("line")) \
                    or not isinstance(c.get("source"), (str, type(None))):
                raise error(f"{w}: expected {{\"benefit\": code, \"line\": n, \"source\": "
                            "\"quota\" | card id | null}")
            claims.append(bd.Claim(c["benefit"], c["line"], c.get("source")))
        mall = []
        for i, c in enumerate(_list(raw, "mall", error)):
            w = f"benefits.mall[{i}]"
            if not isinstance(c, dict) or not isinstance(c.get("reward"), str) \
                    or not _is_int(c.get("line")) or not _is_int(c.get("qty", 1)):
                raise error(f"{w}: expected {{\"reward\": code, \"line\": n, \"qty\": n}}")
            mall.append(MallClaim(c["reward"], c["line"], c.get("qty", 1)))
    except bd.BenefitError as exc:
        raise error(f"benefits: {exc}") from None
    return bd.BenefitRequest(prog.benefits, balances, tuple(claims), prog.rewards, tuple(mall))


def _bad(error: type[ValueError], where: str):
    raise error(f"{where}: expected an object")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _list(raw: dict, key: str, error: type[ValueError]) -> list:
    v = raw.get(key) or []
    if not isinstance(v, list):
        raise error(f"benefits.{key}: expected a list")
    return v


def to_json(result: Any) -> dict[str, Any]:
    return {
        "benefits_used": [u.to_dict() for u in result.benefits_used],
        "benefit_discount": format_fen(result.benefit_discount),
        "mall_lines": [m.to_dict() for m in result.mall_lines],
        "mall_points": result.mall_points,
    }


def with_hints(req: Any, result: Any) -> Any:
    """The result with the benefit hints after the engine's (a request with balances only)."""
    b = req.benefits
    if b is None or not b.balances or req.member is None:
        return result
    prog = bd.Programme(benefits=b.definitions)
    # what the claims of this basket spend is no longer left
    spent: dict[tuple[str, str], int] = {}
    for u in result.benefits_used:
        spent[(u.benefit, u.source)] = spent.get((u.benefit, u.source), 0) + 1
    left = tuple(replace(x, remaining=None if x.remaining is None
                         else x.remaining - spent.get((x.benefit, x.source), 0))
                 for x in b.balances)
    extra = bd.hints(prog, left, req.at.date())
    return replace(result, hints=tuple(result.hints) + extra)
