"""抖音来客 (life services) group-buy certificates (团购券核销), shaped like the documented
``/goodlife/v1/fulfilment/certificate/...`` API:

===================================  =========================================================
``GET  .../certificate/prepare/``    验券准备: ``verify_token`` and the certificates of a code
``POST .../certificate/verify/``     验券 with that ``verify_token`` (asking again with the
                                     same token answers the same verification: idempotent)
``GET  .../certificate/get/``        券状态查询: status and the verify records
``POST .../certificate/cancel/``     撤销核销 by ``verify_id`` + ``certificate_id``
===================================  =========================================================

Answers are ``{"data": {"error_code": 0, "description": ..., ...}, "extra": {...}}``; amounts
are already fen (``amount.original_amount``). The ``access-token`` header carries the
credential.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pos_central.platforms.adapter import (
    HttpAdapter,
    PlatformDown,
    PlatformRefused,
    PreparedVoucher,
    Verification,
)

BASE = "/goodlife/v1/fulfilment/certificate"
REFUSALS = {1201: "unknown", 1202: "used", 1203: "expired", 1204: "cancelled",
            1209: "window_passed", 1210: "not_verified", 1220: "refused"}


def _epoch(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


class DouyinAdapter(HttpAdapter):
    name = "douyin"

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self._request(method, BASE + path,
                               headers={"access-token": self.secret or self.app_key}, **kwargs)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise PlatformDown("bad_answer", "抖音 sent an answer without data")
        code = data.get("error_code")
        if code == 0:
            return data
        message = str(data.get("description") or "refused")
        if isinstance(code, int) and code in REFUSALS:
            raise PlatformRefused(REFUSALS[code], f"抖音: {message}")
        raise PlatformDown("platform_error", f"抖音: {message} ({code})")

    @staticmethod
    def _certificate(data: dict[str, Any]) -> dict[str, Any]:
        certificates = data.get("certificates") or []
        if not certificates:
            raise PlatformRefused("unknown", "抖音: no certificate for this code")
        return certificates[0]

    def prepare(self, code: str) -> PreparedVoucher:
        data = self._call("GET", "/prepare/", params={"code": code, "poi_id": self.poi_id})
        cert = self._certificate(data)
        try:
            amount = cert["amount"]
            return PreparedVoucher(
                platform=self.name, code=code, title=str(cert.get("sku", {}).get("title", "")),
                value_fen=int(amount["original_amount"]),
                paid_fen=int(amount.get("pay_amount", amount["original_amount"])),
                uses_left=len(data.get("certificates") or []),
                expires_at=_epoch(cert.get("expire_time")),
                token=str(data["verify_token"]), raw=cert)
        except (KeyError, TypeError, ValueError):
            raise PlatformDown("bad_answer", "抖音 sent an incomplete prepare answer") from None

    def verify(self, prepared: PreparedVoucher, key: str) -> Verification:
        data = self._call("POST", "/verify/", json={
            "verify_token": prepared.token, "poi_id": self.poi_id,
            "encrypted_codes": [prepared.raw.get("encrypted_code", prepared.code)],
            "out_order_id": key})
        results = data.get("verify_results") or []
        if not results:
            raise PlatformDown("bad_answer", "抖音 answered a verify without its result")
        first = results[0]
        if first.get("result", 0) != 0:
            code = int(first["result"])
            raise PlatformRefused(REFUSALS.get(code, "refused"),
                                  f"抖音: {first.get('msg') or 'refused'}")
        return Verification(self.name, prepared.code,
                            f"{first['verify_id']}:{first['certificate_id']}",
                            prepared.value_fen, _epoch(first.get("verify_time")))

    def lookup(self, prepared: PreparedVoucher, key: str) -> Verification | None:
        data = self._call("GET", "/get/", params={
            "encrypted_code": prepared.raw.get("encrypted_code", prepared.code)})
        cert = data.get("certificate") or {}
        for record in cert.get("verify_records") or []:
            if record.get("out_order_id") == key and not record.get("cancelled"):
                return Verification(self.name, prepared.code,
                                    f"{record['verify_id']}:{cert.get('certificate_id', '')}",
                                    int(cert.get("amount", {}).get("original_amount", 0)),
                                    _epoch(record.get("verify_time")), recovered=True)
        return None

    def cancel(self, verification: Verification) -> None:
        verify_id, _, certificate_id = verification.verify_id.partition(":")
        self._call("POST", "/cancel/", json={"verify_id": verify_id,
                                             "certificate_id": certificate_id})
