"""Channels: online-store orders that activate memberships (pos_central.activation: paste or
upload the CSV export, see who activated) and the group-buy vouchers (美团, 抖音) the tills
verified through the service (pos_central.vouchers), by platform and store."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from pos_central.console.auth import Staff
from pos_central.console.web import Form, action, audit, db_of, page, render
from pos_central.db import utcnow

MAX_CSV = 512 * 1024


def _available() -> bool:
    try:
        import pos_central.activation
        import pos_central.cross_channel_models  # noqa: F401
    except ImportError:  # pragma: no cover - a service without these channels
        return False
    return True


def _page(request: Request, staff: Staff, report=None, status: int = 200, csv_text: str = ""):
    from pos_central.activation import orders_report
    from pos_central.cross_channel_models import OnlineOrder, VoucherVerification

    with db_of(request).read() as s:
        orders = orders_report(s)
        recent_orders = s.execute(select(OnlineOrder).order_by(
            OnlineOrder.imported_at.desc()).limit(50)).scalars().all()
        vv = VoucherVerification
        vouchers = s.execute(
            select(vv.platform, vv.store_id, vv.status, func.count(),
                   func.coalesce(func.sum(vv.value_fen), 0), func.coalesce(func.sum(vv.paid_fen), 0))
            .group_by(vv.platform, vv.store_id, vv.status)
            .order_by(vv.platform, vv.store_id, vv.status)).all()
        recent = s.execute(select(vv).order_by(vv.prepared_at.desc()).limit(50)).scalars().all()
        reconciliation = _reconciliation(s)
    return render(request, "channels.html", staff, status=status, title="Channels",
                  orders=orders, recent_orders=recent_orders, vouchers=vouchers, recent=recent,
                  report=report, csv_text=csv_text, reconciliation=reconciliation)


def _reconciliation(s) -> list[dict]:
    """对账 of the last 30 days (pos_central.vouchers.voucher_report), when it exists."""
    try:
        from pos_central.vouchers import voucher_report
    except ImportError:  # pragma: no cover
        return []
    now = utcnow()
    return voucher_report(s, now - timedelta(days=30), now + timedelta(minutes=1))


def register(router: APIRouter) -> None:
    if not _available():  # pragma: no cover
        return

    @router.get("/channels")
    @page
    def channels_page(request: Request, staff: Staff):
        return _page(request, staff)

    @router.post("/channels/orders")
    @action
    def import_orders(request: Request, staff: Staff, form: Form):
        from pos_central.activation import import_orders as do_import

        text = form.raw("csv")
        if not text.strip() or len(text) > MAX_CSV:
            return _page(request, staff, {"imported": 0, "already": 0, "errors": [
                (0, "paste the CSV export (order_no,phone,amount,...), at most 512 KB")]}, 422,
                text[:2000])
        with db_of(request).write() as s:
            report = do_import(s, text)
            audit(s, staff, "orders.import", "online orders", None,
                  {"imported": report.imported, "already": report.already,
                   "rejected": len(report.errors)})
        return _page(request, staff, {"imported": report.imported, "already": report.already,
                                      "errors": report.errors},
                     422 if report.errors and not report.imported else 200,
                     text if report.errors else "")
