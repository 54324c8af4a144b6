"""group-buy vouchers, activation, win-back offers (issue 12, part B)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Reserved revision: empty until its feature fills it (the numbers were handed out up front so
that work in parallel chains without renumbering). Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
Use plain SQLAlchemy types here, never the project's models or column types, and wrap every
constraint or index name in ``op.f()``.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
