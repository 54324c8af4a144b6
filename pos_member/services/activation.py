"""Order-number activation at the counter (凭订单号激活): a customer who bought in the brand's
online store joins (or links their membership) with the order number and the phone used for
it. Online only: the central service checks the order (one order, one activation), creates or
links the member and issues the welcome coupon; the till caches both at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from pos_member.services.context import TillContext
from pos_member.services.errors import InvalidInput
from pos_member.services.members import MemberView, get_member
from pos_member.services.vouchers import VoucherOffline

ORDER_NO = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
PHONE = re.compile(r"^1[3-9][0-9]{9}$")


class ActivationGateway(Protocol):
    def activate(self, order_no: str, phone: str, name: str = "",
                 consent: bool = False): ...


@dataclass(frozen=True)
class Activated:
    member: MemberView
    created: bool  # a new member (else the phone's member was linked)
    coupon_code: str | None  # the welcome coupon
    coupon_title: str = ""


def activate_order(ctx: TillContext, gateway: ActivationGateway | None, order_no: str,
                   phone: str, name: str = "", consent: bool = False) -> Activated:
    order_no = (order_no or "").strip().upper()
    phone = re.sub(r"[\s-]", "", phone or "")
    if not ORDER_NO.match(order_no):
        raise InvalidInput("Enter the order number as printed on the online order (letters "
                           "and digits).", code="bad_order_no")
    if not PHONE.match(phone):
        raise InvalidInput("Enter the 11-digit mobile number used for the order.",
                           code="bad_phone")
    if gateway is None:
        raise VoucherOffline("This till is not connected to the central service: an order "
                             "number can only be activated online.", False)
    found = gateway.activate(order_no, phone, name.strip(), consent)
    coupon = found.coupon
    return Activated(get_member(ctx, str(found.member.id)), found.created,
                     coupon.code if coupon else None, coupon.title if coupon else "")
