"""The console's own tables (migration 0007): staff, sessions, audit, programme versions,
coupon templates and what was issued from them, conflict resolutions.

They live on the service's ``Base`` (pos_central.models imports this module at its end), so
the migrations test compares them with 0007 like every other table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos_central.db import UTCDateTime, utcnow
from pos_central.models import Base

ROLES = ("admin", "operator", "read_only")


class ConsoleStaff(Base):
    __tablename__ = "console_staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))  # ROLES
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConsoleSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "console_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute end


class ConsoleAudit(Base):
    """Every change made through the console: who, what, before and after."""

    __tablename__ = "console_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_console_audit_at", "at"),)


class ProgrammeVersion(Base):
    """A rules document saved in the console: scheduled for a time, then published into
    ``rules_versions`` (and so the feed) when that time comes."""

    __tablename__ = "programme_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules: Mapped[Any] = mapped_column(JSON)  # Rules.to_dict()
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # scheduled published cancelled
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rules_version: Mapped[int | None] = mapped_column(Integer)  # rules_versions.version


class CouponTemplate(Base):
    """What a coupon is; issuing makes coupons (single-use codes) from it."""

    __tablename__ = "coupon_templates"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # amount_off percent_off
    value_fen: Mapped[int | None] = mapped_column(BigInteger)
    rate: Mapped[str | None] = mapped_column(String(16))
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    threshold_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    categories: Mapped[Any] = mapped_column(JSON, default=list)
    skus: Mapped[Any] = mapped_column(JSON, default=list)
    weekdays: Mapped[Any] = mapped_column(JSON, default=list)
    tiers: Mapped[Any] = mapped_column(JSON, default=list)
    valid_days: Mapped[int] = mapped_column(Integer, default=30)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    with_tier_discount: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CouponBatch(Base):
    """One issue: to a member, a segment or as codes to export."""

    __tablename__ = "coupon_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_code: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(16))  # member segment codes
    segment: Mapped[Any] = mapped_column(JSON, nullable=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class IssuedCoupon(Base):
    __tablename__ = "issued_coupons"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)  # coupons.code
    batch_id: Mapped[int] = mapped_column(Integer, index=True)
    template_code: Mapped[str] = mapped_column(String(32), index=True)


class ConflictResolution(Base):
    __tablename__ = "conflict_resolutions"
    conflict_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resolution: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(64))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)
