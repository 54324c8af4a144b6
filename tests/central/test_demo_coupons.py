"""The demo brand on the service gives its first demo members coupons of their own."""

from __future__ import annotations

from pos_member.domain import demo_brand
from tests.central.test_changes import pull_all


def test_demo_members_get_their_own_named_coupons(make_central_server):
    from pos_central.demo import seed_demo

    server = make_central_server()
    with server.write() as s:
        first = seed_demo(s, members=4)
    with server.write() as s:
        again = seed_demo(s, members=4)
    assert again["coupons"] == 0 and first["coupons"] == len(demo_brand.COUPONS) + sum(
        len(demo_brand.personal_coupons(i)) for i in range(1, 5))
    changes, _, _ = pull_all(server.enrol())
    coupons = {c["id"]: c["data"] for c in changes if c["entity"] == "coupon"}
    third = demo_brand.member_id(3)
    own = {code: d["title"] for code, d in coupons.items() if d["member_id"] == third}
    assert own == {"BDAY-10-0003": "生日礼券 满30减10", "LATTE-8-0003": "拿铁专享立减8元",
                   "BAKERY-90-0003": "烘焙9折券(最高减10)"}
    assert coupons["LATTE-8-0003"]["skus"] == ["C002"]
