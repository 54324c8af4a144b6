"""The refund screen's sale search by digits uses the members' last-four index (issue 14):
among a million members a scan of every name and phone took 1.4 s a search."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

from sqlalchemy import event

from pos_member.services import sales_query
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout, quote_basket
from pos_member.store.db import transaction
from pos_member.store.models import Member


def _sale(till, cashier, member_id=None):
    cart = (CartLine("C002", D(1)),)
    total = quote_basket(till.ctx, cart, member_id).total
    return checkout(till.ctx, CheckoutRequest(str(uuid.uuid4()), cashier, cart,
                                              (Tender("cash", total),), member_id=member_id))


def _plans(till, text: str) -> list[str]:
    """EXPLAIN QUERY PLAN of every statement ``recent_sales(text)`` runs."""
    seen: list[tuple[str, object]] = []
    engine = till.ctx.readers.kw["bind"]

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        sales_query.recent_sales(till.ctx, text)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        return [" | ".join(r[-1] for r in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in seen]


def test_digits_find_sales_by_phone_suffix_through_the_last4_index(till, cashier, shift):
    silver = till.members["silver"]  # phone 13900002222
    with transaction(till.ctx.sessions) as s:
        s.add(Member(id="digits-name", phone="13700005555", name="2222 王", tier="regular",
                     origin="central"))
    a = _sale(till, cashier)
    b = _sale(till, cashier, member_id=silver)
    c = _sale(till, cashier, member_id="digits-name")
    for text in ("2222", "02222", "13900002222"):
        assert [x.id for x in sales_query.recent_sales(till.ctx, text)] == [b.sale_id], text
    assert sales_query.recent_sales(till.ctx, "99992222") == []  # same last four, not a suffix
    assert [x.id for x in sales_query.recent_sales(till.ctx, a.receipt_no)] == [a.sale_id]
    # letters still search names; a name is not searched by digits
    assert [x.id for x in sales_query.recent_sales(till.ctx, "2222 王")] == [c.sale_id]
    member_plans = [p for p in _plans(till, "13900002222") if "members" in p]
    assert member_plans and all("SCAN members" not in p for p in member_plans), member_plans
    assert any("phone_last4" in p for p in member_plans), member_plans
