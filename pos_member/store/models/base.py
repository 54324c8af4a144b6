"""The declarative base, the constraint naming convention and small column helpers."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pos_member.store.types import new_uuid

# Every constraint and index gets a predictable name, so later migrations can drop or
# change it (SQLite batch mode needs names to find constraints again).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UUID_LEN = 36
TERMINAL_ID_LEN = 64
TZ_LEN = 64
TIER_LEN = 32
STAFF_ID_LEN = 64  # staff ids may come from the central service, not only UUIDs
CODE_LEN = 64

TENDERS = ("cash", "wechat", "alipay", "card", "voucher", "points", "stored_value", "meituan",
           "douyin")
LEDGER_KINDS = ("earn", "redeem", "reverse_earn", "return_redeem", "expire", "adjust")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL text ``column IN ('a', 'b')`` for an enumeration CHECK."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def non_negative(*columns: str) -> list[CheckConstraint]:
    """One named ``CHECK (col >= 0)`` per column (NULL passes, as in SQL)."""
    return [CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative") for c in columns]


def uuid_pk() -> Mapped[str]:
    """A UUID text primary key, made on the till when not given."""
    return mapped_column(String(UUID_LEN), primary_key=True, default=new_uuid)
