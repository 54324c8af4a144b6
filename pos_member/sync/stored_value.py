"""Stored value (储值) in sync: the balances the feed and push answers bring, and this till's
ledger rows the service confirmed.

The till's spendable balance is the cached account plus its unconfirmed rows. A push answer
confirms the rows of its event (``stored_value_ledger.event_id``) and, in the same transaction,
sets the cached account from the answer's ``stored_*`` figures (``UPSERT``; see
``pos_member.sync.apply.push``), so a movement is never counted twice nor lost between the
answer and the next pull.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from pos_member.sync import protocol as p

UPSERT = ("INSERT INTO stored_value_accounts (member_id, principal_fen, bonus_fen, updated_at) "
          "VALUES (?, ?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET "
          "principal_fen = excluded.principal_fen, bonus_fen = excluded.bonus_fen, "
          "updated_at = excluded.updated_at")


def store_accounts(cur: sqlite3.Cursor, members: Sequence[p.MemberData],
                   lean: Sequence[dict[str, Any]], now: str) -> None:
    """Cache the pulled members' balances (members without stored value keep no row)."""
    rows = [(str(x.id), x.stored_principal_fen, x.stored_bonus_fen, now) for x in members]
    for d in lean:
        principal, bonus = d.get("stored_principal_fen", 0), d.get("stored_bonus_fen", 0)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (principal, bonus)):
            raise ValueError("member stored value must be whole fen")
        rows.append((d["id"], principal, bonus, now))
    keep = [r for r in rows if r[1] or r[2]]
    empty = [(r[0],) for r in rows if not (r[1] or r[2])]
    if keep:
        cur.executemany(UPSERT, keep)
    if empty:
        cur.executemany("DELETE FROM stored_value_accounts WHERE member_id = ?", empty)
