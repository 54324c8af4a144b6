"""member prices, member days, gifts (issue 11, part A)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

- ``products.member_prices``: the product's unit price per tier (会员价), JSON text such as
  ``{"gold": 9200}`` (fen), NULL for a product without member prices (every product stored
  before this revision: the central service sends them with the next change).
- ``gifts_issued``: the gifts this till issued (birthday, upgrade, member-day coupon), one row
  per deterministic gift id (pos_member/store/models/gifts.py).

Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
Use plain SQLAlchemy types here, never the project's models or column types, and wrap every
constraint or index name in ``op.f()``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("member_prices", sa.Text(), nullable=True))
    op.create_table(
        "gifts_issued",
        sa.Column("gift_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("gift", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("issued_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("kind IN ('birthday', 'upgrade', 'member_day')",
                           name=op.f("ck_gifts_issued_kind")),
        sa.CheckConstraint("status IN ('issued', 'conflict')",
                           name=op.f("ck_gifts_issued_status")),
        sa.PrimaryKeyConstraint("gift_id", name=op.f("pk_gifts_issued")),
    )
    op.create_index(op.f("ix_gifts_issued_member_id"), "gifts_issued", ["member_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_gifts_issued_member_id"), table_name="gifts_issued")
    op.drop_table("gifts_issued")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("member_prices")
