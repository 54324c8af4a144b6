"""Who may do what in the console: read-only changes nothing, a till's token opens nothing,
CSRF tokens, session expiry (idle and absolute), sign-out, lockout after wrong passwords.
Browser tests where a browser is the point (Chromium through Playwright), HTTP otherwise."""

from __future__ import annotations

import re
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from pos_central import models as cm
from pos_central.console import auth
from pos_central.console.tables import ConsoleAudit, ConsoleSession, CouponTemplate
from pos_central.db import utcnow
from tests.console.conftest import PASSWORDS, shot, sign_in


def _counts(server) -> tuple[int, int, int]:
    with server.read() as s:
        return (s.execute(select(func.count()).select_from(cm.RulesVersion)).scalar_one(),
                s.execute(select(func.count()).select_from(ConsoleAudit)).scalar_one(),
                s.execute(select(func.count()).select_from(CouponTemplate)).scalar_one())


def _csrf(page) -> str:
    return page.locator("input[name='csrf_token']").first.get_attribute("value")


def test_read_only_sees_everything_and_changes_nothing(console_server, browser_page):
    server, page = console_server, browser_page
    sign_in(page, server, "viewer")
    assert "Viewer (read_only)" in page.inner_text("#whoami")
    before = _counts(server)
    for area in ("figures", "programme", "coupons", "members", "stores", "audit"):
        page.goto(f"{server.base_url}/console/{area}")
        assert page.locator("#read-only-note").is_visible()
    page.goto(server.base_url + "/console/programme")
    assert page.locator("#save-programme").count() == 0
    shot(page, "read_only_programme")
    page.goto(server.base_url + "/console/coupons")
    assert page.locator("#template-form").count() == 0
    assert page.locator("#issue-form").count() == 0
    token = _csrf(page)  # the sign-out form's token: a valid one for this session
    # The forms are not there, but a hand-made request with a valid token is refused too.
    for path, data in (
            ("/console/programme", {"f.member_day_multiplier": "5"}),
            ("/console/coupons/templates", {"code": "RO", "title": "x", "kind": "amount_off",
                                            "value": "5"}),
            ("/console/stores/enrol-code", {"store": "S001"}),
            ("/console/staff", {"username": "sneaky", "password": "long-enough-1",
                                "role": "admin"})):
        answer = page.request.post(server.base_url + path, form={**data, "csrf_token": token})
        assert answer.status == 403, path
        assert "nothing was changed" in answer.text()
    assert _counts(server) == before
    page.goto(server.base_url + "/console/staff")
    assert "Only an admin" in page.inner_text("#error-message")
    shot(page, "read_only_refused")


