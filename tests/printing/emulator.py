"""A network receipt printer on 127.0.0.1 for the tests.

It accepts connections like a printer on port 9100, parses what arrives with the test decoder's
tokenizer (so status queries are found only where a printer would find them, never inside
image data), answers ``DLE EOT 1/2/4`` with status bytes for its current state, and records
each connection's bytes, without the status queries, as one job: complete when the sender
closed the connection, partial when the emulator was stopped during it. ``stop_after_bytes``
makes it drop dead once that many bytes of a job have arrived: the power cord pulled mid-job.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

from tests.printing.escpos_decoder import tokenize


class PrinterEmulator:
    def __init__(self, port: int = 0, *, paper: str = "ok", online: bool = True,
                 answer_status: bool = True, stop_after_bytes: int | None = None,
                 host: str = "127.0.0.1"):
        self.host = host                 # any 127.0.0.x: several printers for discovery tests
        self.port = port
        self.paper = paper               # ok, near_end, out
        self.online = online
        self.cover_open = False
        self.answer_status = answer_status
        self.stop_after_bytes = stop_after_bytes
        self.jobs: list[bytes] = []          # complete jobs
        self.partial: list[bytes] = []       # jobs cut short by stopping the emulator
        self.connections = 0
        self._sock: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._thread: threading.Thread | None = None
        self._running = threading.Event()
        self._lock = threading.Lock()
        self.job_done = threading.Event()
        self.status_asked = threading.Event()  # a client sent a status query (DLE EOT)
        self.stopped = threading.Event()

    @property
    def spec(self) -> str:
        return f"network:{self.host}:{self.port}"

    def start(self) -> "PrinterEmulator":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(5)
        sock.settimeout(0.05)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._running.set()
        self.stopped.clear()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Power off: close the listener and every connection at once (RST, no goodbye)."""
        self._running.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
            except OSError:
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2)
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self.stopped.set()

    def __enter__(self) -> "PrinterEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- status bytes for the current state ---------------------------------------------------

    def _status(self, n: int) -> bytes:
        if n == 1:
            return bytes((0x12 | (0x08 if not self.online or self.cover_open
                                  or self.paper == "out" else 0),))
        if n == 2:
            return bytes((0x12 | (0x04 if self.cover_open else 0)
                          | (0x20 if self.paper == "out" else 0),))
        if n == 4:
            bits = {"ok": 0, "near_end": 0x0C, "out": 0x6C}[self.paper]
            return bytes((0x12 | bits,))
        return b"\x12"

    # --- serving ------------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while self._running.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                if not self._running.is_set():
                    conn.close()
                    return
                self._conns.append(conn)
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        pending = b""
        job = bytearray()
        received = 0
        closed_by_client = False
        while self._running.is_set():
            try:
                chunk = conn.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                closed_by_client = True
                break
            received += len(chunk)
            if self.stop_after_bytes is not None and received >= self.stop_after_bytes:
                job += chunk
                self.stop_after_bytes = None
                threading.Thread(target=self.stop, daemon=True).start()
                break
            pending += chunk
            spans: list[tuple[int, int]] = []
            tokens, used = tokenize(pending, partial=True, spans=spans)
            for tok, (a, b) in zip(tokens, spans, strict=True):
                if tok[0] != "status":
                    job += pending[a:b]
                    continue
                self.status_asked.set()
                if self.answer_status:
                    try:
                        conn.sendall(self._status(tok[1]))
                    except OSError:
                        break
            pending = pending[used:]
        try:
            conn.close()
        except OSError:
            pass
        data = bytes(job + pending)
        if data:
            with self._lock:
                if closed_by_client:
                    self.jobs.append(data)
                    self.job_done.set()
                else:
                    self.partial.append(data)

    def wait_for_jobs(self, n: int, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.jobs) >= n:
                return True
            time.sleep(0.01)
        return len(self.jobs) >= n

