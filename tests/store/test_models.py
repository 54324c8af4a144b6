"""Constraints and column types, exercised against a migrated database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from pos_member.store.db import transaction
from pos_member.store.models import (
    CashMovement,
    Coupon,
    CouponRedemption,
    Member,
    OutboxEvent,
    Payment,
    PointLot,
    PointsLedgerEntry,
    Product,
    ReceiptPrintJob,
    Refund,
    RefundLine,
    RefundPayment,
    Sale,
    SaleLine,
    Shift,
    Staff,
)
from pos_member.store.types import milli_to_qty, new_uuid, qty_to_milli
from tests.store.factories import T0, make_member, make_sale, make_shift


@pytest.fixture
def base(sessions) -> dict[str, Any]:
    """A shift, a member and one sale, committed."""
    shift = make_shift()
    with transaction(sessions) as s:
        s.add(shift)
        s.add(make_member("13812341234", id="m1"))
        s.flush()
        s.add(make_sale(shift, 1, id="sale-1", member_id="m1"))
    return {"shift_id": shift.id, "sale_id": "sale-1"}


def _coupon(**kw: Any) -> Coupon:
    values = dict(code=new_uuid(), kind="amount_off", value_fen=500)
    values.update(kw)
    return Coupon(**values)


def _refund(ids: dict[str, Any], **kw: Any) -> Refund:
    values = dict(
        sale_id=ids["sale_id"],
        terminal_id="T01",
        terminal_seq=2,
        shift_id=ids["shift_id"],
        tz="Asia/Shanghai",
        staff_id="s1",
        approver_id="mgr",
        amount_fen=100,
    )
    values.update(kw)
    return Refund(**values)


def _line(sale_id: str, **kw: Any) -> SaleLine:
    values = dict(
        sale_id=sale_id,
        line_no=2,
        sku="X",
        name="x",
        unit_price_fen=100,
        qty_milli=1000,
        amount_fen=100,
        paid_fen=100,
    )
    values.update(kw)
    return SaleLine(**values)


Build = Callable[[dict[str, Any]], Any]

BAD_ROWS: list[tuple[str, Build, str]] = [
    ("sale status", lambda ids: make_sale_row(ids, status="refunded"), "ck_sales_status"),
    ("negative total", lambda ids: make_sale_row(ids, total_fen=-1), "ck_sales_total_fen"),
    (
        "negative discount",
        lambda ids: make_sale_row(ids, tier_discount_fen=-5),
        "ck_sales_tier_discount_fen",
    ),
    (
        "void without time",
        lambda ids: make_sale_row(ids, status="voided"),
        "ck_sales_void_recorded",
    ),
    (
        "tender",
        lambda ids: Payment(sale_id=ids["sale_id"], tender="bitcoin", amount_fen=1),
        "ck_payments_tender",
    ),
    (
        "negative payment",
        lambda ids: Payment(sale_id=ids["sale_id"], tender="cash", amount_fen=-100),
        "ck_payments_amount_fen",
    ),
    (
        "negative change",
        lambda ids: Payment(sale_id=ids["sale_id"], tender="cash", amount_fen=100, change_fen=-1),
        "ck_payments_change_fen",
    ),
    ("zero quantity", lambda ids: _line(ids["sale_id"], qty_milli=0), "ck_sale_lines_qty_milli"),
    ("negative line", lambda ids: _line(ids["sale_id"], amount_fen=-1), "ck_sale_lines_amount_fen"),
    ("coupon kind", lambda ids: _coupon(kind="free_gift"), "ck_coupons_kind"),
    ("coupon status", lambda ids: _coupon(status="expired"), "ck_coupons_status"),
    (
        "percent coupon without rate",
        lambda ids: _coupon(kind="percent_off", value_fen=None),
        "ck_coupons_kind_has_value",
    ),
    ("negative coupon value", lambda ids: _coupon(value_fen=-500), "ck_coupons_value_fen"),
    (
        "redemption",
        lambda ids: CouponRedemption(sale_id=ids["sale_id"], coupon_code="C", discount_fen=-1),
        "ck_coupon_redemptions_discount_fen",
    ),
    (
        "ledger kind",
        lambda ids: PointsLedgerEntry(member_id="m1", kind="gift", points=1),
        "ck_points_ledger_kind",
    ),
    (
        "ledger sign",
        lambda ids: PointsLedgerEntry(member_id="m1", kind="redeem", points=10),
        "ck_points_ledger_sign_matches_kind",
    ),
    (
        "negative lot",
        lambda ids: PointLot(
            member_id="m1", earned_on=date(2024, 1, 1), expires_on=date(2025, 12, 31), points=-1
        ),
        "ck_point_lots_points",
    ),
    ("member origin", lambda ids: make_member("13900000000", origin="web"), "ck_members_origin"),
    ("staff role", lambda ids: Staff(name="x", role="owner", pin_hash="h"), "ck_staff_role"),
    (
        "shift status",
        lambda ids: make_shift(terminal_id="T02", status="paused"),
        "ck_shifts_status",
    ),
    (
        "closed shift without time",
        lambda ids: make_shift(terminal_id="T02", status="closed"),
        "ck_shifts_closed_has_time",
    ),
    (
        "negative float",
        lambda ids: make_shift(terminal_id="T02", float_fen=-1),
        "ck_shifts_float_fen",
    ),
    (
        "cash movement kind",
        lambda ids: CashMovement(
            shift_id=ids["shift_id"], kind="theft", amount_fen=1, staff_id="s"
        ),
        "ck_cash_movements_kind",
    ),
    (
        "negative paid out",
        lambda ids: CashMovement(
            shift_id=ids["shift_id"], kind="paid_out", amount_fen=-1, staff_id="s"
        ),
        "ck_cash_movements_amount_fen",
    ),
    ("refund money", lambda ids: _refund(ids, amount_fen=-1), "ck_refunds_amount_fen"),
    (
        "refund payment tender",
        lambda ids: RefundPayment(refund_id="r", tender="iou", amount_fen=1),
        "ck_refund_payments_tender",
    ),
    (
        "product unit",
        lambda ids: Product(sku="S", name="s", unit_price_fen=1, unit="box"),
        "ck_products_unit",
    ),
    (
        "negative price",
        lambda ids: Product(sku="S", name="s", unit_price_fen=-1),
        "ck_products_unit_price_fen",
    ),
    (
        "outbox status",
        lambda ids: OutboxEvent(
            event_id=new_uuid(), terminal_seq=99, kind="k", payload={}, status="lost"
        ),
        "ck_outbox_status",
    ),
    (
        "print job status",
        lambda ids: ReceiptPrintJob(kind="receipt", payload=b"", status="x"),
        "ck_receipt_print_jobs_status",
    ),
]


def make_sale_row(ids: dict[str, Any], **kw: Any) -> Any:
    sale = make_sale(Shift(id=ids["shift_id"]), 50, **kw)
    sale.lines = []
    return sale


@pytest.mark.parametrize(
    ("build", "constraint"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS]
)
def test_check_constraints_refuse_bad_rows(sessions, base, build: Build, constraint: str) -> None:
    with pytest.raises(IntegrityError, match=f"CHECK constraint failed: {constraint}"):
        with transaction(sessions) as s:
            s.add(build(base))


def test_member_points_may_be_negative(sessions) -> None:
    with transaction(sessions) as s:
        s.add(make_member("13700000000", id="neg", points=-120, growth=-3))
    with transaction(sessions) as s:
        member = s.get(Member, "neg")
        assert member is not None and (member.points, member.growth) == (-120, -3)


def test_adjust_entries_may_go_either_way(sessions) -> None:
    with transaction(sessions) as s:
        s.add(PointsLedgerEntry(member_id="x", kind="adjust", points=-5, growth=3))
        s.add(PointsLedgerEntry(member_id="x", kind="adjust", points=7, growth=-2))
        s.add(PointsLedgerEntry(member_id="x", kind="reverse_earn", points=-30, growth=-300))
    with transaction(sessions) as s:
        rows = s.scalars(select(PointsLedgerEntry).where(PointsLedgerEntry.member_id == "x")
                         .order_by(PointsLedgerEntry.id)).all()
        assert [(e.kind, e.points, e.growth) for e in rows] == [
            ("adjust", -5, 3), ("adjust", 7, -2), ("reverse_earn", -30, -300)]
    # the same mixed signs on any other kind are refused
    for kind, points, growth in (("earn", 5, -1), ("reverse_earn", 5, -1), ("expire", -1, 1)):
        with pytest.raises(IntegrityError, match="ck_points_ledger_sign_matches_kind"):
            with transaction(sessions) as s:
                s.add(PointsLedgerEntry(member_id="x", kind=kind, points=points, growth=growth))


def test_phone_last4_follows_the_phone(sessions) -> None:
    with transaction(sessions) as s:
        m = make_member("13812345678", id="p")
        assert m.phone_last4 == "5678"
        s.add(m)
    with transaction(sessions) as s:
        m = s.get(Member, "p")
        m.phone = "13900001111"
    with transaction(sessions) as s:
        assert s.get(Member, "p").phone_last4 == "1111"
    with pytest.raises(IntegrityError, match="ck_members_phone_last4_matches"):
        with transaction(sessions) as s:
            s.execute(text("UPDATE members SET phone_last4 = '0000' WHERE id = 'p'"))


def test_phone_and_card_are_unique(sessions) -> None:
    with transaction(sessions) as s:
        s.add(make_member("13800000001", card_no="C1"))
    with pytest.raises(IntegrityError, match="members.phone"):
        with transaction(sessions) as s:
            s.add(make_member("13800000001"))
    with pytest.raises(IntegrityError, match="members.card_no"):
        with transaction(sessions) as s:
            s.add(make_member("13800000002", card_no="C1"))
    with transaction(sessions) as s:  # many members without phone or card
        s.add_all([make_member(None), make_member(None)])


def test_one_open_shift_per_terminal(sessions) -> None:
    with transaction(sessions) as s:
        s.add(make_shift(terminal_id="T09"))
    with pytest.raises(IntegrityError, match="UNIQUE"):
        with transaction(sessions) as s:
            s.add(make_shift(terminal_id="T09"))
    with transaction(sessions) as s:
        open_shift = s.scalars(select(Shift).where(Shift.terminal_id == "T09")).one()
        open_shift.status, open_shift.closed_at = "closed", T0
        s.add(make_shift(terminal_id="T10"))
    with transaction(sessions) as s:
        s.add(make_shift(terminal_id="T09"))  # the old one is closed now


def test_a_coupon_is_redeemed_once_unless_reversed(sessions, base) -> None:
    with transaction(sessions) as s:
        s.add(CouponRedemption(sale_id="sale-1", coupon_code="C-1", discount_fen=500))
    with pytest.raises(IntegrityError, match="UNIQUE"):
        with transaction(sessions) as s:
            s.add(CouponRedemption(sale_id="sale-1", coupon_code="C-1", discount_fen=500))
    with transaction(sessions) as s:
        r = s.scalars(select(CouponRedemption)).one()
        r.reversed_at, r.reversed_by_refund_id = T0, "refund-1"
    with transaction(sessions) as s:
        s.add(CouponRedemption(sale_id="sale-1", coupon_code="C-1", discount_fen=500))


def test_terminal_seq_is_unique_per_terminal(sessions, base) -> None:
    shift = Shift(id=base["shift_id"])
    with pytest.raises(IntegrityError, match="sales.terminal_id, sales.terminal_seq"):
        with transaction(sessions) as s:
            s.add(make_sale(shift, 1, receipt_no="other"))
    with transaction(sessions) as s:  # the same number on another terminal is fine
        s.add(make_sale(shift, 1, terminal_id="T02"))


def test_sale_lines_and_payments_go_with_their_sale(sessions, base) -> None:
    with transaction(sessions) as s:
        s.add(
            Payment(
                sale_id="sale-1", tender="cash", amount_fen=1000, tendered_fen=2000, change_fen=1000
            )
        )
    with transaction(sessions) as s:
        s.execute(text("DELETE FROM sales WHERE id = 'sale-1'"))
        assert s.scalar(text("SELECT count(*) FROM sale_lines")) == 0
        assert s.scalar(text("SELECT count(*) FROM payments")) == 0


def test_refund_with_lines_and_tenders(sessions, base) -> None:
    with transaction(sessions) as s:
        refund = _refund(
            base,
            lines=[RefundLine(line_no=1, sku="SKU-1", qty_milli=500, amount_fen=500)],
            payments=[RefundPayment(tender="cash", amount_fen=500)],
        )
        s.add(refund)
    with transaction(sessions) as s:
        loaded = s.get(Refund, refund.id)
        assert [(x.line_no, x.qty_milli) for x in loaded.lines] == [(1, 500)]
        assert [p.tender for p in loaded.payments] == ["cash"]
        assert loaded.coupon_restored is False


def test_foreign_keys_are_enforced(sessions) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        with transaction(sessions) as s:
            s.add(make_sale(Shift(id="no-such-shift"), 7))


def test_times_are_stored_as_utc_text(sessions, base) -> None:
    shanghai = timezone(timedelta(hours=8))
    with transaction(sessions) as s:
        s.add(
            make_member(
                "13600000000", id="t", registered_at=datetime(2024, 5, 1, 12, 0, tzinfo=shanghai)
            )
        )
    with transaction(sessions) as s:
        raw = s.scalar(text("SELECT registered_at FROM members WHERE id = 't'"))
        assert raw == "2024-05-01T04:00:00.000000Z"
        loaded = s.get(Member, "t").registered_at
        assert loaded == datetime(2024, 5, 1, 4, 0, tzinfo=UTC)
        assert loaded.tzinfo == UTC


def test_naive_datetimes_are_refused(sessions) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        with transaction(sessions) as s:
            s.add(make_member("13600000001", registered_at=datetime(2024, 5, 1, 12, 0)))


def test_coupon_windows_are_local_wall_clock(sessions) -> None:
    with transaction(sessions) as s:
        s.add(
            _coupon(
                code="W",
                valid_from=datetime(2024, 6, 1),
                valid_to=datetime(2024, 7, 1),
                weekdays=[3],
                tiers=["silver", "gold"],
                categories=["tea"],
            )
        )
    with transaction(sessions) as s:
        raw = s.execute(text("SELECT valid_from, weekdays FROM coupons WHERE code = 'W'")).one()
        assert tuple(raw) == ("2024-06-01T00:00:00", "[3]")
        c = s.get(Coupon, "W")
        assert (c.valid_from, c.valid_to) == (datetime(2024, 6, 1), datetime(2024, 7, 1))
        assert (c.weekdays, c.tiers, c.categories, c.skus) == (
            [3],
            ["silver", "gold"],
            ["tea"],
            None,
        )
    with pytest.raises(StatementError, match="aware datetime"):
        with transaction(sessions) as s:
            s.add(_coupon(valid_from=T0))


def test_json_columns_round_trip(sessions, base) -> None:
    quote = {
        "lines": [{"sku": "奶茶", "rate": Decimal("0.95")}],
        "when": T0,
        "on": date(2024, 5, 1),
    }
    with transaction(sessions) as s:
        s.add(make_sale(Shift(id=base["shift_id"]), 9, id="j", quote_json=quote))
    with transaction(sessions) as s:
        raw = s.scalar(text("SELECT quote_json FROM sales WHERE id = 'j'"))
        assert "奶茶" in raw  # UTF-8 kept readable
        assert s.get(Sale, "j").quote_json == {
            "lines": [{"sku": "奶茶", "rate": "0.95"}],
            "when": "2024-05-01T04:30:00.000000Z",
            "on": "2024-05-01",
        }


def test_print_jobs_hold_bytes(sessions, base) -> None:
    with transaction(sessions) as s:
        job = ReceiptPrintJob(sale_id="sale-1", kind="receipt", payload=b"\x1b@\x1c&hi")
        s.add(job)
    with transaction(sessions) as s:
        loaded = s.get(ReceiptPrintJob, job.id)
        assert (loaded.payload, loaded.status, loaded.copy, loaded.attempts) == (
            b"\x1b@\x1c&hi",
            "pending",
            False,
            0,
        )


def test_quantities_convert_exactly() -> None:
    assert qty_to_milli(Decimal("0.350")) == 350
    assert qty_to_milli(Decimal("2")) == 2000
    assert qty_to_milli(Decimal("1.5000")) == 1500
    assert milli_to_qty(350) == Decimal("0.350") and str(milli_to_qty(350)) == "0.350"
    assert milli_to_qty(2000) == Decimal(2)
    with pytest.raises(ValueError, match="3 decimals"):
        qty_to_milli(Decimal("0.3505"))
    with pytest.raises(TypeError):
        qty_to_milli(0.35)  # type: ignore[arg-type]
