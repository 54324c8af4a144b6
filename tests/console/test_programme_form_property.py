"""Property: the programme form made from any valid rules document submits that document
back unchanged (whatever the tiers, member days, lists and flags), so saving a form without
touching it never changes the programme; and a changed value arrives as typed."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_central.console.programme import document_from_form, field_specs, validate
from pos_central.console.web import Form, templates
from pos_member.domain.rules import DEFAULT_RULES, Rules
from tests.console.test_console_operations import form_pairs

STAFF = SimpleNamespace(csrf_token="t", can_change=True, is_admin=False, role="operator",
                        display_name="Op", id=1, username="op")
names = st.text(alphabet="普银金钻卡ABCxyz ", min_size=1, max_size=6).map(str.strip).filter(bool)


@st.composite
def rules_docs(draw) -> dict:
    n = draw(st.integers(1, 4))
    growths = sorted(draw(st.sets(st.integers(1, 50_000), min_size=n - 1, max_size=n - 1)))
    tiers = [{"code": f"t{i}", "name": draw(names), "name_en": draw(names),
              "min_growth": g, "discount_rate": str(draw(st.sampled_from(
                  [Decimal("1.00"), Decimal("0.95"), Decimal("0.9"), Decimal("0.88")]))),
              "points_multiplier": str(draw(st.sampled_from([1, 2, Decimal("1.5")])))}
             for i, g in enumerate([0, *growths])]
    codes = [t["code"] for t in tiers]
    doc = {"tiers": tiers,
           "earn_unit": f"{draw(st.integers(1, 50))}.00",
           "redeem_max_ratio": str(draw(st.sampled_from(["0.50", "0.3", "1"]))),
           "member_day_weekdays": sorted(draw(st.sets(st.integers(1, 7), max_size=3))),
           "member_day_tiers": draw(st.lists(st.sampled_from(codes), unique=True)),
           "birthday_tiers": draw(st.lists(st.sampled_from(codes), unique=True)),
           "max_coupons_per_order": draw(st.integers(1, 5)),
           "win_back_offer": draw(st.sampled_from(["", "回来吧 ¥15"])),
           "cash_rounding": draw(st.sampled_from(["none", "jiao", "yuan"]))}
    if "member_days" in DEFAULT_RULES.to_dict():
        doc["member_days"] = [
            {"id": f"d{i}", "name": draw(names), "weekdays": [draw(st.integers(1, 7))],
             "month_days": sorted(draw(st.sets(st.integers(1, 31), max_size=2))),
             "benefits": [{"tier": c, "points_multiplier": "3"} for c in
                          draw(st.lists(st.sampled_from(codes), unique=True, min_size=1))]}
            for i in range(draw(st.integers(0, 2)))]
    return Rules.from_dict(doc).to_dict()


def _form_of(doc: dict) -> list[tuple[str, str]]:
    html = templates.get_template("programme.html").render(
        request=None, staff=STAFF, prefix="/console", path="/console/programme", flash="",
        sections=field_specs(doc), errors={}, preview=None, effective_at="", note="",
        form=None, latest=None, versions=[], published=[], sample_basket="")
    return [(k, v) for k, v in form_pairs(html, "programme-form") if k != "csrf_token"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules_docs())
def test_an_untouched_form_submits_the_same_rules(doc):
    assert document_from_form(Form(_form_of(doc)), doc) == doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules_docs(), st.integers(1, 99), st.sampled_from(["0.25", "0.8"]))
def test_a_changed_field_arrives_typed_and_nothing_else_moves(doc, limit, ratio):
    pairs = [(k, {"f.offline_daily_redeem_limit": str(limit),
                  "f.redeem_max_ratio": ratio}.get(k, v)) for k, v in _form_of(doc)]
    new = document_from_form(Form(pairs), doc)
    assert new["offline_daily_redeem_limit"] == limit and new["redeem_max_ratio"] == ratio
    rules, errors = validate(new, Rules.from_dict(doc))
    assert errors == {}
    out = rules.to_dict()
    assert out["offline_daily_redeem_limit"] == limit
    assert Decimal(out["redeem_max_ratio"]) == Decimal(ratio)
    assert {k: v for k, v in out.items() if k not in ("offline_daily_redeem_limit",
                                                      "redeem_max_ratio")} == {
        k: v for k, v in doc.items() if k not in ("offline_daily_redeem_limit",
                                                  "redeem_max_ratio")}
