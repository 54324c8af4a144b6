"""Events as a till would push them (JSON-ready dicts), built with pos_member.sync.protocol so
they are valid by construction, plus small helpers for test data."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pos_member.sync import protocol as p
from tests.central.server_fixture import EnrolledTerminal

TZ = "Asia/Shanghai"
CST = timedelta(hours=8)


def unique_phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def unique_code(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json")


def sale_event(till: EnrolledTerminal, *, member_id: str | None = None, total_fen: int = 2800,
               coupons: list[tuple[str, int]] = (), points_redeemed: int = 0,
               points_earned: int | None = None, growth_earned: int | None = None,
               sale_id: str | None = None, event_id: str | None = None,
               seq: int | None = None, sold_at: datetime | None = None,
               receipt_no: str | None = None) -> dict[str, Any]:
    """A one-line sale of ``total_fen``; earning defaults to 1 point per ¥10, 1 growth per ¥1
    for a member (none for a non-member)."""
    sold_at = sold_at or datetime.now(UTC)
    if member_id is not None:
        points_earned = total_fen // 1000 if points_earned is None else points_earned
        growth_earned = total_fen // 100 if growth_earned is None else growth_earned
    discount = sum(d for _, d in coupons)
    points_value = points_redeemed * 100  # 1 point = ¥1; the line's amount covers it
    payload = p.SalePayload(
        sale_id=sale_id or uuid.uuid4(), receipt_no=receipt_no or f"R{random.randrange(10**8)}",
        store_id=till.store_id, terminal_id=till.terminal_id, sold_at=sold_at,
        local_time=(sold_at.astimezone(UTC) + CST).replace(tzinfo=None), tz=TZ,
        member_id=member_id,
        lines=[p.SaleLine(line_no=1, sku="C002", name="拿铁", category_id="coffee",
                          qty=Decimal(1), unit_price_fen=total_fen + discount + points_value,
                          amount_fen=total_fen + discount + points_value,
                          coupon_discount_fen=discount, points_value_fen=points_value,
                          points_redeemed=points_redeemed, paid_fen=total_fen)],
        payments=[p.PaymentLine(tender="wechat", amount_fen=total_fen)] if total_fen else [],
        coupons=[p.CouponUse(code=code, discount_fen=d) for code, d in coupons],
        subtotal_fen=total_fen + discount + points_value, coupon_discount_fen=discount,
        points_value_fen=points_value, total_fen=total_fen,
        points_redeemed=points_redeemed, points_earned=points_earned or 0,
        growth_earned=growth_earned or 0, tier_before="regular", tier_after="regular",
    )
    return _dump(p.SaleEvent(event_id=event_id or uuid.uuid4(),
                             terminal_seq=seq or till.take_seq(), created_at=sold_at,
                             payload=payload))


def refund_event(till: EnrolledTerminal, sale: dict[str, Any], *, points_reversed: int = 0,
                 growth_reversed: int = 0, points_returned: int = 0,
                 coupons_restored: list[str] = (), full: bool = True) -> dict[str, Any]:
    sp = sale["payload"]
    now = datetime.now(UTC)
    payload = p.RefundPayload(
        refund_id=uuid.uuid4(), sale_id=sp["sale_id"], receipt_no=f"RF{random.randrange(10**8)}",
        store_id=till.store_id, refunded_at=now, local_time=(now + CST).replace(tzinfo=None),
        tz=TZ, member_id=sp["member_id"], approved_by="manager-1",
        lines=[p.RefundLine(line_no=1, sku="C002", qty=Decimal(1),
                            amount_fen=sp["total_fen"], points_returned=points_returned)],
        amount_fen=sp["total_fen"], points_reversed=points_reversed,
        growth_reversed=growth_reversed, points_returned=points_returned,
        coupons_restored=list(coupons_restored), full=full,
    )
    return _dump(p.RefundEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(),
                               created_at=now, payload=payload))


def registration_event(till: EnrolledTerminal, phone: str, *, name: str = "",
                       member_id: str | None = None, birthday: str | None = None,
                       consent: bool = False, card_no: str | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    payload = p.MemberRegisteredPayload(
        member_id=member_id or uuid.uuid4(), phone=phone, name=name, birthday=birthday,
        marketing_consent=consent, registered_at=now, store_id=till.store_id, card_no=card_no,
    )
    return _dump(p.MemberRegisteredEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(),
                                         created_at=now, payload=payload))


def shift_events(till: EnrolledTerminal) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    shift_id = uuid.uuid4()
    opened = p.ShiftOpenedEvent(
        event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
        payload=p.ShiftOpenedPayload(shift_id=shift_id, store_id=till.store_id,
                                     staff_id="cashier-1", opened_at=now, tz=TZ,
                                     opening_float_fen=50000))
    moved = p.CashMovementEvent(
        event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
        payload=p.CashMovementPayload(movement_id=uuid.uuid4(), shift_id=shift_id,
                                      store_id=till.store_id, kind="paid_out", amount_fen=2000,
                                      reason="milk", staff_id="cashier-1",
                                      approved_by="manager-1", at=now))
    closed = p.ShiftClosedEvent(
        event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
        payload=p.ShiftClosedPayload(
            shift_id=shift_id, store_id=till.store_id, staff_id="cashier-1", closed_at=now,
            tz=TZ, approved_by="manager-1",
            tenders=[p.TenderCount(tender="cash", expected_fen=48000, counted_fen=47900,
                                   difference_fen=-100)],
            denominations=[p.DenominationCount(denomination_fen=10000, count=4),
                           p.DenominationCount(denomination_fen=100, count=79)],
            sales_count=0, z_report_no="Z0001"))
    head = p.AuditHeadEvent(
        event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
        payload=p.AuditHeadPayload(seq=12, hash="ab" * 32, at=now))
    return [_dump(e) for e in (opened, moved, closed, head)]


def make_member(server: Any, *, points: int = 0, growth: int = 0, phone: str | None = None,
                name: str = "测试会员", earned_on: Any = None) -> str:
    """A member made on the service directly (as brand operations would); returns its id."""
    from pos_central import admin

    with server.write() as s:
        member = admin.create_member(s, phone=phone or unique_phone(), name=name, growth=growth,
                                     points=points, earned_on=earned_on)
        return member.id


def make_coupon(server: Any, *, member_id: str | None = None, value_fen: int = 500,
                code: str | None = None) -> str:
    from pos_central import admin

    code = code or unique_code("CPN")
    with server.write() as s:
        admin.upsert_coupon(s, p.CouponData(code=code, kind="amount_off", value_fen=value_fen,
                                            member_id=member_id))
    return code


def member_via_api(till: EnrolledTerminal, member_id: str) -> dict[str, Any]:
    response = till.get("/v1/members/lookup", params={"id": member_id})
    assert response.status_code == 200, response.text
    return response.json()["member"]
