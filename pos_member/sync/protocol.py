"""The sync wire format, version 1 (paths under ``/v1``): one definition for till and service.

Conventions (docs/sync-api.md is the prose version):

- Money is integer fen (分) in every ``*_fen`` field, never a float and never a yuan string.
  JSON numbers that are not integers are refused (strict ints). The one exception is the
  rules document (:class:`RulesData.rules`), which is the ``Rules`` JSON of
  ``pos_member/domain/rules.py`` carried as is: its money fields are yuan strings ("10.00").
- Quantities and rates are decimal strings ("2", "0.350", "0.80"); floats are refused.
- Instants are timezone-aware ISO 8601 and are normalised to UTC. A store-local wall clock
  time travels beside its instant as a naive ``local_time`` plus the IANA zone ``tz``.
- Identifiers made on a till (events, sales, refunds, members, shifts) are UUIDs.
- Requests refuse unknown fields (``extra="forbid"``) so a typo is a 422, not lost data;
  responses ignore unknown fields so an older till keeps working against a newer service.
  Fields are only ever added; the service is upgraded before the tills.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NaiveDatetime,
    PlainSerializer,
    Strict,
    WithJsonSchema,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pos_member.domain.coupons import Coupon, CouponKind
from pos_member.sync import benefits_wire as bw

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"
PROTOCOL_HEADER = "X-POS-Protocol-Version"  # sent on every response; a till may send it too
MAX_EVENTS_PER_PUSH = 1000
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000

# ---------------------------------------------------------------------------------------------
# Scalar types

# Every integer a till sends is bounded for its meaning, far inside a 64-bit column (and its
# sums): an integer beyond the bound is a field-named 422, never a database overflow.
_MONEY_LIMIT = 10**12  # ¥10,000,000,000.00
_POINTS_LIMIT = 10**10
_SEQ_LIMIT = 10**15  # terminal sequences, audit positions
_COUNT_LIMIT = 10**9
Fen = Annotated[int, Strict(), Field(ge=-_MONEY_LIMIT, le=_MONEY_LIMIT)]
"""A signed amount of fen (rounding, differences)."""
FenAmount = Annotated[int, Strict(), Field(ge=0, le=_MONEY_LIMIT)]
"""A non-negative amount of fen."""
Points = Annotated[int, Strict(), Field(ge=0, le=_POINTS_LIMIT)]
SignedPoints = Annotated[int, Strict(), Field(ge=-_POINTS_LIMIT, le=_POINTS_LIMIT)]
Count = Annotated[int, Strict(), Field(ge=0, le=_COUNT_LIMIT)]
Seq = Annotated[int, Strict(), Field(ge=1, le=_SEQ_LIMIT)]
LineNo = Annotated[int, Strict(), Field(ge=1, le=10_000)]


def _decimal_text(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite decimal")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text and len(text) <= 24 and all(c in "0123456789.-" for c in text):
            try:
                parsed = Decimal(text)
            except ArithmeticError:
                pass
            else:
                if parsed.is_finite():
                    return parsed
    raise ValueError("must be a decimal string such as '2', '0.350' or '0.80' (no floats)")


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


_DECIMAL_SCHEMA = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "maxLength": 24,
                   "examples": ["0.350"]}
DecimalText = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema(_DECIMAL_SCHEMA),
]
"""A decimal number written as a string ("0.80"); floats are refused."""
Quantity = Annotated[
    DecimalText, AfterValidator(_positive),
    WithJsonSchema({"type": "string", "maxLength": 24, "examples": ["0.350"],
                    "pattern": r"^([0-9]*[1-9][0-9]*(\.[0-9]+)?|[0-9]+\.[0-9]*[1-9][0-9]*)$"}),
]


# Times and dates a till sends are ISO 8601 text in the years 1900 to 2199 (no year 1 or 9999:
# converted to UTC or to a lot's expiry they would overflow), checked by one regular
# expression that is also the OpenAPI document's pattern, so the document states exactly what
# the service accepts (no unix numbers, no impossible days such as 02-30).
_YEAR = r"(19[0-9]{2}|2[01][0-9]{2})"
_LEAP_YEAR = (r"(19([02468][48]|[13579][26]|[2468]0)|20([02468][048]|[13579][26])"
              r"|21([02468][48]|[13579][26]|[2468]0))")
_MONTH_DAY = (r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)"
              r"|(0[13578]|1[02])-31)")
_DATE_RE = rf"({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME_RE = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_OFFSET_RE = r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)"
DATE_PATTERN = rf"^{_DATE_RE}$"
LOCAL_TIME_PATTERN = rf"^{_DATE_RE}T{_TIME_RE}$"
INSTANT_PATTERN = rf"^{_DATE_RE}T{_TIME_RE}{_OFFSET_RE}$"
LOCAL_OR_INSTANT_PATTERN = rf"^{_DATE_RE}T{_TIME_RE}{_OFFSET_RE}?$"


def _text_matching(pattern: str, what: str):
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, (datetime, date)):  # built in Python (the service's answers)
            if not 1900 <= value.year <= 2199:
                raise ValueError(f"must be {what} in the years 1900 to 2199")
            return value
        if not isinstance(value, str) or compiled.fullmatch(value) is None:
            raise ValueError(f"must be {what} in the years 1900 to 2199")
        return value
    return BeforeValidator(check)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[
    AwareDatetime,
    _text_matching(INSTANT_PATTERN, "an ISO 8601 time with an offset (2026-05-20T12:00:00+08:00)"),
    AfterValidator(_to_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN,
                    "examples": ["2026-05-20T04:00:00Z"]}),
]
"""An instant with an offset, normalised to UTC (serialised with a ``Z``)."""
LocalDatetime = Annotated[
    NaiveDatetime,
    _text_matching(LOCAL_TIME_PATTERN, "a wall-clock time without an offset (2026-05-20T12:00:00)"),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME_PATTERN,
                    "examples": ["2026-05-20T12:00:00"]}),
]
"""A store's wall-clock time: ISO 8601 without an offset."""
WireDate = Annotated[
    date, _text_matching(DATE_PATTERN, "a date (1988-03-12)"),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
LocalOrInstant = Annotated[
    datetime,
    WithJsonSchema({"type": "string", "pattern": LOCAL_OR_INSTANT_PATTERN,
                    "description": "without an offset: the store's wall clock; with one: "
                                   "that instant"}),
]
"""A coupon window's edge as the service sends it: naive (store-local) or with an offset."""

_NO_NUL = r"^[^\x00]*$"  # PostgreSQL cannot store NUL characters; the schema says so
ShortText = Annotated[str, Field(min_length=1, max_length=64, pattern=_NO_NUL)]


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - a type factory
    """Free text of at most ``max_length`` characters, without NUL characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=_NO_NUL)]


Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
"""SKUs, coupon codes, category ids, store ids, barcodes: printable ASCII without spaces."""
TierCode = Annotated[str, Field(min_length=1, max_length=32, pattern=_NO_NUL)]


def _time_zones() -> list[str]:
    from zoneinfo import available_timezones
    return sorted(z for z in available_timezones() if len(z) <= 64)


TIME_ZONES = frozenset(_time_zones())


def _known_zone(value: Any) -> Any:
    if not isinstance(value, str) or value not in TIME_ZONES:
        raise ValueError("must be an IANA time zone name such as 'Asia/Shanghai'")
    return value


TzName = Annotated[str, BeforeValidator(_known_zone),
                   WithJsonSchema({"type": "string", "enum": sorted(TIME_ZONES),
                                   "examples": ["Asia/Shanghai"]})]
"""An IANA time zone the service's zone database knows (the document lists them)."""
Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{5,20}$", examples=["13812341234"])]
TenderCode = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9_]{0,15}$",
          examples=["cash", "wechat", "alipay", "unionpay", "meituan", "douyin", "other"]),
]


