"""benefit quotas, count cards, points mall (issue 11, part B)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

Adds the cached member benefit balances and this store's mall stock, and this till's benefit
uses, count cards sold and mall redemptions (pos_member/store/models/benefits.py). New tables
only: nothing of an older database changes. Runs inside one transaction with foreign keys off
(see pos_member/store/migrate.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _uuid(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=36), nullable=nullable)


def _code(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _at(name: str) -> sa.Column:
    return sa.Column(name, sa.String(length=32), nullable=False)  # UTCDateTime


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "benefit_member_cache",
        _uuid("member_id"), sa.Column("data", sa.Text(), nullable=False), _at("updated_at"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_benefit_member_cache")),
    )
    op.create_table(
        "mall_stock",
        _code("reward"), _int("stock"), _at("updated_at"),
        sa.PrimaryKeyConstraint("reward", name=op.f("pk_mall_stock")),
    )
    op.create_table(
        "benefit_uses",
        _uuid("id"), _uuid("member_id"), _code("benefit"), _code("source"),
        sa.Column("period_key", sa.String(length=8), nullable=True), _uuid("sale_id"),
        _int("line_no"), _int("discount_fen"), _uuid("event_id"), _at("at"), _int("offline"),
        _uuid("refund_id", True), _uuid("refund_event_id", True),
        sa.CheckConstraint("discount_fen >= 0",
                           name=op.f("ck_benefit_uses_discount_fen_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_uses")),
    )
    op.create_index(op.f("ix_benefit_uses_sale_id"), "benefit_uses", ["sale_id"])
    op.create_index(op.f("ix_benefit_uses_event_id"), "benefit_uses", ["event_id"])
    op.create_index(op.f("ix_benefit_uses_member"), "benefit_uses", ["member_id", "benefit"])
    op.create_table(
        "count_cards",
        _uuid("id"), _uuid("member_id"), _code("sku"), _code("benefit"), _int("uses_total"),
        sa.Column("expires_on", sa.Date(), nullable=False), _uuid("sale_id"), _int("line_no"),
        _uuid("event_id"), _at("at"), _uuid("refund_id", True), _int("uses_removed", True),
        sa.CheckConstraint("uses_total >= 1", name=op.f("ck_count_cards_uses_total_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_count_cards")),
    )
    op.create_index(op.f("ix_count_cards_member_id"), "count_cards", ["member_id"])
    op.create_index(op.f("ix_count_cards_sale_id"), "count_cards", ["sale_id"])
    op.create_table(
        "mall_redemptions",
        _uuid("id"), _uuid("member_id"), _code("reward"), _int("qty"), _int("points"),
        _uuid("sale_id"), _int("line_no"), _uuid("event_id"), _at("at"), _int("returned_qty"),
        sa.CheckConstraint("qty >= 1", name=op.f("ck_mall_redemptions_qty_positive")),
        sa.CheckConstraint("returned_qty >= 0 AND returned_qty <= qty",
                           name=op.f("ck_mall_redemptions_returned_bounded")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mall_redemptions")),
    )
    op.create_index(op.f("ix_mall_redemptions_member_id"), "mall_redemptions", ["member_id"])
    op.create_index(op.f("ix_mall_redemptions_sale_id"), "mall_redemptions", ["sale_id"])


def downgrade() -> None:
    for table in ("mall_redemptions", "count_cards", "benefit_uses", "mall_stock",
                  "benefit_member_cache"):
        op.drop_table(table)
