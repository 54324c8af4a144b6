"""Receipt numbers of their own: a counter per series and local day; refunds' own numbers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:20:00

- ``receipt_counters`` (series, day, last): the last receipt number handed out per series
  (``sale``, ``refund``) and local day (``YYMMDD``). Before this revision a sale's receipt
  number was the terminal sequence, shared with shifts, refunds and registrations, so receipts
  skipped numbers. The counter of each day that already has sales starts after the highest
  receipt number of that day, so a till upgraded in the middle of a day never hands out a
  number it already printed (``sales`` keeps UNIQUE (terminal_id, receipt_no)).
- ``refunds.receipt_no``: the refund receipt's number (``R`` + day + number); NULL for refunds
  recorded before this revision.

Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
Use plain SQLAlchemy types here, never the project's models or column types, and wrap every
constraint or index name in ``op.f()`` (the naming convention would otherwise apply twice).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipt_counters",
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "day", name=op.f("pk_receipt_counters")),
    )
    # Receipt numbers so far: "YYMMDD-NNNNNN" (the day, then the terminal sequence).
    op.execute(
        "INSERT INTO receipt_counters (series, day, last) "
        "SELECT 'sale', substr(receipt_no, 1, 6), max(CAST(substr(receipt_no, 8) AS INTEGER)) "
        "FROM sales WHERE receipt_no GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9]*' "
        "GROUP BY substr(receipt_no, 1, 6)"
    )
    with op.batch_alter_table("refunds") as batch_op:
        batch_op.add_column(sa.Column("receipt_no", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refunds") as batch_op:
        batch_op.drop_column("receipt_no")
    op.drop_table("receipt_counters")
