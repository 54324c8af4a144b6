"""The central service takes points from a member's lots exactly as the till's domain does
(pos_member.domain.points.consume_lots): soonest expiry first, then earliest earned; a shortfall
sends the balance negative and is reported."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pos_central import models as m
from pos_central.loyalty import Account
from pos_member.domain.points import PointLot, consume_lots
from pos_member.domain.rules import DEFAULT_RULES


def _account(lots):
    member = m.Member(id="m1", points=sum(p for _, p, _ in lots))
    return Account(None, member, [m.PointLot(member_id="m1", earned_on=e, points=p,
                                             expires_on=x) for e, p, x in lots])


def test_take_points_follows_the_domain_on_random_lots():
    rng = random.Random(17)
    base = date(2026, 1, 1)
    for _ in range(300):
        lots = [(base + timedelta(days=rng.randrange(400)), rng.randint(1, 50),
                 base + timedelta(days=rng.choice((364, 400, 729, 800))))
                for _ in range(rng.randint(0, 6))]
        account = _account(lots)
        before = account.member.points
        take = rng.randint(1, sum(p for _, p, _ in lots) + 20)
        shortfall = account.take_points(take)
        left, need = consume_lots([PointLot(e, p, x) for e, p, x in lots], take, DEFAULT_RULES)
        assert shortfall == need
        assert sorted((x.earned_on, x.expires_on, x.points) for x in account.lots) == \
            sorted((x.earned_on, x.expires_on, x.points) for x in left)
        assert account.member.points == before - take


def test_the_lot_that_expires_first_is_used_first_and_a_shortfall_is_kept():
    a = date(2026, 3, 1)
    account = _account([(a, 10, date(2027, 12, 31)), (a + timedelta(days=1), 5,
                                                        date(2026, 12, 31))])
    assert account.take_points(7) == 0
    assert [(x.expires_on.year, x.points) for x in account.lots] == [(2027, 8)]
    assert account.take_points(10) == 2 and account.lots == [] and account.member.points == -2
