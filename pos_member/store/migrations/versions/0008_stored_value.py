"""stored value accounts and ledger (issue 12, part A)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Adds the cached stored-value accounts, this till's stored-value ledger and its recharges, and
the ``stored_value`` tender to the CHECKs of ``payments`` and ``refund_payments`` (a table copy
in SQLite's batch mode; rows are kept). Runs inside one transaction with foreign keys off (see
pos_member/store/migrate.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_TENDERS = "tender IN ('cash', 'wechat', 'alipay', 'card', 'voucher', 'points')"
NEW_TENDERS = ("tender IN ('cash', 'wechat', 'alipay', 'card', 'voucher', 'points', "
               "'stored_value')")
RECHARGE_TENDERS = "IN ('cash', 'wechat', 'alipay', 'card')"


def _tender_check(check: str) -> None:
    for table in ("payments", "refund_payments"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_tender"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_tender"), check)


def upgrade() -> None:
    op.create_table(
        "stored_value_accounts",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("principal_fen", sa.Integer(), nullable=False),
        sa.Column("bonus_fen", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_stored_value_accounts")),
    )
    op.create_table(
        "stored_value_ledger",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("principal_fen", sa.Integer(), nullable=False),
        sa.Column("bonus_fen", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("recharge_id", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("shift_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('recharge', 'spend', 'spend_refund', 'recharge_refund')",
            name=op.f("ck_stored_value_ledger_kind")),
        sa.CheckConstraint(
            "(kind IN ('recharge', 'spend_refund') AND principal_fen >= 0 AND bonus_fen >= 0)"
            " OR (kind IN ('spend', 'recharge_refund') AND principal_fen <= 0"
            " AND bonus_fen <= 0)", name=op.f("ck_stored_value_ledger_sign_matches_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_value_ledger")),
    )
    for name, columns in (("ix_stored_value_ledger_sale_id", ["sale_id"]),
                          ("ix_stored_value_ledger_refund_id", ["refund_id"]),
                          ("ix_stored_value_ledger_recharge_id", ["recharge_id"]),
                          ("ix_stored_value_ledger_event_id", ["event_id"]),
                          ("ix_stored_value_ledger_member", ["member_id", "confirmed"]),
                          ("ix_stored_value_ledger_day", ["member_id", "local_date"])):
        op.create_index(op.f(name), "stored_value_ledger", columns)
    op.create_table(
        "stored_value_recharges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("receipt_no", sa.String(length=32), nullable=False),
        sa.Column("terminal_id", sa.String(length=64), nullable=False),
        sa.Column("terminal_seq", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.String(length=36), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("bonus_fen", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column("gift_coupon", sa.String(length=64), nullable=True),
        sa.Column("tier_to", sa.String(length=32), nullable=True),
        sa.Column("tender", sa.String(length=16), nullable=False),
        sa.Column("tendered_fen", sa.Integer(), nullable=True),
        sa.Column("change_fen", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        sa.Column("refunded_at", sa.String(length=32), nullable=True),
        sa.Column("refund_shift_id", sa.String(length=36), nullable=True),
        sa.Column("refund_receipt_no", sa.String(length=32), nullable=True),
        sa.Column("refund_cash_fen", sa.Integer(), nullable=True),
        sa.Column("refund_principal_fen", sa.Integer(), nullable=True),
        sa.Column("refund_bonus_fen", sa.Integer(), nullable=True),
        sa.Column("refund_tender", sa.String(length=16), nullable=True),
        sa.Column("refund_staff_id", sa.String(length=64), nullable=True),
        sa.Column("refund_approver_id", sa.String(length=64), nullable=True),
        sa.Column("refund_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(f"tender {RECHARGE_TENDERS}",
                           name=op.f("ck_stored_value_recharges_tender")),
        sa.CheckConstraint(f"refund_tender IS NULL OR refund_tender {RECHARGE_TENDERS}",
                           name=op.f("ck_stored_value_recharges_refund_tender")),
        sa.CheckConstraint("amount_fen > 0",
                           name=op.f("ck_stored_value_recharges_amount_positive")),
        *[sa.CheckConstraint(f"{c} >= 0",
                             name=op.f(f"ck_stored_value_recharges_{c}_non_negative"))
          for c in ("bonus_fen", "change_fen", "refund_cash_fen", "refund_principal_fen",
                    "refund_bonus_fen")],
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_value_recharges")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_stored_value_recharges_refund_id")),
    )
    for name, columns in (("ix_stored_value_recharges_member_id", ["member_id"]),
                          ("ix_stored_value_recharges_shift_id", ["shift_id"]),
                          ("ix_stored_value_recharges_refund_shift_id", ["refund_shift_id"])):
        op.create_index(op.f(name), "stored_value_recharges", columns)
    _tender_check(NEW_TENDERS)


def downgrade() -> None:
    op.execute("DELETE FROM payments WHERE tender = 'stored_value'")
    op.execute("DELETE FROM refund_payments WHERE tender = 'stored_value'")
    _tender_check(OLD_TENDERS)
    op.drop_table("stored_value_recharges")
    op.drop_table("stored_value_ledger")
    op.drop_table("stored_value_accounts")
