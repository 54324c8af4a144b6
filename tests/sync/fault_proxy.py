"""A small fault-injecting HTTP proxy for the sync tests: till -> proxy -> central service.

It speaks just enough HTTP/1.1 to sit between ``requests`` and uvicorn: it reads one request
(headers and a Content-Length body), forwards it to the service over a fresh connection, reads
the whole answer, and sends it back with ``Connection: close``. Faults are queued and each hits
the next request whose path starts with its prefix:

==================  =========================================================================
``reset``           the connection is reset (RST) before anything is forwarded
``drop``            forwarded (the service commits), then the connection is reset: the answer
                    is lost
``error500``        a 500 answer without forwarding
``error500_after``  forwarded (committed), then a 500 answer instead of the service's
``truncate``        forwarded, then the answer's headers and half its body, then close
``garbage``         forwarded, then ``200`` with a body that is not JSON
``delay``           forwarded after ``seconds`` (a client with a short read timeout gives up
                    first; the service commits later)
``delay_after``     forwarded at once, answered after ``seconds``
==================  =========================================================================

``proxy.offline = True`` resets every connection (the network is down). When the service is not
running the proxy answers 502, as a load balancer would.
"""

from __future__ import annotations

import http.client
import socket
import socketserver
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass

FAULTS = ("reset", "drop", "error500", "error500_after", "truncate", "garbage", "delay",
          "delay_after")
_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
        "upgrade", "host", "content-length"}


@dataclass
class Fault:
    kind: str
    path: str = "/v1/"
    seconds: float = 0.0


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.faults: deque[Fault] = deque()
        self.offline = False
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str]] = []  # (method, path, what happened)
        self.inflight = 0
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server((host, 0), Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name=f"fault-proxy-{self.port}")
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def inject(self, kind: str, *, path: str = "/v1/", times: int = 1,
               seconds: float = 0.0) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        with self.lock:
            for _ in range(times):
                self.faults.append(Fault(kind, path, seconds))

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
        self.offline = False

    def pending_faults(self) -> int:
        with self.lock:
            return len(self.faults)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one connection -----------------------------------------------------------------------

    def _take(self, path: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self.faults):
                if path.startswith(fault.path):
                    del self.faults[i]
                    return fault
        return None

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until no request is in flight (a delayed one has reached the service)."""
        deadline = time.monotonic() + timeout
        while self.inflight and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.inflight:
            raise TimeoutError("requests still in flight through the proxy")

    def _handle(self, sock: socket.socket) -> None:
        with self.lock:
            self.inflight += 1
        try:
            self._serve(sock)
        finally:
            with self.lock:
                self.inflight -= 1

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(60)
        try:
            request = _read_request(sock)
        except (OSError, ValueError):
            return
        if request is None:
            return
        method, path, headers, body = request
        if self.offline:
            self._log(method, path, "offline")
            return _reset(sock)
        fault = self._take(path)
        kind = fault.kind if fault else "pass"
        self._log(method, path, kind)
        if kind == "reset":
            return _reset(sock)
        if kind == "error500":
            return _send(sock, 500, "Internal Server Error",
                         [("Content-Type", "application/json")],
                         b'{"error":"internal_error","message":"injected"}')
        if kind == "delay":
            time.sleep(fault.seconds)
        try:
            status, reason, out_headers, out_body = self._forward(method, path, headers, body)
        except OSError:
            return _send(sock, 502, "Bad Gateway", [("Content-Type", "text/plain")],
                         b"upstream unavailable")
        if kind == "drop":
            return _reset(sock)
        if kind == "error500_after":
            return _send(sock, 500, "Internal Server Error", [("Content-Type", "text/html")],
                         b"<html>proxy error</html>")
        if kind == "garbage":
            return _send(sock, 200, "OK", [("Content-Type", "application/json")],
                         b"<html>this is not json")
        if kind == "delay_after":
            time.sleep(fault.seconds)
        if kind == "truncate":
            head = _head(status, reason, out_headers, len(out_body))
            try:
                sock.sendall(head + out_body[: max(1, len(out_body) // 2)])
            except OSError:
                pass
            return _close(sock)
        _send(sock, status, reason, out_headers, out_body)

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(method, path, body=body or None,
                         headers={k: v for k, v in headers if k.lower() not in _HOP})
            response = conn.getresponse()
            data = response.read()
            out = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP]
            return response.status, response.reason, out, data
        finally:
            conn.close()

    def _log(self, method: str, path: str, what: str) -> None:
        with self.lock:
            self.requests.append((method, path, what))


def _read_request(sock: socket.socket):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            raise ValueError("headers too long")
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = []
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = rest
    while len(body) < length:
        chunk = sock.recv(min(1 << 20, length - len(body)))
        if not chunk:
            raise ValueError("request body cut short")
        body += chunk
    return method, path, headers, body[:length]


def _head(status: int, reason: str, headers: list[tuple[str, str]], length: int) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines += [f"Content-Length: {length}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _send(sock: socket.socket, status: int, reason: str, headers: list[tuple[str, str]],
          body: bytes) -> None:
    try:
        sock.sendall(_head(status, reason, headers, len(body)) + body)
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0): the client sees 'connection reset by peer'."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()
