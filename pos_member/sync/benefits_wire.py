"""Wire models of benefits (权益次数), count cards (次卡) and the points mall (积分兑换).

Imported by :mod:`pos_member.sync.protocol`: a sale carries :class:`SaleBenefits`, a refund :class:`RefundBenefits`, a member in the
change feed :class:`MemberBenefitsData`; the programme and each store's stock travel as their
own feed entities (``benefit_rules``, ``mall_stock``). Every movement has its own UUID made
by the till, so the service applies it once even if two events carried it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, Strict

# The scalar types of protocol.base (the protocol package imports this module, so it cannot
# import them back).
FenAmount = Annotated[int, Strict(), Field(ge=0, le=10**12)]
Points = Annotated[int, Strict(), Field(ge=0, le=10**10)]
LineNo = Annotated[int, Strict(), Field(ge=1, le=10_000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
TierCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[^\x00]*$")]


class WireIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WireOut(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

PeriodKey = Annotated[str, Field(pattern=r"^\d{4}(-\d{2})?$")]
Uses = Annotated[int, Field(strict=True, ge=0, le=100_000)]


class BenefitUseWire(WireIn):
    """One use of a benefit on one unit of a sale line."""

    use_id: UUID
    benefit: Code
    source: Annotated[str, Field(min_length=1, max_length=64)]  # "quota" or the card's id
    line_no: LineNo
    discount_fen: FenAmount
    period_key: PeriodKey | None = None  # quota uses: the period it counts against
    tier: TierCode | None = None  # the tier whose quota the till spent
    offline: bool = False


class CountCardGrant(WireIn):
    """A count card sold on a sale line: ``uses`` of ``benefit`` until ``expires_on``."""

    card_id: UUID
    sku: Code
    benefit: Code
    line_no: LineNo
    uses: Annotated[int, Field(strict=True, ge=1, le=100_000)]
    expires_on: date


class MallRedemption(WireIn):
    """A points-mall reward on a sale line, paid with points (the line's ``points_redeemed``)."""

    redemption_id: UUID
    reward: Code
    line_no: LineNo
    qty: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    points: Points


class SaleBenefits(WireIn):
    uses: list[BenefitUseWire] = Field(default_factory=list, max_length=1000)
    cards: list[CountCardGrant] = Field(default_factory=list, max_length=1000)
    mall: list[MallRedemption] = Field(default_factory=list, max_length=1000)


class CardRefund(WireIn):
    """A refunded count card: its unused uses go (``uses_removed``, as the till counted)."""

    card_id: UUID
    uses_removed: Uses


class MallReturn(WireIn):
    redemption_id: UUID
    qty: Annotated[int, Field(strict=True, ge=1, le=10_000)]


class RefundBenefits(WireIn):
    uses_returned: list[UUID] = Field(default_factory=list, max_length=1000)
    cards: list[CardRefund] = Field(default_factory=list, max_length=1000)
    mall: list[MallReturn] = Field(default_factory=list, max_length=1000)


# -- pull -------------------------------------------------------------------------------------

class QuotaUsedData(WireOut):
    benefit: str
    period_key: str
    used: int


class CountCardData(WireOut):
    id: str
    sku: str = ""
    benefit: str
    uses_total: int
    uses_left: int  # may be negative: two tills spent the same card offline (a conflict)
    expires_on: date
    status: Literal["active", "refunded"] = "active"


class MemberBenefitsData(WireOut):
    quota_used: list[QuotaUsedData] = Field(default_factory=list)
    cards: list[CountCardData] = Field(default_factory=list)


class BenefitProgrammeData(WireOut):
    version: int
    programme: dict[str, Any]  # domain.benefits.Programme.to_dict() (money: yuan strings)


class MallStockData(WireOut):
    store_id: str
    reward: str
    stock: int  # may be negative after two tills redeemed the last one offline


class _Change(WireOut):  # the shape of protocol.pull._ChangeBase (which imports this module)
    seq: int
    id: str
    deleted: bool = False


class BenefitProgrammeChange(_Change):
    entity: Literal["benefit_rules"] = "benefit_rules"
    data: BenefitProgrammeData | None = None


class MallStockChange(_Change):
    entity: Literal["mall_stock"] = "mall_stock"  # id: "<store_id>:<reward>"
    data: MallStockData | None = None
