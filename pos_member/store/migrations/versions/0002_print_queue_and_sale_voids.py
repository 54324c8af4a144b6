"""Receipt print queue; who voided a sale, when and why.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:10:00

- ``receipt_print_jobs``: a receipt waits in the database until the printer has taken it, so
  a paper-out or offline printer never loses one, and a reprint is marked as a copy.
- ``sales``: ``voided_at``, ``voided_by``, ``void_approver_id``, ``void_reason`` and the CHECK
  ``ck_sales_void_recorded`` (a voided sale says when). Adding a CHECK makes SQLite batch mode
  copy the ``sales`` table; the copy runs with foreign keys off, so ``sale_lines``,
  ``payments`` and ``coupon_redemptions`` (ON DELETE CASCADE) keep their rows.
  Sales voided before this revision did not record the time; they get their sale time.

Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
Use plain SQLAlchemy types here, never the project's models or column types, and wrap every
constraint or index name in ``op.f()`` (the naming convention would otherwise apply twice).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipt_print_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("printed_at", sa.String(length=32), nullable=True),
        sa.Column("copy", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'printed', 'failed')", name=op.f("ck_receipt_print_jobs_status")
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_receipt_print_jobs_attempts_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["sales.id"], name=op.f("fk_receipt_print_jobs_sale_id_sales")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_print_jobs")),
    )
    op.create_index(op.f("ix_receipt_print_jobs_sale_id"), "receipt_print_jobs", ["sale_id"])
    op.create_index(op.f("ix_receipt_print_jobs_status"), "receipt_print_jobs", ["status", "id"])

    with op.batch_alter_table("sales") as batch_op:
        batch_op.add_column(sa.Column("voided_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("voided_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("void_approver_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.Text(), nullable=True))
    # Fill before the CHECK exists, or the table copy below would fail on old voids.
    op.execute("UPDATE sales SET voided_at = created_at WHERE status = 'voided'")
    with op.batch_alter_table("sales") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_sales_void_recorded"), "status <> 'voided' OR voided_at IS NOT NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("sales") as batch_op:
        batch_op.drop_constraint(op.f("ck_sales_void_recorded"), type_="check")
        batch_op.drop_column("void_reason")
        batch_op.drop_column("void_approver_id")
        batch_op.drop_column("voided_by")
        batch_op.drop_column("voided_at")
    op.drop_table("receipt_print_jobs")
