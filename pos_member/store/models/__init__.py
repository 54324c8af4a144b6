"""All of the till's tables; import models from here.

``Base.metadata`` is the schema the migrations must produce (a test compares them).
"""

from pos_member.store.models.base import LEDGER_KINDS, NAMING_CONVENTION, TENDERS, Base
from pos_member.store.models.benefits import (
    BenefitMemberCache,
    BenefitUse,
    CountCardSold,
    MallRedemption,
    MallStockCache,
)
from pos_member.store.models.catalogue import Barcode, Category, Product, RuleVersion
from pos_member.store.models.gifts import GiftIssued
from pos_member.store.models.held import HeldOrder
from pos_member.store.models.members import Coupon, Member, PointLot
from pos_member.store.models.printing import ReceiptPrintJob
from pos_member.store.models.sales import (
    CouponRedemption,
    Payment,
    PointsLedgerEntry,
    Refund,
    RefundLine,
    RefundPayment,
    Sale,
    SaleLine,
)
from pos_member.store.models.staff import AuditLogEntry, CashMovement, Shift, Staff
from pos_member.store.models.stored_value import Recharge, StoredValueAccount, StoredValueEntry
from pos_member.store.models.sync import (
    OutboxEvent,
    ReceiptCounter,
    SeenNonce,
    SyncConflict,
    SyncState,
)
from pos_member.store.models.vouchers import VoucherUse

metadata = Base.metadata

__all__ = [
    "LEDGER_KINDS",
    "NAMING_CONVENTION",
    "TENDERS",
    "VoucherUse",
    "AuditLogEntry",
    "BenefitMemberCache",
    "BenefitUse",
    "CountCardSold",
    "MallRedemption",
    "MallStockCache",
    "Barcode",
    "Base",
    "CashMovement",
    "Category",
    "Coupon",
    "GiftIssued",
    "HeldOrder",
    "CouponRedemption",
    "Member",
    "OutboxEvent",
    "Payment",
    "PointLot",
    "Product",
    "ReceiptCounter",
    "PointsLedgerEntry",
    "ReceiptPrintJob",
    "Refund",
    "RefundLine",
    "RefundPayment",
    "Recharge",
    "RuleVersion",
    "Sale",
    "SaleLine",
    "SeenNonce",
    "Shift",
    "Staff",
    "StoredValueAccount",
    "StoredValueEntry",
    "SyncConflict",
    "SyncState",
    "metadata",
]
