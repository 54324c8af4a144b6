"""The X report, the Z report and the end-of-day view of one day with one shift show the same
figures: they come from the same queries (services.sale_figures)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from decimal import Decimal as D

from pos_member.services import sales_query
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, void
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import cash_movement, close_shift, open_shift, x_report, z_report
from pos_member.services.staff import Approval
from pos_member.ui.report_data import report_from_day, report_from_shift
from pos_member.ui.tiers import TierBook

from tests.services.support import make_till

MANAGER = Approval("S001", "2468")


def _sale(till, staff, lines, tenders, **kw):
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), staff, tuple(lines),
                                              tuple(tenders), **kw))


def _comparable(report) -> dict:
    d = asdict(report)
    for k in ("kind", "shift_number", "cashier", "opened_at", "printed_at", "closed_at",
              "manager", "report_number", "float_fen", "cash_count", "terminal", "store_name"):
        d.pop(k)
    for t in d["tenders"]:
        t.pop("expected_fen", None)
        t.pop("counted_fen", None)
    return d


def test_x_z_and_the_day_agree(tmp_path, qapp):
    till = make_till(tmp_path)
    staff = till.login("S001", "2468")
    open_shift(till.ctx, staff, 50000)
    gold, silver = till.members["gold"], till.members["silver"]
    # a gold member: coupon, points, weighed beans, cash; a non-member; a silver member
    a = _sale(till, staff, [CartLine("C002", D(3)), CartLine("W001", D("0.5"))],
              [Tender("cash", 18960, tendered=20000)], member_id=gold,
              coupon_codes=("M100-10",), redeem_points=20,
              member_code=till.dynamic_code("gold"))
    b = _sale(till, staff, [CartLine("C002", D(1))], [Tender("alipay", 2800)])
    _sale(till, staff, [CartLine("C002", D(2))], [Tender("wechat", 5320)], member_id=silver)
    # refunds: the non-member's whole sale, one latte of the gold member's (points come back)
    refund_sale(till.ctx, staff, b.sale_id, None, MANAGER, reason="wrong drink")
    refund_sale(till.ctx, staff, a.sale_id, {1: D(1)}, MANAGER, reason="spilt")
    void(till.ctx, staff, "line", {"sku": "C002"}, MANAGER)
    void(till.ctx, staff, "basket", {}, MANAGER)
    cash_movement(till.ctx, staff, "paid_out", 1000, "milk")

    x = x_report(till.ctx)
    x_extras = sales_query.shift_extras(till.ctx, x.shift_id)
    day = sales_query.day_figures(till.ctx)
    close_shift(till.ctx, staff, {10000: 7}, approval=MANAGER)
    z = z_report(till.ctx)
    z_extras = sales_query.shift_extras(till.ctx, z.shift_id)
    day_after = sales_query.day_figures(till.ctx)

    # the services' figures
    assert x.sales_count == z.sales_count == day.sales_count == 3
    assert x.gross_sales == z.gross_sales == day.gross_fen
    assert x.sales_total == day.sales_total_fen and x.refunds_total == day.refunds_total_fen
    assert {t: v for t, (_, v) in day.by_tender.items() if t != "points"} == \
        {t: v for t, v in x.by_tender.items() if t != "points"}
    assert x.refunds_by_tender == z.refunds_by_tender == day.refunds_by_tender
    assert "points" in day.refunds_by_tender  # the points tender's refunded value
    assert x.sales_by_tier == day.by_tier
    assert x.points_earned == day.points_earned - day.points_reversed
    assert x.points_redeemed == day.points_redeemed - day.points_returned
    assert (x.points_reversed, x.points_returned) == (day.points_reversed, day.points_returned)
    assert x.points_reversed > 0 and x.points_returned > 0
    assert x.voids == day.void_actions == 2
    assert x.coupons_used == sum(n for _, n, _ in day.coupons)
    assert x_extras.coupons == day.coupons
    assert x_extras.tender_counts == {t: n for t, (n, _) in day.by_tender.items()}

    # the printed X, Z and the day's Z
    printed_x = _comparable(report_from_shift(
        x, kind="x", store_name="", terminal="", cashier="", printed_at=till.clock.now,
        tz=till.ctx.tz_name, tender_counts=x_extras.tender_counts, coupons=x_extras.coupons,
        voids_fen=x_extras.voids_fen, tiers=TierBook()))
    printed_z = _comparable(report_from_shift(
        z, kind="z", store_name="", terminal="", cashier="", printed_at=till.clock.now,
        tz=till.ctx.tz_name, tender_counts=z_extras.tender_counts, coupons=z_extras.coupons,
        voids_fen=z_extras.voids_fen, tiers=TierBook()))
    printed_day = _comparable(report_from_day(day_after, printed_at=till.clock.now,
                                              tiers=TierBook()))
    printed_x.pop("unsynced_count"), printed_z.pop("unsynced_count")
    printed_day.pop("unsynced_count")
    assert printed_x == printed_z == printed_day
