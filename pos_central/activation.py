"""Order-number activation (凭订单号激活): online-store orders imported from CSV, each of which
activates or links one membership and issues the welcome coupon.

CSV (UTF-8, a BOM is fine, header row required)::

    order_no,phone,amount,ordered_at,channel
    TB20261203001,13812341234,128.00,2026-12-01T10:15:00+08:00,tmall

``amount`` is yuan text (``128.00``) or give ``amount_fen`` instead; ``ordered_at`` and
``channel`` are optional. Valid rows are imported, bad ones are reported by line and skipped;
an order number imported before is left as it is (reported as ``already imported``).

Activation (``POST /v1/activations``, the till's dialog and the member app alike): the order
must exist, not be activated yet, and belong to the phone given. The phone's member is linked
(or a member created), the welcome coupon (default ¥20 无门槛, valid 30 days:
``POS_CENTRAL_WELCOME_COUPON_FEN``, ``POS_CENTRAL_WELCOME_COUPON_DAYS``) is issued to them, and
the order remembers who activated it. A second activation of the same order is refused with
``order_already_activated``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_central import admin
from pos_central import models as m
from pos_central.cross_channel_models import OnlineOrder
from pos_central.db import Database, utcnow
from pos_central.errors import ApiError, not_found
from pos_central.loyalty import find_member
from pos_central.views import coupon_data, member_data_by_id
from pos_member.sync import protocol as p
from pos_member.sync import protocol_cross_channel as pc

WELCOME_FEN_ENV = "POS_CENTRAL_WELCOME_COUPON_FEN"
WELCOME_DAYS_ENV = "POS_CENTRAL_WELCOME_COUPON_DAYS"
ORDER_NO = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
PHONE = re.compile(r"^\+?[0-9]{5,20}$")


@dataclass
class ImportReport:
    imported: int = 0
    already: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    def text(self) -> str:
        lines = [(f"imported {self.imported} orders, {self.already} already imported, "
                  f"{len(self.errors)} rejected")]
        lines += [f"  line {n}: {msg}" for n, msg in self.errors]
        return "\n".join(lines)


def _fen(row: dict[str, str]) -> int:
    if (row.get("amount_fen") or "").strip():
        text = row["amount_fen"].strip()
        if not text.isdigit():
            raise ValueError(f"amount_fen {text!r} is not a whole number of fen")
        return int(text)
    text = (row.get("amount") or "").strip().lstrip("¥")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount {text!r} is not a yuan amount like 128.00") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"amount {text!r} must be yuan with at most two decimals")
    return int(value * 100)


def _when(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ordered_at {text!r} is not an ISO time") from None
    if moment.tzinfo is None:  # store time: the brand's zone is China
        moment = moment.replace(tzinfo=UTC) - timedelta(hours=8)
    return moment.astimezone(UTC)


def import_orders(session: Session, text: str) -> ImportReport:
    """Import orders from CSV ``text`` into ``session`` (the caller commits)."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    names = {(n or "").strip() for n in (reader.fieldnames or [])}
    missing = {"order_no", "phone"} - names
    if missing or not ({"amount", "amount_fen"} & names):
        report.errors.append((1, "the header must name order_no, phone and amount (or amount_fen)"))
        return report
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()
               if isinstance(v, str)}
        order_no, phone = row.get("order_no", ""), row.get("phone", "").replace(" ", "")
        try:
            if not ORDER_NO.match(order_no):
                raise ValueError(f"order_no {order_no!r} is not 4-64 letters, digits, - or _")
            if not PHONE.match(phone):
                raise ValueError(f"phone {phone!r} is not a phone number")
            amount, ordered_at = _fen(row), _when(row.get("ordered_at", ""))
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        if order_no in seen or session.get(OnlineOrder, order_no) is not None:
            report.already += 1
            continue
        seen.add(order_no)
        session.add(OnlineOrder(order_no=order_no, phone=phone, amount_fen=amount,
                                ordered_at=ordered_at, channel=row.get("channel") or "online",
                                imported_at=utcnow(), created_member=0))
        report.imported += 1
    session.flush()
    return report


