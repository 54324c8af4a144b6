"""Checkout through the services on a real SQLite file."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, void
from pos_member.services.errors import ApprovalNeeded, InvalidInput, NotFound, ServiceError
from pos_member.services.members import lookup
from pos_member.services.staff import Approval, load_audit_chain
from pos_member.security.audit import verify_chain
from pos_member.store.models import (
    AuditLogEntry, Coupon, CouponRedemption, OutboxEvent, Payment, PointsLedgerEntry, Sale,
    SaleLine,
)
from pos_member.sync.protocol import SalePayload

MANAGER = Approval("S001", "2468")


def counts(till):
    with till.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (Sale, SaleLine, Payment, CouponRedemption, PointsLedgerEntry,
                          OutboxEvent, AuditLogEntry)}


def sale(cashier, lines, tenders, **kw):
    return CheckoutRequest(sale_id=kw.pop("sale_id", str(uuid.uuid4())), staff=cashier,
                           lines=tuple(lines), tenders=tuple(tenders), **kw)


def test_cash_sale_for_a_non_member_with_change(till, cashier, shift):
    # 2 lattes at 28.00 + 1 croissant 15.00 = 71.00; 100.00 handed over, 29.00 change
    r = checkout(till.ctx, sale(cashier, [CartLine("C002", D(2)), CartLine("B001", D(1))],
                                [Tender("cash", 7100, tendered=10000)]))
    assert r.pricing.total == 7100 and r.change == 2900 and not r.duplicate
    with till.session() as s:
        row = s.get(Sale, r.sale_id)
        assert row.total_fen == 7100 and row.member_id is None and row.shift_id == shift
        assert [(x.sku, x.qty_milli, x.paid_fen) for x in row.lines] == [
            ("C002", 2000, 5600), ("B001", 1000, 1500)]
        assert [(p.tender, p.amount_fen, p.tendered_fen, p.change_fen) for p in row.payments] == [
            ("cash", 7100, 10000, 2900)]
        ev = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "sale")).one()
        assert ev.terminal_seq == row.terminal_seq
        SalePayload.model_validate(ev.payload)  # the event speaks the sync protocol


def test_member_sale_with_coupon_and_points_spent_with_a_dynamic_code(till, cashier, shift):
    found = lookup(till.ctx, till.dynamic_code("gold"))
    assert found.via == "dynamic_code" and found.member.tier == "gold"
    # 10 lattes = 280.00; gold 9折 -> 28.00 off -> 252.00; 满100减10 (stackable) -> 242.00;
    # 50 points = 50.00 -> 192.00 to pay.
    req = sale(cashier, [CartLine("C002", D(10))], [Tender("wechat", 19200, reference="wx-1")],
               member_id=found.member.id, coupon_codes=("M100-10",), redeem_points=50,
               member_code=found.code_text)
    r = checkout(till.ctx, req)
    p = r.pricing
    assert (p.subtotal, p.tier_discount, p.coupon_discount, p.points_value, p.total) == (
        28000, 2800, 1000, 5000, 19200)
    # earned floor(192.00 / 10) = 19 points, growth 192
    assert (p.points_earned, p.growth_earned) == (19, 192)
    with till.session() as s:
        ledger = sorted((e.kind, e.points, e.growth) for e in s.scalars(select(PointsLedgerEntry)))
        assert ledger == [("earn", 19, 192), ("redeem", -50, 0)]
        assert s.get(Coupon, "M100-10").status == "used"
        assert [(x.tender, x.amount_fen) for x in s.get(Sale, r.sale_id).payments] == [
            ("wechat", 19200), ("points", 5000)]
    # the member's available points now leave out the unconfirmed redemption
    again = lookup(till.ctx, "13900001111")
    assert again.member.available_points == 750 and again.member.points == 769


def test_same_sale_id_twice_records_one_sale(till, cashier, shift):
    req = sale(cashier, [CartLine("T001", D(1))], [Tender("alipay", 1800)])
    first = checkout(till.ctx, req)
    before = counts(till)
    second = checkout(till.ctx, req)
    assert second.duplicate and second.sale_id == first.sale_id
    assert second.receipt_no == first.receipt_no and second.pricing == first.pricing
    assert counts(till) == before


@pytest.mark.parametrize("lines, tenders, code", [
    ([CartLine("C002", D(1))], [Tender("cash", 2000)], "tender_short"),
    ([CartLine("C002", D(1))], [Tender("cash", 2800, tendered=2000)], "tender_short"),
    ([CartLine("C002", D(1))], [Tender("card", 3000)], "tender_over"),
    ([CartLine("C002", D(0))], [Tender("cash", 0)], "bad_quantity"),
    ([CartLine("C002", D(-1))], [Tender("cash", 0)], "bad_quantity"),
    ([CartLine("W001", D("0.3505"))], [Tender("cash", 0)], "bad_quantity"),
    ([CartLine("C002", D("1.5"))], [Tender("cash", 4200)], "bad_quantity"),
    ([], [Tender("cash", 0)], "empty_basket"),
    ([CartLine("C002", D(1))], [Tender("bitcoin", 2800)], "bad_tender"),
    ([CartLine("C002", D(1))], [Tender("voucher", 2800)], "bad_tender"),
])
def test_bad_checkouts_are_refused_and_change_nothing(till, cashier, shift, lines, tenders, code):
    before = counts(till)
    with pytest.raises(InvalidInput) as exc:
        checkout(till.ctx, sale(cashier, lines, tenders))
    assert exc.value.code == code and str(exc.value)
    assert counts(till) == before


def test_unknown_product_and_member_are_refused(till, cashier, shift):
    with pytest.raises(NotFound):
        checkout(till.ctx, sale(cashier, [CartLine("NOPE", D(1))], [Tender("cash", 100)]))
    with pytest.raises(NotFound):
        checkout(till.ctx, sale(cashier, [CartLine("C002", D(1))], [Tender("cash", 2800)],
                                member_id=str(uuid.uuid4())))


def test_weighed_goods_and_third_party_voucher(till, cashier, shift):
    # 0.350 kg at 320.00/kg = 112.00, paid with a Meituan voucher code
    r = checkout(till.ctx, sale(cashier, [CartLine("W001", D("0.350"))],
                                [Tender("voucher", 11200, reference="meituan:8812345")]))
    assert r.pricing.total == 11200
    with till.session() as s:
        assert s.get(Sale, r.sale_id).payments[0].reference == "meituan:8812345"


def test_price_override_needs_a_manager(till, cashier, shift):
    req = dict(lines=[CartLine("C002", D(1), unit_price=2000)], tenders=[Tender("cash", 2000)])
    with pytest.raises(ApprovalNeeded):
        checkout(till.ctx, sale(cashier, **req))
    with pytest.raises(ApprovalNeeded):  # another cashier cannot approve
        checkout(till.ctx, sale(cashier, approval=Approval("S003", "8642"), **req))
    r = checkout(till.ctx, sale(cashier, approval=MANAGER, **req))
    assert r.pricing.total == 2000
    with till.session() as s:
        last = s.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq.desc())).first()
        assert last.action == "sale" and last.approver == "S001"


def test_points_without_a_dynamic_code_need_a_manager(till, cashier, shift):
    member = till.members["gold"]
    req = dict(lines=[CartLine("C002", D(4))], tenders=[Tender("cash", 9080)], member_id=member,
               redeem_points=10)  # 112.00 - 11.20 gold - 10.00 points = 90.80
    with pytest.raises(ApprovalNeeded):
        checkout(till.ctx, sale(cashier, **req))
    assert checkout(till.ctx, sale(cashier, approval=MANAGER, **req)).pricing.total == 9080


def test_a_replayed_member_code_cannot_spend_points_twice(till, cashier, shift):
    found = lookup(till.ctx, till.dynamic_code("gold"))
    common = dict(member_id=found.member.id, redeem_points=5, member_code=found.code_text)
    checkout(till.ctx, sale(cashier, [CartLine("T006", D(1))], [Tender("cash", 940)], **common))
    before = counts(till)
    with pytest.raises(ServiceError) as exc:
        checkout(till.ctx, sale(cashier, [CartLine("T006", D(1))], [Tender("cash", 940)],
                                **common))
    assert exc.value.code == "code_replayed"
    assert counts(till) == before


def test_points_over_the_limits_are_refused_with_the_limit_named(till, cashier, shift):
    member = till.members["regular"]  # 20 points
    with pytest.raises(InvalidInput) as exc:
        checkout(till.ctx, sale(cashier, [CartLine("C002", D(2))], [Tender("cash", 3600)],
                                member_id=member, redeem_points=30, approval=MANAGER))
    assert exc.value.code == "points_limited" and exc.value.details["limited_by"] == "balance"


def test_offline_daily_limit_counts_this_tills_redemptions_today(till, cashier, shift):
    member = till.members["gold"]  # 800 points, offline: at most 200 today
    big = [CartLine("R005", D(3))]  # 597.00, 9折 -> 537.30
    checkout(till.ctx, sale(cashier, big, [Tender("card", 53730 - 15000)], member_id=member,
                            redeem_points=150, approval=MANAGER))
    with pytest.raises(InvalidInput) as exc:
        checkout(till.ctx, sale(cashier, big, [Tender("card", 53730 - 6000)], member_id=member,
                                redeem_points=60, approval=MANAGER))
    assert exc.value.details == {"allowed": 50, "limited_by": "offline_daily_limit"}


def test_a_used_coupon_is_not_applied_again(till, cashier, shift):
    lines = [CartLine("C002", D(5))]  # 140.00, 满100减10 -> 130.00
    checkout(till.ctx, sale(cashier, lines, [Tender("cash", 13000)], coupon_codes=("M100-10",)))
    r = checkout(till.ctx, sale(cashier, lines, [Tender("cash", 14000)],
                                coupon_codes=("M100-10",)))
    assert [(x.code, x.reason.value) for x in r.pricing.rejected] == [("M100-10", "already_used")]


def test_selling_needs_an_open_shift(till, cashier):
    with pytest.raises(ServiceError) as exc:
        checkout(till.ctx, sale(cashier, [CartLine("C002", D(1))], [Tender("cash", 2800)]))
    assert exc.value.code == "shift_state"


def test_voids_need_a_manager_and_are_audited(till, cashier, shift):
    with pytest.raises(ApprovalNeeded):
        void(till.ctx, cashier, "line", {"sku": "C002"}, None)
    assert void(till.ctx, cashier, "basket", {"lines": 3}, MANAGER) == "S001"
    with till.session() as s:
        assert verify_chain(load_audit_chain(s)) is None
        assert s.scalar(select(func.count()).select_from(AuditLogEntry)
                        .where(AuditLogEntry.action == "void_basket")) == 1


def test_a_checkout_is_one_durable_transaction_and_the_mark_adds_no_sync(tmp_path,
                                                                        monkeypatch):
    """The benchmark's sale (a member, a coupon, points) through the real till set-up (with
    the high-water mark writer): one BEGIN IMMEDIATE ... COMMIT on the write connection
    (synchronous=FULL), nothing on any other connection, and no fsync from Python."""
    import os

    from sqlalchemy import event

    from pos_member.app import open_till
    from pos_member.security.roles import Role
    from pos_member.services.shifts import open_shift
    from pos_member.services.staff import StaffMember
    from pos_member.store.models import Member
    from pos_member.store.seed import seed_demo

    db = tmp_path / "till.sqlite3"
    seed_demo(db, members=30)
    opened = open_till(db, lock=False)
    try:
        ctx = opened.ctx
        staff = StaffMember("S001", "王店长", Role.MANAGER)
        open_shift(ctx, staff, 50000)
        with opened.ctx.sessions() as s:
            member_id = s.scalar(select(Member.id).order_by(Member.growth.desc()).limit(1))
            code = s.scalar(select(Coupon.code).where(Coupon.status == "available",
                                                      Coupon.member_id.is_(None)).limit(1))
        assert member_id is not None and code is not None
        mark = db.with_name(db.name + ".highwater")
        mark_before = mark.read_bytes()
        statements: dict[int, list[str]] = {}

        def trace(dbapi_con, _record, _proxy):
            dbapi_con.set_trace_callback(statements.setdefault(id(dbapi_con), []).append)

        for factory in (ctx.sessions, ctx.readers):
            event.listen(factory.kw["bind"], "checkout", trace)
        synced = []
        for name in ("fsync", "fdatasync"):
            if hasattr(os, name):
                real = getattr(os, name)
                monkeypatch.setattr(os, name, lambda fd, _r=real, _n=name: (
                    synced.append(_n), _r(fd))[1])
        lines = (CartLine("C001", D(1)), CartLine("C002", D(2)), CartLine("B001", D(1)))
        from pos_member.services.checkout import quote_basket

        total = quote_basket(ctx, lines, member_id, (code,), redeem_points=5).total
        statements.clear()
        r = checkout(ctx, sale(staff, lines, [Tender("wechat", total)], member_id=member_id,
                               coupon_codes=(code,), redeem_points=5))
        assert not r.duplicate and r.pricing.points_redeemed == 5
        assert len(statements) == 1, statements  # one connection: no read session
        (sql,) = statements.values()
        assert sql[0] == "BEGIN IMMEDIATE" and sql[-1] == "COMMIT", sql
        assert sum(s in ("BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK")
                   or s.startswith(("SAVEPOINT", "RELEASE")) for s in sql) == 2, sql
        assert mark.read_bytes() != mark_before  # the mark followed the commit ...
        assert synced == []  # ... and its write is not synced; the COMMIT is SQLite's
        with ctx.sessions() as s:
            assert s.get(Sale, r.sale_id) is not None
            con = s.connection().connection.driver_connection
            assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        opened.close()
