"""Two real tills and the real service: a quota of one use spent at both before either saw the
other's (上门测量, silver, once a year). Both sales are kept; the service records one
``benefit_overdrawn`` conflict and answers it to the till that arrived second; after a pull
both tills show the quota spent. The programme itself reached the tills through the feed."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select

from pos_central import benefits as cb
from pos_member.domain.benefits import Claim, demo_programme
from pos_member.services import benefits as svc
from pos_member.services.checkout import CartLine, CheckoutRequest, checkout
from pos_member.store.db import transaction
from pos_member.store.models import Product, Sale
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import SyncTill, central_conflicts, seed_central_members


@pytest.fixture
def world(make_central_server, tmp_path):
    server = make_central_server()
    with server.write() as s:
        cb.set_programme(s, demo_programme())
    ids = seed_central_members(server)
    proxy = FaultProxy(server.host, server.port)
    a = SyncTill(tmp_path, server, proxy, "Till A")
    b = SyncTill(tmp_path, server, proxy, "Till B")
    for t in (a, b):
        with transaction(t.ctx.sessions) as s:  # (the catalogue feed is not this test's)
            s.add(Product(sku="SVC-MEASURE", name="上门测量", name_en="Home measuring",
                          unit_price_fen=20000, unit="pcs", discountable=False,
                          points_eligible=False))
    yield server, a, b, ids
    a.engine.close()
    b.engine.close()
    proxy.close()


def _left(t: SyncTill, member: str) -> int | None:
    with t.ctx.read_sessions() as s:
        bals = svc.member_balances(s, member, "silver", t.ctx.local().date())
    return {(x.benefit, x.source): x.remaining for x in bals}[("HOME_MEASURE", "quota")]


def _measure(t: SyncTill, member: str) -> str:
    sale_id = str(uuid.uuid4())  # (the harness's sell() knows no claims: checkout directly)
    checkout(t.ctx, CheckoutRequest(sale_id=sale_id, staff=t.cashier,
                                    lines=(CartLine("SVC-MEASURE", Decimal(1)),), tenders=(),
                                    member_id=member,
                                    benefit_claims=(Claim("HOME_MEASURE", 0),)))
    t.clock.advance(seconds=30)
    return sale_id


def test_a_quota_of_one_used_at_two_tills_is_one_conflict(world):
    server, a, b, ids = world
    ma, mb = a.members["broke"], b.members["broke"]  # silver, on the service
    assert ma == mb == ids["broke"]
    with a.ctx.read_sessions() as s:
        assert svc.programme(s).has_benefit("HOME_MEASURE")  # came with the feed
    assert _left(a, ma) == 1 and _left(b, mb) == 1
    first = _measure(a, ma)
    assert _left(a, ma) == 0  # spent on this till, waiting in the outbox
    second = _measure(b, mb)  # B has not heard of A's use
    a.settle()
    b.settle()
    assert central_conflicts(server)["benefit_overdrawn"] == 1
    assert b.conflicts()["benefit_overdrawn"] == 1 and a.conflicts()["benefit_overdrawn"] == 0
    a.settle()  # A pulls what B's push changed
    assert _left(a, ma) == 0 and _left(b, mb) == 0  # never below zero on a till
    with b.ctx.read_sessions() as s:
        assert s.get(Sale, second) is not None
    with a.ctx.read_sessions() as s:
        assert s.get(Sale, first) is not None
    with server.read() as s:
        from pos_central.benefit_tables import BenefitUseRow

        uses = Counter(r.member_id for r in s.scalars(select(BenefitUseRow)))
    assert uses[ids["broke"]] == 2  # both uses kept, the overspend reported


def test_a_refund_gives_the_use_back_before_and_after_the_service_hears_of_it(world):
    _server, a, _b, _ids = world
    member = a.members["broke"]
    sale_id = _measure(a, member)
    a.settle()  # the service counts the use; the till's cache says so
    assert _left(a, member) == 0
    a.refund(sale_id)
    assert _left(a, member) == 1  # given back at once, the refund still in the outbox
    a.settle()
    assert _left(a, member) == 1  # and after the service applied it
    assert a.conflicts()["benefit_mismatch"] == 0
