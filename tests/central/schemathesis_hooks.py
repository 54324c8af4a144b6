"""Schemathesis hooks for tests/central/test_schemathesis.py (SCHEMATHESIS_HOOKS names this module).

The OpenAPI document states every rule JSON Schema can express (types, bounds, patterns, the
time-zone list, required fields). A few rules span several fields and JSON Schema cannot state
them; they are in the operations' and models' descriptions and in docs/sync-api.md:

- a sale's figures add up (lines, discounts, coupons, points value, rounding, money tenders),
  a refund's amount and points returned are its lines' sums, line numbers are unique, points
  and growth need a member;
- ``payload.terminal_id``, when given, is the pushing terminal;
- an audit head's ``prev_ack_seq``/``prev_ack_hash`` come together, not after ``seq``;
- stored value: a sale's or refund's ``stored_value`` parts are its ``stored_value`` tenders
  and need a member; a recharge's tenders cover ``amount_fen``; a recharge refund's
  ``cash_back_fen`` is ``principal_fen − bonus_spent_fen`` and its tenders cover it;
- ``/v1/members/lookup`` takes exactly one of ``phone``, ``card``, ``id``;
- integers are integer literals (JSON Schema's "integer" also admits ``28.0``).

``map_case`` makes *positive* cases (those schemathesis means to be valid) obey them, so the
"schema-valid request rejected" check stays on for everything else. Negative cases are left as
generated: they must still be refused.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import GenerationMode

POINTS_LIMIT = 10**10  # protocol Points: at most 10^10
LIMIT = 10**12  # the protocol's money bound


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _money_tenders_cover(payments: list[dict], amount: int) -> None:
    money = [x for x in payments if isinstance(x, dict) and x.get("tender") != "points"]
    if money:
        for x in money[1:]:
            x["amount_fen"] = 0
        money[0]["amount_fen"] = amount


def _fix_sale(pl: dict) -> None:
    lines = [x for x in pl.get("lines", []) if isinstance(x, dict)]
    cap = LIMIT // max(1, len(lines))
    for no, line in enumerate(lines, start=1):
        line["line_no"] = no
        line["amount_fen"] = min(line.get("amount_fen", 0), cap)
        parts = ("tier_discount_fen", "coupon_discount_fen", "points_value_fen", "rounding_fen")
        paid = line["amount_fen"] - sum(line.get(k, 0) for k in parts)
        if not 0 <= paid <= LIMIT or abs(line.get("rounding_fen", 0)) > line["amount_fen"]:
            for k in parts:
                line[k] = 0
            paid = line["amount_fen"]
        line["paid_fen"] = paid
    if pl.get("member_id") is None:
        for line in lines:
            line["points_redeemed"] = 0
        pl.update(points_earned=0, growth_earned=0)
    sums = {k: sum(x.get(k, 0) for x in lines) for k in (
        "amount_fen", "tier_discount_fen", "coupon_discount_fen", "points_value_fen",
        "rounding_fen", "points_redeemed", "paid_fen")}
    pl.update(subtotal_fen=sums["amount_fen"], tier_discount_fen=sums["tier_discount_fen"],
              coupon_discount_fen=sums["coupon_discount_fen"],
              points_value_fen=sums["points_value_fen"], rounding_fen=sums["rounding_fen"],
              points_redeemed=sums["points_redeemed"], total_fen=sums["paid_fen"])
    coupons = [c for c in pl.get("coupons", []) if isinstance(c, dict)]
    if coupons:
        for c in coupons:
            c["discount_fen"] = 0
        coupons[0]["discount_fen"] = sums["coupon_discount_fen"]
    elif sums["coupon_discount_fen"]:
        pl["coupons"] = [{"code": "HOOK-COUPON", "discount_fen": sums["coupon_discount_fen"]}]
    _money_tenders_cover(pl.get("payments", []), pl["total_fen"])


def _fix_refund(pl: dict) -> None:
    lines = [x for x in pl.get("lines", []) if isinstance(x, dict)]
    cap = LIMIT // max(1, len(lines))
    for line in lines:
        line["amount_fen"] = min(line.get("amount_fen", 0), cap)
        if "points_returned" in line:  # the payload's sum is bounded like each line's
            line["points_returned"] = min(line["points_returned"], POINTS_LIMIT // max(1, len(lines)))
    pl["amount_fen"] = sum(x["amount_fen"] for x in lines)
    pl["points_returned"] = sum(x.get("points_returned", 0) for x in lines)
    _money_tenders_cover(pl.get("payments", []), pl["amount_fen"])


def _fix_stored_value(pl: dict) -> None:
    """Stored value on a sale or refund: its parts are the ``stored_value`` tenders, and it
    needs a member (run after the money tenders cover the amount)."""
    pays = [x for x in pl.get("payments", []) if isinstance(x, dict)]
    for x in pays:
        if x.get("tender") == "stored_value":
            x["tender"] = "cash"
    use = pl.get("stored_value")
    if not isinstance(use, dict):
        return
    if pl.get("member_id") is None:
        pl["stored_value"] = None
        return
    money = [x for x in pays if x.get("tender") != "points"]
    if money:
        money[0]["tender"] = "stored_value"
        use["principal_fen"], use["bonus_fen"] = money[0]["amount_fen"], 0
    else:
        use["principal_fen"] = use["bonus_fen"] = 0


def _fix_recharge(pl: dict) -> None:
    _money_tenders_cover(pl.get("payments", []), pl.get("amount_fen", 0))


def _fix_recharge_refund(pl: dict) -> None:
    principal = pl.get("principal_fen", 0)
    pl["bonus_spent_fen"] = min(pl.get("bonus_spent_fen", 0), principal)
    pl["cash_back_fen"] = principal - pl["bonus_spent_fen"]
    _money_tenders_cover(pl.get("payments", []), pl["cash_back_fen"])


def _fix_audit_head(pl: dict) -> None:
    if (pl.get("prev_ack_seq") is None) != (pl.get("prev_ack_hash") is None):
        pl["prev_ack_seq"] = pl["prev_ack_hash"] = None
    if pl.get("prev_ack_seq") is not None and pl["prev_ack_seq"] > pl.get("seq", 0):
        pl["prev_ack_seq"] = pl["prev_ack_hash"] = None


FIXES = {"sale": _fix_sale, "refund": _fix_refund, "audit_head": _fix_audit_head,
         "recharge": _fix_recharge, "recharge_refund": _fix_recharge_refund}


def _integral(value: Any) -> Any:
    """``28.0`` -> ``28``: JSON Schema's "integer" admits a number with a zero fraction, the
    service wants integer literals (money sent as 28.0 is a till bug it refuses)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(x) for x in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def fix_push_body(body: Any) -> None:
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        body["events"] = _integral(body["events"])
    for event in body.get("events", []) if isinstance(body, dict) else []:
        if not isinstance(event, dict) or not isinstance(event.get("payload"), dict):
            continue
        payload = event["payload"]
        if "terminal_id" in payload:
            payload["terminal_id"] = None  # the pushing terminal's own id is not known here
        fix = FIXES.get(event.get("kind"))
        if fix is not None:
            fix(payload)
        if event.get("kind") in ("sale", "refund"):
            _fix_stored_value(payload)


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if not _positive(case):
        return case
    path = case.operation.path
    if path == "/v1/push" and isinstance(case.body, dict):
        fix_push_body(case.body)
    elif path == "/v1/members/lookup":
        query = dict(case.query or {})
        given = [k for k in ("phone", "card", "id") if query.get(k) is not None]
        keep = given[0] if given else None
        for k in given[1:]:
            query.pop(k)
        if keep is None:
            query["card"] = "000000000000"
        case.query = query
    return case
