"""Held orders (挂单/取单): baskets put aside at the counter, kept across a restart.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:40:00

- ``held_orders``: one row per basket on hold (its lines, member, coupons and points asked in
  ``payload``, a JSON document; the total when held; who held it). Recalling an order deletes
  its row. Nothing else changes: a held order is not a sale.

Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
Use plain SQLAlchemy types here, never the project's models or column types, and wrap every
constraint or index name in ``op.f()`` (the naming convention would otherwise apply twice).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("held_at", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.CheckConstraint("item_count >= 1", name=op.f("ck_held_orders_item_count_positive")),
        sa.CheckConstraint("total_fen >= 0", name=op.f("ck_held_orders_total_fen_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_orders")),
    )
    op.create_index(op.f("ix_held_orders_held_at"), "held_orders", ["held_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_held_orders_held_at"), table_name="held_orders")
    op.drop_table("held_orders")
