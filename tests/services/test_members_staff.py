"""Member look-up and registration, staff log-in and lock-out, through the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pos_member.security.keys import generate_key_pair
from pos_member.security.member_codes import issue_dynamic_code, make_static_code
from pos_member.services.errors import AuthFailed, InvalidInput, NotFound, ServiceError
from pos_member.services.members import Registration, lookup, member_coupons, register, search
from pos_member.services.staff import load_audit_chain
from pos_member.security.audit import verify_chain
from pos_member.store.models import Member, OutboxEvent, Staff
from pos_member.sync.protocol import MemberRegisteredPayload

from .support import KEY_ID


def test_lookup_by_every_way_a_cashier_identifies_a_member(till):
    gold = till.members["gold"]
    assert lookup(till.ctx, till.dynamic_code("gold") + "\r\n").member.id == gold
    by_phone = lookup(till.ctx, "13900001111")
    assert by_phone.via == "phone" and by_phone.member.phone == "139****1111"
    assert by_phone.code is None  # a phone number never allows spending on its own
    pick = lookup(till.ctx, "2222")  # two members' phones end in 2222
    assert pick.via == "phone_last4" and pick.member is None
    assert {m.id for m in pick.members} == {till.members["silver"], till.members["regular"]}
    with till.session() as s:
        card = s.get(Member, gold).card_no
    assert lookup(till.ctx, make_static_code(card)).member.id == gold


@pytest.mark.parametrize("mutate, code", [
    (lambda t: t.dynamic_code("gold")[:-3] + "AAA", "code_bad_signature"),
    (lambda t: issue_dynamic_code(generate_key_pair()[0], KEY_ID, t.members["gold"],
                                  t.clock.now), "code_bad_signature"),
    (lambda t: issue_dynamic_code(t.private_key, "other", t.members["gold"], t.clock.now),
     "code_unknown_key"),
    (lambda t: issue_dynamic_code(t.private_key, KEY_ID, t.members["gold"],
                                  t.clock.now - timedelta(minutes=10)), "code_expired"),
    (lambda t: issue_dynamic_code(t.private_key, KEY_ID, t.members["gold"],
                                  t.clock.now + timedelta(minutes=10)), "code_not_yet_valid"),
    (lambda t: "https://qr.alipay.com/bax01234", "scan_url"),
    (lambda t: "weixin://wxpay/bizpayurl?pr=abc", "scan_url"),
    (lambda t: "hello '%_\" world" * 700, "scan_too_long"),
])
def test_bad_codes_get_a_clear_refusal(till, mutate, code):
    with pytest.raises(ServiceError) as exc:
        lookup(till.ctx, mutate(till))
    assert exc.value.code.startswith(code.split("_")[0]) and str(exc.value)
    assert "Traceback" not in str(exc.value)


def test_unknown_members_are_not_found(till):
    with pytest.raises(NotFound):
        lookup(till.ctx, "13000000000")
    with pytest.raises(NotFound):
        lookup(till.ctx, "9999")
    with pytest.raises(NotFound):
        lookup(till.ctx, make_static_code("123456789"))


@pytest.mark.parametrize("text", ["'; DROP TABLE members; --", "100%", "_", "\\", "a" * 10000,
                                  "", "\x00", "王"])
def test_search_text_is_safe(till, text):
    found = search(till.ctx, text)
    assert isinstance(found, list)
    if text in ("100%", "_", "\\", "a" * 10000, "'; DROP TABLE members; --"):
        assert found == []
    with till.session() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 4


def test_register_offline_with_first_order_coupon(till, cashier):
    view, coupon = register(till.ctx, cashier, Registration(
        "138 1234 5678", "张三", date(1990, 11, 2), marketing_consent=True))
    assert view.phone == "138****5678" and view.tier == "regular" and view.points == 0
    assert coupon and coupon.startswith("WELCOME-15-")
    assert member_coupons(till.ctx, view.id) == [coupon]
    assert lookup(till.ctx, "13812345678").member.id == view.id
    with till.session() as s:
        ev = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "member_registered")).one()
        MemberRegisteredPayload.model_validate(ev.payload)
        assert ev.payload["member_id"] == view.id
    with pytest.raises(ServiceError) as exc:
        register(till.ctx, cashier, Registration("13812345678", "again"))
    assert exc.value.code == "phone_taken"
    for bad in (Registration("12345"), Registration("13812345679", "x" * 101),
                Registration("13812345679", birthday=date(2030, 1, 1))):
        with pytest.raises(InvalidInput):
            register(till.ctx, cashier, bad)


def test_ten_wrong_pins_lock_the_account_and_the_lock_is_kept(till):
    errors = []
    for _ in range(10):
        with pytest.raises(AuthFailed) as exc:
            till.login("S002", "9999")
        errors.append(exc.value.code)
    assert errors[:4] == ["wrong_pin"] * 4 and set(errors[5:]) == {"locked"}
    with pytest.raises(AuthFailed) as exc:  # even the right PIN is refused while locked
        till.login("S002", "1357")
    assert exc.value.code == "locked"
    with till.session() as s:
        assert s.get(Staff, "S002").locked_until is not None
    till.clock.advance(hours=2)
    assert till.login("S002", "1357").id == "S002"
    with till.session() as s:
        assert verify_chain(load_audit_chain(s)) is None
    with pytest.raises(NotFound):
        till.login("nobody", "1357")
