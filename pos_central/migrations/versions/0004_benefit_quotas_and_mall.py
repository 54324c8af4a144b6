"""benefit quotas, count cards, points mall (issue 11, part B)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

The brand's benefit programme (versions), benefit uses, count cards, the points mall's stock
per store and its redemptions (pos_central/benefit_tables.py). Plain SQLAlchemy types
(sa.DateTime(timezone=True) for UTCDateTime), never the service's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "benefit_programmes",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("programme", sa.JSON(), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_benefit_programmes")),
    )
    op.create_table(
        "benefit_uses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("benefit", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("period_key", sa.String(length=8), nullable=True),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("discount_fen", sa.BigInteger(), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        _at("at"),
        _at("returned_at", True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_uses")),
    )
    op.create_index(op.f("ix_benefit_uses_sale_id"), "benefit_uses", ["sale_id"])
    op.create_index("ix_benefit_uses_member", "benefit_uses",
                    ["member_id", "benefit", "period_key"])
    op.create_index("ix_benefit_uses_source", "benefit_uses", ["source"])
    op.create_table(
        "count_cards",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("benefit", sa.String(length=64), nullable=False),
        sa.Column("uses_total", sa.Integer(), nullable=False),
        sa.Column("uses_used", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        _at("sold_at"),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("uses_removed", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_cards")),
    )
    op.create_index(op.f("ix_count_cards_member_id"), "count_cards", ["member_id"])
    op.create_index(op.f("ix_count_cards_sale_id"), "count_cards", ["sale_id"])
    op.create_table(
        "mall_stock",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("store_id", "reward", name=op.f("pk_mall_stock")),
    )
    op.create_table(
        "mall_redemptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("returned_qty", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=True),
        _at("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mall_redemptions")),
    )
    op.create_index(op.f("ix_mall_redemptions_member_id"), "mall_redemptions", ["member_id"])
    op.create_index(op.f("ix_mall_redemptions_sale_id"), "mall_redemptions", ["sale_id"])


def downgrade() -> None:
    for table in ("mall_redemptions", "mall_stock", "count_cards", "benefit_uses",
                  "benefit_programmes"):
        op.drop_table(table)