def test_a_till_token_does_not_open_the_console(console_server):
    server = console_server
    till = server.enrol("Till 1")
    before = _counts(server)
    answer = requests.get(server.base_url + "/console/members?q=139", headers=till.headers,
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")
    answer = requests.post(server.base_url + "/console/programme", headers=till.headers,
                           data={"f.member_day_multiplier": "9"}, allow_redirects=False,
                           timeout=30)
    assert answer.status_code == 303
    assert _counts(server) == before
    # ... and a console session does not open the till API
    http = requests.Session()
    http.post(server.base_url + "/console/login", timeout=30,
              data={"username": "admin", "password": PASSWORDS["admin"]})
    assert http.cookies.get(auth.COOKIE)
    assert http.get(server.base_url + "/v1/changes", timeout=30).status_code == 401


def test_csrf_token_is_required_and_the_cookie_is_strict(console_server, browser_page):
    server, page = console_server, browser_page
    sign_in(page, server, "operator", target="/console/programme")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == auth.COOKIE]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/console"
    before = _counts(server)
    status = page.evaluate("""async () => {
        const post = (body) => fetch('/console/programme', {method: 'POST', body,
            headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
        const none = await post('f.member_day_multiplier=5');
        const wrong = await post('f.member_day_multiplier=5&csrf_token=forged');
        return [none.status, wrong.status, await wrong.text()];
    }""")
    assert status[:2] == [403, 403]
    assert "security token" in status[2]
    assert _counts(server) == before
    # the page's own form carries the token and goes through
    page.fill("input[name='f.member_day_multiplier']", "3")
    page.click("#save-programme")
    assert "Published as rules version 2" in page.inner_text("#flash")
    # another site's form, even with the right token (it cannot read it; belt and braces)
    token = _csrf(page)
    foreign = page.request.post(server.base_url + "/console/programme", form={
        "f.member_day_multiplier": "7", "csrf_token": token},
        headers={"Origin": "http://evil.example"})
    assert foreign.status == 403
    login = requests.post(server.base_url + "/console/login", timeout=30,
                          headers={"Origin": "http://evil.example"},
                          data={"username": "operator", "password": PASSWORDS["operator"]})
    assert login.status_code == 403 and auth.COOKIE not in login.cookies
    # a message in a link someone else made is not shown as the console's own
    page.goto(server.base_url + "/console/figures?flash=Password+expired:+call+400-000")
    assert page.locator("#flash").count() == 0
    headers = page.request.get(server.base_url + "/console/programme").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_sessions_expire_when_idle_at_their_end_and_at_sign_out(console_server, browser_page):
    server, page = console_server, browser_page
    sign_in(page, server, "operator")
    with server.write() as s:  # 31 minutes without a request
        s.execute(update(ConsoleSession).values(
            last_seen_at=utcnow() - auth.IDLE_TIMEOUT - timedelta(minutes=1)))
    page.goto(server.base_url + "/console/members")
    assert "/console/login?next=/console/members" in page.url
    shot(page, "session_expired")
    with server.read() as s:  # the ended session is gone
        assert s.execute(select(func.count()).select_from(ConsoleSession)).scalar_one() == 0

    page.fill("#username", "operator")
    page.fill("#password", PASSWORDS["operator"])
    page.click("#sign-in")
    assert page.url.endswith("/console/members")  # back where the operator was going
    with server.write() as s:  # twelve hours after signing in, however busy
        s.execute(update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    page.goto(server.base_url + "/console/figures")
    assert "/console/login" in page.url

    sign_in(page, server, "operator")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == auth.COOKIE]
    page.click("#logout")
    assert "/console/login" in page.url
    stolen = requests.get(server.base_url + "/console/figures", allow_redirects=False,
                          cookies={auth.COOKIE: cookie["value"]}, timeout=30)
    assert stolen.status_code == 303  # the old cookie is worth nothing after sign-out


def test_five_wrong_passwords_lock_the_account(console_server, browser_page):
    server, page = console_server, browser_page
    for _ in range(auth.MAX_FAILED):
        sign_in(page, server, "operator", "wrong-password")
        assert page.inner_text("#login-error") == "Wrong username or password."
    sign_in(page, server, "operator")  # the right password, too late
    assert "locked" in page.inner_text("#login-error")
    shot(page, "login_locked")
    sign_in(page, server, "nobody", "whatever-password")
    assert page.inner_text("#login-error") == "Wrong username or password."
    with server.read() as s:
        assert s.execute(select(func.count()).select_from(ConsoleSession)).scalar_one() == 0
    assert re.search(r"/console/login", page.url)


def test_an_admin_makes_and_disables_accounts(console_server, browser_page):
    server, page = console_server, browser_page
    sign_in(page, server, "admin", target="/console/staff")
    page.fill("#new-username", "li.ops")
    page.select_option("#new-role", "read_only")
    page.fill("#new-password", "short")
    page.click("#create-staff")
    assert "at least 10 characters" in page.inner_text("#staff-error")
    page.fill("#new-username", "li.ops")
    page.select_option("#new-role", "read_only")
    page.fill("#new-password", "li-ops-password")
    page.click("#create-staff")
    assert "Account created." in page.inner_text("#flash")
    assert "read_only" in page.locator("#staff tr", has_text="li.ops").inner_text()
    shot(page, "staff")
    other = page.context.browser.new_context().new_page()
    sign_in(other, server, "li.ops", "li-ops-password")
    assert "(read_only)" in other.inner_text("#whoami")
    page.locator("#staff tr", has_text="li.ops").locator("button").click()
    other.goto(server.base_url + "/console/figures")  # disabled: the session ended
    assert "/console/login" in other.url
    other.context.close()
    with server.read() as s:
        actions = s.execute(select(ConsoleAudit.action).where(
            ConsoleAudit.username == "admin")).scalars().all()
    assert actions == ["staff.create", "staff.active"]
