"""The payloads of the events a till pushes (``EventKind`` names them): a sale and a refund with
their lines, tenders, coupons and stored value, a stored-value recharge and its refund, a
member registered or corrected, a gift issued, a shift opened or closed with its counts, a cash
movement, and the head of the audit chain. Each payload checks its own figures when it is
parsed (a sale's totals are the sums of its lines, money tenders cover the total, points need
a member...), so the service refuses a sale that does not add up with a field-named 422
before anything is stored. Benefit uses travel in :mod:`pos_member.sync.benefits_wire`.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    Field,
    Strict,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pos_member.sync import benefits_wire as bw

from .base import (
    MONEY_LIMIT,
    SEQ_LIMIT,
    Code,
    Count,
    DecimalText,
    Fen,
    FenAmount,
    LineNo,
    LocalDatetime,
    Phone,
    Points,
    Quantity,
    ShortText,
    TenderCode,
    Text,
    TierCode,
    TzName,
    UtcDatetime,
    WireDate,
    WireIn,
)


class EventKind(enum.StrEnum):
    SALE = "sale"
    REFUND = "refund"
    MEMBER_REGISTERED = "member_registered"
    MEMBER_UPDATED = "member_updated"
    SHIFT_OPENED = "shift_opened"
    SHIFT_CLOSED = "shift_closed"
    CASH_MOVEMENT = "cash_movement"
    AUDIT_HEAD = "audit_head"
    RECHARGE = "recharge"  # stored value (储值) recharged at the till
    RECHARGE_REFUND = "recharge_refund"
    GIFT_ISSUED = "gift_issued"  # birthday / upgrade gift, member-day coupon (docs/gifts.md)


class PaymentLine(WireIn):
    tender: TenderCode
    amount_fen: Fen  # what this tender covers of the total (negative in a refund is not used)
    tendered_fen: FenAmount | None = None  # cash handed over
    change_fen: FenAmount = 0
    reference: Text(128) | None = None  # voucher code, provider ref


class SaleLine(WireIn):
    line_no: LineNo
    sku: Code
    name: Text(200) = ""
    category_id: Code | None = None
    qty: Quantity
    unit_price_fen: FenAmount
    amount_fen: FenAmount
    tier_discount_fen: FenAmount = 0
    coupon_discount_fen: FenAmount = 0
    points_value_fen: FenAmount = 0
    points_redeemed: Points = 0
    rounding_fen: Fen = 0
    paid_fen: FenAmount
    discountable: bool = True
    points_eligible: bool = True


class CouponUse(WireIn):
    code: Code
    discount_fen: FenAmount


class StoredValueUse(WireIn):
    """A stored-value ledger row carried by a sale (spent: the parts taken) or a refund
    (returned: the parts put back). Both parts are non-negative here; the event says which
    way they move. ``entry_id`` is the row's UUID, applied once."""

    entry_id: UUID
    principal_fen: FenAmount
    bonus_fen: FenAmount = 0


