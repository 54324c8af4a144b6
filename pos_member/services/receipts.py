"""What a receipt shows, read back from the recorded sale or refund.

The printing package lays out and encodes a :class:`~pos_member.printing.model.ReceiptData`
(plain dataclasses); this module fills one from the database, so a reprint shows exactly what
was recorded, whatever has changed since.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from pos_member.domain.quantity import milli_to_qty
from pos_member.printing.model import (
    CouponUse, LineDiscount, MemberInfo, ReceiptData, ReceiptLine, Tender,
)
from pos_member.security.member_codes import mask_phone
from pos_member.store import repositories as repo
from pos_member.store.models import Member, Product, Refund, Sale, Staff

from . import benefits
from .context import TillContext
from .errors import NotFound
from .members import member_view
from .rules import current_rules

RECEIPT_CODE_PREFIX = "PMR."  # the QR on a receipt: PMR.<sale id>, scanned for a refund
JOIN_URL_SETTING = "join_url"
DEFAULT_JOIN_URL = "https://member.example.com/join?store={store_id}"


_PAPER_TENDER = {"card": "unionpay"}  # the till's tender kind -> the printed label's key


def mask_reference(ref: str | None) -> str:
    """A payment reference as printed: long ones show their first and last four only."""
    if not ref:
        return ""
    return ref if len(ref) <= 8 else ref[:4] + "****" + ref[-4:]


def receipt_code(sale_id: str) -> str:
    return RECEIPT_CODE_PREFIX + sale_id


def qty_text(milli: int) -> str:
    """2000 -> "2"; 350 -> "0.35"; 1250 -> "1.25" (what a receipt prints)."""
    qty = milli_to_qty(milli)
    return str(qty.to_integral_value()) if qty == qty.to_integral_value() else \
        format(qty.normalize(), "f")


def _store(session, ctx: TillContext) -> dict:
    """What every receipt prints about the store and the till, from the till's settings: the
    till by its name (its id only when it has none), the store's own address, phone and last
    line."""
    def get(key: str) -> str:
        return repo.get_setting(session, key, "") or ""

    return {"store_name": get("store_name") or get("brand_name") or ctx.store_id,
            "store_address": get("store_address"), "store_phone": get("store_phone"),
            "footer": get("receipt_footer"),
            "terminal": get("terminal_name") or ctx.terminal_id[:8]}


def sale_receipt(ctx: TillContext, sale_id: str, *, reprint: bool = False) -> ReceiptData:
    """The receipt of a recorded sale: the one builder for the original the checkout prints,
    its preview on screen and every reprint (``reprint=True`` only adds the COPY mark)."""
    with ctx.read_sessions() as s:
        sale = s.get(Sale, sale_id)
        if sale is None:
            raise NotFound("no such sale on this till", code="unknown_sale")
        rules = current_rules(s)
        store = _store(s, ctx)
        staff = s.get(Staff, sale.staff_id)
        products = {sku: (unit, name_en) for sku, unit, name_en in s.execute(
            select(Product.sku, Product.unit, Product.name_en).where(
                Product.sku.in_([x.sku for x in sale.lines]))).all()}
        # Lines at their price, named as sold (with the product's English name beside it);
        # the member discount and each coupon are one line each in the totals (their per-line
        # split is recorded for refunds, not printed twice).
        lines = []
        # 会员价: the line at its shelf price, the member price's saving under it
        quote = sale.quote_json or {}
        saving = [q.get("member_price_saving", 0) if isinstance(q, dict) else 0
                  for q in quote.get("lines", ())]
        marks = benefits.receipt_marks(s, quote)  # 权益 used, 积分兑换 (services/benefits.py)
        for i, x in enumerate(sale.lines):
            unit, name_en = products.get(x.sku, ("", ""))
            name = f"{x.name} {name_en}" if name_en and name_en not in x.name else x.name
            mp = saving[i] if i < len(saving) else 0
            off, note = marks.get(i, (0, ""))
            if note and not off:
                name = f"{name} [{note}]"
            lines.append(ReceiptLine(name, qty_text(x.qty_milli), x.unit_price_fen,
                                     x.amount_fen + mp + off,
                                     ((LineDiscount("member_price", mp),) if mp else ())
                                     + ((LineDiscount(note, off),) if off else ()),
                                     "kg" if unit == "kg" else ""))
        coupons = tuple(CouponUse(r.coupon_code, r.coupon_code, r.discount_fen)
                        for r in sale.coupon_redemptions)
        tenders = tuple(Tender(_PAPER_TENDER.get(p.tender, p.tender), p.amount_fen,
                               p.tendered_fen, p.change_fen, mask_reference(p.reference))
                        for p in sale.payments if p.tender != "points")
        member_info = None
        tier_note = ""
        if sale.member_id:
            m = s.get(Member, sale.member_id)
            before = rules.tier(sale.tier_before) if sale.tier_before and rules.has_tier(
                sale.tier_before) else None
            tier_note = f"{before.name} {before.discount_label()}".strip() if before else ""
            if m is not None:
                view = member_view(s, m, ctx.local().date(), ctx.tz)
                after = view.points
                hints = {h["kind"]: h for h in (sale.quote_json or {}).get("hints", [])}
                nxt = hints.get("next_tier")
                upgraded = sale.tier_after if sale.tier_after != sale.tier_before else None
                member_info = MemberInfo(
                    name=m.name, masked_phone=mask_phone(m.phone) if m.phone else "",
                    tier_name=before.name if before else (sale.tier_before or ""),
                    points_before=after + sale.points_redeemed - sale.points_earned,
                    points_after=after, points_earned=sale.points_earned,
                    upgraded_to=rules.tier(upgraded).name if upgraded and rules.has_tier(
                        upgraded) else None,
                    next_tier_name=rules.tier(nxt["tier"]).name if nxt and rules.has_tier(
                        nxt["tier"]) else None,
                    spend_to_next_tier_fen=int(Decimal(nxt["amount"]) * 100) if nxt else None,
                    gifts=tuple(g.get("title") or g.get("gift", "")
                                for g in quote.get("gifts", ())
                                if isinstance(g, dict) and g.get("status") == "issued"))
        join = (repo.get_setting(s, JOIN_URL_SETTING) or DEFAULT_JOIN_URL).format(
            store_id=ctx.store_id)
        return ReceiptData(
            **store,
            sale_number=sale.receipt_no, sale_uuid=sale.id, time=sale.created_at,
            tz=sale.tz, cashier=staff.name if staff else sale.staff_id, lines=tuple(lines),
            total_fen=sale.total_fen, tenders=tenders, member=member_info,
            tier_discount_fen=sale.tier_discount_fen, tier_discount_note=tier_note,
            coupons=coupons, points_used=sale.points_redeemed,
            points_value_fen=sale.points_value_fen, rounding_fen=sale.rounding_fen,
            is_reprint=reprint,
            qr_payload=receipt_code(sale.id) if sale.member_id else join)


def refund_receipt(ctx: TillContext, refund_id: str) -> ReceiptData:
    with ctx.read_sessions() as s:
        rf = s.get(Refund, refund_id)
        if rf is None:
            raise NotFound("no such refund on this till", code="unknown_refund")
        sale = s.get(Sale, rf.sale_id)
        by_no = {x.line_no: x for x in sale.lines}
        store = _store(s, ctx)
        staff = s.get(Staff, rf.staff_id)
        lines = tuple(ReceiptLine(by_no[x.line_no].name, qty_text(x.qty_milli),
                                  by_no[x.line_no].unit_price_fen, x.amount_fen)
                      for x in rf.lines)
        return ReceiptData(
            **store,
            sale_number=rf.receipt_no or f"R{rf.terminal_seq:06d}", sale_uuid=rf.id,
            time=rf.created_at,
            tz=rf.tz, cashier=staff.name if staff else rf.staff_id, lines=lines,
            total_fen=rf.amount_fen,
            tenders=tuple(Tender(p.tender, p.amount_fen) for p in rf.payments),
            is_refund=True, original_sale_number=sale.receipt_no,
            qr_payload=receipt_code(sale.id))


def print_job_store(ctx: TillContext):
    """The print queue kept in the till database (a JobStore for the printing package)."""
    from pos_member.store.print_jobs import SqlJobStore

    return SqlJobStore(ctx.sessions)
