"""archive policy and lookup indexes (issue 14)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Two indexes for a till with a year of data (bench/year.py): a day's or a shift's window of
sales and refunds on this till (``terminal_id = ? AND created_at`` in a range: the X/Z reports
and the day's figures). Without them SQLite walks every sale of the terminal through the
``(terminal_id, terminal_seq)`` unique index: 0.9 s for the day's figures at 730,000 sales.
The archive policy (``db prune``, store/archive.py) needs no schema change: its archive is a
separate file. Runs inside one transaction with foreign keys off (pos_member/store/migrate.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_sales_terminal_id_created_at"), "sales",
                    ["terminal_id", "created_at"])
    op.create_index(op.f("ix_refunds_terminal_id_created_at"), "refunds",
                    ["terminal_id", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_refunds_terminal_id_created_at"), table_name="refunds")
    op.drop_index(op.f("ix_sales_terminal_id_created_at"), table_name="sales")
