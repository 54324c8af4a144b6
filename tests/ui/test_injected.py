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
