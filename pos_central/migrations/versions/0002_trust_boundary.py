"""trust boundary: what the service checks a till's events against

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Use plain SQLAlchemy types here (sa.DateTime(timezone=True) for UTCDateTime), never the
service's models, so an old migration keeps meaning what it meant.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_ownership_and_refunds()
    _upgrade_nonces_and_audit()


def downgrade() -> None:
    _downgrade_nonces_and_audit()
    _downgrade_ownership_and_refunds()


# -- terminal ownership (store binding) and refund bounds ----------------------------------------


def _upgrade_ownership_and_refunds() -> None:
    pass


def _downgrade_ownership_and_refunds() -> None:
    pass


# -- central member-code nonces and the acknowledged audit head ----------------------------------


def _upgrade_nonces_and_audit() -> None:
    pass


def _downgrade_nonces_and_audit() -> None:
    pass
