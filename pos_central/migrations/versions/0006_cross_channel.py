"""group-buy vouchers, order activation, dormant segments (issue 12, part B)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Use plain SQLAlchemy types here (sa.DateTime(timezone=True) for UTCDateTime), never the
service's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "voucher_verifications",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("platform_verify_id", sa.String(length=128), nullable=True),
        sa.Column("prepared_at", TS, nullable=False),
        sa.Column("verified_at", TS, nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("cancel_result", sa.String(length=200), nullable=True),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_voucher_verifications")),
    )
    op.create_index("ix_voucher_verifications_code", "voucher_verifications",
                    ["platform", "code"])
    op.create_index(op.f("ix_voucher_verifications_sale_id"), "voucher_verifications",
                    ["sale_id"])
    op.create_table(
        "online_orders",
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("ordered_at", TS, nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("activated_at", TS, nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("terminal_id", sa.String(length=36), nullable=True),
        sa.Column("coupon_code", sa.String(length=64), nullable=True),
        sa.Column("created_member", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_no", name=op.f("pk_online_orders")),
    )
    op.create_index(op.f("ix_online_orders_phone"), "online_orders", ["phone"])
    op.create_table(
        "winback_campaigns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment_days", sa.Integer(), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("threshold_fen", sa.BigInteger(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_winback_campaigns")),
    )
    op.create_table(
        "winback_offers",
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=False),
        sa.Column("last_purchase_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", "member_id", name=op.f("pk_winback_offers")),
    )


def downgrade() -> None:
    op.drop_table("winback_offers")
    op.drop_table("winback_campaigns")
    op.drop_index(op.f("ix_online_orders_phone"), table_name="online_orders")
    op.drop_table("online_orders")
    op.drop_index(op.f("ix_voucher_verifications_sale_id"), table_name="voucher_verifications")
    op.drop_index("ix_voucher_verifications_code", table_name="voucher_verifications")
    op.drop_table("voucher_verifications")
