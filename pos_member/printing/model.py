"""What the layouts print: plain dataclasses that the services layer fills.

Money is integer fen (分) everywhere here; amounts that reduce a bill (discounts, coupons,
points, refunds) are given as positive magnitudes and printed with a minus sign. Times are
timezone-aware datetimes; ``tz`` is the store's IANA zone (``"Asia/Shanghai"``) or a fixed
offset (``"+08:00"``), and the receipt shows local time in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

Fen = int


# --- the sale receipt -------------------------------------------------------------------------

@dataclass(frozen=True)
class LineDiscount:
    """A discount printed under its line (e.g. "会员95折" 35 fen)."""

    label: str
    amount_fen: Fen


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    qty: str                 # a Decimal as a string: "2", "0.350" (weighed goods)
    unit_price_fen: Fen
    amount_fen: Fen          # unit price x qty, rounded to the fen, before any discount
    discounts: tuple[LineDiscount, ...] = ()
    unit: str = ""           # "kg" for weighed goods; empty for pieces


@dataclass(frozen=True)
class CouponUse:
    code: str
    name: str
    discount_fen: Fen


@dataclass(frozen=True)
class Tender:
    """One payment. ``kind`` is a tender code (see labels.TENDER_LABELS): cash, wechat,
    alipay, unionpay, meituan, douyin, points, voucher. For cash, ``tendered_fen`` is what the
    customer handed over and ``change_fen`` what went back; ``reference`` is the payment's or
    voucher's number as it should be printed (already masked if need be)."""

    kind: str
    amount_fen: Fen
    tendered_fen: Fen | None = None
    change_fen: Fen = 0
    reference: str = ""


@dataclass(frozen=True)
class MemberInfo:
    name: str
    masked_phone: str                  # "138****1234"
    tier_name: str                     # the tier before this sale, e.g. "银卡"
    points_before: int
    points_after: int
    points_earned: int                 # negative on a refund (points reversed)
    upgraded_to: str | None = None     # tier name when this sale lifts the member
    next_tier_name: str | None = None
    spend_to_next_tier_fen: Fen | None = None   # money still to spend for the next tier
    gifts: tuple[str, ...] = ()        # titles of the gifts this sale issued (升级礼)


@dataclass(frozen=True)
class ReceiptData:
    store_name: str
    store_address: str
    terminal: str
    sale_number: str
    sale_uuid: str
    time: datetime                     # aware
    tz: str                            # store time zone, e.g. "Asia/Shanghai"
    cashier: str
    lines: tuple[ReceiptLine, ...]
    total_fen: Fen                     # what was (or, on a refund, is) paid
    tenders: tuple[Tender, ...] = ()
    member: MemberInfo | None = None
    tier_discount_fen: Fen = 0
    tier_discount_note: str = ""       # e.g. "银卡 95折"
    coupons: tuple[CouponUse, ...] = ()
    points_used: int = 0
    points_value_fen: Fen = 0
    rounding_fen: Fen = 0              # amount taken off by cash rounding (抹零)
    is_refund: bool = False
    original_sale_number: str = ""     # on a refund: the sale refunded
    is_reprint: bool = False           # printed again: marked as a copy
    qr_payload: str = ""               # the sale's lookup code; for a non-member a join link
    footer: str = ""                   # the store's own line; the default thanks when empty
    store_phone: str = ""              # printed with the address under the store's name

    @property
    def subtotal_fen(self) -> Fen:
        return sum(line.amount_fen for line in self.lines)

    @property
    def line_discounts_fen(self) -> Fen:
        return sum(d.amount_fen for line in self.lines for d in line.discounts)


# --- X and Z reports, shift-close slip ---------------------------------------------------------

@dataclass(frozen=True)
class TenderFigure:
    """Takings in one tender over the shift. ``expected_fen`` is what should be in the drawer
    (cash: float + cash sales + paid in - paid out - cash refunds) or in the settlement;
    ``counted_fen`` is the blind count (None until counted, e.g. on an X report)."""

    kind: str
    count: int
    amount_fen: Fen
    refunds_fen: Fen = 0
    expected_fen: Fen | None = None
    counted_fen: Fen | None = None

    @property
    def over_short_fen(self) -> Fen | None:
        if self.expected_fen is None or self.counted_fen is None:
            return None
        return self.counted_fen - self.expected_fen


@dataclass(frozen=True)
class TierFigure:
    tier_name: str                     # "非会员 Non-member" for sales without a member
    count: int
    amount_fen: Fen


@dataclass(frozen=True)
class CouponFigure:
    name: str
    count: int
    discount_fen: Fen


@dataclass(frozen=True)
class DenominationCount:
    denomination_fen: Fen              # 10000 for a ¥100 note, 50 for a 5 jiao coin
    count: int

    @property
    def amount_fen(self) -> Fen:
        return self.denomination_fen * self.count


REPORT_KINDS = ("x", "z", "shift_close")


@dataclass(frozen=True)
class ReportData:
    kind: str                          # "x" (any time), "z" (end of day), "shift_close"
    store_name: str
    terminal: str
    shift_number: str
    cashier: str
    opened_at: datetime
    printed_at: datetime
    tz: str
    closed_at: datetime | None = None
    manager: str = ""                  # who approved the close / the cash difference
    report_number: str = ""            # the Z counter
    sales_count: int = 0
    gross_sales_fen: Fen = 0           # before discounts
    tier_discount_fen: Fen = 0
    coupon_discount_fen: Fen = 0
    points_redeemed_value_fen: Fen = 0
    rounding_fen: Fen = 0
    refunds_count: int = 0
    refunds_fen: Fen = 0
    voids_count: int = 0
    voids_fen: Fen = 0
    net_sales_fen: Fen = 0
    float_fen: Fen = 0
    paid_in_fen: Fen = 0
    paid_out_fen: Fen = 0
    tenders: tuple[TenderFigure, ...] = ()
    tiers: tuple[TierFigure, ...] = ()
    coupons: tuple[CouponFigure, ...] = ()
    points_earned: int = 0             # net of refunds (the points section)
    points_redeemed: int = 0           # net of refunds (the points section)
    cash_count: tuple[DenominationCount, ...] = ()
    unsynced_count: int = 0
    conflicts_count: int = 0
    # Stored value (储值): services.stored_value.as_dict figures; printed when any
    stored_value: dict | None = None
    points_used: int | None = None     # redeemed at the sales, before refunds (the discount
    #                                    line beside points_redeemed_value_fen); None: as
    #                                    points_redeemed

    @property
    def over_short_fen(self) -> Fen | None:
        diffs = [t.over_short_fen for t in self.tenders if t.over_short_fen is not None]
        return sum(diffs) if diffs else None


# --- a new member's card slip -----------------------------------------------------------------

@dataclass(frozen=True)
class MemberCardData:
    store_name: str
    member_name: str
    masked_phone: str
    tier_name: str
    card_code: str                     # the static member code; printed as a QR code
    joined_at: datetime
    tz: str
    terminal: str = ""
    welcome_coupon: str = ""           # the first-order coupon's name, when the rules give one
