"""The FastAPI application: ``create_app(database_url)``.

Stateless: every request reads what it needs from the database, so several workers (or
machines) can serve one database behind a load balancer, e.g.::

    POS_CENTRAL_DATABASE_URL=postgresql+psycopg://... \\
        uvicorn --factory pos_central.app:app_from_env --workers 4
"""

import contextlib
import gc
import json
import logging
import uuid
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pos_central import __version__, auth, changes, push
from pos_central import models as m
from pos_central.admin import bootstrap
from pos_central.db import Database, resolve_database_url, utcnow
from pos_central.errors import ApiError, invalid, not_found
from pos_central.loyalty import find_member
from pos_central.views import coupon_data, member_data_by_id
from pos_member.sync import protocol as p

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 32 * 1024 * 1024
_ERRORS = {code: {"model": p.ErrorResponse} for code in (401, 403, 404, 409, 413, 422, 500)}


_BEARER = HTTPBearer(auto_error=False, scheme_name="terminalToken",
                     description="The terminal's token from POST /v1/enrol.")


def _terminal(request: Request,
              _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]) -> str:
    """The bearer token's terminal id (401 otherwise). ``_declared`` only puts the bearer
    scheme into the OpenAPI document; the header itself is checked by ``auth``."""
    return auth.authenticate(request.app.state.db, request.headers.get("authorization"))


TerminalId = Annotated[str, Depends(_terminal)]


