"""member prices, member days, gifts (issue 11, part A)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

- ``products.member_prices``: the unit price per tier (会员价), JSON ``{"gold": 9200}``; NULL
  for a product without (every product stored before this revision).
- ``gifts_issued``: one row per gift id, the first till's issue (pos_central/gifts.py).

Plain SQLAlchemy types (sa.DateTime(timezone=True) for UTCDateTime), never the service's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_prices", sa.JSON(), nullable=True))
    op.create_table(
        "gifts_issued",
        sa.Column("gift_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("gift", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("gift_id", name=op.f("pk_gifts_issued")),
    )
    op.create_index(op.f("ix_gifts_issued_member_id"), "gifts_issued", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_gifts_issued_member_id"), table_name="gifts_issued")
    op.drop_table("gifts_issued")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("member_prices")
