"""operations console: staff, sessions, audit, programme versions (issue 13)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

The console's own tables (pos_central/console/tables.py). New tables only: nothing existing
changes, so a database of the previous release upgrades without touching its rows. Use plain
SQLAlchemy types here (sa.DateTime(timezone=True) for UTCDateTime), never the service's models.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _TS, nullable=True),
        sa.Column("last_login_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_staff")),
        sa.UniqueConstraint("username", name=op.f("uq_console_staff_username")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index(op.f("ix_console_sessions_staff_id"), "console_sessions", ["staff_id"])
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    op.create_index(op.f("ix_console_audit_at"), "console_audit", ["at"])
    op.create_table(
        "programme_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("effective_at", _TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", _TS, nullable=True),
        sa.Column("rules_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_versions")),
    )
    op.create_table(
        "coupon_templates",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=True),
        sa.Column("rate", sa.String(length=16), nullable=True),
        sa.Column("cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("threshold_fen", sa.BigInteger(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("skus", sa.JSON(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("stackable", sa.Boolean(), nullable=False),
        sa.Column("with_tier_discount", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_coupon_templates")),
    )
    op.create_table(
        "coupon_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_code", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.JSON(), nullable=True),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("valid_from", _TS, nullable=False),
        sa.Column("valid_to", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_batches")),
    )
    op.create_index(op.f("ix_coupon_batches_template_code"), "coupon_batches", ["template_code"])
    op.create_table(
        "issued_coupons",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("template_code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_issued_coupons")),
    )
    op.create_index(op.f("ix_issued_coupons_batch_id"), "issued_coupons", ["batch_id"])
    op.create_index(op.f("ix_issued_coupons_template_code"), "issued_coupons", ["template_code"])
    op.create_table(
        "conflict_resolutions",
        sa.Column("conflict_id", sa.Integer(), nullable=False),
        sa.Column("resolution", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=False),
        sa.Column("resolved_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("conflict_id", name=op.f("pk_conflict_resolutions")),
    )


def downgrade() -> None:
    for table in ("conflict_resolutions", "issued_coupons", "coupon_batches",
                  "coupon_templates", "programme_versions", "console_audit",
                  "console_sessions", "console_staff"):
        op.drop_table(table)