class WireIn(BaseModel):
    """A model a till sends: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WireOut(BaseModel):
    """A model the service sends: unknown fields are ignored (newer services add fields)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# ---------------------------------------------------------------------------------------------
# Errors


class ErrorCode(enum.StrEnum):
    INVALID_REQUEST = "invalid_request"  # 422: malformed JSON, a field that fails validation
    UNAUTHORIZED = "unauthorized"  # 401: no, unknown or disabled bearer token
    ENROLMENT_CODE_INVALID = "enrolment_code_invalid"  # 403: no such one-time code
    ENROLMENT_CODE_USED = "enrolment_code_used"  # 403: the code enrolled a terminal already
    ENROLMENT_CODE_EXPIRED = "enrolment_code_expired"  # 403
    NOT_FOUND = "not_found"  # 404
    EVENT_PAYLOAD_MISMATCH = "event_payload_mismatch"  # 409: event id reused with other content
    CURSOR_UNKNOWN = "cursor_unknown"  # 409: cursor ahead of the feed: pull again from "0"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"  # 400: X-POS-Protocol-Version not served
    PAYLOAD_TOO_LARGE = "payload_too_large"  # 413
    UNAVAILABLE = "unavailable"  # 503: the database cannot be reached
    INTERNAL = "internal_error"  # 500: a bug; the request may be retried
    # Cross-channel (docs/cross-channel.md): the platform refused a voucher (details[0].type
    # says why: unknown, expired, used, cancelled, window_passed...), the platform did not
    # answer (503: retry with the same key), an order number already activated a membership,
    # or the phone given is not the order's.
    VOUCHER_REFUSED = "voucher_refused"  # 409
    PLATFORM_UNAVAILABLE = "platform_unavailable"  # 503
    ORDER_ALREADY_ACTIVATED = "order_already_activated"  # 409
    ORDER_PHONE_MISMATCH = "order_phone_mismatch"  # 409


