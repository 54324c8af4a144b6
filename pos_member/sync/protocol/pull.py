"""``GET /v1/changes`` and ``GET /v1/members/lookup``: the entities the service sends down to the
tills (members with their point lots, coupons, categories, products, barcodes, rules, revoked
codes, signing keys; benefit programmes and mall stock from
:mod:`pos_member.sync.benefits_wire`), each change as the entity's latest state or a tombstone
(``Change``, told apart by ``entity``), a page of them with its cursor and feed id
(``ChangesPage``), and one member found online with their usable coupons
(``MemberLookupResponse``).
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    Field,
)

from pos_member.domain.coupons import Coupon, CouponKind
from pos_member.sync import benefits_wire as bw

from .base import PROTOCOL_VERSION, DecimalText, LocalOrInstant, UtcDatetime, WireOut


class PointLotData(WireOut):
    earned_on: date
    expires_on: date  # last day the lot can be used
    points: int  # what is left of the lot


class MemberData(WireOut):
    id: UUID
    phone: str | None = None
    card_no: str | None = None
    name: str = ""
    birthday: date | None = None
    tier: str
    growth: int
    points: int  # balance; may be negative (spent points reversed by a refund, overdrawn)
    lots: list[PointLotData] = Field(default_factory=list)  # open lots, soonest expiring first
    marketing_consent: bool = False
    registered_at: UtcDatetime | None = None
    last_purchase_at: UtcDatetime | None = None
    version: int = 1  # grows with every change of the member on the service
    # Stored value (储值), the sums of the service's ledger; may be negative (overdrawn).
    stored_principal_fen: int = 0
    stored_bonus_fen: int = 0
    benefits: bw.MemberBenefitsData | None = None  # quota uses this period, count cards


class CouponStatus(enum.StrEnum):
    AVAILABLE = "available"
    USED = "used"
    VOID = "void"


class CouponData(WireOut):
    """Mirrors ``pos_member.domain.coupons.Coupon``, with money in fen."""

    code: str
    kind: Literal["amount_off", "percent_off"]
    title: str = ""
    value_fen: int | None = None  # amount_off
    rate: DecimalText | None = None  # percent_off: what the customer pays, "0.80" = 20 % off
    cap_fen: int | None = None  # percent_off: largest discount
    threshold_fen: int = 0  # 0 = 无门槛
    categories: list[str] = Field(default_factory=list)  # empty with skus empty: all lines
    skus: list[str] = Field(default_factory=list)
    valid_from: LocalOrInstant | None = None  # inclusive; naive = store-local, aware = instant
    valid_to: LocalOrInstant | None = None  # exclusive
    weekdays: list[int] = Field(default_factory=list)  # ISO 1 = Monday ... 7 = Sunday
    tiers: list[str] = Field(default_factory=list)  # empty: members and non-members alike
    stackable: bool = False
    with_tier_discount: bool = True
    member_id: UUID | None = None  # a personal coupon; None = a public code
    status: CouponStatus = CouponStatus.AVAILABLE
    used_by_sale_id: UUID | None = None

    def to_domain(self) -> Coupon:
        """The pricing engine's ``Coupon`` (``used`` set when the service says it is used)."""
        return Coupon(
            code=self.code, kind=CouponKind(self.kind), value=self.value_fen, rate=self.rate,
            cap=self.cap_fen, threshold=self.threshold_fen,
            categories=frozenset(self.categories), skus=frozenset(self.skus),
            valid_from=self.valid_from, valid_to=self.valid_to,
            weekdays=frozenset(self.weekdays), tiers=frozenset(self.tiers),
            stackable=self.stackable, with_tier_discount=self.with_tier_discount,
            used=self.status is not CouponStatus.AVAILABLE,
        )


class CategoryData(WireOut):
    id: str
    name: str
    name_en: str = ""
    sort_order: int = 0
    active: bool = True


class ProductData(WireOut):
    sku: str
    name: str
    name_en: str = ""
    category_id: str | None = None
    unit_price_fen: int
    unit: Literal["pcs", "kg"] = "pcs"
    discountable: bool = True
    points_eligible: bool = True
    active: bool = True
    member_prices: dict[str, int] = Field(default_factory=dict)  # 会员价: tier -> unit fen


class BarcodeData(WireOut):
    code: str
    sku: str


class RulesData(WireOut):
    version: int
    effective_from: UtcDatetime
    rules: dict[str, Any]  # Rules.to_dict() of pos_member/domain/rules.py (money: yuan strings)


class RevokedCodeData(WireOut):
    """Either a signing key (every code it signed) or a member (every code for them)."""

    key_id: str | None = None
    member_id: UUID | None = None
    revoked_at: UtcDatetime
    reason: str = ""


class SigningKeyData(WireOut):
    key_id: str
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key: str  # the raw 32-byte public key, standard base64 with padding
    created_at: UtcDatetime
    active: bool = True  # the key the service signs new codes with


class _ChangeBase(WireOut):
    seq: int  # position in the feed
    id: str  # the entity's key: member id, coupon code, sku, barcode, rules version, ...
    deleted: bool = False  # a tombstone: forget the entity; data is null


class MemberChange(_ChangeBase):
    entity: Literal["member"] = "member"
    merged_into: UUID | None = None  # set on the tombstone of a member merged into another
    data: MemberData | None = None


class CouponChange(_ChangeBase):
    entity: Literal["coupon"] = "coupon"
    data: CouponData | None = None


class CategoryChange(_ChangeBase):
    entity: Literal["category"] = "category"
    data: CategoryData | None = None


class ProductChange(_ChangeBase):
    entity: Literal["product"] = "product"
    data: ProductData | None = None


class BarcodeChange(_ChangeBase):
    entity: Literal["barcode"] = "barcode"
    data: BarcodeData | None = None


class RulesChange(_ChangeBase):
    entity: Literal["rules"] = "rules"
    data: RulesData | None = None


class RevokedCodeChange(_ChangeBase):
    entity: Literal["revoked_code"] = "revoked_code"  # id: "key:<key_id>" or "member:<uuid>"
    data: RevokedCodeData | None = None


class SigningKeyChange(_ChangeBase):
    entity: Literal["signing_key"] = "signing_key"
    data: SigningKeyData | None = None


Change = Annotated[
    MemberChange | CouponChange | CategoryChange | ProductChange | BarcodeChange | RulesChange
    | RevokedCodeChange | SigningKeyChange | bw.BenefitProgrammeChange | bw.MallStockChange,
    Field(discriminator="entity"),
]
ENTITY_TYPES = ("member", "coupon", "category", "product", "barcode", "rules", "revoked_code",
                "signing_key", "benefit_rules", "mall_stock")


class ChangesPage(WireOut):
    """``GET /v1/changes?cursor=C&limit=N``: the changes after ``C``, oldest first.

    Each entity appears at most once per page, in its latest state (or as a tombstone).
    Store ``next_cursor`` once the page is applied; ask again while ``has_more``. A different
    ``feed_id`` from the one stored means the service's database was replaced: pull from "0".
    """

    changes: list[Change]
    next_cursor: str
    has_more: bool
    feed_id: str
    server_time: UtcDatetime
    protocol_version: int = PROTOCOL_VERSION


class MemberLookupResponse(WireOut):
    """``GET /v1/members/lookup?phone=|card=|id=``: one member and their usable coupons."""

    member: MemberData
    coupons: list[CouponData] = Field(default_factory=list)
    resolved_from: UUID | None = None  # the id asked for, when it was merged into ``member``
