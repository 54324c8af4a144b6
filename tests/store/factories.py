"""Small builders for rows the store tests need."""

from __future__ import annotations

from datetime import UTC, datetime

from pos_member.store.models import Member, Sale, SaleLine, Shift
from pos_member.store.types import new_uuid

T0 = datetime(2024, 5, 1, 4, 30, tzinfo=UTC)


def make_shift(**overrides: object) -> Shift:
    values: dict[str, object] = dict(
        id=new_uuid(), terminal_id="T01", tz="Asia/Shanghai", opened_by="staff-1", float_fen=20000
    )
    values.update(overrides)
    return Shift(**values)


def make_sale(shift: Shift, seq: int, **overrides: object) -> Sale:
    values: dict[str, object] = dict(
        terminal_id="T01",
        terminal_seq=seq,
        receipt_no=f"T01-{seq:06d}",
        shift_id=shift.id,
        staff_id="staff-1",
        tz="Asia/Shanghai",
        subtotal_fen=1000,
        total_fen=1000,
        quote_json={"total": "10.00"},
        lines=[
            SaleLine(
                line_no=1,
                sku="SKU-1",
                name="奶茶",
                unit_price_fen=1000,
                qty_milli=1000,
                amount_fen=1000,
                paid_fen=1000,
            )
        ],
    )
    values.update(overrides)
    return Sale(**values)


def make_member(phone: str, **overrides: object) -> Member:
    values: dict[str, object] = dict(phone=phone, name="张三", origin="central")
    values.update(overrides)
    return Member(**values)
