"""Members, their point lots and their coupons (the cache the central service fills)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from pos_member.domain.pinyin import search_keys
from pos_member.store.models.base import (
    CODE_LEN,
    TIER_LEN,
    UUID_LEN,
    Base,
    non_negative,
    one_of,
    uuid_pk,
)
from pos_member.store.types import JSONText, LocalDateTime, UTCDateTime, utcnow


class Member(Base):
    __tablename__ = "members"

    id: Mapped[str] = uuid_pk()
    phone: Mapped[str | None] = mapped_column(String(24), unique=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    card_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # Pinyin search keys of ``name`` (pos_member.domain.pinyin), set wherever members are
    # stored: 张三 → "zs", "zhangsan"; NULL for a name without Chinese. Searched by prefix.
    name_initials: Mapped[str | None] = mapped_column(String(100), index=True)
    name_pinyin: Mapped[str | None] = mapped_column(String(100), index=True)
    birthday: Mapped[date | None] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(TIER_LEN), default="regular")
    growth: Mapped[int] = mapped_column(Integer, default=0)
    # Cached balance from the central service; may be negative (recorded, never clamped).
    points: Mapped[int] = mapped_column(Integer, default=0)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    origin: Mapped[str] = mapped_column(String(8), default="till")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The central service's row version; None until the central service has seen the member.
    central_version: Mapped[int | None] = mapped_column(Integer)

    point_lots: Mapped[list[PointLot]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(one_of("origin", ("central", "till")), name="origin"),
        CheckConstraint(
            "phone IS NULL OR phone_last4 = substr(phone, -4)", name="phone_last4_matches"
        ),
        # Last-four lookups list the most recent customers first.
        Index("ix_members_phone_last4", "phone_last4", "last_purchase_at"),
    )

    @validates("phone")
    def _keep_last4(self, _key: str, phone: str | None) -> str | None:
        # ORM writes keep phone_last4 in step; Core bulk writes must set it (a CHECK holds).
        self.phone_last4 = phone[-4:] if phone else None
        return phone

    @validates("name")
    def _keep_pinyin(self, _key: str, name: str | None) -> str | None:
        # ORM writes keep the search keys in step; Core bulk writes set them themselves.
        self.name_initials, self.name_pinyin = search_keys(name)
        return name

    def __repr__(self) -> str:
        return f"Member(id={self.id!r}, tier={self.tier!r}, points={self.points!r})"


class PointLot(Base):
    """Points earned together, expiring together; ``points`` is what is left of the lot."""

    __tablename__ = "point_lots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    earned_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer)

    member: Mapped[Member] = relationship(back_populates="point_lots")

    __table_args__ = (
        *non_negative("points"),
        Index("ix_point_lots_member_id", "member_id", "expires_on"),
    )


class Coupon(Base):
    __tablename__ = "coupons"

    code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    # Personal coupons go with their member (a member merged away by the central service
    # takes its coupons along; the central service re-sends them under the survivor).
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    # The name the brand gives the coupon (CouponData.title, e.g. "生日券 满30减10"); "" when
    # the central service sent none (the till then describes the coupon from its terms).
    title: Mapped[str] = mapped_column(String(100), default="", server_default="")
    value_fen: Mapped[int | None] = mapped_column(Integer)  # amount_off
    rate: Mapped[str | None] = mapped_column(String(8))  # percent_off, e.g. "0.80" = 8折
    cap_fen: Mapped[int | None] = mapped_column(Integer)
    threshold_fen: Mapped[int] = mapped_column(Integer, default=0)
    categories: Mapped[list[str] | None] = mapped_column(JSONText)  # None: all lines
    skus: Mapped[list[str] | None] = mapped_column(JSONText)
    valid_from: Mapped[datetime | None] = mapped_column(LocalDateTime)  # inclusive
    valid_to: Mapped[datetime | None] = mapped_column(LocalDateTime)  # exclusive
    weekdays: Mapped[list[int] | None] = mapped_column(JSONText)  # ISO 1=Mon..7=Sun
    tiers: Mapped[list[str] | None] = mapped_column(JSONText)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    with_tier_discount: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="available")
    used_by_sale_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(one_of("kind", ("amount_off", "percent_off")), name="kind"),
        CheckConstraint(
            "(kind = 'amount_off' AND value_fen IS NOT NULL) "
            "OR (kind = 'percent_off' AND rate IS NOT NULL)",
            name="kind_has_value",
        ),
        CheckConstraint(one_of("status", ("available", "used", "void")), name="status"),
        *non_negative("value_fen", "cap_fen", "threshold_fen"),
        Index("ix_coupons_member_id", "member_id", "status"),
    )
