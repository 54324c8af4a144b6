"""``POST /v1/events``: the events a till pushes (an envelope per payload kind, told apart by
``kind``: ``Event``, ``EVENT_MODELS``; at most ``MAX_EVENTS_PER_PUSH`` per ``PushRequest``)
and the service's answer, one ``EventResult`` per event in request order: its status (applied,
duplicate, conflict, or rejected for good with a ``Rejection``), the conflicts it found
(``ConflictKind``, ``ConflictInfo``: reported, never clamped), the members it merged
(``MemberMerge``) and the member's figures right after the event (``MemberBalance``).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    ConfigDict,
    Field,
    model_serializer,
)

from .base import MAX_EVENTS_PER_PUSH, PROTOCOL_VERSION, Seq, UtcDatetime, WireIn, WireOut
from .payloads import (
    AuditHeadPayload,
    CashMovementPayload,
    EventKind,
    GiftIssuedPayload,
    MemberRegisteredPayload,
    MemberUpdatedPayload,
    RechargePayload,
    RechargeRefundPayload,
    RefundPayload,
    SalePayload,
    ShiftClosedPayload,
    ShiftOpenedPayload,
)


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