def import_orders_file(db: Database, path: str | Path) -> ImportReport:
    text = Path(path).read_text(encoding="utf-8-sig")
    with db.write() as s:
        return import_orders(s, text)


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def activate(db: Database, terminal_id: str | None, req: pc.ActivationRequest,
             now: datetime | None = None) -> pc.ActivationResponse:
    now = now or utcnow()
    with db.write() as s:
        order = s.execute(select(OnlineOrder).where(OnlineOrder.order_no == req.order_no)
                          .with_for_update()).scalar_one_or_none()
        if order is None:
            raise not_found(f"No online order {req.order_no}: check the number on the order "
                            "(orders are imported from the online store, usually daily).")
        if order.activated_at is not None:
            raise ApiError(409, p.ErrorCode.ORDER_ALREADY_ACTIVATED,
                           f"Order {req.order_no} already activated a membership "
                           f"({_mask(order.phone)}, {order.activated_at:%Y-%m-%d}); "
                           "one order activates once.")
        if order.phone != req.phone:
            raise ApiError(409, p.ErrorCode.ORDER_PHONE_MISMATCH,
                           f"Order {req.order_no} was placed with another phone number; "
                           "give the phone number used for the order.")
        start = s.execute(select(m.Member.id).where(m.Member.phone == req.phone)) \
            .scalar_one_or_none()
        member = find_member(s, start)[0] if start is not None else None
        created = member is None
        if member is None:
            member = admin.create_member(s, phone=req.phone, name=req.name,
                                         consent=req.marketing_consent)
        coupon = _welcome_coupon(s, member.id, req.order_no, now)
        order.activated_at = now
        order.member_id = member.id
        order.terminal_id = terminal_id
        order.coupon_code = coupon.code if coupon else None
        order.created_member = 1 if created else 0
        s.flush()
        return pc.ActivationResponse(order_no=order.order_no, member=member_data_by_id(s, member),
                                     created=created, amount_fen=order.amount_fen,
                                     coupon=coupon_data(coupon) if coupon else None)


def _welcome_coupon(s: Session, member_id: str, order_no: str, now: datetime) -> m.Coupon | None:
    value = int(os.environ.get(WELCOME_FEN_ENV, "2000") or 0)
    if value <= 0:
        return None
    days = int(os.environ.get(WELCOME_DAYS_ENV, "30") or 30)
    code = f"WEL-{order_no}"[:64]
    yuan = f"{value // 100}" if value % 100 == 0 else f"{value // 100}.{value % 100:02d}"
    admin.upsert_coupon(s, p.CouponData(
        code=code, kind="amount_off", title=f"新会员礼 ¥{yuan} 无门槛", value_fen=value,
        threshold_fen=0, valid_from=now, valid_to=now + timedelta(days=days),
        member_id=member_id))
    return s.get(m.Coupon, code)


def orders_report(session: Session) -> dict[str, int]:
    """How many imported orders activated a membership (and made a new member)."""
    rows = session.execute(select(OnlineOrder.activated_at, OnlineOrder.created_member)).all()
    return {"orders": len(rows), "activated": sum(1 for a, _ in rows if a is not None),
            "new_members": sum(1 for a, c in rows if a is not None and c)}


DEMO_ORDERS = (("DEMO-ORDER-0001", "13800009001", 12800), ("DEMO-ORDER-0002", "13800009002", 5990),
               ("DEMO-ORDER-0003", "13800009003", 29900))


def seed_demo_orders(session: Session) -> int:
    """A few online orders of the demo brand, to try activation at a demo till (idempotent)."""
    added = 0
    for order_no, phone, fen in DEMO_ORDERS:
        if session.get(OnlineOrder, order_no) is None:
            session.add(OnlineOrder(order_no=order_no, phone=phone, amount_fen=fen,
                                    channel="demo", imported_at=utcnow(), created_member=0))
            added += 1
    session.flush()
    return added
