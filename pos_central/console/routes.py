"""``install(app)``: the console's routes, static files and headers on the service's app.

The console is a cookie-session web app beside the bearer-token API: a till token is never
looked at here (a request without a console session gets the sign-in page), and no console
route is in the OpenAPI document of the sync API.
"""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from pos_central.console import auth, web
from pos_central.console.web import PREFIX, render


def install(app: FastAPI) -> None:
    from pos_central.console import (
        audit_pages,
        benefits_page,
        channels,
        coupons,
        figures,
        members,
        prices,
        programme,
        stores,
    )

    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    _sign_in_routes(router)
    for module in (programme, benefits_page, prices, coupons, members, stores, channels,
                   figures, audit_pages):
        module.register(router)
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=web.HERE / "static"),
              name="console-static")

    @app.middleware("http")
    async def console_headers(request: Request, call_next):
        path = request.url.path
        if path.startswith("/v1/changes"):
            # A programme version whose time has come is published before a till reads the
            # feed, so a till pulling after that time gets it (exactly once: see programme).
            await run_in_threadpool(programme.publish_due_if_any, request.app.state.db)
        response = await call_next(request)
        if path.startswith(PREFIX):
            response.headers["Content-Security-Policy"] = web.CSP
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "same-origin"
            response.headers["X-Frame-Options"] = "DENY"
            if not path.startswith(f"{PREFIX}/static"):
                response.headers["Cache-Control"] = "no-store"
        return response


def _safe_next(target: str) -> str:
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith(PREFIX + "/"):
        return f"{PREFIX}/figures"
    return target


def _sign_in_routes(router: APIRouter) -> None:
    @router.get("/")
    @router.get("")
    async def home(request: Request):
        return RedirectResponse(f"{PREFIX}/figures", status_code=303)

    @router.get("/login")
    async def login_page(request: Request, next: str = ""):
        return render(request, "login.html", None, title="Sign in", error="", username="",
                      next=_safe_next(next or f"{PREFIX}/figures"))

    @router.post("/login")
    async def login(request: Request):
        if not web.same_origin(request):  # another site signing a browser in (login CSRF)
            return render(request, "login.html", None, status=403, title="Sign in",
                          error="Sign in from the console's own page.", username="",
                          next=f"{PREFIX}/figures")
        form = await web.read_form(request)
        username, password = form.get("username"), form.raw("password")
        target = _safe_next(form.get("next"))

        def attempt() -> tuple[str | None, str]:
            with web.db_of(request).write() as s:
                try:
                    token, _staff = auth.sign_in(s, username, password)
                    return token, ""
                except auth.ConsoleAuthError as exc:  # caught inside: the counter is kept
                    return None, str(exc)

        token, error = await run_in_threadpool(attempt)
        if token is None:
            return render(request, "login.html", None, status=401, title="Sign in",
                          error=error, username=username, next=target)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(auth.COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path=PREFIX,
                            max_age=int(auth.MAX_AGE.total_seconds()))
        return response

    @router.post("/logout")
    async def logout_route(request: Request):
        staff = await run_in_threadpool(web.current_staff, request)
        if staff is not None:
            form = await web.read_form(request)
            if not auth.csrf_ok(staff, request.headers.get("x-csrf-token")
                                or form.get("csrf_token")):
                return render(request, "error.html", staff, status=403, title="Refused",
                              message="The form's security token is missing or stale (CSRF).")

            def end() -> None:
                with web.db_of(request).write() as s:
                    auth.sign_out(s, request.cookies.get(auth.COOKIE))

            await run_in_threadpool(end)
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.delete_cookie(auth.COOKIE, path=PREFIX)
        return response
