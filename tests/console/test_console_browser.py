"""The console in a real browser (Playwright driving Debian's Chromium) against the live
service on 127.0.0.1, with a real till (the pos_member sync client) on the same service:
an operator signs in, makes a member day and a coupon, issues the coupon to a segment, the
till pulls both and a sale uses them, and the figures change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pos_central import admin
from pos_central import models as cm
from pos_central.console.tables import ConsoleAudit, IssuedCoupon
from pos_central.console.web import STORE_TZ
from pos_member.domain import demo_brand
from pos_member.services import stored_value as svs
from pos_member.store.models import Coupon as TillCoupon
from pos_member.sync import protocol as p
from tests.console.conftest import shot, sign_in
from tests.sync.fault_proxy import FaultProxy
from tests.sync.harness import SyncTill, seed_central_members


def _catalogue_on_the_service(server) -> None:
    with server.write() as s:
        for x in demo_brand.PRODUCTS:
            admin.upsert_product(s, p.ProductData(
                sku=x.sku, name=x.name, name_en=x.name_en, category_id=x.category,
                unit_price_fen=x.price, unit=x.unit, discountable=x.discountable,
                points_eligible=x.points_eligible))


@pytest.fixture
def till(console_server, tmp_path):
    seed_central_members(console_server)
    _catalogue_on_the_service(console_server)
    proxy = FaultProxy(console_server.host, console_server.port)
    till = SyncTill(tmp_path, console_server, proxy, "Till 1")
    yield till
    till.engine.close()
    proxy.close()


def _kpi(page, name: str) -> str:
    return page.inner_text(f"#kpi-{name}").strip()


def test_operator_runs_a_member_day_and_a_coupon_that_a_till_uses(console_server, till,
                                                                  browser_page):
    server, page = console_server, browser_page
    base = server.base_url

    sign_in(page, server, "operator")
    assert page.url.endswith("/console/figures")
    assert "Operator (operator)" in page.inner_text("#whoami")
    page.wait_for_selector("body[data-charts-drawn='7']")
    assert _kpi(page, "coupon-rate") == "0.0 %"
    share_before = _kpi(page, "member-share")
    shot(page, "figures_before")

    # -- programme: a member day for gold members today, ×3 --------------------------------
    page.goto(base + "/console/programme")
    shot(page, "programme")
    today = datetime.now(STORE_TZ).isoweekday()
    page.fill("input[name='f.member_day_weekdays']", "8")
    page.click("#save-programme")
    error = page.locator("#field-member_day_weekdays .field-error")
    assert "member_day_weekdays holds ISO weekdays 1..7" in error.inner_text()
    shot(page, "programme_field_error")
    with server.read() as s:  # nothing was saved
        assert s.execute(select(cm.RulesVersion.version)).scalars().all() == [1]

    page.fill("input[name='f.member_day_weekdays']", "3")  # back as it was
    if page.locator("input[name='md.rows']").count():  # member days by tier: add one
        blank = int(page.get_attribute("input[name='md.rows']", "value")) - 1
        page.fill(f"input[name='md.{blank}.id']", "gold-day")
        page.fill(f"input[name='md.{blank}.name']", "金卡会员日")
        page.fill(f"input[name='md.{blank}.weekdays']", str(today))
        page.fill(f"input[name='md.{blank}.gold.mult']", "3")
        changed = "member_days"
    else:  # the one member day of the older rules
        page.fill("input[name='f.member_day_weekdays']", str(today))
        page.fill("input[name='f.member_day_tiers']", "gold")
        page.fill("input[name='f.member_day_multiplier']", "3")
        changed = "member_day_multiplier"
    page.fill("input[name='note']", "Gold member day: triple points")
    page.fill("#preview-member", "13900001111")
    page.fill("#preview-basket", "C002 4")
    page.click("#preview-button")
    page.wait_for_selector("#preview-result")
    now_points = int(page.inner_text("tr[data-rules='now'] .points"))
    new_points = int(page.inner_text("tr[data-rules='new'] .points"))
    pays = page.inner_text("tr[data-rules='new'] .pays")
    assert pays == "¥100.80"  # 4 × ¥28 at gold's 9折, the pricing engine's figure
    assert (now_points, new_points) == (10, 30)  # ×1 and ×3 of floor(100.80 / 10)
    assert "would pay ¥100.80 and earn 30 points" in page.inner_text("#preview-sentence")
    shot(page, "programme_preview")
    page.click("#save-programme")
    assert "Published as rules version 2" in page.inner_text("#flash")
    assert page.locator("#versions .status").first.inner_text() == "published"

    # -- coupons: a template, issued to the gold segment --------------------------------------
    page.goto(base + "/console/coupons")
    page.fill("#tpl-code", "MD10")
    page.fill("#tpl-title", "会员日立减10元")
    page.select_option("#tpl-kind", "amount_off")
    page.fill("#tpl-value", "10")
    page.fill("#tpl-days", "7")
    page.click("#create-template")
    assert "Template MD10 created." in page.inner_text("#flash")
    page.select_option("#issue-template", "MD10")
    page.check("#target-segment")
    page.check("#seg-tier-gold")
    page.click("#segment-count")
    page.wait_for_selector("#segment-size #fragment-message")
    assert page.inner_text("#segment-size").startswith("1 members: tier gold")
    page.click("#issue-button")
    assert "Issued 1 coupons" in page.inner_text("#flash")
    assert page.inner_text("tr[data-template='MD10'] .issued") == "1"
    shot(page, "coupons")
    with server.read() as s:
        (code,) = s.execute(select(IssuedCoupon.code)).scalars().all()
        coupon = s.get(cm.Coupon, code)
        assert coupon.member_id is not None  # a personal coupon of the gold member
        gold_id = coupon.member_id

    # -- the till pulls the rules and the coupon, and sells ---------------------------------
    till.clock.now = datetime.now(UTC) + timedelta(seconds=5)
    till.sync()
    with till.ctx.read_sessions() as s:
        mine = s.execute(select(TillCoupon).where(TillCoupon.code == code)).scalar_one()
        assert mine.member_id == till.members["gold"] == gold_id
    sale_id = till.sell("gold", skus=(("C002", 4),), coupons=(code,))
    till.sync()
    with server.read() as s:
        sale = s.get(cm.Sale, sale_id)
        assert sale.total_fen == 9080  # ¥100.80 − ¥10
        assert sale.points_earned == 27  # floor(90.80 / 10) × 3: the member day applied
        assert s.get(cm.Coupon, code).status == "used"

    # -- the figures changed ------------------------------------------------------------------
    page.goto(base + "/console/figures")
    page.wait_for_selector("body[data-charts-drawn='7']")
    assert _kpi(page, "coupon-rate") == "100.0 %"
    assert page.inner_text("#kpi-coupon-cost") == "10.00"
    assert _kpi(page, "member-share") != share_before
    assert _kpi(page, "member-share") == "100.0 %"
    assert int(_kpi(page, "points-issued")) >= 27
    assert page.locator("#per-store tr[data-store]").count() == 1

    # -- a recharge at the till: the brand's stored-value debt and the member's balance -----
    svs.recharge(till.ctx, svs.RechargeRequest(str(uuid.uuid4()), till.cashier,
                                               till.members["gold"], 30000, "cash", 30000))
    till.sync()
    page.reload()
    assert page.inner_text("#kpi-stored-value") == "¥330.00"  # ¥300 paid + ¥30 bonus (r300)
    shot(page, "figures_after")
    page.goto(base + "/console/benefits")
    shot(page, "benefits")
    page.goto(base + "/console/prices")
    assert page.locator("#prices tr[data-sku='C002']").count() == 1
    shot(page, "member_prices")

    # -- the member's profile shows the sale's points; the till shows on the stores page -----
    page.goto(base + "/console/members")
    page.fill("#member-search", "13900001111")
    page.wait_for_selector("#results .member-link")
    shot(page, "members_search")
    page.click("#results .member-link")
    page.wait_for_selector("#ledger")
    assert "earn" in page.inner_text("#ledger")
    assert page.inner_text("#member-points") == str(800 + 27)
    assert page.inner_text("#member-stored-value") == "¥330.00"
    assert page.locator(".extra-ledger[data-table='stored_value_ledger'] tr").count() == 2
    shot(page, "member")
    page.goto(base + "/console/stores")
    row = page.locator(f"tr[data-terminal='{till.central_terminal_id}']")
    assert "Till 1" in row.inner_text()
    shot(page, "stores")
    page.goto(base + "/console/channels")
    shot(page, "channels")
    page.goto(base + "/console/audit")
    actions = page.locator("#audit tr[data-action]").all_inner_texts()
    assert any("programme.schedule" in a and "operator" in a for a in actions)
    assert any("coupon_template.create" in a for a in actions)
    assert any("coupon.issue" in a for a in actions)
    shot(page, "audit")
    with server.read() as s:
        schedule = s.execute(select(ConsoleAudit).where(
            ConsoleAudit.action == "programme.schedule")).scalar_one()
        assert changed in schedule.before and changed in schedule.after
        assert "3" in str(schedule.after[changed]) and schedule.before != schedule.after
        assert schedule.reason == "Gold member day: triple points"
    assert page.js_errors == []
