"""A simulated group-buy platform: 美团 and 抖音来客 voucher APIs on 127.0.0.1, in its own process.

    python -m pos_central.platforms.simulator [--port 8766] [--demo] [--window 3600]

It speaks the paths and answer shapes of :mod:`pos_central.platforms.meituan` and
:mod:`pos_central.platforms.douyin` and behaves like the platforms: prepare → verify → cancel,
expiry, a voucher already used, idempotent verification (美团 ``requestId``, 抖音
``verify_token``), a cancel window (default one hour after the verification) and signed 美团
requests. For tests and demos it has a control API under ``/_sim``:

========================  ==================================================================
``POST /_sim/vouchers``   make a voucher: ``{"platform", "code", "title", "value_fen",
                          "paid_fen", "expires_in"}`` (seconds; negative = already expired)
``GET /_sim/vouchers/C``  a voucher's state: ``status``, ``verifications`` (how many times it
                          was used, ever), ``cancels``
``POST /_sim/faults``     ``{"drop_after_verify": n}``: the next n verifications are made and
                          then the connection is closed without an answer (a dropped answer);
                          ``{"down": true}``: every platform call answers 503
``POST /_sim/clock``      ``{"advance": seconds}``: move the simulator's clock forward
========================  ==================================================================

The first line on stdout is ``listening on http://127.0.0.1:PORT``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from pos_central.platforms.signing import sign

DOUYIN = "/goodlife/v1/fulfilment/certificate"
DEMO_VOUCHERS = (
    ("meituan", "MT0000000001", "双人下午茶套餐 (美团)", 8800, 5990),
    ("meituan", "MT0000000002", "代金券 ¥50 (美团)", 5000, 4500),
    ("douyin", "DY0000000001", "单人套餐 (抖音)", 6800, 3990),
    ("douyin", "DY0000000002", "代金券 ¥100 (抖音)", 10000, 8800),
)


class Platform:
    """The simulator's state, behind one lock."""

    def __init__(self, window: int = 3600, secret: str = "") -> None:
        self.lock = threading.Lock()
        self.vouchers: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # 抖音 verify_token -> code
        self.by_key: dict[tuple[str, str], dict[str, Any]] = {}  # (platform, key) -> result
        self.window = window
        self.secret = secret
        self.offset = 0.0
        self.drop_after_verify = 0
        self.down = False

    def now(self) -> float:
        return time.time() + self.offset

    def add(self, platform: str, code: str, title: str, value_fen: int, paid_fen: int,
            expires_in: float = 30 * 86400) -> dict[str, Any]:
        voucher = {"platform": platform, "code": code, "title": title,
                   "value_fen": int(value_fen), "paid_fen": int(paid_fen),
                   "expires_at": self.now() + expires_in, "status": "unused",
                   "verifications": 0, "cancels": 0, "verified_at": None, "key": None,
                   "verify_id": None, "certificate_id": uuid.uuid4().hex[:16],
                   "encrypted_code": "enc_" + uuid.uuid4().hex, "records": []}
        self.vouchers[code] = voucher
        return voucher

    def state(self, code: str) -> str:
        """unknown / expired / used / unused (a cancelled verification makes it unused)."""
        v = self.vouchers.get(code)
        if v is None:
            return "unknown"
        if v["status"] == "used":
            return "used"
        return "expired" if self.now() >= v["expires_at"] else "unused"

    def use(self, v: dict[str, Any], key: str) -> None:
        v.update(status="used", verified_at=self.now(), key=key,
                 verify_id=uuid.uuid4().hex[:20])
        v["verifications"] += 1
        v["records"].append({"verify_id": v["verify_id"], "out_order_id": key,
                             "verify_time": int(v["verified_at"]), "cancelled": False})

    def cancel(self, v: dict[str, Any]) -> str | None:
        """None when undone, else the refusal."""
        if v["status"] != "used":
            return "not_verified"
        if self.now() > v["verified_at"] + self.window:
            return "window_passed"
        v["status"] = "unused"
        v["cancels"] += 1
        v["records"][-1]["cancelled"] = True
        self.by_key.pop((v["platform"], v["key"]), None)
        v.update(verified_at=None, key=None, verify_id=None)
        return None


MT_CODES = {"unknown": 1001, "used": 1008, "expired": 1009, "window_passed": 1012,
            "not_verified": 1013}
DY_CODES = {"unknown": 1201, "used": 1202, "expired": 1203, "window_passed": 1209,
            "not_verified": 1210}
