"""Members, point lots and coupons as plain rows while a push is applied (no ORM objects).

A batch reads the rows it needs once (:meth:`pos_central.apply_context.Context.preload`), the
events change them in memory, and :func:`write` stores what changed: one ``executemany``
``UPDATE`` per table and set of changed columns, and the new lots in one ``INSERT`` in the
order they were opened (so they get the ids the ORM would have given them). A row remembers
what it was loaded with; only the columns that differ are written, as the ORM's flush does.

The records have the columns' names as attributes, so the code that changes a member
(``loyalty.Account``, stored value, benefits, gifts) works on them as on the mapped classes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from pos_central import bulk
from pos_central import models as m

MEMBERS = m.Member.__table__
LOTS = m.PointLot.__table__
COUPONS = m.Coupon.__table__


class _Row:
    """A row of one table: its columns as attributes, and what it was loaded with."""

    __slots__ = ("_loaded",)
    TABLE: Any = None
    NAMES: tuple[str, ...] = ()
    KEY = ""

    def __init__(self, values: tuple[Any, ...], loaded: bool = True) -> None:
        for name, value in zip(self.NAMES, values):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_loaded", values if loaded else None)

    def changes(self) -> dict[str, Any] | None:
        """The columns changed since loading (with the key), or None."""
        loaded = self._loaded
        if loaded is None:
            return None
        out = {n: getattr(self, n) for n, before in zip(self.NAMES, loaded)
               if getattr(self, n) != before}
        if not out:
            return None
        out[self.KEY] = loaded[self.NAMES.index(self.KEY)]
        return out

    def stored(self) -> None:
        object.__setattr__(self, "_loaded", tuple(getattr(self, n) for n in self.NAMES))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self, self.KEY)!r})"


def _record(name: str, table: Any, key: str) -> type[_Row]:
    names = tuple(c.key for c in table.columns)
    return type(name, (_Row,), {"__slots__": names, "TABLE": table, "NAMES": names,
                                "KEY": key, "__module__": __name__})


MemberRow = _record("MemberRow", MEMBERS, "id")
LotRow = _record("LotRow", LOTS, "id")
CouponRow = _record("CouponRow", COUPONS, "code")


def load(connection: Connection, record: type[_Row], column: str, values: list[Any], *,
         lock: bool, order_by: str | None = None) -> list[_Row]:
    """The rows whose ``column`` is one of ``values`` (sorted; locked on PostgreSQL)."""
    if not values:
        return []
    rows = bulk.select_rows(connection, record.TABLE, record.NAMES, column, values,
                            order_by=order_by or record.KEY, lock=lock)
    return [record(row) for row in rows]


def open_lots(connection: Connection, member_ids: list[str]) -> dict[str, list[_Row]]:
    """Each member's open lots in consumption order (as ``loyalty.open_lots`` reads them)."""
    out: dict[str, list[_Row]] = {member_id: [] for member_id in member_ids}
    if not member_ids:
        return out
    rows = bulk.select_rows(connection, LOTS, LotRow.NAMES, "member_id", sorted(member_ids),
                            order_by="id", extra="points > 0")
    lots = [LotRow(row) for row in rows]
    lots.sort(key=lambda x: (x.expires_on, x.earned_on, x.id))
    for lot in lots:
        out[lot.member_id].append(lot)
    return out


def insert_new(connection: Connection, record: type[_Row], values: dict[str, Any]) -> _Row:
    """Insert one row now through Core (its Python-side defaults applied) and read it back."""
    connection.execute(insert(record.TABLE), [values])
    key = values[record.KEY]
    (row,) = load(connection, record, record.KEY, [key], lock=False)
    return row


def new_lot(member_id: str, earned_on: Any, expires_on: Any, points: int) -> _Row:
    """A lot opened in this batch: inserted by :func:`write` (its id is the database's)."""
    return LotRow((None, member_id, earned_on, expires_on, points), loaded=False)


def write(connection: Connection, members: list[_Row], lots: list[_Row], new_lots: list[_Row],
          coupons: list[_Row]) -> None:
    """Store what changed: the updates of loaded rows, then the new lots in order."""
    for table, key, rows in ((MEMBERS, "id", members), (LOTS, "id", lots),
                             (COUPONS, "code", coupons)):
        changed = []
        for row in rows:
            change = row.changes()
            if change is not None:
                changed.append(change)
                row.stored()
        if changed:
            bulk.update_rows(connection, table, (key,), changed)
    if new_lots:
        bulk.insert_rows(connection, LOTS, [
            {"member_id": x.member_id, "earned_on": x.earned_on, "expires_on": x.expires_on,
             "points": x.points} for x in new_lots])
