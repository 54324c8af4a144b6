"""A member's name, birthday and consent corrected at one till reach the service and, through
its change feed, the other till, over real HTTP; pinyin search finds the new name."""

from __future__ import annotations

from datetime import date

import pytest

from pos_central import models as cm
from pos_member.services import members
from pos_member.services.errors import InvalidInput
from pos_member.store.models import AuditLogEntry, Member, OutboxEvent
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import SyncTill, central_conflicts, seed_central_members


@pytest.fixture
def two_tills(make_central_server, tmp_path):
    server = make_central_server()
    seed_central_members(server)
    proxy = FaultProxy(server.host, server.port)
    a = SyncTill(tmp_path, server, proxy, "Till A")
    b = SyncTill(tmp_path, server, proxy, "Till B")
    yield server, a, b
    a.engine.close()
    b.engine.close()
    proxy.close()


def test_an_edit_at_one_till_reaches_the_service_and_the_other_till(two_tills) -> None:
    server, a, b = two_tills
    gold = a.members["gold"]
    view = members.update_member(a.ctx, a.cashier, gold, " 赵金卡 ", date(1990, 5, 17), True)
    assert (view.name, view.birthday) == ("赵金卡", date(1990, 5, 17))
    with a.ctx.read_sessions() as s:
        event = s.query(OutboxEvent).filter_by(kind="member_updated").one()
        assert event.payload["name"] == "赵金卡" and event.payload["marketing_consent"] is True
        assert s.query(AuditLogEntry).filter_by(action="member_updated").count() == 1
    a.settle()
    with server.read() as s:
        row = s.get(cm.Member, gold)
        assert (row.name, row.birthday, row.marketing_consent) == (
            "赵金卡", date(1990, 5, 17), True)
    assert not central_conflicts(server)
    b.settle()
    assert members.get_member(b.ctx, gold).name == "赵金卡"
    assert [m.id for m in members.search(b.ctx, "zjk")] == [gold]


def test_no_change_sends_nothing_and_bad_input_is_refused(two_tills) -> None:
    _server, a, _b = two_tills
    gold = a.members["gold"]
    before = members.get_member(a.ctx, gold)
    with a.ctx.read_sessions() as s:
        consent = s.get(Member, gold).marketing_consent
    members.update_member(a.ctx, a.cashier, gold, before.name, before.birthday, consent)
    with a.ctx.read_sessions() as s:
        assert s.query(OutboxEvent).filter_by(kind="member_updated").count() == 0
    with pytest.raises(InvalidInput):
        members.update_member(a.ctx, a.cashier, gold, "x" * 101, None, False)
    with pytest.raises(InvalidInput):
        members.update_member(a.ctx, a.cashier, gold, "ok", date(1800, 1, 1), False)
