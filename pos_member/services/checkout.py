"""Checkout: price the basket with the domain engine, then record the whole sale in one
transaction (sale, lines, payments, coupon redemptions, points ledger, audit entry, outbox
event). Calling it again with the same sale id records nothing new and returns the first result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pos_member.domain.basket import BasketLine
from pos_member.domain.coupons import Coupon as DomainCoupon
from pos_member.domain.money import format_fen
from pos_member.domain.pricing import PricingError, PricingRequest, PricingResult, price
from pos_member.domain.quantity import qty_to_milli
from pos_member.security.member_codes import CodeRefused, VerifiedCode, verify_dynamic_code
from pos_member.security.roles import Action, Authorization, Role, authorization_for
from pos_member.store import checkout_reads
from pos_member.store import repositories as repo
from pos_member.store.checkout_reads import CouponRow, TillState
from pos_member.store.db import transaction
from pos_member.store.fastwrite import execute_sql, insert_rows
from pos_member.store.nonces import REPLAYED_MESSAGE, SqliteNonceRegistry
from pos_member.store.models import (
    Coupon, CouponRedemption, Payment, PointsLedgerEntry, SeenNonce, Sale, SaleLine, Shift,
)
from pos_member.store.types import format_utc

from . import benefits, gifts, stored_value
from .context import TillContext
from .errors import InvalidInput, NotFound, ServiceError, ShiftStateError
from .gifts import gift_coupon_codes
from .members import SIGNING_SETTINGS, member_snapshot, signing_keys_of
from .pricing_json import pricing_from_dict, pricing_to_dict
from .rules import CASH_ROUNDING_SETTING, rules_of_text
from .staff import Approval, StaffMember, append_audit, authorize_action
from .vouchers import apply_points_rule

TENDERS = ("cash", "wechat", "alipay", "card", "voucher", "stored_value", "meituan", "douyin")
NONCE_KEEP = timedelta(days=1)


@dataclass(frozen=True)
class CartLine:
    sku: str
    qty: Decimal
    unit_price: int | None = None  # a price override (fen); needs a manager's approval


@dataclass(frozen=True)
class Tender:
    kind: str  # cash, wechat, alipay, card, voucher (美团/抖音 code in reference)
    amount: int  # fen of the total this tender covers
    tendered: int | None = None  # cash handed over (change is tendered - amount)
    reference: str | None = None


@dataclass(frozen=True)
class CheckoutRequest:
    sale_id: str
    staff: StaffMember
    lines: tuple[CartLine, ...]
    tenders: tuple[Tender, ...]
    member_id: str | None = None
    coupon_codes: tuple[str, ...] = ()
    chosen_coupons: tuple[str, ...] | None = None
    redeem_points: int = 0
    # The dynamic member code (PM1....) that identified the member, as scanned. It allows
    # spending points without a manager: checkout verifies it again (signature, revocation,
    # this member, still valid at the time of the sale) and spends its nonce once.
    member_code: str | None = None
    approval: Approval | None = None
    # Benefits redeemed (domain.benefits.Claim) and points-mall rewards (domain.mall.MallClaim):
    # services/benefits.py. A mall reward spends points: it needs the member's code or a
    # manager, as redeeming points does.
    benefit_claims: tuple = ()
    mall_claims: tuple = ()


@dataclass(frozen=True)
class CheckoutResult:
    sale_id: str
    receipt_no: str
    terminal_seq: int
    pricing: PricingResult
    change: int
    duplicate: bool  # the sale id was already recorded; nothing new was written


def _coupon(row: Coupon | CouponRow, member_id: str | None) -> DomainCoupon:
    return DomainCoupon(
        code=row.code, kind=row.kind, value=row.value_fen,
        rate=Decimal(row.rate) if row.rate is not None else None, cap=row.cap_fen,
        threshold=row.threshold_fen or 0, categories=frozenset(row.categories or ()),
        skus=frozenset(row.skus or ()), valid_from=row.valid_from, valid_to=row.valid_to,
        weekdays=frozenset(row.weekdays or ()), tiers=frozenset(row.tiers or ()),
        stackable=row.stackable, with_tier_discount=row.with_tier_discount,
        used=row.status != "available" or (row.member_id is not None
                                            and row.member_id != member_id))


def _open_shift(session: Session, terminal_id: str) -> Shift:
    shift = session.scalars(select(Shift).where(Shift.terminal_id == terminal_id,
                                                Shift.status == "open")).first()
    if shift is None:
        raise ShiftStateError("open a shift before selling")
    return shift


# The sync_state rows a checkout reads (store.checkout_reads.till_state): the store's cash
# rounding, the benefit programme, and what verifying a member's code needs.
TILL_SETTINGS = (CASH_ROUNDING_SETTING, benefits.PROGRAMME_KEY, *SIGNING_SETTINGS)


# Bounds a till never meets in trade, well inside what SQLite's 64-bit integers and the sync
# protocol (10^15 fen) carry: an amount beyond them is a typing or scanning error.
MAX_FEN = 10**12  # ¥10,000,000,000.00: any price, tender, or the basket's total
MAX_QTY = Decimal(100_000)  # per line
MAX_LINES = 1000  # the sync protocol's limit for one sale
MAX_POINTS = 10**12
MAX_REFERENCE = 128  # the sync protocol's limit for a tender's reference
MAX_CODE = 64  # sku, coupon and member-code fields in the sync protocol


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fen(value: object, what: str, code: str) -> None:
    if not _is_int(value):
        raise InvalidInput(f"{what} must be a whole number of fen", code=code)
    if value < 0:  # type: ignore[operator]
        raise InvalidInput(f"{what} cannot be negative", code=code)
    if value > MAX_FEN:  # type: ignore[operator]
        raise InvalidInput(f"{what} is beyond ¥{format_fen(MAX_FEN)}", code=code)


def _codes(value: object, what: str) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or not all(
            isinstance(c, str) and 0 < len(c) <= MAX_CODE for c in value):
        raise InvalidInput(f"{what}: expected a list of coupon codes", code="bad_coupons")


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _validate(req: CheckoutRequest) -> None:
    if not req.lines:
        raise InvalidInput("the basket is empty", code="empty_basket")
    if len(req.lines) > MAX_LINES:
        raise InvalidInput(f"a sale has at most {MAX_LINES} lines", code="too_many_lines")
    for line in req.lines:
        if not isinstance(line.sku, str) or not 0 < len(line.sku) <= MAX_CODE:
            raise InvalidInput("a basket line needs a product code", code="unknown_product")
        if not isinstance(line.qty, Decimal) or not line.qty.is_finite() or line.qty <= 0:
            raise InvalidInput(f"{line.sku}: the quantity must be greater than zero",
                               code="bad_quantity")
        if line.qty > MAX_QTY:
            raise InvalidInput(f"{line.sku}: at most {MAX_QTY} on one line",
                               code="bad_quantity")
        try:
            qty_to_milli(line.qty)
        except (ValueError, ArithmeticError):
            raise InvalidInput(f"{line.sku}: weigh to the gram (three decimals at most)",
                               code="bad_quantity") from None
        if line.unit_price is not None:
            _fen(line.unit_price, f"{line.sku}: the price", "bad_price")
    if not _is_int(req.redeem_points) or not 0 <= req.redeem_points <= MAX_POINTS:
        raise InvalidInput("points to redeem must be a whole number, not negative",
                           code="bad_points")
    if req.member_id is not None and (not isinstance(req.member_id, str)
                                      or not 0 < len(req.member_id) <= 128):
        raise InvalidInput("the member is not a member id", code="bad_member")
    _codes(req.coupon_codes, "coupons")
    if req.chosen_coupons is not None:
        _codes(req.chosen_coupons, "chosen coupons")
    for t in req.tenders:
        if t.kind not in TENDERS:
            raise InvalidInput(f"unknown tender {t.kind!r}", code="bad_tender")
        _fen(t.amount, "a tender's amount", "bad_tender")
        if t.tendered is not None:
            _fen(t.tendered, "the cash handed over", "bad_tender")
        if t.reference is not None and (
                not isinstance(t.reference, str) or len(t.reference) > MAX_REFERENCE
                or not t.reference.isprintable()):
            raise InvalidInput(f"a tender's reference is printable text of at most "
                               f"{MAX_REFERENCE} characters", code="bad_tender")
        if t.kind in ("voucher", "meituan", "douyin") and not (t.reference or "").strip():
            raise InvalidInput("a third-party voucher needs its code", code="bad_tender")
        if t.kind == "stored_value":
            stored_value.check_tender(req.member_id, t.amount)


def _spending_code(session: Session, req: CheckoutRequest, now: datetime,
                   settings: Mapping[str, str]) -> VerifiedCode:
    """The member code that allows this sale to spend points without a manager, or a refusal.

    Verified here, in the sale's transaction, whatever the caller saw at look-up: a genuine
    code signed with a key the till holds, neither key nor member revoked, for the sale's
    member, valid at the time of the sale (with the clock-skew allowance), its nonce not yet
    used to spend points on this till.
    """
    if not isinstance(req.member_code, str) or req.member_id is None:
        raise ServiceError("points are spent with the member's own code from the app",
                           code="code_foreign")
    keys, revoked_keys, revoked_members = signing_keys_of(settings)
    try:
        verified = verify_dynamic_code(req.member_code, keys, now, revoked_key_ids=revoked_keys,
                                       revoked_member_ids=revoked_members)
    except CodeRefused as exc:
        raise ServiceError(exc.message, code=f"code_{exc.reason.value}") from None
    if verified.member_id != req.member_id:
        raise ServiceError("this member code belongs to another member; scan the code of the "
                           "member who is paying", code="code_other_member")
    if SqliteNonceRegistry(session).seen(verified.nonce):
        raise ServiceError(REPLAYED_MESSAGE, code="code_replayed")
    return verified


def _settle(total: int, tenders: tuple[Tender, ...]) -> tuple[list[tuple[Tender, int]], int]:
    """Check the tenders cover the total exactly; returns (tender, change) pairs and change."""
    covered = sum(t.amount for t in tenders)
    if covered < total:
        raise InvalidInput(f"tenders are short of the total by ¥{format_fen(total - covered)}",
                           code="tender_short", short=total - covered)
    if covered > total:
        raise InvalidInput(f"tenders exceed the total by ¥{format_fen(covered - total)}; "
                           "give change on cash only", code="tender_over")
    out = []
    change = 0
    for t in tenders:
        c = 0
        if t.kind == "cash":
            handed = t.amount if t.tendered is None else t.tendered
            if handed < t.amount:
                raise InvalidInput("cash handed over is less than the cash due",
                                   code="tender_short", short=t.amount - handed)
            c = handed - t.amount
        elif t.tendered is not None and t.tendered != t.amount:
            raise InvalidInput("only cash can be over-tendered", code="tender_over")
        change += c
        out.append((t, c))
    return out, change


def _existing(session: Session, sale_id: str) -> CheckoutResult | None:
    if not checkout_reads.sale_exists(session, sale_id):
        return None
    sale = session.get(Sale, sale_id)
    change = sum(p.change_fen for p in sale.payments)
    return CheckoutResult(sale.id, sale.receipt_no, sale.terminal_seq,
                          pricing_from_dict(sale.quote_json), change, True)


def _acts_alone(staff: StaffMember, actions: tuple[Action, ...]) -> bool:
    """Whether ``staff`` may do every one of ``actions`` without an approval (no PIN)."""
    try:
        role = Role(staff.role)
    except ValueError:
        return False
    return all(authorization_for(role, a) is Authorization.DIRECT for a in actions)


def checkout(ctx: TillContext, req: CheckoutRequest) -> CheckoutResult:
    if not _is_uuid(req.sale_id):
        raise InvalidInput("a sale id is a UUID made by the till", code="bad_sale_id")
    _validate(req)
    needs_override = any(line.unit_price is not None for line in req.lines)
    needs_points_ok = (req.redeem_points > 0 or bool(req.mall_claims)) \
        and req.member_code is None
    actions = ((Action.PRICE_OVERRIDE,) if needs_override else ()) + \
        ((Action.STATIC_CODE_POINTS_SPEND,) if needs_points_ok else ())
    if actions and not (req.approval is None and _acts_alone(req.staff, actions)):
        # A retry of a sale already recorded must not ask the manager again. (Staff who may
        # act alone are asked nothing: the sale's own transaction finds the retry.)
        with ctx.read_sessions() as session:
            done = _existing(session, req.sale_id)
            if done is not None:
                return done
    # Approvals are checked before the sale's own transaction (a wrong PIN must still count).
    approver = None
    if needs_override:
        approver = authorize_action(ctx, req.staff, Action.PRICE_OVERRIDE, req.approval)
    if needs_points_ok:
        approver = authorize_action(ctx, req.staff, Action.STATIC_CODE_POINTS_SPEND,
                                    req.approval) or approver
    now = ctx.now()
    local = ctx.local(now)
    try:
        with transaction(ctx.sessions) as session:
            # The till's side of the context in one statement (settings, rules, shift, audit
            # head), with whether this sale is recorded already (a concurrent retry got here
            # first).
            till = checkout_reads.till_state(session, ctx.terminal_id, TILL_SETTINGS,
                                             req.sale_id)
            if till.sale_found:
                done = _existing(session, req.sale_id)
                if done is not None:
                    return done
            result = _record(ctx, session, req, now, local, approver, till)
    except IntegrityError as exc:
        with ctx.read_sessions() as session:
            done = _existing(session, req.sale_id)
        if done is not None:
            return done
        if "seen_nonces" in str(exc.orig):  # a concurrent sale spent the same code first
            raise ServiceError(REPLAYED_MESSAGE, code="code_replayed") from None
        raise
    return result


def _price(ctx: TillContext, session: Session, cart: tuple[CartLine, ...],
           member_id: str | None, coupon_codes: tuple[str, ...],
           chosen: tuple[str, ...] | None, redeem_points: int,
           local: datetime, claims: tuple = (),
           mall: tuple = (), till: TillState | None = None
           ) -> tuple[list[BasketLine], PricingResult]:
    """Price a cart against the till's catalogue, member cache, coupons and rules.

    Lean reads (store.checkout_reads), one statement per kind of thing: the till's settings,
    rules, shift and audit head (``till``, when the caller read it already), the products, the
    member with their ledger sums, lots and gifts, the coupons.
    """
    if till is None:
        till = checkout_reads.till_state(session, ctx.terminal_id, TILL_SETTINGS)
    rules = rules_of_text(till.has_rules, till.rules_text,
                          till.settings.get(CASH_ROUNDING_SETTING))
    prog = benefits.programme_of(till.settings.get(benefits.PROGRAMME_KEY))
    products = checkout_reads.products(session, dict.fromkeys(line.sku for line in cart))
    lines = []
    for line in cart:
        product = products.get(line.sku)
        if product is None or not product.active:
            raise NotFound(f"no product {line.sku!r} in the catalogue",
                           code="unknown_product")
        if product.unit != "kg" and line.qty != line.qty.to_integral_value():
            raise InvalidInput(f"{product.name}: sold by the piece, not by weight",
                               code="bad_quantity")
        lines.append(BasketLine(
            sku=product.sku, name=product.name,
            unit_price=(line.unit_price if line.unit_price is not None
                        else product.unit_price_fen),
            qty=line.qty, category=product.category_id or "",
            discountable=product.discountable, points_eligible=product.points_eligible,
            # 会员价 (domain/member_prices.py); a manager's price override has none
            member_prices=(tuple((product.member_prices or {}).items())
                           if line.unit_price is None else ())))

    state = None
    gift_codes: dict[str, str] = {}
    if member_id is not None:
        day_start = datetime.combine(local.date(), time.min, tzinfo=ctx.tz).astimezone(UTC)
        state = checkout_reads.member_state(session, member_id, day_start)
        if state is None:
            raise NotFound("no such member in the till's cache", code="unknown_member")
        gift_codes = gift_coupon_codes(member_id, rules, local.date(), state.gifts_issued)
    codes = list(dict.fromkeys(coupon_codes))
    # The presented coupons, and the wallet coupons of the member's gifts another till issued.
    rows = checkout_reads.coupons(session, [*codes, *gift_codes])
    member = None
    if state is not None:
        member = member_snapshot(state, state.gifts_issued.union(
            g for c, g in gift_codes.items() if c in rows))
    coupons = []
    for code in codes:
        if code not in rows:
            raise NotFound(f"no coupon {code!r} on this till", code="unknown_coupon")
        coupons.append(_coupon(rows[code], member_id))
    if redeem_points and member is None:
        raise InvalidInput("points can only be redeemed for a member", code="no_member")
    breq = benefits.benefit_request(
        session, member_id, member.tier if member is not None else None, local.date(),
        tuple(claims), tuple(mall), online=ctx.online(),
        day_start=local.replace(hour=0, minute=0, second=0, microsecond=0),
        skus=tuple(x.sku for x in lines), prog=prog)
    try:
        result = price(PricingRequest(local, tuple(lines), member, tuple(coupons),
                                      redeem_points, ctx.online(), chosen, benefits=breq),
                       rules)
    except PricingError as exc:
        raise InvalidInput(str(exc), code="pricing") from None
    result = benefits.with_member_hints(session, result, member_id,
                                        member.tier if member is not None else None,
                                        local.date(), prog)
    if result.subtotal > MAX_FEN:
        raise InvalidInput(f"the basket comes to more than ¥{format_fen(MAX_FEN)}",
                           code="amount_too_large")
    return lines, result


def quote_basket(ctx: TillContext, cart: tuple[CartLine, ...], member_id: str | None = None,
                 coupon_codes: tuple[str, ...] = (), chosen: tuple[str, ...] | None = None,
                 redeem_points: int = 0, claims: tuple = (),
                 mall: tuple = ()) -> PricingResult:
    """Price the cart as it stands, recording nothing (the running total on the screen)."""
    _validate(CheckoutRequest("", None, cart, (), member_id, coupon_codes,  # type: ignore[arg-type]
                              chosen, redeem_points))
    with ctx.read_sessions() as session:
        return _price(ctx, session, tuple(cart), member_id, tuple(coupon_codes), chosen,
                      redeem_points, ctx.local(), claims, mall)[1]


def _record(ctx: TillContext, session: Session, req: CheckoutRequest, now: datetime,
            local: datetime, approver: str | None, till: TillState) -> CheckoutResult:
    if till.shift_id is None:
        raise ShiftStateError("open a shift before selling")
    shift_id = till.shift_id
    verified = None
    if (req.redeem_points > 0 or req.mall_claims) and req.member_code is not None:
        verified = _spending_code(session, req, now, till.settings)
    lines, result = _price(ctx, session, req.lines, req.member_id, req.coupon_codes,
                           req.chosen_coupons, req.redeem_points, local, req.benefit_claims,
                           req.mall_claims, till)
    if result.points_redeemed < req.redeem_points:
        raise InvalidInput(
            f"only {result.points_redeemed} points can be redeemed "
            f"(limit: {result.redeem_limited_by})", code="points_limited",
            allowed=result.points_redeemed, limited_by=result.redeem_limited_by)
    settled, change = _settle(result.total, req.tenders)
    result = apply_points_rule(result, req.tenders)  # 美团/抖音: growth yes, points no
    sv_spend = stored_value.spend_for_sale(session, ctx, req.member_id, req.tenders)

    seq = repo.next_terminal_seq(session)  # the event's place in the till's sync stream
    # The receipt's own number: per till and local day, without gaps (docs/database.md).
    day = f"{local:%y%m%d}"
    receipt_no = f"{day}-{repo.next_receipt_no(session, 'sale', day):06d}"
    # Core inserts (one executemany per table) rather than ORM objects: a checkout is the
    # hottest write of the till, and the unit of work's bookkeeping was most of its cost.
    insert_rows(session, Sale, [dict(
        id=req.sale_id, terminal_id=ctx.terminal_id, terminal_seq=seq, receipt_no=receipt_no,
        shift_id=shift_id, staff_id=req.staff.id, member_id=req.member_id, created_at=now,
        tz=ctx.tz_name, status="completed", subtotal_fen=result.subtotal,
        tier_discount_fen=result.tier_discount, coupon_discount_fen=result.coupon_discount,
        points_value_fen=result.points_value, rounding_fen=result.rounding,
        total_fen=result.total, points_redeemed=result.points_redeemed + result.mall_points,
        points_earned=result.points_earned, growth_earned=result.growth_earned,
        tier_before=result.tier_before, tier_after=result.tier_after,
        multiplier=str(result.multiplier), quote_json=pricing_to_dict(result))])
    line_rows = [dict(
        sale_id=req.sale_id, line_no=no, sku=line.sku, name=line.name,
        unit_price_fen=line.unit_price, qty_milli=qty_to_milli(line.qty), amount_fen=lr.amount,
        tier_discount_fen=lr.tier_discount, coupon_discount_fen=lr.coupon_discount,
        points_value_fen=lr.points_value, points_redeemed=lr.points_redeemed,
        rounding_fen=lr.rounding, paid_fen=lr.paid, discountable=line.discountable,
        points_eligible=line.points_eligible, category_id=line.category or None)
        for no, (line, lr) in enumerate(zip(lines, result.lines), start=1)]
    benefits.mall_points_on_rows(result, line_rows)  # a mall line is paid with points
    insert_rows(session, SaleLine, line_rows)
    pay_rows = [dict(sale_id=req.sale_id, tender=t.kind, amount_fen=t.amount,
                     tendered_fen=t.tendered if t.kind == "cash" else None, change_fen=c,
                     reference=t.reference) for t, c in settled]
    if result.points_value:
        pay_rows.append(dict(sale_id=req.sale_id, tender="points",
                             amount_fen=result.points_value, tendered_fen=None, change_fen=0,
                             reference=f"{result.points_redeemed} points"))
    if pay_rows:
        insert_rows(session, Payment, pay_rows)
    if result.applied:
        insert_rows(session, CouponRedemption, [
            dict(sale_id=req.sale_id, coupon_code=a.code, discount_fen=a.discount)
            for a in result.applied])
        execute_sql(session, "UPDATE coupons SET status='used', used_by_sale_id=?, updated_at=? "
                    f"WHERE code IN ({','.join('?' for _ in result.applied)})",
                    [req.sale_id, format_utc(now), *(a.code for a in result.applied)])
    if verified is not None and result.points_redeemed + result.mall_points > 0:
        # A unique key: a replayed code fails here even in a concurrent transaction.
        insert_rows(session, SeenNonce, [dict(
            nonce=verified.nonce, expires_at=max(verified.not_after, now) + NONCE_KEEP)])

    if req.member_id is not None:
        ledger = []
        if result.points_redeemed or result.mall_points:
            ledger.append(dict(member_id=req.member_id, sale_id=req.sale_id, kind="redeem",
                               points=-(result.points_redeemed + result.mall_points), growth=0,
                               at=now,
                               confirmed=False))
        if result.points_earned or result.growth_earned:
            ledger.append(dict(member_id=req.member_id, sale_id=req.sale_id, kind="earn",
                               points=result.points_earned, growth=result.growth_earned, at=now,
                               confirmed=False))
        if ledger:
            insert_rows(session, PointsLedgerEntry, ledger)
        # The upgrade counts from the next sale (tier_after equals tier_before otherwise).
        execute_sql(session, "UPDATE members SET last_purchase_at=?, updated_at=?, "
                    "tier=coalesce(?, tier) WHERE id=?",
                    [format_utc(now), format_utc(now), result.tier_after, req.member_id])

    payload = _sale_payload(ctx, req, receipt_no, shift_id, line_rows, pay_rows, result, now,
                            local, verified.nonce if verified is not None
                            and result.points_redeemed + result.mall_points > 0 else None)
    if sv_spend is not None:
        payload["stored_value"] = sv_spend.wire
    payload["points_redeemed"] += result.mall_points
    sale_event_id = str(uuid.uuid4())
    moves = benefits.record_sale(session, sale_id=req.sale_id, member_id=req.member_id,
                                 event_id=sale_event_id, lines=lines, result=result,
                                 tier=result.tier_before, today=local.date(), now=now,
                                 online=ctx.online(),
                                 prog=benefits.programme_of(
                                     till.settings.get(benefits.PROGRAMME_KEY)))
    if moves is not None:
        payload["benefits"] = moves
    event_id = repo.add_outbox_event(session, "sale", payload, sale_event_id, terminal_seq=seq,
                                     created_at=now)
    stored_value.record_spend(session, ctx, sv_spend, event_id, req.sale_id, shift_id, now)
    issued = gifts.issue_upgrade_gifts(ctx, session, result, req.member_id, req.sale_id,
                                       req.staff.id, now, local)  # 升级礼: its own event
    # The audit head read with the till's context is still the head unless a gift's own audit
    # entry came after it (then append_audit reads it again).
    head = {} if issued else {"head": till.audit_head}
    append_audit(session, actor=req.staff.id, approver=approver, action="sale", at=now,
                 details={"sale_id": req.sale_id, "receipt_no": receipt_no,
                          "total_fen": result.total,
                          "price_override": any(x.unit_price is not None for x in req.lines)},
                 **head)
    return CheckoutResult(req.sale_id, receipt_no, seq, result, change, False)


def _sale_payload(ctx: TillContext, req: CheckoutRequest, receipt_no: str, shift_id: str,
                  line_rows: list[dict], pay_rows: list[dict], result: PricingResult,
                  now: datetime, local: datetime, nonce: str | None) -> dict:
    """The ``sale`` event, in the shape of pos_member.sync.protocol.SalePayload."""
    keep = ("line_no", "sku", "name", "category_id", "unit_price_fen", "amount_fen",
            "tier_discount_fen", "coupon_discount_fen", "points_value_fen", "points_redeemed",
            "rounding_fen", "paid_fen", "discountable", "points_eligible")
    return {
        "sale_id": req.sale_id, "receipt_no": receipt_no, "store_id": ctx.store_id,
        "terminal_id": ctx.terminal_id, "shift_id": shift_id, "staff_id": req.staff.id,
        "sold_at": now.isoformat(), "local_time": local.replace(tzinfo=None).isoformat(),
        "tz": ctx.tz_name, "member_id": req.member_id,
        "lines": [{**{k: x[k] for k in keep}, "qty": str(req.lines[x["line_no"] - 1].qty)}
                  for x in line_rows],
        "payments": [{k: p[k] for k in ("tender", "amount_fen", "tendered_fen", "change_fen",
                                        "reference")} for p in pay_rows],
        "coupons": [{"code": a.code, "discount_fen": a.discount} for a in result.applied],
        "subtotal_fen": result.subtotal, "tier_discount_fen": result.tier_discount,
        "coupon_discount_fen": result.coupon_discount, "points_value_fen": result.points_value,
        "rounding_fen": result.rounding, "total_fen": result.total,
        "points_redeemed": result.points_redeemed, "points_earned": result.points_earned,
        "growth_earned": result.growth_earned, "multiplier": str(result.multiplier),
        "tier_before": result.tier_before, "tier_after": result.tier_after,
        "member_code_nonce": nonce,
    }


def void(ctx: TillContext, staff: StaffMember, what: str, details: dict,
         approval: Approval | None) -> str | None:
    """Record a voided basket line (``line``) or whole basket (``basket``) before payment.

    The basket itself lives in the cashier's screen until checkout; the void is what the
    audit log keeps (who, what, approved by whom). Returns the approver's id.
    """
    action = {"line": Action.VOID_LINE, "basket": Action.VOID_BASKET}.get(what)
    if action is None:
        raise InvalidInput("void a 'line' or a 'basket'", code="bad_void")
    approver = authorize_action(ctx, staff, action, approval)
    now = ctx.now()
    with transaction(ctx.sessions) as session:
        append_audit(session, actor=staff.id, approver=approver, action=action.value, at=now,
                     details=dict(details))
    return approver
