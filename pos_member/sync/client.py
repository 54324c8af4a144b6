"""The till's HTTP client for the central service (protocol v1, docs/sync-api.md).

One ``requests.Session`` with connect and read timeouts, TLS certificates always verified
(against the system's bundle, or a CA bundle file the brand supplies for a private CA), the
protocol header and the terminal's bearer token on every request. Each call returns the
protocol's pydantic model, and every way a call can fail becomes one of five exceptions:

==========================  ==================================================================
:class:`OfflineError`       the service cannot be reached: DNS, refused, reset, TLS failure;
                            :class:`SyncTimeout` (a subclass) when it did not answer in time
:class:`ServerError`        a 5xx answer (a proxy's 502 too): retry with back-off
:class:`AuthError`          401: the token is unknown or the terminal disabled: re-enrol
:class:`ProtocolError`      any other 4xx (``.status``, ``.code``, ``.error``): the request is
                            wrong; retrying the same body will not help
:class:`CorruptResponse`    a body that is truncated, not JSON, or not the expected shape
==========================  ==================================================================

All five derive from :class:`SyncError`; ``transient`` says whether retrying later may work.
A push whose answer is lost (offline, timeout, 5xx, corrupt) may still have been applied by
the service: pushing the same events again is safe (the service answers ``duplicate`` with
the stored result), so the engine simply keeps them pending.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from pos_member import __version__
from pos_member.sync import protocol as p
from pos_member.sync.lean import LeanPage, PageError, read_page

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
USER_AGENT = f"pos-member/{__version__}"

M = TypeVar("M", bound=BaseModel)


class SyncError(Exception):
    """Base of every failure of a call to the central service."""

    transient = True  # retrying later may work

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OfflineError(SyncError):
    """The service could not be reached (connection refused or reset, DNS, TLS)."""


class SyncTimeout(OfflineError):
    """The service did not answer within the connect or read timeout."""


class ServerError(SyncError):
    """The service (or a proxy in front of it) answered 5xx."""

    def __init__(self, message: str, status: int, error: p.ErrorResponse | None = None,
                 body: bytes = b"") -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.body = body


class AuthError(SyncError):
    """401: the bearer token is missing, unknown or disabled; the terminal must enrol again."""

    transient = False


class ProtocolError(SyncError):
    """A 4xx answer other than 401: the request itself is wrong (or refused)."""

    transient = False

    def __init__(self, message: str, status: int, error: p.ErrorResponse | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error

    @property
    def code(self) -> str:
        """The service's error code (``cursor_unknown``, ``event_payload_mismatch``...)."""
        return self.error.error.value if self.error is not None else f"http_{self.status}"

    @property
    def event_ids(self) -> list[str]:
        return [str(e) for e in self.error.event_ids] if self.error is not None else []


class CorruptResponse(SyncError):
    """The answer's body could not be read: truncated, not JSON, or not the protocol's shape."""


