"""`python -m pos_member quote -`: the JSON quote contract, run as a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
MONEY_KEYS = ("subtotal", "tier_discount", "coupon_discount", "points_value", "rounding",
              "total")
LINE_MONEY_KEYS = ("amount", "tier_discount", "coupon_discount", "points_value", "rounding",
                   "paid")


def run_quote(payload, *args: str) -> subprocess.CompletedProcess:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return subprocess.run([sys.executable, "-m", "pos_member", "quote", *args, "-"],
                          input=text, check=False, capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, timeout=60)


def ok(payload) -> dict:
    proc = run_quote(payload)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


def fen(text: str) -> int:
    assert AMOUNT.match(text), text
    sign = -1 if text.startswith("-") else 1
    whole, frac = text.lstrip("-").split(".")
    return sign * (int(whole) * 100 + int(frac))


def basic(**extra) -> dict:
    req = {"at": "2026-11-24T15:30:00+08:00",
           "lines": [{"sku": "A", "unit_price": "10.00", "qty": "1"}]}
    req.update(extra)
    return req


# The worked example: a silver member on a Wednesday (member day, ×2)
#   L1 coffee ¥32.00 × 2 = 6400, 95折 320 -> 6080
#   L2 weighed ¥29.90/kg × 0.350 = 1046.5 -> 1047, 95折 52.35 -> 52 -> 995
#   L3 gift card ¥50.00, not discountable, not points-eligible -> 5000
#   subtotal 12447, tier 372, left 12075
#   C10: ¥10 off coffee from ¥60 (coffee after tier 6080 >= 6000) -> L1 5080
#   EXP: expired
#   20 points (balance 100, 50 % of 11075 = 55): 2000 over 5080 : 995 : 5000 (sum 11075)
#     -> 917.4, 179.7, 902.9 -> 917, 179, 902 + 2 fen to L3 and L2 -> 917, 180, 903
#     points 20 over 917 : 180 : 903 -> 9.17, 1.8, 9.03 -> 9, 1, 9 + 1 to L2 -> 9, 2, 9
#   paid 4163, 815, 4097 = 9075 (¥90.75)
#   earning on L1 + L2 = 4978: floor(4978 × 2 / 1000) = 9 points, growth floor(49.78) = 49
#   growth 3000 + 49 = 3049: still silver, gold needs 6000 − 3049 = 2951
EXAMPLE = {
    "at": "2026-11-25T15:30:00+08:00",
    "member": {"id": "m-1", "tier": "silver", "growth": 3000, "points": 100,
               "last_purchase_at": "2026-11-20T12:00:00+08:00"},
    "lines": [
        {"sku": "L1", "name": "拿铁", "unit_price": "32.00", "qty": "2", "category": "coffee"},
        {"sku": "L2", "name": "车厘子", "unit_price": "29.90", "qty": "0.350",
         "category": "fruit"},
        {"sku": "L3", "name": "礼品卡", "unit_price": "50.00", "qty": "1",
         "discountable": False, "points_eligible": False},
    ],
    "coupons": [
        {"code": "C10", "kind": "amount_off", "value": "10.00", "threshold": "60.00",
         "categories": ["coffee"]},
        {"code": "EXP", "kind": "percent_off", "rate": "0.80",
         "valid_to": "2026-11-01T00:00:00+08:00"},
    ],
    "redeem_points": 20,
    "online": False,
}


def test_worked_example_figures():
    out = ok(EXAMPLE)
    assert out["subtotal"] == "124.47"
    assert out["tier_discount"] == "3.72"
    assert out["coupon_discount"] == "10.00"
    assert out["points_redeemed"] == 20
    assert out["points_value"] == "20.00"
    assert out["rounding"] == "0.00"
    assert out["total"] == "90.75"
    assert [x["amount"] for x in out["lines"]] == ["64.00", "10.47", "50.00"]
    assert [x["tier_discount"] for x in out["lines"]] == ["3.20", "0.52", "0.00"]
    assert [x["coupon_discount"] for x in out["lines"]] == ["10.00", "0.00", "0.00"]
    assert [x["points_value"] for x in out["lines"]] == ["9.17", "1.80", "9.03"]
    assert [x["points_redeemed"] for x in out["lines"]] == [9, 2, 9]
    assert [x["paid"] for x in out["lines"]] == ["41.63", "8.15", "40.97"]
    assert out["applied_coupons"] == ["C10"]
    assert out["coupon_details"] == [{"code": "C10", "discount": "10.00"}]
    assert out["rejected_coupons"] == [{"code": "EXP", "reason": "expired"}]
    assert out["redeem_limited_by"] is None
    assert out["points_earned"] == 9
    assert out["growth_earned"] == 49
    assert out["multiplier"] == "2"
    assert out["multiplier_source"] == "member_day"
    assert out["tier_before"] == "silver" and out["tier_after"] == "silver"
    assert {"kind": "next_tier", "tier": "gold", "growth_needed": 2951,
            "amount": "2951.00"} in out["hints"]
    assert {"kind": "member_day", "multiplier": "2"} in out["hints"]


def test_result_shape_and_amount_strings():
    out = ok(EXAMPLE)
    assert set(out) == {
        "subtotal", "tier_discount", "coupon_discount", "points_redeemed", "points_value",
        "rounding", "total", "lines", "applied_coupons", "coupon_details", "rejected_coupons",
        "redeem_limited_by", "points_earned", "growth_earned", "multiplier",
        "multiplier_source", "tier_before", "tier_after", "hints",
        # issue 11: member prices, member days and gifts (fields are only ever added)
        "member_price_saving", "member_day_rate", "multiplier_rule", "gifts",
    } | ({"benefits_used", "benefit_discount", "mall_lines", "mall_points"} & set(out))
    for k in MONEY_KEYS:
        assert isinstance(out[k], str) and AMOUNT.match(out[k]), (k, out[k])
    for k in ("points_redeemed", "points_earned", "growth_earned"):
        assert isinstance(out[k], int) and not isinstance(out[k], bool)
    assert len(out["lines"]) == 3
    for x in out["lines"]:
        assert set(x) - {"benefit_discount", "mall"} == {
            "sku", *LINE_MONEY_KEYS, "points_redeemed", "shelf_amount", "member_price_saving"}
        for k in LINE_MONEY_KEYS:
            assert AMOUNT.match(x[k]), (k, x[k])
    # the lines' paid add up to the total, and each column to its header
    assert sum(fen(x["paid"]) for x in out["lines"]) == fen(out["total"])
    for k in ("amount", "tier_discount", "coupon_discount", "points_value", "rounding"):
        head = "subtotal" if k == "amount" else k
        assert sum(fen(x[k]) for x in out["lines"]) == fen(out[head])
    assert sum(x["points_redeemed"] for x in out["lines"]) == out["points_redeemed"]


def test_non_member_minimal_request():
    out = ok(basic())
    assert out["total"] == "10.00"
    assert out["tier_before"] is None and out["tier_after"] is None
    assert out["points_earned"] == 0
    assert out["hints"] == []


def test_threshold_at_300_and_cash_rounding_through_the_cli():
    # 满300减30 at exactly ¥300.00: 27000; with 抹零 to the yuan nothing changes (exact)
    coupon = {"code": "M300", "kind": "amount_off", "value": "30.00", "threshold": "300.00"}
    out = ok(basic(lines=[{"sku": "A", "unit_price": "300.00", "qty": "1"}], coupons=[coupon]))
    assert out["total"] == "270.00"
    # ¥299.99: below the threshold by 0.01
    out = ok(basic(lines=[{"sku": "A", "unit_price": "299.99", "qty": "1"}], coupons=[coupon]))
    assert out["total"] == "299.99"
    assert out["rejected_coupons"] == [{"code": "M300", "reason": "below_threshold"}]
    # ¥12.34 + ¥5.67 = 1801 rounded to the jiao: 1800 (rounding 0.01 on the larger line)
    out = ok(basic(lines=[{"sku": "A", "unit_price": "12.34", "qty": "1"},
                          {"sku": "B", "unit_price": "5.67", "qty": "1"}],
                   rules={"cash_rounding": "jiao"}))
    assert out["rounding"] == "0.01"
    assert out["total"] == "18.00"
    assert sum(fen(x["paid"]) for x in out["lines"]) == 1800


def test_cashier_override_through_the_cli():
    coupons = [{"code": "BIG", "kind": "amount_off", "value": "3.00"},
               {"code": "SMALL", "kind": "amount_off", "value": "1.00"}]
    out = ok(basic(coupons=coupons, chosen_coupons=["SMALL"]))
    assert out["applied_coupons"] == ["SMALL"]
    assert out["rejected_coupons"] == [{"code": "BIG", "reason": "not_chosen"}]
    assert out["total"] == "9.00"


def test_quote_reads_a_file_and_pretty_prints(tmp_path):
    f = tmp_path / "basket.json"
    f.write_text(json.dumps(EXAMPLE, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pos_member", "quote", "--pretty", str(f)],
                          check=False, capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "\n  " in proc.stdout  # indented
    assert json.loads(proc.stdout)["total"] == "90.75"


# --- bad input: exit status 2, one line naming the field, never a traceback -------------------


def bad(payload, *args: str) -> str:
    proc = run_quote(payload, *args)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    message = proc.stderr.strip()
    assert message and "\n" not in message, proc.stderr
    return message


def with_line(**fields) -> dict:
    ln = {"sku": "A", "unit_price": "10.00", "qty": "1"}
    ln.update(fields)
    return basic(lines=[ln])


@pytest.mark.parametrize("payload, field", [
    (basic(member={"id": "m", "tier": "platinum"}), "member.tier"),
    (with_line(unit_price="-1.00"), "lines[0].unit_price"),
    ('{"at": "2026-11-24T15:30:00+08:00", "lines": [', "JSON"),
    ("", "JSON"),
    ("not json", "JSON"),
    (basic(coupons=[{"code": "X", "kind": "amount_off"}]), "coupons[0].value"),
    (basic(coupons=[{"code": "X", "kind": "percent_off"}]), "coupons[0].rate"),
    (basic(coupons=[{"code": "X", "kind": "amount_off", "value": None, "rate": None}]),
     "coupons[0].value"),
    (with_line(qty="0"), "lines[0].qty"),
    (with_line(qty="0.000"), "lines[0].qty"),
    (with_line(qty="-1"), "lines[0].qty"),
    (with_line(qty=1.5), "lines[0].qty"),                 # a float is not a quantity string
    (with_line(qty="abc"), "lines[0].qty"),
    (with_line(unit_price=10), "lines[0].unit_price"),     # money must be a string
    (with_line(unit_price="10.001"), "lines[0].unit_price"),
    (with_line(discountable="yes"), "lines[0].discountable"),
    (with_line(colour="red"), "lines[0].colour"),
    ({"lines": [{"sku": "A", "unit_price": "1.00", "qty": "1"}]}, "at"),
    (basic(at="2026-11-24T15:30:00"), "at"),               # no UTC offset
    (basic(at="yesterday"), "at"),
    (basic(lines=[]), "lines"),
    ([1, 2], "request"),
    (basic(member={"tier": "gold"}), "member.id"),
    (basic(member={"id": "m", "tier": "gold", "points": "5"}), "member.points"),
    (basic(member={"id": "m", "tier": "gold", "birthday": "1990-02-30"}), "member.birthday"),
    (basic(coupons=[{"code": "X", "kind": "gift"}]), "coupons[0].kind"),
    (basic(coupons=[{"code": "X", "kind": "percent_off", "rate": "1.20"}]), "coupons[0].rate"),
    (basic(coupons=[{"code": "X", "kind": "amount_off", "value": "0.00"}]), "coupons[0].value"),
    (basic(coupons=[{"code": "X", "kind": "amount_off", "value": "1.00", "weekdays": [8]}]),
     "coupons[0].weekdays"),
    (basic(coupons=[{"code": "X", "kind": "amount_off", "value": "1.00", "tiers": ["vip"]}]),
     "coupons[0].tiers"),
    (basic(coupons=[{"code": "X", "kind": "amount_off", "value": "1.00"},
                    {"code": "X", "kind": "amount_off", "value": "2.00"}]), "coupons[1].code"),
    (basic(redeem_points=-1), "redeem_points"),
    (basic(redeem_points=1.5), "redeem_points"),
    (basic(online="no"), "online"),
    (basic(rules={"cash_rounding": "fen"}), "cash_rounding"),
    (basic(rules={"nope": 1}), "nope"),
    (basic(rules={"max_coupons_per_order": 0}), "max_coupons_per_order"),
    (basic(chosen_coupons=["ZZ"]), "ZZ"),
    (basic(chosen_coupons="ZZ"), "chosen_coupons"),
])
def test_bad_input_exits_2_with_one_line_naming_the_field(payload, field):
    message = bad(payload)
    assert message.startswith("pos-member quote: ")
    assert field in message, message


def test_missing_file_exits_2():
    proc = subprocess.run([sys.executable, "-m", "pos_member", "quote", "/nonexistent/x.json"],
                          check=False, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "/nonexistent/x.json" in proc.stderr


def test_far_future_coupon_end_does_not_crash():
    coupon = {"code": "FOREVER", "kind": "amount_off", "value": "1.00",
              "valid_to": "9999-12-31T23:59:59+00:00"}
    out = ok(basic(coupons=[coupon]))       # valid until the end of time: it applies
    assert out["applied_coupons"] == ["FOREVER"] and out["total"] == "9.00"


def test_out_of_range_date_is_a_clean_error():
    proc = run_quote(basic(at="9999-12-31T12:00:00+08:00", member={"id": "m", "tier": "gold"}))
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == "pos-member quote: at: the year must be between 1970 and 9000"


def test_deeply_nested_json_is_a_clean_error():
    bad("[" * 100000)


def test_absurdly_long_number_is_a_clean_error():
    text = json.dumps(basic())[:-1] + ', "redeem_points": 1' + "0" * 5000 + "}"
    bad(text)


def test_mixed_naive_and_aware_coupon_window_is_a_clean_error():
    coupon = {"code": "X", "kind": "amount_off", "value": "1.00",
              "valid_from": "2026-11-01T00:00:00+08:00", "valid_to": "2026-12-01T00:00:00"}
    assert "coupons[0]" in bad(basic(coupons=[coupon]))
