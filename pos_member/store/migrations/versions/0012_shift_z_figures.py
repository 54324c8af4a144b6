"""shifts: the Z figures stored when old sales are archived (issue 14, item 10)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

``db prune`` moves sales the central service confirmed, older than the retention period, out
of the till's file into an archive (pos_member/store/archive.py). A closed shift's Z report is
computed from its sales and refunds, so before any of them leave, the shift's figures are
computed once and stored in ``shifts.z_json`` (ShiftFigures.to_dict()); ``z_report`` returns
them for such a shift. NULL for every shift that never lost a sale. Runs inside one transaction
with foreign keys off (pos_member/store/migrate.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shifts") as batch_op:
        batch_op.add_column(sa.Column("z_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shifts") as batch_op:
        batch_op.drop_column("z_json")