class SyncClient:
    """Typed calls to one central service. Not thread-safe; one per engine thread."""

    def __init__(self, base_url: str, token: str | None = None, *,
                 ca_bundle: str | None = None, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                 read_timeout: float = DEFAULT_READ_TIMEOUT,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = (connect_timeout, read_timeout)
        self.http = session or requests.Session()
        # Certificates are always checked: a CA bundle file, or the system's trust store.
        # There is deliberately no way to turn verification off.
        self.http.verify = ca_bundle if ca_bundle else True
        self.http.trust_env = False  # no proxies or netrc picked up from the environment
        self.http.headers.update({
            p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION),
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        })

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls --------------------------------------------------------------------------------

    def enrol(self, code: str, terminal_name: str, store_id: str,
              app_version: str = __version__) -> p.EnrolResponse:
        body = p.EnrolRequest(code=code, terminal_name=terminal_name, store_id=store_id,
                              app_version=app_version).model_dump(mode="json")
        return self._call("POST", "/enrol", p.EnrolResponse, body=body, auth=False)

    def push(self, events: Sequence[Mapping[str, Any] | BaseModel]) -> p.PushResponse:
        """Push a batch of events (wire-ready dicts or protocol event models)."""
        wire = [e.model_dump(mode="json") if isinstance(e, BaseModel) else e for e in events]
        return self._call("POST", "/push", p.PushResponse, body={"events": wire})

    def push_body(self, body: bytes) -> p.PushResponse:
        """Push a request body already serialised (``{"events": [...]}`` as UTF-8 JSON)."""
        return self._call("POST", "/push", p.PushResponse, raw=body)

    def changes(self, cursor: str = "0", limit: int = p.DEFAULT_PAGE_SIZE) -> p.ChangesPage:
        return self._call("GET", "/changes", p.ChangesPage,
                          params={"cursor": cursor, "limit": int(limit)})

    def lookup(self, *, phone: str | None = None, card: str | None = None,
               member_id: str | None = None) -> p.MemberLookupResponse | None:
        """A member not in the till's cache, by phone, card or id; None when there is none."""
        params = {k: v for k, v in (("phone", phone), ("card", card), ("id", member_id)) if v}
        if len(params) != 1:
            raise ValueError("give exactly one of phone, card or member_id")
        try:
            return self._call("GET", "/members/lookup", p.MemberLookupResponse, params=params)
        except ProtocolError as exc:
            if exc.status == 404:
                return None
            raise

    def time(self) -> p.TimeResponse:
        return self._call("GET", "/time", p.TimeResponse, auth=False)

    def health(self) -> p.HealthResponse:
        """The service's health; a 503 answer (database unavailable) is returned, not raised."""
        try:
            return self._call("GET", "/health", p.HealthResponse, auth=False)
        except ServerError as exc:
            if exc.status == 503 and exc.error is None and exc.body:
                try:
                    return p.HealthResponse.model_validate_json(exc.body)
                except ValidationError:
                    pass
            raise

    # -- plumbing -----------------------------------------------------------------------------

    def _call(self, method: str, path: str, model: type[M], *, body: Any = None,
              params: Mapping[str, Any] | None = None, auth: bool = True,
              raw: bytes | None = None) -> M:
        content = self._exchange(method, path, body=body, params=params, auth=auth, raw=raw)
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            raise CorruptResponse(f"the answer is not a valid {model.__name__}: "
                                  f"{_first_error(exc)}") from None
        except ValueError as exc:  # pragma: no cover - pydantic wraps most of these
            raise CorruptResponse(f"the answer is not JSON: {exc}") from None

    def changes_lean(self, cursor: str = "0", limit: int = p.DEFAULT_PAGE_SIZE) -> LeanPage:
        """``changes`` for the pull's hot path: live members as checked dicts (see
        :mod:`pos_member.sync.lean`), everything else as protocol models."""
        content = self._exchange("GET", "/changes", params={"cursor": cursor,
                                                            "limit": int(limit)})
        try:
            return read_page(content)
        except PageError as exc:
            raise CorruptResponse(f"the answer is not a valid ChangesPage: {exc}") from None

    def _exchange(self, method: str, path: str, *, body: Any = None,
                  params: Mapping[str, Any] | None = None, auth: bool = True,
                  raw: bytes | None = None) -> bytes:
        """One request; the body of a 2xx answer, every failure mapped to an exception."""
        url = f"{self.base_url}{p.API_PREFIX}{path}"
        headers = {}
        if auth:
            if not self.token:
                raise AuthError("this till is not enrolled with the central service (no token)")
            headers["Authorization"] = f"Bearer {self.token}"
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, url, params=params, data=data,
                                         headers=headers, timeout=self.timeout)
            content = response.content  # reads the whole body: truncation surfaces here
        except requests.exceptions.SSLError as exc:
            raise OfflineError(f"TLS error talking to {self.base_url}: {_short(exc)}") from None
        except requests.exceptions.Timeout as exc:
            raise SyncTimeout(f"{self.base_url} did not answer in time: {_short(exc)}") from None
        except requests.exceptions.ChunkedEncodingError as exc:
            raise CorruptResponse(f"the answer from {self.base_url} was cut short: "
                                  f"{_short(exc)}") from None
        except requests.exceptions.ContentDecodingError as exc:
            raise CorruptResponse(f"the answer from {self.base_url} could not be decoded: "
                                  f"{_short(exc)}") from None
        except requests.exceptions.ConnectionError as exc:
            raise OfflineError(f"cannot reach {self.base_url}: {_short(exc)}") from None
        except requests.exceptions.RequestException as exc:  # invalid URL and the like
            raise OfflineError(f"request to {self.base_url} failed: {_short(exc)}") from None
        status = response.status_code
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) != len(content):
            raise CorruptResponse(f"the answer was cut short ({len(content)} of {declared} "
                                  "bytes)")
        if 200 <= status < 300:
            return content
        error = _error_body(content)
        detail = error.message if error is not None else _snippet(content)
        text = f"HTTP {status}: {detail}"
        if status == 401:
            raise AuthError(text)
        if status >= 500:
            raise ServerError(text, status, error, content)
        if 400 <= status < 500:
            raise ProtocolError(text, status, error)
        # 1xx/3xx: redirects are followed by requests; anything else is not the protocol
        raise CorruptResponse(f"unexpected HTTP {status} from the service")


def _error_body(content: bytes) -> p.ErrorResponse | None:
    try:
        return p.ErrorResponse.model_validate_json(content)
    except (ValidationError, ValueError):
        return None


def _snippet(content: bytes, limit: int = 200) -> str:
    text = content[:limit].decode("utf-8", errors="replace").strip()
    return text or "(empty body)"


def _short(exc: BaseException) -> str:
    """The useful part of a requests/urllib3 error (the innermost reason, without the pool's
    "Max retries exceeded" wrapping)."""
    reason: object = exc
    for _ in range(4):
        inner = getattr(reason, "reason", None)
        if inner is None and getattr(reason, "args", None):
            first = reason.args[0]  # type: ignore[union-attr]
            inner = first if isinstance(first, BaseException) else None
        if inner is None or inner is reason:
            break
        reason = inner
    text = re.sub(r"^(HTTPS?Connection(Pool)?\([^)]*\)|<[^>]*>): ", "", str(reason))
    return text if len(text) <= 300 else text[:300] + "…"


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)[:300]
    first = errors[0]
    where = ".".join(str(x) for x in first.get("loc", ()))
    return f"{where}: {first.get('msg', '')}"[:300] + (f" (+{len(errors) - 1} more)"
                                                        if len(errors) > 1 else "")
