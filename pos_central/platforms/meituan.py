"""美团 到店 group-buy vouchers (团购券验券), shaped like the documented API:

=====================================  ===================================================
``/tuangou/ng/coupon/msprepare``       验券准备: the code's deal, value and uses left
``/tuangou/ng/coupon/msconsume``       执行验券, with ``requestId`` as the idempotency key
``/tuangou/coupon/queryById``          已验券码查询: status and the ``requestId`` that used it
``/tuangou/coupon/cancel``             撤销验券 (within the platform's window)
=====================================  ===================================================

Answers are ``{"code": 200, "msg": ..., "data": {...}}``; amounts are yuan numbers
(``dealValue``), converted to fen exactly. Every request carries ``appKey``, ``timestamp`` and
``sign`` (see :mod:`pos_central.platforms.signing`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from pos_central.platforms.adapter import (
    HttpAdapter,
    PlatformDown,
    PlatformRefused,
    PreparedVoucher,
    Verification,
    yuan_to_fen,
)
from pos_central.platforms.signing import sign

# 美团 result codes the simulator speaks (and the adapter maps): the voucher's state
REFUSALS = {1001: "unknown", 1008: "used", 1009: "expired", 1010: "cancelled",
            1012: "window_passed", 1013: "not_verified", 1020: "refused"}


def _time(value: Any) -> datetime | None:
    if value in (None, "", 0):
        return None
    if isinstance(value, (int, float)):  # epoch milliseconds
        return datetime.fromtimestamp(value / 1000, UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


class MeituanAdapter(HttpAdapter):
    name = "meituan"

    def _call(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        body = {**params, "appKey": self.app_key, "timestamp": int(time.time()),
                "appShopAccount": self.poi_id}
        body["sign"] = sign(body, self.secret)
        answer = self._request("POST", path, json=body)
        code = answer.get("code")
        if code == 200:
            data = answer.get("data")
            return data if isinstance(data, dict) else {}
        message = str(answer.get("msg") or "refused")
        if isinstance(code, int) and code in REFUSALS:
            raise PlatformRefused(REFUSALS[code], f"美团: {message}")
        if isinstance(code, int) and 400 <= code < 500:
            raise PlatformRefused("refused", f"美团: {message}")
        raise PlatformDown("platform_error", f"美团: {message} ({code})")

    def prepare(self, code: str) -> PreparedVoucher:
        data = self._call("/tuangou/ng/coupon/msprepare", {"receiptCode": code})
        try:
            return PreparedVoucher(
                platform=self.name, code=code, title=str(data.get("dealTitle", "")),
                value_fen=yuan_to_fen(data["dealValue"]),
                paid_fen=yuan_to_fen(data.get("dealPrice", data["dealValue"])),
                uses_left=int(data.get("count", 1)),
                expires_at=_time(data.get("couponEndTime")), raw=data)
        except (KeyError, TypeError, ValueError):
            raise PlatformDown("bad_answer", "美团 sent an incomplete prepare answer") from None

    def verify(self, prepared: PreparedVoucher, key: str) -> Verification:
        data = self._call("/tuangou/ng/coupon/msconsume",
                          {"receiptCode": prepared.code, "count": 1, "requestId": key,
                           "opPoiId": self.poi_id})
        results = data.get("result") or []
        if not results:
            raise PlatformDown("bad_answer", "美团 answered a consume without its result")
        first = results[0]
        return Verification(self.name, prepared.code, str(first.get("orderId", prepared.code)),
                            yuan_to_fen(first.get("dealValue", prepared.value_fen / 100)),
                            _time(first.get("consumeTime")))

    def lookup(self, prepared: PreparedVoucher, key: str) -> Verification | None:
        """After a lost consume answer: did OUR request (``requestId`` = key) use it?"""
        data = self._call("/tuangou/coupon/queryById", {"couponCode": prepared.code})
        if data.get("status") == 1 and data.get("requestId") == key:
            return Verification(self.name, prepared.code, str(data.get("orderId", "")),
                                yuan_to_fen(data.get("dealValue", 0)),
                                _time(data.get("couponUseTime")), recovered=True)
        return None

    def cancel(self, verification: Verification) -> None:
        self._call("/tuangou/coupon/cancel", {"couponCode": verification.code, "type": 1})