def create_app(database_url: str | None = None) -> FastAPI:
    db = Database(resolve_database_url(database_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            with db.write() as s:
                bootstrap(s)
        except (OperationalError, ProgrammingError) as exc:
            raise RuntimeError(
                f"the database at {db.engine.url!r} is not ready ({type(exc).__name__}); "
                "run `python -m pos_central migrate` first") from exc
        yield
        db.dispose()

    app = FastAPI(title="POS Member central service", version=__version__, lifespan=lifespan,
                  description="The reference central service of POS Member: the other half of "
                              "the sync contract. See docs/sync-api.md.")
    app.state.db = db
    _install_error_handlers(app)

    @app.middleware("http")
    async def protocol_header(request: Request, call_next):
        declared = request.headers.get(p.PROTOCOL_HEADER)
        if declared is not None and declared.strip() != str(p.PROTOCOL_VERSION):
            return _error(ApiError(400, p.ErrorCode.UNSUPPORTED_PROTOCOL,
                                   f"This service speaks protocol {p.PROTOCOL_VERSION}, "
                                   f"not {declared!r}."))
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return _error(ApiError(413, p.ErrorCode.PAYLOAD_TOO_LARGE,
                                   f"Request bodies are limited to {MAX_BODY_BYTES} bytes; "
                                   f"push fewer events at a time."))
        response = await call_next(request)
        response.headers[p.PROTOCOL_HEADER] = str(p.PROTOCOL_VERSION)
        return response

    v1 = p.API_PREFIX

    @app.post(f"{v1}/enrol", response_model=p.EnrolResponse, status_code=201,
              responses=_ERRORS, tags=["terminals"])
    def enrol(request: p.EnrolRequest) -> p.EnrolResponse:
        """Exchange a one-time enrolment code for a terminal id and bearer token."""
        return auth.enrol(db, request)

    @app.post(f"{v1}/push", response_model=p.PushResponse, responses=_ERRORS, tags=["sync"])
    def push_events(request: p.PushRequest, terminal_id: TerminalId) -> p.PushResponse:
        """Apply a batch of events, each at most once; one result per event, in order."""
        return Response(content=push.push(db, terminal_id, request),  # JSON text already
                        media_type="application/json")

    @app.get(f"{v1}/changes", response_model=p.ChangesPage, responses=_ERRORS, tags=["sync"])
    def get_changes(
        terminal_id: TerminalId,
        cursor: Annotated[str, Query(max_length=18, pattern=r"^[0-9]{0,18}$")] = "0",
        limit: Annotated[int, Query(ge=1, le=p.MAX_PAGE_SIZE)] = p.DEFAULT_PAGE_SIZE,
    ) -> p.ChangesPage:
        """The changes after ``cursor`` in sequence order, tombstones included."""
        try:
            after = changes.parse_cursor(cursor)
        except changes.CursorError as exc:
            raise invalid(str(exc), ["query", "cursor"]) from None
        with db.read() as s:
            if after > changes.latest_seq(s):
                raise ApiError(409, p.ErrorCode.CURSOR_UNKNOWN,
                               "The cursor is ahead of this service's feed (its database was "
                               "replaced?); pull again from cursor 0.")
            page, next_cursor, has_more = changes.read_page(s, after, limit)
            feed = changes.feed_id(s)
        body = {"changes": page, "next_cursor": str(next_cursor), "has_more": has_more,
                "feed_id": feed, "server_time": utcnow().isoformat().replace("+00:00", "Z"),
                "protocol_version": p.PROTOCOL_VERSION}
        return Response(content=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                        media_type="application/json")

    @app.get(f"{v1}/members/lookup", response_model=p.MemberLookupResponse,
             responses=_ERRORS, tags=["members"])
    def lookup_member(
        terminal_id: TerminalId,
        phone: Annotated[str | None, Query(pattern=r"^\+?[0-9]{5,20}$")] = None,
        card: Annotated[str | None, Query(pattern=r"^[0-9]{6,18}$")] = None,
        id: Annotated[uuid.UUID | None, Query()] = None,
    ) -> p.MemberLookupResponse:
        """One member by full phone number, card number or id (merges are followed)."""
        given = {k: str(v) for k, v in (("phone", phone), ("card", card), ("id", id))
                 if v is not None}
        if len(given) != 1:
            raise invalid("give exactly one of phone, card or id", ["query"])
        (key, value), = given.items()
        column = {"phone": m.Member.phone, "card": m.Member.card_no, "id": m.Member.id}[key]
        with db.read() as s:
            start = s.execute(select(m.Member.id).where(column == value)).scalar_one_or_none()
            member, followed = (None, False) if start is None else find_member(s, start, False)
            if member is None:
                raise not_found(f"No member with {key} {value}.")
            coupons = s.execute(
                select(m.Coupon).where(m.Coupon.member_id == member.id,
                                       m.Coupon.status == p.CouponStatus.AVAILABLE.value)
                .order_by(m.Coupon.code)
            ).scalars().all()
            return p.MemberLookupResponse(
                member=member_data_by_id(s, member),
                coupons=[coupon_data(c) for c in coupons],
                resolved_from=start if followed else None,
            )

    # 美团/抖音 vouchers and order-number activation (docs/cross-channel.md)
    from pos_central import cross_channel_routes
    from pos_central.platforms import adapter_for

    app.state.platform_adapters = adapter_for  # tests may give their own factory
    cross_channel_routes.install(app, db, TerminalId)

    @app.get(f"{v1}/time", response_model=p.TimeResponse, tags=["service"])
    def server_time() -> p.TimeResponse:
        """The service's clock (UTC), for a till to measure its own clock's skew."""
        return p.TimeResponse(server_time=utcnow())

    @app.get(f"{v1}/health", response_model=p.HealthResponse, tags=["service"],
             responses={503: {"model": p.HealthResponse}})
    def health():
        """Liveness and database reachability; 503 when the database cannot be reached."""
        try:
            with db.read() as s:
                s.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: database unavailable")
            body = p.HealthResponse(status="degraded", database="unavailable",
                                    version=__version__)
            return JSONResponse(body.model_dump(mode="json"), status_code=503)
        return p.HealthResponse(status="ok", database="ok", version=__version__)

    from pos_central.console.routes import install as install_console

    install_console(app)  # the operations console under /console (docs/console.md)
    return app


def app_from_env():
    """For ``uvicorn --factory pos_central.app:app_from_env`` (reads POS_CENTRAL_DATABASE_URL).
    Once per worker process: the app is made, then :func:`freeze_startup_objects`."""
    app = create_app(None)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Leave what the process holds once the app is built (modules, the models' schemas, the
    tables' metadata: about 100,000 objects) out of the garbage collector's full passes.

    A push batch keeps its 500 parsed events alive while it is applied, which starts several
    full collections per batch; each walked every object of the process, about a third of a
    10,000-sale push's CPU time (bench/README.md, item 9). Frozen objects are still freed by
    reference counting; only a cycle among them would stay, and a collection first clears
    the cycles there are. For a server process's start (not for code that builds many apps,
    like the tests)."""
    gc.collect()
    gc.freeze()


# -- errors -------------------------------------------------------------------------------------


def _error(exc: ApiError) -> JSONResponse:
    body = p.ErrorResponse(error=exc.code, message=exc.message, details=exc.details,
                           event_ids=exc.event_ids)
    return JSONResponse(body.model_dump(mode="json"), status_code=exc.status,
                        headers={**exc.headers, p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)})


def _validation_items(errors) -> list[p.ErrorItem]:
    items = []
    for err in errors[:50]:
        loc = [x if isinstance(x, (str, int)) else str(x) for x in err.get("loc", ())]
        message = str(err.get("msg", "invalid"))
        kind = str(err.get("type", ""))
        named = err.get("ctx", {}).get("field") if isinstance(err.get("ctx"), dict) else None
        if isinstance(named, str):  # a rule across fields names the field it refuses
            loc += [int(x) if x.isdigit() else x for x in named.split(".")]
        if kind == "json_invalid" and isinstance(err.get("ctx"), dict):
            message = f"{message}: {err['ctx'].get('error', '')} (at character {loc[-1]})"
        elif kind.startswith("int") and loc and str(loc[-1]).endswith("_fen"):
            message += " (money is an integer number of fen: no floats, no yuan strings)"
        items.append(p.ErrorItem(loc=loc, message=message, type=kind))
    return items


async def _event_ids(request: Request, items: list[p.ErrorItem]) -> list[str]:
    """The ids of the pushed events a validation error is about, when they can be read."""
    indexes = {i.loc[2] for i in items
               if i.loc[:2] == ["body", "events"] and len(i.loc) > 2 and isinstance(i.loc[2], int)}
    if not indexes:
        return []
    try:
        events = json.loads(await request.body())["events"]
    except Exception:  # noqa: BLE001 - best effort only
        return []
    ids = []
    for i in sorted(indexes)[:50]:
        with contextlib.suppress(Exception):  # an event without a readable id is left out
            ids.append(str(uuid.UUID(str(events[i]["event_id"]))))
    return ids


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError):
        return _error(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        items = _validation_items(exc.errors())
        if any(i.type == "json_invalid" for i in items):
            message = f"The request body is not valid JSON: {items[0].message}."
        elif items and items[0].loc == ["body"] and items[0].type == "missing":
            message = "The request body is missing or not JSON (Content-Type: application/json)."
        else:
            first = items[0] if items else None
            where = ".".join(str(x) for x in first.loc) if first else "request"
            message = f"Invalid request: {where}: {first.message}" if first else "Invalid request."
        return _error(ApiError(422, p.ErrorCode.INVALID_REQUEST, message, details=items,
                               event_ids=await _event_ids(request, items)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return _error(ApiError(422, p.ErrorCode.INVALID_REQUEST,
                                   "The request body could not be read as JSON (bad encoding or "
                                   "nesting too deep)."))
        code = {401: p.ErrorCode.UNAUTHORIZED, 404: p.ErrorCode.NOT_FOUND}.get(
            exc.status_code, p.ErrorCode.INVALID_REQUEST)
        return _error(ApiError(exc.status_code, code, str(exc.detail),
                               headers=dict(exc.headers or {})))

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError):
        log.error("database error: %s", exc)
        return _error(ApiError(503, p.ErrorCode.UNAVAILABLE,
                               "The service's database is unavailable; retry later."))

    @app.exception_handler(Exception)
    async def internal(_request: Request, exc: Exception):
        log.exception("unexpected error")
        return _error(ApiError(500, p.ErrorCode.INTERNAL,
                               "An unexpected error occurred; the request may be retried."))
