"""The till's online-only calls to the central service: group-buy vouchers (prepare, verify,
cancel) and order-number activation. Implements services.vouchers.VoucherGateway.

Each call opens its own short-lived HTTP client from the till's settings (address, CA bundle)
and token, so it is safe on the DB worker while the sync engine runs on its own thread. Every
failure becomes a service error with a message for the cashier: offline or a platform that
did not answer (VoucherOffline, retry safe with the same key), a refusal (VoucherRefused).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pos_member.services.errors import ServiceError
from pos_member.services.vouchers import VoucherInfo, VoucherOffline, VoucherRefused
from pos_member.store import repositories as repo
from pos_member.sync import protocol as p
from pos_member.sync import protocol_cross_channel as pc
from pos_member.sync.apply.pull import apply_member_lookup
from pos_member.sync.client import (
    AuthError,
    CorruptResponse,
    OfflineError,
    ProtocolError,
    ServerError,
    SyncClient,
    SyncError,
)
from pos_member.sync.enrolment import CA_BUNDLE, CENTRAL_URL, token_store_for

OFFLINE_TEXT = ("The central service cannot be reached: a group-buy voucher cannot be "
                "verified offline. Take another tender.")


class OnlineClient(SyncClient):
    def voucher_prepare(self, body: dict[str, Any]) -> pc.VoucherData:
        return self._call("POST", "/vouchers/prepare", pc.VoucherData, body=body)

    def voucher_verify(self, body: dict[str, Any]) -> pc.VoucherData:
        return self._call("POST", "/vouchers/verify", pc.VoucherData, body=body)

    def voucher_cancel(self, body: dict[str, Any]) -> pc.VoucherData:
        return self._call("POST", "/vouchers/cancel", pc.VoucherData, body=body)

    def activate(self, body: dict[str, Any]) -> pc.ActivationResponse:
        return self._call("POST", "/activations", pc.ActivationResponse, body=body)


def _info(v: pc.VoucherData) -> VoucherInfo:
    return VoucherInfo(key=str(v.key), platform=v.platform, code=v.code, title=v.title,
                       value_fen=v.value_fen, paid_fen=v.paid_fen, status=v.status,
                       expires_at=v.expires_at, cancel_result=v.cancel_result,
                       cancel_deadline=v.cancel_deadline)


class OnlineGateway:
    """Vouchers and activation through the central service this till is enrolled with."""

    def __init__(self, sessions: sessionmaker[Session], tz: str = "Asia/Shanghai", *,
                 client: SyncClient | None = None, timeouts: tuple[float, float] = (3.0, 20.0),
                 token_store=None) -> None:
        self.sessions = sessions
        self.tz = tz
        self._given = client
        self.timeouts = timeouts
        self._token_store = token_store

    def _client(self) -> tuple[OnlineClient, bool]:
        if self._given is not None:
            return self._given, False  # type: ignore[return-value]
        with self.sessions() as s:
            url = repo.get_setting(s, CENTRAL_URL)
            ca_bundle = repo.get_setting(s, CA_BUNDLE) or None
        token = (self._token_store or token_store_for(self.sessions)).get()
        if not url or not token:
            raise VoucherOffline("This till is not enrolled with a central service: vouchers "
                                 "and activations need it.", transient=False)
        return OnlineClient(url, token, ca_bundle=ca_bundle, connect_timeout=self.timeouts[0],
                            read_timeout=self.timeouts[1]), True

    def _run(self, method: str, body: dict[str, Any]):
        client, own = self._client()
        try:
            return getattr(client, method)(body)
        except ProtocolError as exc:
            raise _refusal(exc) from None
        except ServerError as exc:
            if exc.error is not None and exc.error.error is p.ErrorCode.PLATFORM_UNAVAILABLE:
                raise VoucherOffline(exc.error.message) from None
            raise VoucherOffline("The central service had a problem; try again.") from None
        except AuthError:
            raise VoucherOffline("The central service does not accept this till's token: "
                                 "enrol the till again.", transient=False) from None
        except (OfflineError, CorruptResponse):
            raise VoucherOffline(OFFLINE_TEXT) from None
        except SyncError as exc:  # pragma: no cover - the five above are all there are
            raise VoucherOffline(exc.message) from None
        finally:
            if own:
                client.close()

    # -- services.vouchers.VoucherGateway -------------------------------------------------------

    def prepare(self, platform: str, code: str, key: str) -> VoucherInfo:
        return _info(self._run("voucher_prepare", {"platform": platform, "code": code,
                                                   "key": key}))

    def verify(self, key: str, member_id: str | None, sale_id: str | None) -> VoucherInfo:
        return _info(self._run("voucher_verify", {"key": key, "member_id": member_id,
                                                  "sale_id": sale_id}))

    def cancel(self, key: str, refund_id: str | None) -> VoucherInfo:
        return _info(self._run("voucher_cancel", {"key": key, "refund_id": refund_id}))

    # -- order-number activation --------------------------------------------------------------

    def activate(self, order_no: str, phone: str, name: str = "",
                 consent: bool = False) -> pc.ActivationResponse:
        """Activate and cache the member with their coupons (the feed brings them too)."""
        found = self._run("activate", {"order_no": order_no, "phone": phone, "name": name,
                                       "marketing_consent": consent})
        apply_member_lookup(self.sessions, p.MemberLookupResponse(
            member=found.member, coupons=[found.coupon] if found.coupon else []), self.tz)
        return found


def _refusal(exc: ProtocolError) -> ServiceError:
    error = exc.error
    message = error.message if error is not None else exc.message
    if error is not None and error.error is p.ErrorCode.VOUCHER_REFUSED:
        reason = error.details[0].type if error.details else "refused"
        return VoucherRefused(message, reason)
    if exc.status == 404:
        return ServiceError(message, code="not_found")
    return ServiceError(message, code=exc.code)
