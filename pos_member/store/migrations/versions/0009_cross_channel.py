"""group-buy vouchers, activation, win-back offers (issue 12, part B)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Adds the ``meituan`` and ``douyin`` tenders to the CHECKs of ``payments`` and
``refund_payments`` (a table copy in SQLite's batch mode; rows are kept) and the
``voucher_uses`` table: each group-buy voucher the central service verified for this till, with
the idempotency key it was verified under, the sale it paid and whether a refund undid it.
Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TENDERS = ("tender IN ('cash', 'wechat', 'alipay', 'card', 'voucher', 'points', "
               "'stored_value')")
NEW_TENDERS = ("tender IN ('cash', 'wechat', 'alipay', 'card', 'voucher', 'points', "
               "'stored_value', 'meituan', 'douyin')")


def _tender_check(check: str) -> None:
    for table in ("payments", "refund_payments"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_tender"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_tender"), check)


def upgrade() -> None:
    op.create_table(
        "voucher_uses",
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("verified_at", sa.String(length=32), nullable=True),
        sa.Column("cancelled_at", sa.String(length=32), nullable=True),
        sa.Column("cancel_result", sa.String(length=200), nullable=True),
        sa.CheckConstraint("platform IN ('meituan', 'douyin')",
                           name=op.f("ck_voucher_uses_platform")),
        sa.CheckConstraint("value_fen >= 0", name=op.f("ck_voucher_uses_value_fen_non_negative")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_voucher_uses")),
    )
    op.create_index(op.f("ix_voucher_uses_sale_id"), "voucher_uses", ["sale_id"])
    op.create_index(op.f("ix_voucher_uses_code"), "voucher_uses", ["code"])
    _tender_check(NEW_TENDERS)


def downgrade() -> None:
    op.execute("DELETE FROM payments WHERE tender IN ('meituan', 'douyin')")
    op.execute("DELETE FROM refund_payments WHERE tender IN ('meituan', 'douyin')")
    _tender_check(OLD_TENDERS)
    op.drop_index(op.f("ix_voucher_uses_code"), table_name="voucher_uses")
    op.drop_index(op.f("ix_voucher_uses_sale_id"), table_name="voucher_uses")
    op.drop_table("voucher_uses")
