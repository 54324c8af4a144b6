"""Finding a member at the counter (scan, phone, last four, card) and registering one offline."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pos_member.domain.basket import MemberSnapshot
from pos_member.domain.demo_brand import DEMO_SIGNING_KEY_ID
from pos_member.domain.points import PointLot as DomainLot
from pos_member.security.member_codes import (
    CodeRefused, ScanKind, VerifiedCode, classify_scan, mask_phone, normalize_phone,
    verify_dynamic_code,
)
from pos_member.store import member_reads
from pos_member.store import repositories as repo
from pos_member.store.db import transaction
from pos_member.store import checkout_reads
from pos_member.store.checkout_reads import MemberState
from pos_member.store.member_reads import MemberRecord
from pos_member.store.models import Coupon, Member, PointsLedgerEntry
from pos_member.store.types import new_uuid

from .context import TillContext
from .gifts import gift_coupon_codes
from .errors import InvalidInput, NotFound, ServiceError
from .rules import CASH_ROUNDING_SETTING, current_rules, rules_of_text
from .staff import StaffMember, append_audit

SIGNING_KEYS_SETTING = "signing_keys"  # JSON {key_id: base64 raw Ed25519 public key}
REVOKED_SETTING = "revoked_codes"  # JSON {"key_ids": [...], "member_ids": [...]}
ENROLLED_SETTING = "central_terminal_id"  # set by sync enrolment (sync.enrolment)


@dataclass(frozen=True)
class MemberView:
    """A member as the cashier sees them; ``phone`` is already masked."""

    id: str
    name: str
    phone: str | None
    card_no: str | None
    tier: str
    growth: int  # the cached growth plus this till's unconfirmed growth
    points: int  # the cached balance plus this till's unconfirmed changes (may be negative)
    available_points: int  # what may be redeemed now
    birthday: date | None
    last_purchase_at: datetime | None
    registered_at: datetime | None
    snapshot: MemberSnapshot = field(repr=False, compare=False)
    marketing_consent: bool = False
    # Stored value (储值): cached balance plus this till's unconfirmed movements (may be < 0).
    stored_principal: int = 0
    stored_bonus: int = 0

    @property
    def stored_value(self) -> int:
        return self.stored_principal + self.stored_bonus


@dataclass(frozen=True)
class LookupResult:
    """One member, or several to pick from (last four digits); ``code`` when a dynamic code
    identified the member (what allows spending points without a manager)."""

    members: tuple[MemberView, ...]
    via: str  # dynamic_code, static_card, phone, phone_last4, card, id
    code: VerifiedCode | None = None
    code_text: str | None = None  # the dynamic code as scanned: what checkout spends points with

    @property
    def member(self) -> MemberView | None:
        return self.members[0] if len(self.members) == 1 else None


def member_view(session: Session, m: Member | MemberRecord, local_today: date,
                tz: tzinfo = timezone.utc) -> MemberView:
    """Build the view, folding in this till's ledger entries not yet confirmed centrally.

    Lean reads (store.checkout_reads, as a checkout reads its member): the member's unconfirmed
    ledger sums, point lots and gifts issued here as one statement, the rules and the stored
    value as another, and the wallet coupons of the gifts another till issued as a third;
    the member's own fields are taken from ``m`` as given.
    """
    day_start = datetime.combine(local_today, time.min, tzinfo=tz).astimezone(timezone.utc)
    state = checkout_reads.member_state(session, m.id, day_start)
    panel = checkout_reads.panel_state(session, m.id, CASH_ROUNDING_SETTING)
    if state is None:  # not in the database (yet): nothing of it is either
        pending_out = pending_in = growth_delta = redeemed_today = 0
        lots: tuple[DomainLot, ...] = ()
        issued: frozenset[str] = frozenset()
    else:
        pending_out, pending_in = state.pending_out, state.pending_in
        growth_delta, redeemed_today = state.growth_delta, state.redeemed_today
        lots = tuple(DomainLot(e, p, x) for e, p, x in state.lots)
        issued = state.gifts_issued
    rules = rules_of_text(panel.has_rules, panel.rules_text, panel.rounding)
    # A gift another till issued is known here by its wallet coupon (services.gifts).
    by_code = gift_coupon_codes(m.id, rules, local_today, issued)
    claimed = issued.union(by_code[c] for c in
                           checkout_reads.existing_coupon_codes(session, by_code))
    growth = m.growth + growth_delta
    snapshot = MemberSnapshot(
        id=m.id, tier=m.tier, growth=growth, points=m.points,
        pending_redeemed=pending_out, redeemed_today_offline=redeemed_today,
        birthday=m.birthday, last_purchase_at=m.last_purchase_at, lots=lots,
        gifts_claimed=frozenset(claimed),
    )
    return MemberView(
        id=m.id, name=m.name, phone=mask_phone(m.phone) if m.phone else None, card_no=m.card_no,
        tier=m.tier, growth=growth, points=m.points + pending_in - pending_out,
        available_points=snapshot.available_points, birthday=m.birthday,
        last_purchase_at=m.last_purchase_at, registered_at=m.registered_at, snapshot=snapshot,
        marketing_consent=bool(m.marketing_consent), stored_principal=panel.stored_principal,
        stored_bonus=panel.stored_bonus)


# The settings :func:`signing_keys_of` reads.
SIGNING_SETTINGS = (SIGNING_KEYS_SETTING, ENROLLED_SETTING, REVOKED_SETTING)


def signing_keys(session: Session) -> tuple[dict[str, bytes], set[str], set[str]]:
    """The code-signing public keys the till holds, and the revoked key and member ids."""
    return signing_keys_of({k: repo.get_setting(session, k) for k in SIGNING_SETTINGS})


def signing_keys_of(settings: Mapping[str, str | None]
                    ) -> tuple[dict[str, bytes], set[str], set[str]]:
    """:func:`signing_keys` from the ``SIGNING_SETTINGS`` rows already read (absent: unset)."""
    raw = settings.get(SIGNING_KEYS_SETTING) or "{}"
    keys = {k: base64.b64decode(v) for k, v in json.loads(raw).items()}
    if settings.get(ENROLLED_SETTING):
        # The demo brand's key is published (db demo-codes): a till of a real brand never
        # accepts it, even when it was a demo till before it was enrolled.
        keys.pop(DEMO_SIGNING_KEY_ID, None)
    revoked = json.loads(settings.get(REVOKED_SETTING) or "{}")
    return keys, set(revoked.get("key_ids", [])), set(revoked.get("member_ids", []))


def member_snapshot(state: MemberState, gifts_claimed: frozenset[str]) -> MemberSnapshot:
    """The snapshot :func:`member_view` makes, from a lean read (store.checkout_reads)."""
    m = state.record
    return MemberSnapshot(
        id=m.id, tier=m.tier, growth=m.growth + state.growth_delta, points=m.points,
        pending_redeemed=state.pending_out, redeemed_today_offline=state.redeemed_today,
        birthday=m.birthday, last_purchase_at=m.last_purchase_at,
        lots=tuple(DomainLot(e, p, x) for e, p, x in state.lots), gifts_claimed=gifts_claimed)


def lookup(ctx: TillContext, text: str) -> LookupResult:
    """Identify a member from a scan or typed text; a clear refusal for anything else."""
    scan = classify_scan(text)
    now = ctx.now()
    today = ctx.local(now).date()
    with ctx.read_sessions() as session:
        if scan.kind is ScanKind.DYNAMIC_CODE:
            keys, revoked_keys, revoked_members = signing_keys(session)
            try:
                code = verify_dynamic_code(scan.value, keys, now, revoked_key_ids=revoked_keys,
                                           revoked_member_ids=revoked_members)
            except CodeRefused as exc:
                raise ServiceError(exc.message, code=f"code_{exc.reason.value}") from None
            m = member_reads.by_id(session, code.member_id)  # a lean row (read only)
            if m is None:
                raise NotFound("this member is not in the till's cache yet; look them up online "
                               "or ask for their phone number", code="member_not_cached")
            return LookupResult((member_view(session, m, today, ctx.tz),), "dynamic_code", code,
                                scan.value)
        if scan.kind is ScanKind.STATIC_CARD:
            found = repo.find_member_by_card(session, scan.value)
            via = "static_card"
        elif scan.kind is ScanKind.PHONE:
            found = repo.find_member_by_phone(session, scan.value)
            via = "phone"
        elif scan.kind is ScanKind.PHONE_LAST4:
            many = repo.find_member_by_last4(session, scan.value)
            if not many:
                raise NotFound("no member's phone number ends in these four digits")
            return LookupResult(tuple(member_view(session, m, today, ctx.tz) for m in many),
                                "phone_last4")
        else:
            raise InvalidInput(scan.message or "not a member code", code=f"scan_{scan.reason}")
        if found is None:
            raise NotFound("no member with this " + ("card" if via == "static_card" else "phone"))
        return LookupResult((member_view(session, found, today, ctx.tz),), via)


def find(ctx: TillContext, text: str) -> LookupResult:
    """What the cashier typed in 查找会员: a member code or phone number as :func:`lookup`
    takes it, or else a name, its pinyin initials or full pinyin (张三: "zs", "zhangsan"),
    as a pick list (``via = "name"``)."""
    scan = classify_scan(text)
    if scan.kind is not ScanKind.FOREIGN or not any(ch.isalpha() for ch in text):
        return lookup(ctx, text)
    found = search(ctx, text)
    if not found:
        if any(ch.isdigit() or ch in ".:/" for ch in text):  # a code of some other kind
            return lookup(ctx, text)  # raises its refusal ("not a member code ...")
        raise NotFound("no member's name or pinyin matches")
    return LookupResult(tuple(found), "name")


def get_member(ctx: TillContext, member_id: str) -> MemberView:
    with ctx.read_sessions() as session:
        m = member_reads.by_id(session, member_id)  # a lean row (read only)
        if m is None:
            raise NotFound("no such member")
        return member_view(session, m, ctx.local().date(), ctx.tz)


def search(ctx: TillContext, text: str, limit: int = 20) -> list[MemberView]:
    today = ctx.local().date()
    with ctx.read_sessions() as session:
        return [member_view(session, m, today, ctx.tz) for m in repo.search_members(session, text, limit)]


@dataclass(frozen=True)
class Registration:
    phone: str
    name: str = ""
    birthday: date | None = None
    marketing_consent: bool = False


def _new_card_no(member_id: str) -> str:
    # Unique across tills without coordination: derived from the till-made UUID.
    return "9" + f"{uuid.UUID(member_id).int % 10**11:011d}"


def register(ctx: TillContext, staff: StaffMember, reg: Registration) -> tuple[MemberView, str | None]:
    """Register a member at the counter, offline. Returns the member and the first-order
    coupon's code when the rules give one."""
    phone = normalize_phone(reg.phone or "")
    if phone is None:
        raise InvalidInput("enter an 11-digit mobile number", code="bad_phone")
    if reg.name is not None and not isinstance(reg.name, str):
        raise InvalidInput("the name is text", code="bad_name")
    if reg.birthday is not None and (not isinstance(reg.birthday, date)
                                     or isinstance(reg.birthday, datetime)):
        raise InvalidInput("the birthday is a date", code="bad_birthday")
    name = (reg.name or "").strip()
    if len(name) > 100:
        raise InvalidInput("the name is longer than 100 characters", code="bad_name")
    now = ctx.now()
    today = ctx.local(now).date()
    if reg.birthday is not None and not (date(1900, 1, 1) <= reg.birthday <= today):
        raise InvalidInput("the birthday is not a plausible date", code="bad_birthday")
    with transaction(ctx.sessions) as session:
        if repo.find_member_by_phone(session, phone) is not None:
            raise ServiceError("a member with this phone number already exists",
                               code="phone_taken")
        member_id = new_uuid()
        m = Member(id=member_id, phone=phone, card_no=_new_card_no(member_id), name=name,
                   birthday=reg.birthday, tier=current_rules(session).tiers[0].code, growth=0,
                   points=0, marketing_consent=reg.marketing_consent, registered_at=now,
                   origin="till", updated_at=now)
        session.add(m)
        session.flush()
        coupon_code = _grant_first_order_coupon(session, m, today)
        seq = repo.next_terminal_seq(session)
        repo.add_outbox_event(session, "member_registered", {
            "member_id": member_id, "phone": phone, "name": name,
            "birthday": reg.birthday.isoformat() if reg.birthday else None,
            "marketing_consent": reg.marketing_consent, "card_no": m.card_no,
            "registered_at": now.isoformat(), "store_id": ctx.store_id, "staff_id": staff.id,
        }, terminal_seq=seq, created_at=now)
        append_audit(session, actor=staff.id, action="member_registered", at=now,
                     details={"member_id": member_id, "coupon": coupon_code})
        view = member_view(session, m, today, ctx.tz)
    return view, coupon_code