class SalePayload(WireIn):
    sale_id: UUID
    receipt_no: ShortText
    store_id: Code
    terminal_id: UUID | None = None  # when given it must be the pushing terminal
    shift_id: UUID | None = None
    staff_id: ShortText | None = None
    sold_at: UtcDatetime
    local_time: LocalDatetime  # the store's wall clock at sold_at
    tz: TzName
    member_id: UUID | None = None
    lines: Annotated[list[SaleLine], Field(min_length=1, max_length=1000)]
    payments: list[PaymentLine] = Field(default_factory=list)
    coupons: list[CouponUse] = Field(default_factory=list)
    subtotal_fen: FenAmount
    tier_discount_fen: FenAmount = 0
    coupon_discount_fen: FenAmount = 0
    points_value_fen: FenAmount = 0
    rounding_fen: Fen = 0
    total_fen: FenAmount
    points_redeemed: Points = 0
    points_earned: Points = 0
    growth_earned: Points = 0
    multiplier: DecimalText | None = None
    tier_before: TierCode | None = None
    tier_after: TierCode | None = None
    member_code_nonce: Text(64) | None = None
    stored_value: StoredValueUse | None = None  # the balance spent (tender ``stored_value``)
    benefits: bw.SaleBenefits | None = None  # benefit uses, count cards sold, mall rewards

    @model_validator(mode="after")
    def _lines_unique(self) -> SalePayload:
        numbers = [line.line_no for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("lines: line_no must be unique")
        if self.member_id is None and (self.points_redeemed or self.points_earned
                                       or self.growth_earned):
            raise ValueError("points and growth need a member_id")
        return self

    @model_validator(mode="after")
    def _figures_add_up(self) -> SalePayload:
        """The sale's figures are the sums of its lines', each line's ``paid_fen`` is its
        amount less its discounts, points value and rounding, the total is what is left, and
        money tenders (every tender but ``points``), when given, cover the total."""
        for i, line in enumerate(self.lines):
            _must_equal(f"lines.{i}.paid_fen", line.paid_fen,
                        line.amount_fen - line.tier_discount_fen - line.coupon_discount_fen
                        - line.points_value_fen - line.rounding_fen,
                        "the line's amount less its discounts, points value and rounding")
        for name in ("amount_fen", "tier_discount_fen", "coupon_discount_fen",
                     "points_value_fen", "rounding_fen", "points_redeemed", "paid_fen"):
            total_name = {"amount_fen": "subtotal_fen", "paid_fen": "total_fen"}.get(name, name)
            _must_equal(total_name, getattr(self, total_name),
                        sum(getattr(line, name) for line in self.lines), f"the lines' {name}")
        _must_equal("coupon_discount_fen", self.coupon_discount_fen,
                    sum(c.discount_fen for c in self.coupons), "the coupons' discount_fen")
        _must_equal("total_fen", self.total_fen,
                    self.subtotal_fen - self.tier_discount_fen - self.coupon_discount_fen
                    - self.points_value_fen - self.rounding_fen,
                    "subtotal_fen less the discounts, points value and rounding")
        _tenders_cover("total_fen", self.total_fen, self.payments)
        _stored_value_covers(self.stored_value, self.payments, self.member_id)
        return self


def _stored_value_covers(use: StoredValueUse | None, payments: list[PaymentLine],
                         member_id: Any) -> None:
    """The ``stored_value`` tenders add up to the ledger row's parts; both need a member."""
    paid = sum(x.amount_fen for x in payments if x.tender == "stored_value")
    parts = 0 if use is None else use.principal_fen + use.bonus_fen
    _must_equal("stored_value", parts, paid, "the stored_value tenders")
    if use is not None and member_id is None:
        raise ValueError("stored_value needs a member_id")


def _must_equal(field: str, value: int, expected: int, what: str) -> None:
    if value != expected:
        raise PydanticCustomError(
            "figures_do_not_add_up", "{field} is {value}, but {what} come to {expected}",
            {"field": field, "value": value, "what": what, "expected": expected})


def _tenders_cover(field: str, amount: int, payments: list[PaymentLine]) -> None:
    money = [x.amount_fen for x in payments if x.tender != "points"]
    if money:
        _must_equal(field, amount, sum(money), "the money tenders (payments but points)")


class RefundLine(WireIn):
    line_no: LineNo  # the sale's line
    sku: Code
    qty: Quantity
    amount_fen: FenAmount  # money refunded for the line
    points_returned: Points = 0  # redeemed points given back for the line


class RefundPayload(WireIn):
    refund_id: UUID
    sale_id: UUID
    receipt_no: ShortText
    store_id: Code
    terminal_id: UUID | None = None
    shift_id: UUID | None = None
    staff_id: ShortText | None = None
    approved_by: ShortText | None = None  # the manager who approved
    refunded_at: UtcDatetime
    local_time: LocalDatetime
    tz: TzName
    member_id: UUID | None = None
    lines: Annotated[list[RefundLine], Field(min_length=1, max_length=1000)]
    payments: list[PaymentLine] = Field(default_factory=list)  # how the money went back
    amount_fen: FenAmount
    points_reversed: Points = 0  # earned points taken back
    growth_reversed: Points = 0
    points_returned: Points = 0  # redeemed points given back
    coupons_restored: list[Code] = Field(default_factory=list)
    full: bool = False  # after this refund every line of the sale is refunded
    tier_after: TierCode | None = None
    reason: Text(500) | None = None
    stored_value: StoredValueUse | None = None  # put back on the balance (tender stored_value)
    benefits: bw.RefundBenefits | None = None  # uses given back, cards refunded, mall returns

    @model_validator(mode="after")
    def _figures_add_up(self) -> RefundPayload:
        """``amount_fen`` and ``points_returned`` are the sums of the lines'; money tenders,
        when given, cover ``amount_fen``."""
        _must_equal("amount_fen", self.amount_fen, sum(x.amount_fen for x in self.lines),
                    "the lines' amount_fen")
        _must_equal("points_returned", self.points_returned,
                    sum(x.points_returned for x in self.lines), "the lines' points_returned")
        _tenders_cover("amount_fen", self.amount_fen, self.payments)
        _stored_value_covers(self.stored_value, self.payments, self.member_id)
        return self


class RechargePaymentLine(PaymentLine):
    """How a recharge was paid, or its refund paid back: cash, WeChat Pay, Alipay or card."""

    tender: Literal["cash", "wechat", "alipay", "card"]


class RechargePayload(WireIn):
    """Stored value bought at the till: ``amount_fen`` of principal, paid by ``payments``
    (cash, wechat, alipay, card), and the bonus of recharge rule ``rule_id`` (its gift coupon
    and tier upgrade are the central service's to give)."""

    recharge_id: UUID
    entry_id: UUID  # the ledger row (principal and bonus in)
    member_id: UUID
    receipt_no: ShortText
    store_id: Code
    terminal_id: UUID | None = None
    shift_id: UUID | None = None
    staff_id: ShortText | None = None
    recharged_at: UtcDatetime
    local_time: LocalDatetime
    tz: TzName
    amount_fen: Annotated[int, Strict(), Field(ge=1, le=MONEY_LIMIT, examples=[30000])]
    bonus_fen: FenAmount = 0
    rule_id: Code | None = None
    gift_coupon: Code | None = None
    tier_to: TierCode | None = None
    payments: Annotated[list[RechargePaymentLine], Field(
        min_length=1, max_length=8, examples=[[{"tender": "cash", "amount_fen": 30000}]])]
    offline: bool = False

    @model_validator(mode="after")
    def _paid(self) -> RechargePayload:
        _tenders_cover("amount_fen", self.amount_fen, self.payments)
        return self


class RechargeRefundPayload(WireIn):
    """A recharge refunded (a manager approved): ``principal_fen`` and ``bonus_fen`` were taken
    out of the account, ``cash_back_fen`` (principal less the bonus already spent) went back by
    ``payments``."""

    refund_id: UUID
    recharge_id: UUID
    entry_id: UUID  # the ledger row (principal and bonus out)
    member_id: UUID
    receipt_no: ShortText
    store_id: Code
    terminal_id: UUID | None = None
    shift_id: UUID | None = None
    staff_id: ShortText | None = None
    approved_by: ShortText | None = None
    refunded_at: UtcDatetime
    local_time: LocalDatetime
    tz: TzName
    principal_fen: FenAmount
    bonus_fen: FenAmount = 0
    bonus_spent_fen: FenAmount = 0
    cash_back_fen: FenAmount
    payments: list[RechargePaymentLine] = Field(default_factory=list, max_length=8)
    reason: Text(500) | None = None

    @model_validator(mode="after")
    def _figures_add_up(self) -> RechargeRefundPayload:
        _must_equal("cash_back_fen", self.cash_back_fen,
                    self.principal_fen - self.bonus_spent_fen,
                    "principal_fen less bonus_spent_fen")
        if self.cash_back_fen:
            _tenders_cover("cash_back_fen", self.cash_back_fen, self.payments)
        return self


class MemberRegisteredPayload(WireIn):
    member_id: UUID  # made on the till
    phone: Phone
    name: Text(100) = ""
    birthday: WireDate | None = None
    marketing_consent: bool = False
    card_no: Annotated[str, Field(pattern=r"^[0-9]{6,18}$")] | None = None
    registered_at: UtcDatetime
    store_id: Code
    staff_id: ShortText | None = None


class MemberUpdatedPayload(WireIn):
    """The member's own details corrected at the counter (the whole set, as now shown)."""

    member_id: UUID
    name: Text(100) = ""
    birthday: WireDate | None = None
    marketing_consent: bool = False
    updated_at: UtcDatetime
    store_id: Code
    staff_id: ShortText | None = None


class GiftCouponData(WireIn):
    """The wallet coupon a gift became at the till (pos_member/domain/gifts.py coupon_for)."""

    code: Code
    title: Text(200) = ""
    kind: Literal["amount_off", "percent_off"]
    value_fen: FenAmount | None = None
    rate: DecimalText | None = None
    cap_fen: FenAmount | None = None
    threshold_fen: FenAmount = 0
    skus: Annotated[list[Code], Field(max_length=50)] = Field(default_factory=list)
    valid_from: LocalDatetime  # store-local
    valid_to: LocalDatetime


class GiftIssuedPayload(WireIn):
    """A gift issued at the till: ``gift_id`` is uuid5(member, gift, period) (domain/gifts.py),
    so two tills that issue the same gift offline send the same id; the service keeps the
    first and answers ``gift_already_issued`` for another."""

    gift_id: UUID
    member_id: UUID
    kind: Literal["birthday", "upgrade", "member_day"]
    gift: Code  # birthday, upgrade:<tier>, member_day:<day id>
    period: Text(32, 1)  # the year, "once", the local date
    coupon: GiftCouponData
    sale_id: UUID | None = None  # the sale that lifted the tier (upgrade gifts)
    issued_at: UtcDatetime
    local_date: WireDate  # the store's date at issued_at
    store_id: Code
    staff_id: ShortText | None = None


class ShiftOpenedPayload(WireIn):
    shift_id: UUID
    store_id: Code
    staff_id: ShortText
    opened_at: UtcDatetime
    tz: TzName
    opening_float_fen: FenAmount


class TenderCount(WireIn):
    tender: TenderCode
    expected_fen: Fen
    counted_fen: Fen
    difference_fen: Fen  # counted - expected: over (+) or short (-)


class DenominationCount(WireIn):
    denomination_fen: Annotated[int, Strict(), Field(ge=1, le=MONEY_LIMIT)]
    count: Count


class ShiftClosedPayload(WireIn):
    shift_id: UUID
    store_id: Code
    staff_id: ShortText
    approved_by: ShortText | None = None
    closed_at: UtcDatetime
    tz: TzName
    tenders: list[TenderCount] = Field(default_factory=list)
    denominations: list[DenominationCount] = Field(default_factory=list)  # the blind cash count
    sales_count: Count = 0
    sales_total_fen: Fen = 0
    refunds_total_fen: Fen = 0
    z_report_no: ShortText | None = None


class CashMovementKind(enum.StrEnum):
    PAID_IN = "paid_in"
    PAID_OUT = "paid_out"
    NO_SALE = "no_sale"  # drawer opened without a sale (amount 0)


class CashMovementPayload(WireIn):
    movement_id: UUID
    shift_id: UUID
    store_id: Code
    kind: CashMovementKind
    amount_fen: FenAmount
    reason: Text(500) = ""
    staff_id: ShortText
    approved_by: ShortText | None = None
    at: UtcDatetime


class AuditHeadPayload(WireIn):
    seq: Annotated[int, Strict(), Field(ge=0, le=SEQ_LIMIT)]  # the chain's last entry
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]  # its hash (hex SHA-256)
    at: UtcDatetime
    # The link to the head the service acknowledged last (the till stores it from the answer):
    # that seq, and the hash the till's log holds at that seq NOW. The service requires it to
    # be its acknowledged head, so entries it saw cannot be deleted or re-hashed unnoticed.
    # Both or neither (a till that has no acknowledged head yet, or an older till, sends none).
    prev_ack_seq: Annotated[int, Strict(), Field(ge=1, le=SEQ_LIMIT)] | None = None
    prev_ack_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @model_validator(mode="after")
    def _link(self) -> AuditHeadPayload:
        if (self.prev_ack_seq is None) != (self.prev_ack_hash is None):
            raise ValueError("prev_ack_seq and prev_ack_hash go together")
        if self.prev_ack_seq is not None and self.prev_ack_seq > self.seq:
            raise ValueError("prev_ack_seq: a head cannot come before the head it extends")
        return self