MT_TEXT = {"unknown": "券码不存在", "used": "券码已使用", "expired": "券码已过期",
           "window_passed": "已超过撤销时限", "not_verified": "券码未验证"}


def make_handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    P = platform

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:  # quiet
            pass

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("content-length") or 0)
            if not length:
                return {}
            try:
                data = json.loads(self.rfile.read(length))
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}

        def _send(self, body: Any, status: int = 200) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _drop(self) -> None:
            """The work is done but the answer never arrives."""
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def _dispatch(self, method: str) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            body = self._body() if method == "POST" else {}
            path = url.path
            if path.startswith("/_sim"):
                with P.lock:
                    return self._control(method, path, body)
            if P.down:
                return self._send({"code": 503, "msg": "service unavailable"}, 503)
            with P.lock:
                if path.startswith("/tuangou/"):
                    return self._meituan(path, body)
                if path.startswith(DOUYIN):
                    return self._douyin(method, path[len(DOUYIN):], query, body)
            self._send({"error": "not found"}, 404)

        # -- control ---------------------------------------------------------------------------

        def _control(self, method: str, path: str, body: dict[str, Any]) -> None:
            if path == "/_sim/health":
                return self._send({"status": "ok"})
            if path == "/_sim/vouchers" and method == "POST":
                v = P.add(body["platform"], body["code"], body.get("title", ""),
                          body["value_fen"], body.get("paid_fen", body["value_fen"]),
                          float(body.get("expires_in", 30 * 86400)))
                return self._send(_public(v), 201)
            if path.startswith("/_sim/vouchers/"):
                v = P.vouchers.get(path.rsplit("/", 1)[1])
                return self._send(_public(v) if v else {"error": "unknown"}, 200 if v else 404)
            if path == "/_sim/faults":
                P.drop_after_verify = int(body.get("drop_after_verify", P.drop_after_verify))
                P.down = bool(body.get("down", P.down))
                return self._send({"drop_after_verify": P.drop_after_verify, "down": P.down})
            if path == "/_sim/clock":
                P.offset += float(body.get("advance", 0))
                return self._send({"offset": P.offset})
            self._send({"error": "not found"}, 404)

        # -- 美团 ------------------------------------------------------------------------------

        def _mt_error(self, state: str) -> None:
            self._send({"code": MT_CODES[state], "msg": MT_TEXT[state], "data": None})

        def _meituan(self, path: str, body: dict[str, Any]) -> None:
            if body.get("sign") != sign(body, P.secret):
                return self._send({"code": 1020, "msg": "签名错误", "data": None})
            code = str(body.get("receiptCode") or body.get("couponCode") or "")
            v = P.vouchers.get(code)
            if path == "/tuangou/ng/coupon/msprepare":
                state = P.state(code)
                if state != "unused":
                    return self._mt_error(state)
                return self._send({"code": 200, "msg": "success", "data": {
                    "receiptCode": code, "count": 1, "dealTitle": v["title"],
                    "dealValue": v["value_fen"] / 100, "dealPrice": v["paid_fen"] / 100,
                    "couponEndTime": int(v["expires_at"] * 1000)}})
            if path == "/tuangou/ng/coupon/msconsume":
                key = str(body.get("requestId") or "")
                done = P.by_key.get(("meituan", key))
                if done is None:
                    state = P.state(code)
                    if state != "unused":
                        return self._mt_error(state)
                    P.use(v, key)
                    done = {"code": 200, "msg": "success", "data": {"requestId": key, "result": [{
                        "receiptCode": code, "orderId": v["verify_id"],
                        "dealValue": v["value_fen"] / 100,
                        "consumeTime": int(v["verified_at"] * 1000)}]}}
                    if key:
                        P.by_key[("meituan", key)] = done
                if P.drop_after_verify > 0:
                    P.drop_after_verify -= 1
                    return self._drop()
                return self._send(done)
            if path == "/tuangou/coupon/queryById":
                if v is None:
                    return self._mt_error("unknown")
                return self._send({"code": 200, "msg": "success", "data": {
                    "couponCode": code, "status": 1 if v["status"] == "used" else 0,
                    "requestId": v["key"], "orderId": v["verify_id"],
                    "dealValue": v["value_fen"] / 100,
                    "couponUseTime": int(v["verified_at"] * 1000) if v["verified_at"] else 0}})
            if path == "/tuangou/coupon/cancel":
                if v is None:
                    return self._mt_error("unknown")
                refused = P.cancel(v)
                if refused:
                    return self._mt_error(refused)
                return self._send({"code": 200, "msg": "success", "data": {"couponCode": code}})
            self._send({"code": 404, "msg": "no such api", "data": None})

        # -- 抖音 ------------------------------------------------------------------------------

        def _dy(self, data: dict[str, Any] | None = None, error: str | None = None) -> None:
            inner = {"error_code": 0, "description": "success", **(data or {})}
            if error:
                inner = {"error_code": DY_CODES[error], "description": MT_TEXT[error]}
            self._send({"data": inner, "extra": {"error_code": inner["error_code"],
                                                 "logid": uuid.uuid4().hex}})

        def _douyin(self, method: str, path: str, query: dict[str, str],
                    body: dict[str, Any]) -> None:
            if not self.headers.get("access-token"):
                return self._send({"data": {"error_code": 2190002, "description":
                                            "access_token无效"}, "extra": {}}, 200)
            if path == "/prepare/":
                code = query.get("code", "")
                state = P.state(code)
                if state != "unused":
                    return self._dy(error=state)
                v = P.vouchers[code]
                token = uuid.uuid4().hex
                P.tokens[token] = code
                return self._dy({"verify_token": token, "order_id": "dy" + code,
                                 "certificates": [{
                                     "encrypted_code": v["encrypted_code"],
                                     "certificate_id": v["certificate_id"],
                                     "start_time": int(P.now()) - 86400,
                                     "expire_time": int(v["expires_at"]),
                                     "amount": {"original_amount": v["value_fen"],
                                                "pay_amount": v["paid_fen"]},
                                     "sku": {"title": v["title"], "sku_id": "sku" + code}}]})
            if path == "/verify/":
                token = str(body.get("verify_token", ""))
                code = P.tokens.get(token)
                if code is None:
                    return self._dy({"verify_results": [{"result": 1220,
                                                         "msg": "verify_token无效"}]})
                done = P.by_key.get(("douyin", token))
                if done is None:
                    v = P.vouchers[code]
                    state = P.state(code)
                    if state != "unused":
                        return self._dy(error=state)
                    P.use(v, str(body.get("out_order_id") or ""))
                    done = {"verify_results": [{
                        "result": 0, "msg": "", "code": code, "origin_code": code,
                        "verify_id": v["verify_id"], "certificate_id": v["certificate_id"],
                        "verify_time": int(v["verified_at"])}]}
                    P.by_key[("douyin", token)] = done
                    v["token"] = token
                if P.drop_after_verify > 0:
                    P.drop_after_verify -= 1
                    return self._drop()
                return self._dy(done)
            if path == "/get/":
                enc = query.get("encrypted_code", "")
                v = next((x for x in P.vouchers.values() if x["encrypted_code"] == enc), None)
                if v is None:
                    return self._dy(error="unknown")
                return self._dy({"certificate": {
                    "certificate_id": v["certificate_id"],
                    "status": 2 if v["status"] == "used" else 1,
                    "amount": {"original_amount": v["value_fen"], "pay_amount": v["paid_fen"]},
                    "verify_records": v["records"]}})
            if path == "/cancel/":
                verify_id = str(body.get("verify_id", ""))
                v = next((x for x in P.vouchers.values() if x["verify_id"] == verify_id
                          and x["platform"] == "douyin"), None)
                if v is None:
                    return self._dy(error="not_verified")
                P.by_key.pop(("douyin", v.get("token", "")), None)
                refused = P.cancel(v)
                return self._dy(error=refused) if refused else self._dy({})
            self._send({"data": {"error_code": 404, "description": "no such api"}}, 404)

    return Handler


def _public(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v[k] for k in ("platform", "code", "title", "value_fen", "paid_fen", "status",
                              "verifications", "cancels", "expires_at")}


def serve(port: int = 0, *, window: int = 3600, secret: str = "",
          demo: bool = False) -> tuple[ThreadingHTTPServer, Platform]:
    platform = Platform(window=window, secret=secret)
    if demo:
        for args in DEMO_VOUCHERS:
            platform.add(*args)
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(platform))
    server.daemon_threads = True
    return server, platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos_central.platforms.simulator",
                                     description="A simulated 美团/抖音 voucher platform.")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port")
    parser.add_argument("--window", type=int, default=3600,
                        help="seconds after a verification during which it can be cancelled")
    parser.add_argument("--secret", default="", help="the 美团 signing secret to check")
    parser.add_argument("--demo", action="store_true", help="start with a few demo vouchers")
    args = parser.parse_args(argv)
    server, _ = serve(args.port, window=args.window, secret=args.secret, demo=args.demo)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