def update_member(ctx: TillContext, staff: StaffMember, member_id: str, name: str,
                  birthday: date | None, marketing_consent: bool) -> MemberView:
    """Correct the member's name, birthday and consent at the counter (works offline); the
    ``member_updated`` event takes the change to the central service, which sends it to
    every till. Phone, card, tier and points are not the counter's to edit."""
    if not isinstance(name, str):
        raise InvalidInput("the name is text", code="bad_name")
    name = name.strip()
    if len(name) > 100:
        raise InvalidInput("the name is longer than 100 characters", code="bad_name")
    if birthday is not None and (not isinstance(birthday, date) or isinstance(birthday, datetime)):
        raise InvalidInput("the birthday is a date", code="bad_birthday")
    now = ctx.now()
    today = ctx.local(now).date()
    if birthday is not None and not (date(1900, 1, 1) <= birthday <= today):
        raise InvalidInput("the birthday is not a plausible date", code="bad_birthday")
    with transaction(ctx.sessions) as session:
        m = repo.find_member_by_id(session, member_id)
        if m is None:
            raise NotFound("no such member")
        before = {"name": m.name, "birthday": m.birthday.isoformat() if m.birthday else None,
                  "marketing_consent": m.marketing_consent}
        m.name, m.birthday, m.marketing_consent = name, birthday, bool(marketing_consent)
        m.updated_at = now
        after = {"name": name, "birthday": birthday.isoformat() if birthday else None,
                 "marketing_consent": bool(marketing_consent)}
        if after != before:
            repo.add_outbox_event(session, "member_updated", {
                "member_id": member_id, **after, "updated_at": now.isoformat(),
                "store_id": ctx.store_id, "staff_id": staff.id,
            }, terminal_seq=repo.next_terminal_seq(session), created_at=now)
            append_audit(session, actor=staff.id, action="member_updated", at=now,
                         details={"member_id": member_id,
                                  "changed": sorted(k for k in after if after[k] != before[k])})
        view = member_view(session, m, today, ctx.tz)
    return view