class ErrorItem(WireOut):
    loc: list[str | int] = Field(default_factory=list)  # e.g. ["body", "events", 0, "payload"]
    message: str
    type: str = ""


class ErrorResponse(WireOut):
    """Every non-2xx answer has this body."""

    error: ErrorCode
    message: str
    details: list[ErrorItem] = Field(default_factory=list)
    event_ids: list[UUID] = Field(default_factory=list)  # the events a 409 is about
    protocol_version: int = PROTOCOL_VERSION


# ---------------------------------------------------------------------------------------------
# Enrolment, time, health


class EnrolRequest(WireIn):
    code: Text(64, min_length=4)
    terminal_name: Text(100, min_length=1)
    store_id: Code
    app_version: Text(64) = ""


class EnrolResponse(WireOut):
    terminal_id: UUID
    token: str  # the bearer token: shown once, the service keeps only its hash
    store_id: str
    server_time: UtcDatetime
    protocol_version: int = PROTOCOL_VERSION


class TimeResponse(WireOut):
    server_time: UtcDatetime
    protocol_version: int = PROTOCOL_VERSION


class HealthResponse(WireOut):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    protocol_version: int = PROTOCOL_VERSION
    version: str = ""


# ---------------------------------------------------------------------------------------------
# Event payloads (push)


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
    amount_fen: Annotated[int, Strict(), Field(ge=1, le=_MONEY_LIMIT, examples=[30000])]
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
    denomination_fen: Annotated[int, Strict(), Field(ge=1, le=_MONEY_LIMIT)]
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
    seq: Annotated[int, Strict(), Field(ge=0, le=_SEQ_LIMIT)]  # the chain's last entry
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]  # its hash (hex SHA-256)
    at: UtcDatetime
    # The link to the head the service acknowledged last (the till stores it from the answer):
    # that seq, and the hash the till's log holds at that seq NOW. The service requires it to
    # be its acknowledged head, so entries it saw cannot be deleted or re-hashed unnoticed.
    # Both or neither (a till that has no acknowledged head yet, or an older till, sends none).
    prev_ack_seq: Annotated[int, Strict(), Field(ge=1, le=_SEQ_LIMIT)] | None = None
    prev_ack_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None

    @model_validator(mode="after")
    def _link(self) -> AuditHeadPayload:
        if (self.prev_ack_seq is None) != (self.prev_ack_hash is None):
            raise ValueError("prev_ack_seq and prev_ack_hash go together")
        if self.prev_ack_seq is not None and self.prev_ack_seq > self.seq:
            raise ValueError("prev_ack_seq: a head cannot come before the head it extends")
        return self


def _kind_required(schema: dict[str, Any]) -> None:
    """``kind`` tells the event types apart, so a request must send it (it has a default only
    so that Python code can build events without repeating it)."""
    schema["required"] = [*schema.get("required", []), "kind"]


class _EventBase(WireIn):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_kind_required)

    event_id: UUID
    terminal_seq: Seq
    created_at: UtcDatetime


class SaleEvent(_EventBase):
    kind: Literal["sale"] = "sale"
    payload: SalePayload


class RefundEvent(_EventBase):
    kind: Literal["refund"] = "refund"
    payload: RefundPayload


class MemberRegisteredEvent(_EventBase):
    kind: Literal["member_registered"] = "member_registered"
    payload: MemberRegisteredPayload


class MemberUpdatedEvent(_EventBase):
    kind: Literal["member_updated"] = "member_updated"
    payload: MemberUpdatedPayload


class ShiftOpenedEvent(_EventBase):
    kind: Literal["shift_opened"] = "shift_opened"
    payload: ShiftOpenedPayload


