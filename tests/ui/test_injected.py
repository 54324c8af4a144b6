"""Dependencies are passed, not patched into module globals: each database worker has its own
failure handler and an op runs on the worker it is given; enrolment is a parameter."""

from __future__ import annotations

import pytest

from pos_member.services import settings
from pos_member.services.errors import InvalidInput
from pos_member.ui import worker as worker_module
from pos_member.ui.worker import DbWorker, Op


def _boom():
    raise InvalidInput("no", code="bad")


def test_each_worker_sends_unhandled_failures_to_its_own_handler(qtbot):
    seen_a, seen_b = [], []
    a, b = DbWorker(on_failure=seen_a.append), DbWorker(on_failure=seen_b.append)
    try:
        Op(_boom).run(a)
        qtbot.waitUntil(lambda: a.pending == 0)
        Op(_boom).run(b)
        Op(_boom).run(b)
        qtbot.waitUntil(lambda: b.pending == 0)
        assert [e.code for e in seen_a] == ["bad"] and [e.code for e in seen_b] == ["bad", "bad"]
        handled = []
        Op(_boom).failure(handled.append).run(a)  # a callback of its own wins
        qtbot.waitUntil(lambda: a.pending == 0)
        assert len(handled) == 1 and len(seen_a) == 1
    finally:
        a.stop()
        b.stop()


def test_an_op_needs_its_worker_and_there_is_no_module_default():
    with pytest.raises(TypeError):
        Op(_boom).run()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Op(_boom).run(None)  # type: ignore[arg-type]
    for name in ("set_default_worker", "default_worker", "set_default_failure",
                 "default_failure"):
        assert not hasattr(worker_module, name), name


def test_enrolment_is_passed_not_hooked(tmp_path):
    from tests.services.support import make_till

    till = make_till(tmp_path)
    calls = []

    def enrol(ctx, url, code, name):
        calls.append((url, code, name))
        return settings.EnrolmentStatus("enrolled", "", "T-9")

    assert not hasattr(settings, "ENROL_HOOK")
    status = settings.enrol_terminal(till.ctx, "https://pos.example.com/", "7kq4-m2xd-9rtb",
                                     "Till 3", enrol=enrol)
    assert status.state == "enrolled"
    assert calls == [("https://pos.example.com", "7KQ4M2XD9RTB", "Till 3")]
    # another call without it: the code is recorded for the engine
    assert settings.enrol_terminal(till.ctx, "https://pos.example.com", "7KQ4M2XD9RTB").state \
        == "pending"


def test_each_window_names_tiers_from_its_own_book():
    from pos_member.domain.rules import DEFAULT_RULES
    from pos_member.ui import tiers
    from pos_member.ui.i18n import tier_discount, tier_name
    from pos_member.ui.report_data import tier_on_paper

    renamed = DEFAULT_RULES.with_overrides({"tiers": [
        {"code": "regular", "name": "白卡", "name_en": "White", "min_growth": 0,
         "discount_rate": "1"},
        {"code": "gold", "name": "黑金卡", "name_en": "Black Gold", "min_growth": 6000,
         "discount_rate": "0.88"}]})
    brand, default = tiers.TierBook(), tiers.TierBook()
    assert brand.set_rules(renamed) is True and brand.set_rules(renamed) is False
    assert tier_name("gold", brand) == "Black Gold" and tier_name("gold", default) == "Gold"
    assert tier_discount("gold", brand) == "12% off"
    assert tier_on_paper("gold", brand) == "黑金卡 Black Gold"
    assert brand.discount_note("gold") == "黑金卡 88折"
    assert default.discount_note("gold") == "金卡 9折"
    for name in ("rules", "set_rules", "paper_name", "receipt_name", "discount_note"):
        assert not hasattr(tiers, name), name  # no module-level copy of the rules
