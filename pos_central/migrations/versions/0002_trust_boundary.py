"""trust boundary: what the service checks a till's events against

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Use plain SQLAlchemy types here (sa.DateTime(timezone=True) for UTCDateTime), never the
service's models, so an old migration keeps meaning what it meant.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _upgrade_ownership_and_refunds()
    _upgrade_nonces_and_audit()


def downgrade() -> None:
    _downgrade_nonces_and_audit()
    _downgrade_ownership_and_refunds()


# -- terminal ownership (store binding) and refund bounds ----------------------------------------


def _upgrade_ownership_and_refunds() -> None:
    # A terminal's store was recorded at enrolment since 0001 (terminals.store_id, NOT NULL),
    # so existing terminals are bound already: nothing to backfill there. Sales keep their
    # lines and money by tender from now on (refunds are bounded by them); older sales have
    # NULL and their refunds are bounded by the sale's totals. Refunds get their store (from
    # the terminal that pushed them) and what they paid out.
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lines', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('tenders', sa.JSON(), nullable=True))
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lines', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('tenders', sa.JSON(), nullable=True))
    op.execute("UPDATE refunds SET store_id = (SELECT terminals.store_id FROM terminals "
               "WHERE terminals.id = refunds.terminal_id)")


def _downgrade_ownership_and_refunds() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('tenders')
        batch_op.drop_column('lines')
        batch_op.drop_column('store_id')
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.drop_column('tenders')
        batch_op.drop_column('lines')


# -- central member-code nonces and the acknowledged audit head ----------------------------------


def _upgrade_nonces_and_audit() -> None:
    op.create_table(
        "audit_acks",
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("breaks", sa.Integer(), nullable=False),
        sa.Column("broken_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("terminal_id", name=op.f("pk_audit_acks")),
    )
    # A terminal that pushed heads before this revision: its highest head is the acknowledged
    # one, so the next head it pushes is checked against it.
    op.execute(
        "INSERT INTO audit_acks (terminal_id, seq, hash, event_id, acknowledged_at, breaks) "
        "SELECT h.terminal_id, h.seq, h.hash, NULL, h.at, 0 FROM audit_heads h "
        "WHERE h.seq = (SELECT max(x.seq) FROM audit_heads x "
        "WHERE x.terminal_id = h.terminal_id)"
    )
    op.create_table(
        "member_code_nonces",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("sale_id", sa.String(length=36), nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_member_code_nonces")),
    )


def _downgrade_nonces_and_audit() -> None:
    op.drop_table("member_code_nonces")
    op.drop_table("audit_acks")
