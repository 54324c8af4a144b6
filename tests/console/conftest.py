"""Fixtures of the console tests: the real central service on 127.0.0.1 (SQLite, and
PostgreSQL too when POS_CENTRAL_TEST_DATABASE_URL is set) with three staff accounts, and
Debian's Chromium driven by Playwright (``/usr/bin/chromium``; .ci/run installs it; a
browser download by Playwright itself is not used).

Screenshots of each page go to test-output/screenshots/console_*.png.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_central.console import auth
from tests.central.server_fixture import (  # noqa: F401 (pytest finds fixtures by name)
    CentralServer,
    central_database_kind,
    central_server,
    make_central_server,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM = os.environ.get("POS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--lang=en-US"]
PASSWORDS = {"admin": "admin-password-1", "operator": "operator-password-1",
             "viewer": "viewer-password-1"}
ROLES = {"admin": "admin", "operator": "operator", "viewer": "read_only"}


def add_staff(server: CentralServer) -> None:
    with server.write() as s:
        for username, password in PASSWORDS.items():
            auth.create_staff(s, username, password, ROLES[username], username.title())


@pytest.fixture
def console_server(make_central_server) -> CentralServer:  # noqa: F811
    """A service with a database of its own and the staff accounts admin, operator and
    viewer (read-only)."""
    server = make_central_server()
    add_staff(server)
    return server


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Chromium for one test module. Not for the session: Playwright's sync API keeps an
    asyncio loop running in this thread while it is started, and later tests of other
    packages that call asyncio.run() would fail."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # JavaScript errors only: a refused form's 4xx answer is logged as a failed resource too
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Failed to load resource") else None)
    page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    page.on("response", lambda r: errors.append(f"404: {r.url}") if r.status == 404 else None)
    page.js_errors = errors
    yield page
    context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"console_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def sign_in(page, server: CentralServer, username: str, password: str | None = None,
            target: str = "/console/figures") -> None:
    page.goto(server.base_url + target)
    page.wait_for_selector("#username")
    page.fill("#username", username)
    page.fill("#password", password or PASSWORDS[username])
    page.click("#sign-in")
    page.wait_for_load_state("load")