def _grant_first_order_coupon(session: Session, m: Member, today: date) -> str | None:
    rules = current_rules(session)
    template = session.get(Coupon, rules.first_order_coupon) if rules.first_order_coupon else None
    if template is None:
        return None
    code = f"{template.code}-{m.id[:8]}".upper()
    start = datetime.combine(today, datetime.min.time())
    span = (template.valid_to - template.valid_from) if (
        template.valid_to and template.valid_from) else timedelta(days=30)
    session.add(Coupon(
        code=code, member_id=m.id, title=template.title, kind=template.kind,
        value_fen=template.value_fen,
        rate=template.rate, cap_fen=template.cap_fen, threshold_fen=template.threshold_fen,
        categories=template.categories, skus=template.skus, valid_from=start,
        valid_to=start + span, weekdays=template.weekdays, tiers=template.tiers,
        stackable=template.stackable, with_tier_discount=template.with_tier_discount,
        status="available"))
    return code


def member_coupons(ctx: TillContext, member_id: str) -> list[str]:
    """Codes of the member's own coupons still available (the wallet shown at the till)."""
    with ctx.read_sessions() as session:
        return list(session.scalars(select(Coupon.code).where(
            Coupon.member_id == member_id, Coupon.status == "available").order_by(
            Coupon.valid_to)))


