"""stored value accounts and ledger (issue 12, part A)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

The stored-value ledger (a member's balance is the sum of its rows) and the recharges (for
the check of their refunds). Plain SQLAlchemy types (sa.DateTime(timezone=True) for
UTCDateTime), never the service's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_value_ledger",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("recharge_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_value_ledger")),
    )
    op.create_index(op.f("ix_stored_value_ledger_event_id"), "stored_value_ledger",
                    ["event_id"])
    op.create_index(op.f("ix_stored_value_ledger_sale_id"), "stored_value_ledger", ["sale_id"])
    op.create_index(op.f("ix_stored_value_ledger_recharge_id"), "stored_value_ledger",
                    ["recharge_id"])
    op.create_index("ix_stored_value_ledger_member", "stored_value_ledger", ["member_id", "at"])
    op.create_table(
        "stored_value_recharges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("receipt_no", sa.String(length=64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("bonus_fen", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column("gift_coupon", sa.String(length=64), nullable=True),
        sa.Column("tier_to", sa.String(length=32), nullable=True),
        sa.Column("tenders", sa.JSON(), nullable=False),
        sa.Column("recharged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_terminal_id", sa.String(length=36), nullable=True),
        sa.Column("refund_cash_fen", sa.BigInteger(), nullable=True),
        sa.Column("refund_principal_fen", sa.BigInteger(), nullable=True),
        sa.Column("refund_bonus_fen", sa.BigInteger(), nullable=True),
        sa.Column("refund_tenders", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_value_recharges")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_stored_value_recharges_refund_id")),
    )
    op.create_index(op.f("ix_stored_value_recharges_member_id"), "stored_value_recharges",
                    ["member_id"])


def downgrade() -> None:
    op.drop_table("stored_value_recharges")
    op.drop_table("stored_value_ledger")
