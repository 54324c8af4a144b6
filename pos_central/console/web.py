"""What every console page shares: templates, forms, the signed-in staff, CSRF, audit.

Pages are server-rendered Jinja2; htmx swaps fragments (a preview, a search result) without
a page load. No inline script or style: the Content-Security-Policy allows only this
service's own files, so an injected ``<script>`` would not run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pos_central.console import auth
from pos_central.console.tables import ConsoleAudit
from pos_central.db import Database, utcnow
from pos_member.domain.money import format_fen

HERE = Path(__file__).parent
PREFIX = "/console"
# The brand's stores keep China time; the console shows and reads times in it.
STORE_TZ = ZoneInfo("Asia/Shanghai")
MAX_FORM_BYTES = 1024 * 1024

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def _yuan(fen: int | None) -> str:
    return "" if fen is None else "¥" + format_fen(int(fen))


def _local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(STORE_TZ).strftime(fmt)


templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                        autoescape=select_autoescape(["html"]), trim_blocks=True,
                        lstrip_blocks=True)
templates.filters["yuan"] = _yuan
templates.filters["local"] = _local


def _iso_local(text: str | None) -> str:
    """An ISO time kept as text (coupons' validity): an instant in store time; a naive time
    is store-local already."""
    if not text:
        return ""
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return text
    return dt.strftime("%Y-%m-%d %H:%M") if dt.tzinfo is None else _local(dt)


templates.filters["iso_local"] = _iso_local
templates.filters["tojson_compact"] = lambda v: json.dumps(v, ensure_ascii=False,
                                                           separators=(",", ":"), default=str)


class Form:
    """An urlencoded form body, read without a multipart dependency."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        for k, v in reversed(self.pairs):
            if k == name:
                return v.strip()
        return default

    def raw(self, name: str, default: str = "") -> str:
        for k, v in reversed(self.pairs):
            if k == name:
                return v
        return default

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.pairs)

    def names(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self.pairs))


async def read_form(request: Request) -> Form:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormTooLarge()
    return Form(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


class FormTooLarge(Exception):
    pass


def db_of(request: Request) -> Database:
    return request.app.state.db


def current_staff(request: Request) -> auth.Staff | None:
    token = request.cookies.get(auth.COOKIE)
    if not token:
        return None
    with db_of(request).read() as s:
        staff, write = auth.peek(s, token)
    if not write:
        return staff
    with db_of(request).write() as s:
        return auth.resolve(s, token)


def render(request: Request, template: str, staff: auth.Staff | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    flash = request.query_params.get("flash", "")[:300]
    if flash and (staff is None or not hmac.compare_digest(
            request.query_params.get("fs", ""), _flash_sig(staff, flash))):
        flash = ""  # a message in a link someone else made is not shown as the console's
    html = templates.get_template(template).render(
        request=request, staff=staff, prefix=PREFIX, path=request.url.path,
        **{"flash": flash, **context})
    return HTMLResponse(html, status_code=status)


def same_origin(request: Request) -> bool:
    """A browser's POST names the page's origin; another site's form names its own. (No
    Origin header: not a browser's cross-site request, the CSRF token still decides.)"""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _flash_sig(staff: auth.Staff, message: str) -> str:
    return hmac.new(staff.csrf_token.encode(), message.encode(), hashlib.sha256).hexdigest()[:20]


def _sign_flash(staff: auth.Staff, response: Response) -> Response:
    """A change's redirect carries its message (?flash=) signed for this session (&fs=)."""
    location = response.headers.get("location", "")
    message = parse_qs(urlsplit(location).query).get("flash", [""])[0]
    if message:
        response.headers["location"] = f"{location}&fs={_flash_sig(staff, message[:300])}"
    return response


def to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("hx-request"):
        response = Response(status_code=401)
        response.headers["HX-Redirect"] = f"{PREFIX}/login?next={quote(target)}"
        return response
    return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)


def forbidden(request: Request, staff: auth.Staff, message: str) -> HTMLResponse:
    return render(request, "error.html", staff, status=403, title="Not allowed",
                  message=message)


def page(handler: Callable) -> Callable:
    """A GET page: needs a signed-in staff member (any role). ``handler(request, staff,
    **path_params)`` is a plain function, run in the thread pool (database work)."""

    async def wrapped(request: Request) -> Response:
        staff = await run_in_threadpool(current_staff, request)
        if staff is None:
            return to_login(request)
        return await run_in_threadpool(handler, request, staff, **request.path_params)

    wrapped.__name__ = handler.__name__
    return wrapped


def action(handler: Callable, admin_only: bool = False) -> Callable:
    """A POST that changes something: signed in, a role that may change, the CSRF token.
    ``handler(request, staff, form, **path_params)`` runs in the thread pool."""

    async def wrapped(request: Request) -> Response:
        staff = await run_in_threadpool(current_staff, request)
        if staff is None:
            return to_login(request)
        try:
            form = await read_form(request)
        except FormTooLarge:
            return render(request, "error.html", staff, status=413, title="Too large",
                          message="The form is larger than 1 MB.")
        sent = request.headers.get("x-csrf-token") or form.get("csrf_token")
        if not auth.csrf_ok(staff, sent) or not same_origin(request):
            return render(request, "error.html", staff, status=403, title="Refused",
                          message="The form's security token is missing or stale (CSRF). "
                                  "Reload the page and try again; nothing was changed.")
        if not staff.can_change or (admin_only and not staff.is_admin):
            return forbidden(request, staff, f"Your role ({staff.role}) may not make this "
                                             "change; nothing was changed.")
        response = await run_in_threadpool(handler, request, staff, form,
                                           **request.path_params)
        return _sign_flash(staff, response) if response.status_code == 303 else response

    wrapped.__name__ = handler.__name__
    return wrapped


def audit(session: Session, staff: auth.Staff, action_name: str, target: str = "",
          before: Any = None, after: Any = None, reason: str = "") -> None:
    session.add(ConsoleAudit(at=utcnow(), staff_id=staff.id, username=staff.username,
                             action=action_name, target=target[:200],
                             before=_jsonable(before), after=_jsonable(after), reason=reason))


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def parse_local_datetime(text: str) -> datetime:
    """A ``datetime-local`` input (store time) as an aware UTC datetime."""
    naive = datetime.fromisoformat(text.strip())
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=STORE_TZ)
    return naive.astimezone(UTC)


def parse_yuan_field(text: str, name: str, required: bool = True) -> int | None:
    from pos_member.domain.money import parse_yuan

    text = text.strip().lstrip("¥")
    if not text:
        if required:
            raise FieldError(name, "is required")
        return None
    try:
        return parse_yuan(text)
    except ValueError:
        raise FieldError(name, f"{text!r} is not an amount in yuan like 10.00") from None


class FieldError(ValueError):
    """A form value refused; ``field`` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
