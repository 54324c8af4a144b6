"""The read services behind the refund, shift and reconciliation screens, the settings service,
and the printing data built from their figures (pos_member.ui.report_data, pure)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest

from pos_member.printing.layout import Paper
from pos_member.printing.reports import layout_report
from pos_member.services import sales_query, settings
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import InvalidInput, NotFound
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import cash_movement, close_shift, x_report
from pos_member.services.staff import Approval
from pos_member.store.db import transaction
from pos_member.store.models import SyncConflict
from pos_member.ui import report_data
from pos_member.ui.tiers import TierBook

MANAGER = Approval("S001", "2468")


def _sale(till, cashier, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, tuple(lines),
                                              tuple(tenders), **kw))


def test_find_sale_by_code_number_and_id_with_refundable_quantities(till, cashier, shift):
    gold = till.members["gold"]
    r = _sale(till, cashier, [CartLine("C002", D(3)), CartLine("W001", D("0.5"))],
              [Tender("cash", 21960, tendered=22000)], member_id=gold)
    for code in (r.receipt_no, f"PMR.{r.sale_id}", f"pms.{r.sale_id}", r.sale_id,
                 r.receipt_no.replace("-", "")):
        assert sales_query.find_sale(till.ctx, code).id == r.sale_id
    with pytest.raises(NotFound):
        sales_query.find_sale(till.ctx, "999999-000001")
    refund_sale(till.ctx, cashier, r.sale_id, {1: D(1), 2: D("0.2")}, MANAGER)
    detail = sales_query.find_sale(till.ctx, r.receipt_no)
    assert [x.refundable_qty for x in detail.lines] == [D(2), D("0.3")]
    assert detail.lines[1].unit == "kg"
    assert detail.summary.member_name == "gold member"
    assert detail.summary.member_phone == "139****1111"
    assert detail.summary.refunds_count == 1 and detail.refundable
    refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    detail = sales_query.sale_detail(till.ctx, r.sale_id)
    assert detail.fully_refunded and not detail.refundable
    assert detail.summary.refunded_fen == detail.summary.total_fen


def test_recent_sales_newest_first_and_search(till, cashier, shift):
    a = _sale(till, cashier, [CartLine("C002", D(1))], [Tender("cash", 2800)])
    till.clock.advance(minutes=5)
    b = _sale(till, cashier, [CartLine("C002", D(2))], [Tender("wechat", 5320)],
              member_id=till.members["silver"])
    recent = sales_query.recent_sales(till.ctx)
    assert [x.id for x in recent] == [b.sale_id, a.sale_id]
    assert [x.id for x in sales_query.recent_sales(till.ctx, "2222")] == [b.sale_id]
    assert [x.id for x in sales_query.recent_sales(till.ctx, a.receipt_no)] == [a.sale_id]
    assert sales_query.recent_sales(till.ctx, "nothing like this") == []


def test_day_figures_and_conflicts(till, cashier, shift):
    _sale(till, cashier, [CartLine("C002", D(3))], [Tender("cash", 7560)],
          member_id=till.members["gold"])
    r = _sale(till, cashier, [CartLine("C002", D(1))], [Tender("alipay", 2800)])
    cash_movement(till.ctx, cashier, "paid_out", 1000, "milk")
    refund_sale(till.ctx, cashier, r.sale_id, None, MANAGER)
    with transaction(till.ctx.sessions) as s:
        s.add(SyncConflict(event_id=str(uuid.uuid4()), kind="coupon_already_used",
                           detail={"message": "DEMO-P90 was used at till 2 first"},
                           created_at=till.clock.now))
    day = sales_query.day_figures(till.ctx)
    assert day.sales_count == 2 and day.sales_total_fen == 7560 + 2800
    assert day.by_tender == {"cash": (1, 7560), "alipay": (1, 2800)}
    assert day.by_tier == {"gold": (1, 7560), "non_member": (1, 2800)}
    assert day.refunds_count == 1 and day.refunds_by_tender == {"alipay": 2800}
    assert day.paid_out_fen == 1000 and day.net_fen == 7560
    assert day.unsynced_events >= 5 and day.unsynced_by_kind["sale"] == 2
    assert [c.kind for c in day.conflicts] == ["coupon_already_used"]
    assert day.conflicts[0].message.startswith("DEMO-P90")
    assert len(day.shifts) == 1 and day.shifts[0].status == "open"
    # the next local day is empty
    empty = sales_query.day_figures(till.ctx, day.day + timedelta(days=1))
    assert empty.sales_count == 0 and empty.by_tender == {}


def test_reports_from_figures_lay_out(till, cashier, manager, shift):
    _sale(till, cashier, [CartLine("C002", D(3))], [Tender("cash", 7560)],
          member_id=till.members["gold"])
    x = x_report(till.ctx)
    extras = sales_query.shift_extras(till.ctx, x.shift_id)
    data = report_data.report_from_shift(
        x, kind="x", store_name="Demo", terminal=extras.terminal, cashier="Li",
        printed_at=till.clock.now, tz="Asia/Shanghai", tender_counts=extras.tender_counts,
        tiers=TierBook())
    assert data.gross_sales_fen == 8400 and data.tier_discount_fen == 840
    assert [(t.kind, t.count, t.amount_fen, t.expected_fen) for t in data.tenders] == [
        ("cash", 1, 7560, 50000 + 7560)]
    z = close_shift(till.ctx, manager, {10000: 5, 2000: 3, 500: 1})
    extras = sales_query.shift_extras(till.ctx, z.shift_id)
    assert extras.z_number == "1" and extras.closed_by_name
    data = report_data.report_from_shift(
        z, kind="z", store_name="Demo", terminal="t", cashier="Li", printed_at=till.clock.now,
        tz="Asia/Shanghai", report_number=extras.z_number, tiers=TierBook())
    assert data.over_short_fen == 56500 - 57560
    assert [(c.denomination_fen, c.count) for c in data.cash_count] == [
        (10000, 5), (2000, 3), (500, 1)]
    doc = layout_report(data, Paper.make(48, "gb18030"))
    assert doc.rows
    day = report_data.report_from_day(sales_query.day_figures(till.ctx),
                                      printed_at=till.clock.now, manager="Wang",
                                      tiers=TierBook())
    assert day.report_number == "2026-11-24" and day.over_short_fen == -1060
    assert layout_report(day, Paper.make(32, "cp437")).rows


def test_refund_receipt_data(till, cashier, shift):
    gold = till.members["gold"]
    r = _sale(till, cashier, [CartLine("C002", D(3)), CartLine("W001", D("0.5"))],
              [Tender("cash", 21960, tendered=22000)], member_id=gold)
    detail = sales_query.sale_detail(till.ctx, r.sale_id)
    res = refund_sale(till.ctx, cashier, r.sale_id, {2: D("0.2")}, MANAGER)
    data = report_data.refund_receipt_from(detail, res, store_name="Demo", store_address="",
                                           terminal="t1", cashier="Li", at=till.clock.now,
                                           tz="Asia/Shanghai", tiers=TierBook())
    assert data.is_refund and data.total_fen == res.outcome.money
    assert data.subtotal_fen - data.line_discounts_fen == data.total_fen
    assert data.lines[0].qty == "0.200" and data.lines[0].unit == "kg"
    assert data.original_sale_number == r.receipt_no
    assert data.member is not None and data.member.points_earned == -res.outcome.points_reversed


def test_settings_printer_language_and_enrolment(till):
    s = settings.till_settings(till.ctx)
    assert s.terminal_id == till.ctx.terminal_id and s.enrolment_state == "not_enrolled"
    with pytest.raises(InvalidInput):
        settings.save_printer(till.ctx, "fax:1234")
    settings.save_printer(till.ctx, "network:192.168.1.50", 32, "raster")
    with pytest.raises(InvalidInput):
        settings.save_language(till.ctx, "fr")
    settings.save_language(till.ctx, "en")
    with pytest.raises(InvalidInput):
        settings.enrol_terminal(till.ctx, "ftp://x", "7KQ4-M2XD-9RTB")
    with pytest.raises(InvalidInput):
        settings.enrol_terminal(till.ctx, "https://pos.example.com", "short")
    st = settings.enrol_terminal(till.ctx, "https://pos.example.com/", "7kq4-m2xd-9rtb",
                                 "Front counter")
    assert st.state == "pending"
    s = settings.till_settings(till.ctx)
    assert (s.printer, s.printer_width, s.printer_encoding, s.language) == (
        "network:192.168.1.50", 32, "raster", "en")
    assert s.central_url == "https://pos.example.com" and s.enrolment_state == "pending"
    assert s.enrolment_code_pending and s.terminal_name == "Front counter"
