"""Pinyin search keys for products and members; coupons' display names.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 18:40:00

- ``products.name_initials``, ``products.name_pinyin``, ``members.name_initials``,
  ``members.name_pinyin`` (indexed): the pinyin initials (拿铁 → ``nt``) and full pinyin
  (``natie``) of the name, from ``pos_member.domain.pinyin.search_keys``; filled here for the
  rows already stored (about 50 µs a name: a million members add under a minute to this
  upgrade), and from then on wherever products and members are stored.
- ``coupons.title``: the coupon's name as the brand gives it (``CouponData.title``); ``''``
  for coupons stored before this revision (the central service sends it with the next change).

Runs inside one transaction with foreign keys off (see pos_member/store/migrate.py).
Use plain SQLAlchemy types here, never the project's models or column types, and wrap every
constraint or index name in ``op.f()`` (the naming convention would otherwise apply twice).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pos_member.domain.pinyin import search_keys

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 5000


def _backfill(table: str, key: str) -> None:
    bind = op.get_bind()
    # only names with a character outside ASCII can have Chinese in them
    rows = bind.execute(sa.text(
        f"SELECT {key}, name FROM {table} WHERE name GLOB '*[^ -~]*'")).fetchall()
    update = sa.text(f"UPDATE {table} SET name_initials = :i, name_pinyin = :p "
                     f"WHERE {key} = :k")
    for start in range(0, len(rows), _CHUNK):
        params = []
        for k, name in rows[start:start + _CHUNK]:
            initials, full = search_keys(name)
            if initials or full:
                params.append({"k": k, "i": initials, "p": full})
        if params:
            bind.execute(update, params)


def upgrade() -> None:
    for table in ("products", "members"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("name_initials", sa.String(length=100), nullable=True))
            batch_op.add_column(sa.Column("name_pinyin", sa.String(length=100), nullable=True))
        op.create_index(op.f(f"ix_{table}_name_initials"), table, ["name_initials"])
        op.create_index(op.f(f"ix_{table}_name_pinyin"), table, ["name_pinyin"])
    _backfill("products", "sku")
    _backfill("members", "id")
    with op.batch_alter_table("coupons") as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=100), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("coupons") as batch_op:
        batch_op.drop_column("title")
    for table in ("members", "products"):
        op.drop_index(op.f(f"ix_{table}_name_pinyin"), table_name=table)
        op.drop_index(op.f(f"ix_{table}_name_initials"), table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("name_pinyin")
            batch_op.drop_column("name_initials")