@dataclass(frozen=True)
class Purchase:
    """One of the member's purchases recorded on this till."""

    receipt_no: str
    at: datetime  # store-local
    total_fen: int
    items: int  # how many lines
    points_earned: int
    points_redeemed: int
    status: str  # completed | voided


@dataclass(frozen=True)
class PointsChange:
    """One change to the member's points made on this till (points_ledger)."""

    at: datetime  # store-local
    kind: str  # earn, redeem, reverse_earn, return_redeem, expire, adjust
    points: int  # signed
    receipt_no: str | None
    confirmed: bool  # the central service has applied it


@dataclass(frozen=True)
class MemberActivity:
    purchases: tuple[Purchase, ...]
    points: tuple[PointsChange, ...]


def member_activity(ctx: TillContext, member_id: str, limit: int = 10) -> MemberActivity:
    """The member's latest purchases and points changes on this till, newest first (the
    till knows only its own; the brand's app shows the member's whole history)."""
    from pos_member.store.models import Sale, SaleLine

    limit = max(1, min(int(limit), 50))
    with ctx.read_sessions() as session:
        items = (select(func.count()).select_from(SaleLine)
                 .where(SaleLine.sale_id == Sale.id).scalar_subquery())
        sales = session.execute(
            select(Sale.receipt_no, Sale.created_at, Sale.total_fen, items, Sale.points_earned,
                   Sale.points_redeemed, Sale.status)
            .where(Sale.member_id == member_id)
            .order_by(Sale.created_at.desc()).limit(limit)).all()
        e = PointsLedgerEntry
        ledger = session.execute(
            select(e.at, e.kind, e.points, Sale.receipt_no, e.confirmed)
            .outerjoin(Sale, Sale.id == e.sale_id)
            .where(e.member_id == member_id, e.points != 0)
            .order_by(e.at.desc(), e.id.desc()).limit(limit)).all()
    return MemberActivity(
        tuple(Purchase(r[0], ctx.local(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in sales),
        tuple(PointsChange(ctx.local(r[0]), r[1], r[2], r[3], bool(r[4])) for r in ledger))


def member_coupon_views(ctx: TillContext, member_id: str):
    """The member's own available coupons with their names and terms (catalogue.CouponView)."""
    from .catalogue import coupon_details

    return coupon_details(ctx, member_coupons(ctx, member_id))


def count_members(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Member)) or 0
