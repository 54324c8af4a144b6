"""Catalogue (categories, products, barcodes) and the versions of the loyalty rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from pos_member.domain.pinyin import search_keys
from pos_member.store.models.base import CODE_LEN, Base, non_negative, one_of
from pos_member.store.types import JSONText, UTCDateTime


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    # Pinyin search keys of ``name`` (pos_member.domain.pinyin), set wherever products are
    # stored: 拿铁 → "nt", "natie"; NULL for a name without Chinese.
    name_initials: Mapped[str | None] = mapped_column(String(100), index=True)
    name_pinyin: Mapped[str | None] = mapped_column(String(100), index=True)
    category_id: Mapped[str | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    # 'pcs': whole quantities; 'kg': weighed goods (fractional quantities).
    unit: Mapped[str] = mapped_column(String(8), default="pcs")
    discountable: Mapped[bool] = mapped_column(Boolean, default=True)
    points_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Member prices (会员价, migration 0006): {tier code: unit price in fen}; NULL = none.
    member_prices: Mapped[dict[str, int] | None] = mapped_column(JSONText)

    barcodes: Mapped[list[Barcode]] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        *non_negative("unit_price_fen"),
        CheckConstraint(one_of("unit", ("pcs", "kg")), name="unit"),
    )

    @validates("name")
    def _keep_pinyin(self, _key: str, name: str | None) -> str | None:
        # ORM writes keep the search keys in step; Core bulk writes set them themselves.
        self.name_initials, self.name_pinyin = search_keys(name)
        return name


class Barcode(Base):
    __tablename__ = "barcodes"

    code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku", ondelete="CASCADE"), index=True)

    product: Mapped[Product] = relationship(back_populates="barcodes")


class RuleVersion(Base):
    """One row per version of the loyalty rules the central service distributes."""

    __tablename__ = "rules"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules_json: Mapped[Any] = mapped_column(JSONText)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
