"""The one interface every group-buy platform is reached through.

A voucher (团购券) goes through three steps on every platform, whatever each calls them:

``prepare(code)``
    What the code is (title, face value, what the customer paid, how many uses are left, when it
    expires) without using it. 美团 ``msprepare``, 抖音 ``certificate/prepare``.
``verify(prepared, key)``
    Use it (核销). ``key`` is our idempotency key: asking again with the same key after a lost
    answer never uses a second voucher; when the platform cannot tell, the adapter asks the
    platform about the code (``query``) and recognises its own earlier verification.
``cancel(verification)``
    Undo a verification (撤销核销) while the platform still allows it.

Failures are two exceptions: :class:`PlatformRefused` (the platform said no: expired, used,
unknown code, window passed; retrying will not help) and :class:`PlatformDown` (no answer, a
timeout, a 5xx, an unreadable body: the outcome is unknown and the same call may be retried).
Money is integer fen; a platform's yuan amounts are converted with ``Decimal`` exactly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

import requests

PLATFORMS = ("meituan", "douyin")
URL_ENV = "POS_CENTRAL_PLATFORM_URL"  # one base URL for both (the simulator serves both)
TIMEOUT = (3.0, 8.0)


class PlatformError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PlatformRefused(PlatformError):
    """The platform answered and refused: ``code`` is one of ``unknown``, ``expired``,
    ``used``, ``cancelled``, ``window_passed``, ``not_verified``, ``refused``."""


class PlatformDown(PlatformError):
    """No usable answer: the outcome is unknown; retry with the same idempotency key."""


@dataclass(frozen=True)
class PreparedVoucher:
    platform: str
    code: str
    title: str
    value_fen: int  # 券面值: what the voucher covers at the till
    paid_fen: int  # what the customer paid the platform
    uses_left: int
    expires_at: datetime | None
    token: str = ""  # 抖音 verify_token; 美团 has none
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Verification:
    platform: str
    code: str
    verify_id: str  # the platform's id of this verification (what cancel needs)
    value_fen: int
    verified_at: datetime | None = None
    recovered: bool = False  # found by a query after a lost answer


class PlatformAdapter(Protocol):
    name: str

    def prepare(self, code: str) -> PreparedVoucher: ...

    def verify(self, prepared: PreparedVoucher, key: str) -> Verification: ...

    def lookup(self, prepared: PreparedVoucher, key: str) -> Verification | None:
        """Our verification made with ``key``, if the platform has it (after a lost answer)."""

    def cancel(self, verification: Verification) -> None: ...


def yuan_to_fen(value: Any) -> int:
    """A platform's yuan amount (number or text) as integer fen, exactly."""
    try:
        fen = (Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise PlatformDown("bad_answer", f"the platform sent an amount that is not a number: "
                           f"{value!r}") from None
    return int(fen)


class HttpAdapter:
    """Shared HTTP plumbing: one session, timeouts, every transport failure a PlatformDown."""

    name = ""

    def __init__(self, base_url: str, *, app_key: str = "", secret: str = "",
                 poi_id: str = "", session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self.secret = secret
        self.poi_id = poi_id
        self.http = session or requests.Session()
        self.http.trust_env = False

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, self.base_url + path, timeout=TIMEOUT,
                                         **kwargs)
            body = response.json()
        except requests.RequestException as exc:
            raise PlatformDown("no_answer", f"{self.name} did not answer: "
                               f"{type(exc).__name__}") from None
        except ValueError:
            raise PlatformDown("bad_answer", f"{self.name} sent an unreadable answer") from None
        if response.status_code >= 500 or not isinstance(body, dict):
            raise PlatformDown("platform_error",
                               f"{self.name} answered HTTP {response.status_code}")
        return body


def adapter_for(platform: str, store_id: str = "") -> PlatformAdapter:
    """The configured adapter: ``POS_CENTRAL_<PLATFORM>_URL`` or ``POS_CENTRAL_PLATFORM_URL``
    (the simulator serves both), credentials in ``POS_CENTRAL_<PLATFORM>_APP_KEY`` and
    ``..._SECRET``, the store's platform shop id in ``..._POI_ID`` (default: the store id)."""
    from pos_central.platforms.douyin import DouyinAdapter
    from pos_central.platforms.meituan import MeituanAdapter

    if platform not in PLATFORMS:
        raise PlatformRefused("unknown_platform", f"unknown platform {platform!r}")
    prefix = f"POS_CENTRAL_{platform.upper()}_"
    url = os.environ.get(prefix + "URL") or os.environ.get(URL_ENV)
    if not url:
        # not an outage: retrying will not help until the brand configures it
        raise PlatformRefused("not_configured",
                              f"the central service has no {platform} connection configured")
    cls = MeituanAdapter if platform == "meituan" else DouyinAdapter
    return cls(url, app_key=os.environ.get(prefix + "APP_KEY", "pos-member"),
               secret=os.environ.get(prefix + "SECRET", ""),
               poi_id=os.environ.get(prefix + "POI_ID", store_id))
