"""A refund is bounded by its sale, across all refunds of that sale and across terminals:
quantity and money per line, money per tender, points returned and reversed, growth. Excess
is a ``refund_exceeds_sale`` conflict: the refund (the money that left the till) is recorded,
the points beyond the sale's never reach the member's balance."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from pos_central import models as m
from pos_member.sync import protocol as p
from tests.central.builders import CST, TZ, make_member, member_via_api


def _sale(till, member_id, *, lines, tenders, points_redeemed=0, points_earned=0,
          growth_earned=0):
    """A sale whose figures add up. ``lines``: (qty, amount_fen, points_redeemed) per line;
    each line's money is its amount less 100 fen per redeemed point; ``tenders``: money by
    tender (the till adds the points tender itself)."""
    now = datetime.now(UTC)
    sale_lines, money = [], 0
    for no, (qty, amount, points) in enumerate(lines, start=1):
        paid = amount - points * 100
        money += paid
        sale_lines.append(p.SaleLine(line_no=no, sku=f"SKU{no}", qty=Decimal(qty),
                                     unit_price_fen=amount, amount_fen=amount,
                                     points_value_fen=points * 100, points_redeemed=points,
                                     paid_fen=paid))
    assert sum(tenders.values()) == money
    payments = [p.PaymentLine(tender=t, amount_fen=a) for t, a in tenders.items()]
    if points_redeemed:
        payments.append(p.PaymentLine(tender="points", amount_fen=points_redeemed * 100))
    payload = p.SalePayload(
        sale_id=uuid.uuid4(), receipt_no=f"R{random.randrange(10**8)}", store_id=till.store_id,
        sold_at=now, local_time=(now + CST).replace(tzinfo=None), tz=TZ, member_id=member_id,
        lines=sale_lines, payments=payments, subtotal_fen=sum(x[1] for x in lines),
        points_value_fen=points_redeemed * 100, total_fen=money,
        points_redeemed=points_redeemed, points_earned=points_earned,
        growth_earned=growth_earned)
    return p.SaleEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
                       payload=payload).model_dump(mode="json")


def _refund(till, sale, *, lines, tenders=None, points_reversed=0, growth_reversed=0):
    """``lines``: (line_no, qty, amount_fen, points_returned)."""
    sp = sale["payload"]
    now = datetime.now(UTC)
    refund_lines = [p.RefundLine(line_no=no, sku=f"SKU{no}", qty=Decimal(qty), amount_fen=amt,
                                 points_returned=pts) for no, qty, amt, pts in lines]
    amount = sum(x[2] for x in lines)
    tenders = tenders if tenders is not None else {sp["payments"][0]["tender"]: amount}
    payload = p.RefundPayload(
        refund_id=uuid.uuid4(), sale_id=sp["sale_id"], receipt_no=f"RF{random.randrange(10**8)}",
        store_id=till.store_id, refunded_at=now, local_time=(now + CST).replace(tzinfo=None),
        tz=TZ, member_id=sp["member_id"], approved_by="M01", lines=refund_lines,
        payments=[p.PaymentLine(tender=t, amount_fen=a) for t, a in tenders.items() if a],
        amount_fen=amount, points_reversed=points_reversed, growth_reversed=growth_reversed,
        points_returned=sum(x[3] for x in lines))
    return p.RefundEvent(event_id=uuid.uuid4(), terminal_seq=till.take_seq(), created_at=now,
                         payload=payload).model_dump(mode="json")


def _excess(result):
    kinds = [c["kind"] for c in result["conflicts"]]
    assert kinds == ["refund_exceeds_sale"], result
    return result["conflicts"][0]


def test_three_refunds_of_the_redeemed_points_return_them_once(central_server):
    till = central_server.enrol("Points refunds")
    member_id = make_member(central_server, points=500)
    sale = _sale(till, member_id, lines=[("1", 11800, 100)], tenders={"wechat": 1800},
                 points_redeemed=100)
    assert till.push([sale]).json()["results"][0]["member"]["points"] == 400
    refunds = [_refund(till, sale, lines=[(1, "1", 1800, 100)]) for _ in range(3)]
    results = till.push(refunds).json()["results"]
    assert results[0]["status"] == "applied" and results[0]["member"]["points"] == 500
    for result in results[1:]:
        assert result["status"] == "conflict"
        info = _excess(result)
        assert info["sale_id"] == sale["payload"]["sale_id"]
        assert info["detail"]["excess"]["points_returned"] == 100
        assert info["detail"]["excess"]["amount_fen"] == 1800
        assert info["detail"]["applied"]["points_returned"] == 0
        assert result["member"]["points"] == 500
        assert "100" in info["message"]
    assert member_via_api(till, member_id)["points"] == 500
    with central_server.read() as s:
        rows = s.execute(select(m.Refund).where(
            m.Refund.sale_id == sale["payload"]["sale_id"])).scalars().all()
        # The money left the till three times: all three refunds are on record ...
        assert sorted(r.amount_fen for r in rows) == [1800, 1800, 1800]
        # ... but the member got the redeemed points back once.
        assert sum(r.points_returned for r in rows) == 100
        stored = s.execute(select(func.count()).select_from(m.Conflict).where(
            m.Conflict.kind == "refund_exceeds_sale",
            m.Conflict.sale_id == sale["payload"]["sale_id"])).scalar_one()
        assert stored == 2


def test_money_beyond_the_sale_is_a_conflict_naming_the_excess(central_server):
    till = central_server.enrol("Money refunds")
    sale = _sale(till, None, lines=[("1", 1800, 0)], tenders={"cash": 1800})
    till.push([sale])
    results = till.push([_refund(till, sale, lines=[(1, "1", 1800, 0)]) for _ in range(3)]
                        ).json()["results"]
    assert [r["status"] for r in results] == ["applied", "conflict", "conflict"]
    info = _excess(results[2])
    excess = info["detail"]["excess"]
    assert excess["amount_fen"] == 1800
    assert excess["tenders"] == {"cash": 1800}
    assert excess["lines"] == [{"line_no": 1, "qty": "1", "amount_fen": 1800,
                                "points_returned": 0}]
    with central_server.read() as s:
        refunded = s.execute(select(func.sum(m.Refund.amount_fen)).where(
            m.Refund.sale_id == sale["payload"]["sale_id"])).scalar_one()
    assert refunded == 5400  # recorded: the manager reconciles the drawer against it


def test_partial_refunds_within_the_sale_are_fine_and_the_last_one_over_is_not(central_server):
    a = central_server.enrol("Partial A")
    b = central_server.enrol("Partial B")  # same store: customers return at any till
    member_id = make_member(central_server, points=0)
    sale = _sale(a, member_id, lines=[("3", 3000, 0), ("1", 1000, 0)],
                 tenders={"cash": 1000, "wechat": 3000}, points_earned=4, growth_earned=40)
    a.push([sale])
    first = _refund(a, sale, lines=[(1, "1", 1000, 0)], tenders={"wechat": 1000},
                    points_reversed=1, growth_reversed=10)
    second = _refund(b, sale, lines=[(1, "2", 2000, 0), (2, "1", 1000, 0)],
                     tenders={"cash": 1000, "wechat": 2000}, points_reversed=3,
                     growth_reversed=30)
    assert a.push([first]).json()["results"][0]["status"] == "applied"
    assert b.push([second]).json()["results"][0]["status"] == "applied"
    assert member_via_api(a, member_id)["points"] == 0
    # Everything is refunded now; one more unit of line 1, paid in cash, is excess on every
    # bound it touches.
    third = _refund(b, sale, lines=[(1, "1", 1000, 0)], tenders={"cash": 1000},
                    points_reversed=1, growth_reversed=10)
    result = b.push([third]).json()["results"][0]
    excess = _excess(result)["detail"]["excess"]
    assert excess["lines"] == [{"line_no": 1, "qty": "1", "amount_fen": 1000,
                                "points_returned": 0}]
    assert excess["tenders"] == {"cash": 1000}
    assert excess["points_reversed"] == 1 and excess["growth_reversed"] == 10
    member = member_via_api(a, member_id)
    assert (member["points"], member["growth"]) == (0, 0)  # not reversed twice


def test_a_tender_or_line_the_sale_did_not_have_is_excess(central_server):
    till = central_server.enrol("Odd refund")
    sale = _sale(till, None, lines=[("1", 1800, 0)], tenders={"wechat": 1800})
    till.push([sale])
    odd = _refund(till, sale, lines=[(1, "1", 1000, 0), (7, "1", 500, 0)],
                  tenders={"cash": 1500})
    result = till.push([odd]).json()["results"][0]
    excess = _excess(result)["detail"]["excess"]
    assert excess["tenders"] == {"cash": 1500}
    assert excess["lines"] == [{"line_no": 7, "qty": "1", "amount_fen": 500,
                                "points_returned": 0}]
    assert "amount_fen" not in excess  # 1500 of 1800 is within the sale's money


def test_partial_quantities_add_up_across_refunds(central_server):
    till = central_server.enrol("Weighed")
    sale = _sale(till, None, lines=[("0.500", 2000, 0)], tenders={"cash": 2000})
    till.push([sale])
    ok = [_refund(till, sale, lines=[(1, "0.250", 1000, 0)]) for _ in range(2)]
    over = _refund(till, sale, lines=[(1, "0.001", 0, 0)])
    results = till.push([*ok, over]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "conflict"]
    assert _excess(results[2])["detail"]["excess"]["lines"][0]["qty"] == "0.001"


def test_a_sale_and_its_refunds_in_one_batch_are_bounded_too(central_server):
    till = central_server.enrol("One batch")
    member_id = make_member(central_server, points=300)
    sale = _sale(till, member_id, lines=[("1", 10200, 100)], tenders={"alipay": 200},
                 points_redeemed=100)
    refunds = [_refund(till, sale, lines=[(1, "1", 200, 100)]) for _ in range(2)]
    results = till.push([sale, *refunds]).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "conflict"]
    assert results[2]["member"]["points"] == 300
    assert member_via_api(till, member_id)["points"] == 300


def test_points_reversed_beyond_what_the_sale_earned_are_not_taken(central_server):
    till = central_server.enrol("Reverse")
    member_id = make_member(central_server, points=50)
    sale = _sale(till, member_id, lines=[("1", 5000, 0)], tenders={"cash": 5000},
                 points_earned=5, growth_earned=50)
    till.push([sale])
    greedy = _refund(till, sale, lines=[(1, "1", 5000, 0)], points_reversed=40,
                     growth_reversed=500)
    result = till.push([greedy]).json()["results"][0]
    info = _excess(result)
    assert info["detail"]["excess"]["points_reversed"] == 35
    assert info["detail"]["excess"]["growth_reversed"] == 450
    assert info["detail"]["applied"] == {"points_reversed": 5, "growth_reversed": 50,
                                         "points_returned": 0}
    assert "amount_fen" not in info["detail"]["excess"]
    member = member_via_api(till, member_id)
    assert (member["points"], member["growth"]) == (50, 0)
