"""Member balances on the service: points, lots, growth and tier, from the events' figures.

The till computes what a sale earns and redeems (pos_member.domain); the service applies those
figures and keeps the authoritative balance. The arithmetic of tiers and lot expiry is the
domain's (``Rules.tier_for_growth``, ``points.lot_expiry``), so both sides agree, and lots are
consumed in the domain's order (``points.consume_lots``: soonest expiry, then earliest earned).

Invariant: while a balance is not negative it equals the sum of the member's open lots. A
balance below zero (points spent and then reversed by a refund, or redeemed twice offline) has
no open lots; later earnings first pay that debt, and only the rest opens a lot.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pos_central import models as m
from pos_central.changes import record_change
from pos_central.db import utcnow
from pos_member.domain.points import PointLot, consume_lots, lot_expiry
from pos_member.domain.rules import DEFAULT_RULES, Rules


def current_rules(session: Session) -> Rules:
    row = session.execute(
        select(m.RulesVersion).order_by(m.RulesVersion.version.desc()).limit(1)
    ).scalar_one_or_none()
    return DEFAULT_RULES if row is None else Rules.from_dict(row.rules)


def find_member(session: Session, member_id: str,
                lock: bool = True) -> tuple[m.Member | None, bool]:
    """The member (following merges to the survivor), and whether a merge was followed."""
    query = select(m.Member).where(m.Member.id == member_id)
    member = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    followed = False
    hops = 0
    while member is not None and member.merged_into is not None and hops < 8:
        followed, hops = True, hops + 1
        query = select(m.Member).where(m.Member.id == member.merged_into)
        member = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    return member, followed


def card_taken(session: Session, card_no: str) -> bool:
    return session.execute(
        select(m.Member.id).where(m.Member.card_no == card_no)).first() is not None


def new_card_no(session: Session) -> str:
    """A free 12-digit card number starting with 8 (printed cards use their own range)."""
    while True:
        card_no = "8" + "".join(secrets.choice("0123456789") for _ in range(11))
        if not card_taken(session, card_no):
            return card_no


def touch(session: Session, member: m.Member) -> None:
    """Mark a member changed: a new version, and a place in the change feed."""
    member.version = (member.version or 0) + 1
    record_change(session, "member", member.id)


def open_lots(session: Session, member_ids: list[str]) -> dict[str, list[m.PointLot]]:
    """Open lots by member, in consumption order."""
    out: dict[str, list[m.PointLot]] = {member_id: [] for member_id in member_ids}
    for i in range(0, len(member_ids), 500):
        for lot in session.execute(
            select(m.PointLot)
            .where(m.PointLot.member_id.in_(member_ids[i:i + 500]), m.PointLot.points > 0)
            .order_by(m.PointLot.expires_on, m.PointLot.earned_on, m.PointLot.id)
        ).scalars():
            out[lot.member_id].append(lot)
    return out


class Account:
    """One member's balance and open lots, changed in memory inside a write transaction.

    Ledger entries collect in ``entries`` until :meth:`write_ledger` (or the caller) inserts
    them, so a batch of events can write them in one statement.

    The member and the lots are mapped objects, or any objects with the same attributes (the
    push's plain rows, pos_central.apply_rows): ``new_lot(member_id, earned_on, expires_on,
    points)`` then makes a lot opened here (by default a mapped ``PointLot`` added to the
    session).
    """

    def __init__(self, session: Session, member: Any, lots: list[Any],
                 new_lot: Callable[[str, date, date, int], Any] | None = None) -> None:
        self.session = session
        self.member = member
        self.lots = lots  # open lots, soonest expiring first
        self.entries: list[dict[str, Any]] = []
        self.new_lot = new_lot or self._mapped_lot

    def _mapped_lot(self, member_id: str, earned_on: date, expires_on: date,
                    points: int) -> m.PointLot:
        lot = m.PointLot(member_id=member_id, earned_on=earned_on, expires_on=expires_on,
                         points=points)
        self.session.add(lot)
        return lot

    @classmethod
    def load(cls, session: Session, member: m.Member) -> Account:
        return cls(session, member, open_lots(session, [member.id])[member.id])

    def ledger(self, event_id: str | None, kind: str, points: int, growth: int,
                at: datetime | None) -> None:
        self.entries.append({"member_id": self.member.id, "event_id": event_id, "kind": kind,
                             "points": points, "growth": growth,
                             "balance_after": self.member.points, "at": at or utcnow()})

    def write_ledger(self) -> None:
        if self.entries:
            self.session.flush()
            self.session.connection().execute(insert(m.PointsLedger.__table__), self.entries)
            self.entries = []

    def add_points(self, points: int, earned_on: date, rules: Rules) -> None:
        """Credit points: first repay a negative balance, then open a lot."""
        if points <= 0:
            return
        debt = max(0, -self.member.points)
        lot_points = points - min(points, debt)
        self.member.points += points
        if lot_points:
            expires_on = lot_expiry(earned_on, rules)
            for lot in self.lots:  # one lot per member and day
                if lot.earned_on == earned_on and lot.expires_on == expires_on:
                    lot.points += lot_points
                    return
            lot = self.new_lot(self.member.id, earned_on, expires_on, lot_points)
            self.lots.append(lot)
            self.lots.sort(key=lambda x: (x.expires_on, x.earned_on))

    def take_points(self, points: int) -> int:
        """Debit points from the lots that expire first; returns the shortfall no lot covered
        (the balance goes negative by it: recorded, never clamped)."""
        if points <= 0:
            return 0
        # The domain decides the order and the amounts (points.consume_lots); every lot here has
        # its expiry date, so the rules' default expiry is never consulted. The domain keeps the
        # lots' order and drops the emptied ones, which are the first ones: the lots left are
        # the last len(left) of the ordered list.
        ordered = sorted((x for x in self.lots if x.points > 0),
                         key=lambda x: (x.expires_on, x.earned_on))
        left, need = consume_lots([PointLot(x.earned_on, x.points, x.expires_on)
                                   for x in ordered], points, DEFAULT_RULES)
        emptied = len(ordered) - len(left)
        for lot in ordered[:emptied]:
            lot.points = 0
        for lot, rest in zip(ordered[emptied:], left):
            lot.points = rest.points
        self.lots = ordered[emptied:]
        self.member.points -= points
        return need

    def set_growth(self, growth: int, rules: Rules) -> None:
        self.member.growth = growth
        self.member.tier = rules.tier_for_growth(max(0, growth)).code

    def expire_due(self, today: date, event_id: str | None) -> int:
        """Drop the lots past their last day; returns the points expired."""
        expired = 0
        for lot in self.lots:
            if lot.expires_on < today:
                expired += lot.points
                lot.points = 0
        if expired:
            self.lots = [lot for lot in self.lots if lot.points > 0]
            self.member.points -= expired
            self.ledger(event_id, "expire", -expired, 0, None)
        return expired

    def earn(self, points: int, growth: int, on: date, rules: Rules, event_id: str | None,
             at: datetime | None, kind: str = "earn") -> None:
        if points:
            self.add_points(points, on, rules)
        if growth:
            self.set_growth(self.member.growth + growth, rules)
        if points or growth:
            self.ledger(event_id, kind, points, growth, at)

    def redeem(self, points: int, event_id: str, at: datetime) -> int:
        shortfall = self.take_points(points)
        if points:
            self.ledger(event_id, "redeem", -points, 0, at)
        return shortfall

    def reverse(self, points_reversed: int, growth_reversed: int, points_returned: int,
                returned_on: date, rules: Rules, event_id: str, at: datetime) -> None:
        """A refund: take back earned points and growth, give back redeemed points."""
        if points_reversed or growth_reversed:
            self.take_points(points_reversed)
            self.set_growth(self.member.growth - growth_reversed, rules)
            self.ledger(event_id, "reverse", -points_reversed, -growth_reversed, at)
        if points_returned:
            self.add_points(points_returned, returned_on, rules)
            self.ledger(event_id, "return", points_returned, 0, at)


def expire_all(session: Session, today: date) -> int:
    """Expire every lot past its last day (``python -m pos_central expire-points``)."""
    member_ids = session.execute(
        select(m.PointLot.member_id).where(m.PointLot.points > 0, m.PointLot.expires_on < today)
        .distinct()
    ).scalars().all()
    total = 0
    for member_id in member_ids:
        member, _ = find_member(session, member_id)
        if member is not None and member.id == member_id:
            account = Account.load(session, member)
            expired = account.expire_due(today, None)
            account.write_ledger()
            if expired:
                total += expired
                touch(session, member)
    return total
