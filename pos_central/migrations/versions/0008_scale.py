"""indexes for many tills and a year of data (issue 14)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Reserved revision: empty until its feature fills it (the numbers were handed out up front so
that work in parallel chains without renumbering). Use plain SQLAlchemy types here (sa.DateTime(timezone=True) for UTCDateTime), never the
service's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