class ShiftClosedEvent(_EventBase):
    kind: Literal["shift_closed"] = "shift_closed"
    payload: ShiftClosedPayload


class CashMovementEvent(_EventBase):
    kind: Literal["cash_movement"] = "cash_movement"
    payload: CashMovementPayload


class AuditHeadEvent(_EventBase):
    kind: Literal["audit_head"] = "audit_head"
    payload: AuditHeadPayload


class RechargeEvent(_EventBase):
    kind: Literal["recharge"] = "recharge"
    payload: RechargePayload


class RechargeRefundEvent(_EventBase):
    kind: Literal["recharge_refund"] = "recharge_refund"
    payload: RechargeRefundPayload


class GiftIssuedEvent(_EventBase):
    kind: Literal["gift_issued"] = "gift_issued"
    payload: GiftIssuedPayload


Event = Annotated[
    SaleEvent | RefundEvent | MemberRegisteredEvent | MemberUpdatedEvent | ShiftOpenedEvent
    | ShiftClosedEvent | CashMovementEvent | AuditHeadEvent | RechargeEvent
    | RechargeRefundEvent | GiftIssuedEvent,
    Field(discriminator="kind"),
]
EVENT_MODELS: dict[str, type[_EventBase]] = {
    "sale": SaleEvent, "refund": RefundEvent, "member_registered": MemberRegisteredEvent,
    "member_updated": MemberUpdatedEvent,
    "shift_opened": ShiftOpenedEvent, "shift_closed": ShiftClosedEvent,
    "cash_movement": CashMovementEvent, "audit_head": AuditHeadEvent,
    "recharge": RechargeEvent, "recharge_refund": RechargeRefundEvent,
    "gift_issued": GiftIssuedEvent,
}


class PushRequest(WireIn):
    events: Annotated[list[Event], Field(min_length=1, max_length=MAX_EVENTS_PER_PUSH)]


