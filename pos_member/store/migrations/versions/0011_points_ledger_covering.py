"""points ledger: the unconfirmed sums read from the index alone (issue 14, item 7)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

The checkout reads a member's unconfirmed points, growth and today's redemptions on this till
(store/checkout_reads.py, ``member_state``) at every sale. With the index ``(member_id,
confirmed)`` SQLite found the rows through the index and then read each one from the table;
the covering index ``(member_id, confirmed, points, growth, kind, at)`` answers the sums from
the index alone. It replaces the narrower one, whose prefix it keeps. Runs inside one
transaction with foreign keys off (pos_member/store/migrate.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["member_id", "confirmed", "points", "growth", "kind", "at"]


def upgrade() -> None:
    op.drop_index(op.f("ix_points_ledger_unconfirmed"), table_name="points_ledger")
    op.create_index(op.f("ix_points_ledger_unconfirmed"), "points_ledger", COLUMNS)


def downgrade() -> None:
    op.drop_index(op.f("ix_points_ledger_unconfirmed"), table_name="points_ledger")
    op.create_index(op.f("ix_points_ledger_unconfirmed"), "points_ledger",
                    ["member_id", "confirmed"])