class EventStatus(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before: the stored answer, conflicts and merges included
    CONFLICT = "conflict"  # applied, with the conflicts listed
    # NOT applied and never will be: a permanent refusal of this one event (``rejection``
    # says why). Stored like any other answer, so a replay answers ``duplicate`` with it.
    REJECTED = "rejected"


class ConflictKind(enum.StrEnum):
    COUPON_ALREADY_USED = "coupon_already_used"  # another sale used the single-use coupon first
    COUPON_UNKNOWN = "coupon_unknown"
    COUPON_VOID = "coupon_void"
    COUPON_INVALID = "coupon_invalid"  # another member's coupon, or outside its validity window
    POINTS_OVERDRAWN = "points_overdrawn"  # redeemed more than the balance: balance negative
    NEGATIVE_BALANCE = "negative_balance"  # a refund took back points already spent
    UNKNOWN_MEMBER = "unknown_member"  # sale kept, no points moved
    UNKNOWN_SALE = "unknown_sale"  # refund of a sale the service has not seen (figures applied)
    DUPLICATE_SALE = "duplicate_sale"  # another event carried the same sale_id: not applied twice
    DUPLICATE_REFUND = "duplicate_refund"  # likewise for a refund_id
    CARD_NO_TAKEN = "card_no_taken"  # registration's card number belongs to another member
    SEQUENCE_REUSED = "sequence_reused"  # terminal_seq already used by another event
    AUDIT_CHAIN_MISMATCH = "audit_chain_mismatch"  # same audit seq, different hash
    # The pushed audit head does not extend the last acknowledged one: the log is shorter than
    # what the service acknowledged (tail deleted, old backup) or its entry at the acknowledged
    # seq has another hash (re-hashed); ``detail["reason"]`` is ``shorter`` or ``rewritten``.
    AUDIT_CHAIN_BROKEN = "audit_chain_broken"
    # The same member-code nonce spent points in a second sale (another till or the same one):
    # both sales are kept; ``other_sale_id``/``other_terminal_id`` name the first.
    MEMBER_CODE_REUSED = "member_code_reused"
    # A sale spent points with a nonce the service did not issue, issued for another member, or
    # outside the code's validity; ``detail["reason"]``: not_issued, other_member, expired,
    # not_yet_valid. The sale and its points are kept.
    MEMBER_CODE_INVALID = "member_code_invalid"
    # A refund beyond its sale (quantities per line, money per tender, points returned or
    # reversed, across all refunds of the sale): the money is recorded, the excess points
    # are not moved; ``detail["excess"]`` names what was excess.
    REFUND_EXCEEDS_SALE = "refund_exceeds_sale"
    # A sale paid with a 美团/抖音 voucher the service did not verify for this store (unknown
    # code, cancelled, bound to another sale, or less than the amount): the sale is kept;
    # ``detail["reason"]`` says which (docs/cross-channel.md).
    VOUCHER_UNVERIFIED = "voucher_unverified"
    # Stored value (储值): a spend beyond the account's principal or bonus on the service (two
    # tills spent the same balance offline): the sale is kept and the part goes negative;
    # ``balance_after`` and ``detail`` (principal_after, bonus_after) say by how much.
    STORED_VALUE_OVERDRAWN = "stored_value_overdrawn"
    # A stored-value figure that disagrees with the service's ledger or rules: a recharge's
    # bonus other than its rule gives, a recharge refund of another amount than the service
    # computes, or a refund of a recharge it does not know or refunded before.
    # ``detail["reason"]`` names it; the figures sent are applied as sent, never clamped.
    STORED_VALUE_MISMATCH = "stored_value_mismatch"
    # Benefits (权益次数/次卡, docs/quote.md): a use beyond the tier's quota for its period or
    # beyond a count card's uses (two tills spent the last use offline): the use is kept and the
    # count goes over, ``detail`` says by how much; a use of a card or benefit the service does
    # not know, of another member's card, or a refunded or expired card.
    BENEFIT_OVERDRAWN = "benefit_overdrawn"
    BENEFIT_MISMATCH = "benefit_mismatch"
    # Points mall: a redemption beyond the store's stock (kept; the stock goes negative).
    MALL_OUT_OF_STOCK = "mall_out_of_stock"
    # Gifts (docs/gifts.md): another till issued the same gift (same gift id) first: the first
    # is kept, this one adds nothing (``other_terminal_id`` names the first till); or a gift
    # the service's rules do not give (id not derived from member, gift and period, not the
    # birthday month, a tier not reached, not a member day): kept as sent, ``detail["reason"]``.
    GIFT_ALREADY_ISSUED = "gift_already_issued"
    GIFT_MISMATCH = "gift_mismatch"


class ConflictInfo(WireOut):
    id: int  # the service's conflict record
    kind: ConflictKind
    message: str
    member_id: UUID | None = None
    coupon_code: str | None = None
    sale_id: UUID | None = None
    other_sale_id: UUID | None = None  # e.g. the sale that used the coupon first
    other_terminal_id: UUID | None = None
    points_requested: int | None = None
    points_available: int | None = None  # balance before the event
    balance_after: int | None = None  # may be negative: reported, never clamped
    detail: dict[str, Any] = Field(default_factory=dict)  # anything else worth showing


class MemberMerge(WireOut):
    member_id: UUID  # merged away (made on a till, second to reach the service)
    merged_into: UUID  # the surviving member (first to reach the service)
    phone: str = ""


class MemberBalance(WireOut):
    member_id: UUID  # after merges: the surviving member
    points: int  # may be negative
    growth: int
    tier: str
    # Stored value right after the event (sum of the service's ledger; may be negative).
    stored_principal_fen: int | None = None
    stored_bonus_fen: int | None = None

    @model_serializer(mode="wrap")
    def _omit_unset_stored_value(self, handler: Any) -> dict[str, Any]:
        """Events that move no stored value answer without the two fields."""
        out = handler(self)
        for key in ("stored_principal_fen", "stored_bonus_fen"):
            if out.get(key, 0) is None:
                out.pop(key)
        return out


class Rejection(WireOut):
    """Why an event was refused for good (status ``rejected``, or a ``duplicate`` of one)."""

    code: str  # machine code: "foreign_store", "not_your_shift", "not_your_sale", ...
    message: str  # human readable (English)
    field: str | None = None  # dotted path in the event, e.g. "payload.shift_id"


class EventResult(WireOut):
    event_id: UUID
    terminal_seq: int
    kind: EventKind
    status: EventStatus
    conflicts: list[ConflictInfo] = Field(default_factory=list)
    merges: list[MemberMerge] = Field(default_factory=list)
    member: MemberBalance | None = None  # the member's figures right after the event
    rejection: Rejection | None = None  # set when the event was rejected (not applied)


class PushResponse(WireOut):
    results: list[EventResult]  # one per event, in request order
    server_time: UtcDatetime
    protocol_version: int = PROTOCOL_VERSION


# ---------------------------------------------------------------------------------------------
# Pull: entity data


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
