"""Printer connections through python-escpos, chosen by a spec string, with status queries.

Spec strings::

    usb:VID:PID              usb:04b8:0202 (hex, with or without 0x)
    serial:DEVICE[:BAUD]     serial:/dev/ttyUSB0, serial:COM3:19200 (default 9600)
    network:HOST[:PORT]      network:192.168.1.50, network:[fe80::1]:9100 (default 9100)
    win32:PRINTER NAME       the Windows spooler, raw (the job ends when it is closed)
    cups:QUEUE               a CUPS queue, raw
    file:PATH                a device file such as /dev/usb/lp0, or any file

:func:`send_job` opens the connection, asks the printer's real-time status (``DLE EOT``)
where the transport can read back (USB, serial, network) and refuses to send to a printer that
is offline, out of paper or has its cover open; after sending it asks again and waits for the
reply, which confirms the printer took the whole job. Every failure becomes a
:class:`PrinterError` whose message says what to do.
"""

from __future__ import annotations

import re
import select
import socket
import threading
from dataclasses import dataclass

from pos_member.printing.escpos_compat import escpos

DEFAULT_PORT = 9100
DEFAULT_BAUD = 9600
KINDS = ("usb", "serial", "network", "win32", "cups", "file")
READABLE = ("usb", "serial", "network")
_EXTRAS = {"usb": "pip install python-escpos[usb] (pyusb) and libusb",
           "serial": "pip install python-escpos[serial] (pyserial)",
           "win32": "pip install python-escpos[win32] (pywin32), on Windows",
           "cups": "pip install python-escpos[cups] (pycups) and CUPS",
           "network": "", "file": ""}

STATUS_PRINTER = b"\x10\x04\x01"   # DLE EOT 1: online / offline
STATUS_OFFLINE = b"\x10\x04\x02"   # DLE EOT 2: why offline (cover, feed button, error)
STATUS_PAPER = b"\x10\x04\x04"     # DLE EOT 4: roll paper sensor


class PrinterSpecError(ValueError):
    """A printer spec string that cannot be used."""


class PrinterError(Exception):
    """The printer could not take a job. ``state`` is one of offline, paper_out, cover_open,
    error, no_reply; ``str()`` is a message for the cashier."""

    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state = state


@dataclass(frozen=True)
class PrinterSpec:
    kind: str
    target: str = ""          # host, device, queue, printer name or path
    port: int = 0             # network port or serial baud rate
    vendor: int = 0
    product: int = 0

    def __str__(self) -> str:
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        if self.kind == "network":
            host = f"[{self.target}]" if ":" in self.target else self.target
            return f"network:{host}:{self.port}"
        if self.kind == "serial":
            return f"serial:{self.target}:{self.port}"
        return f"{self.kind}:{self.target}"

    @property
    def can_read(self) -> bool:
        return self.kind in READABLE


def _hex_id(text: str, what: str, spec: str) -> int:
    t = text.strip().lower().removeprefix("0x")
    if not re.fullmatch(r"[0-9a-f]{1,4}", t):
        raise PrinterSpecError(f"{spec!r}: {what} must be a hex number like 04b8, not {text!r}")
    return int(t, 16)


def parse_spec(spec: str) -> PrinterSpec:
    """Parse a printer spec string; :class:`PrinterSpecError` says what is wrong."""
    if not isinstance(spec, str) or ":" not in spec:
        raise PrinterSpecError(
            f"printer {spec!r} is not KIND:TARGET; use one of "
            "usb:VID:PID, serial:DEVICE[:BAUD], network:HOST[:PORT], win32:NAME, cups:QUEUE, "
            "file:PATH")
    kind, rest = spec.split(":", 1)
    kind = kind.strip().lower()
    rest = rest.strip()
    if kind not in KINDS:
        raise PrinterSpecError(f"{spec!r}: unknown printer kind {kind!r}; use one of "
                               f"{', '.join(KINDS)}")
    if not rest:
        raise PrinterSpecError(f"{spec!r}: nothing after '{kind}:'")
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2:
            raise PrinterSpecError(f"{spec!r}: expected usb:VENDOR:PRODUCT, e.g. usb:04b8:0202")
        return PrinterSpec("usb", vendor=_hex_id(parts[0], "vendor id", spec),
                           product=_hex_id(parts[1], "product id", spec))
    if kind == "network":
        host, port = rest, DEFAULT_PORT
        m = re.fullmatch(r"\[([^\]]+)\](?::(.*))?", rest)
        if m:
            host, port_text = m.group(1), m.group(2)
        elif rest.count(":") == 1:
            host, port_text = rest.split(":")
        elif rest.count(":") > 1:
            raise PrinterSpecError(f"{spec!r}: write an IPv6 address in brackets, "
                                   "e.g. network:[fe80::1]:9100")
        else:
            port_text = None
        if port_text is not None:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise PrinterSpecError(f"{spec!r}: port must be a number 1-65535, "
                                       f"not {port_text!r}")
            port = int(port_text)
        if not host or any(c.isspace() for c in host):
            raise PrinterSpecError(f"{spec!r}: bad host name {host!r}")
        return PrinterSpec("network", target=host, port=port)
    if kind == "serial":
        device, baud = rest, DEFAULT_BAUD
        head, sep, tail = rest.rpartition(":")
        if sep and tail.isdigit():
            device, baud = head, int(tail)
        elif sep and tail and not re.fullmatch(r"[A-Za-z]", head):  # not a drive letter
            raise PrinterSpecError(f"{spec!r}: baud rate must be a number, not {tail!r}")
        if baud not in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200):
            raise PrinterSpecError(f"{spec!r}: unusual baud rate {baud}; use 9600, 19200, "
                                   "38400, 57600 or 115200")
        return PrinterSpec("serial", target=device, port=baud)
    return PrinterSpec(kind, target=rest)


# --- status bytes ------------------------------------------------------------------------------

def _valid_status(b: int) -> bool:
    return b & 0x93 == 0x12      # bits 1 and 4 set, bits 0 and 7 clear in every DLE EOT reply


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper: str                   # ok, near_end, out
    cover_open: bool = False
    error: bool = False


class Connection:
    """One open connection to the printer for one job (python-escpos does the opening)."""

    def __init__(self, spec: PrinterSpec, connect_timeout: float, io_timeout: float):
        self.spec = spec
        self.io_timeout = io_timeout
        self._aborted = threading.Event()
        p = escpos().printer
        cls = {"network": p.Network, "usb": p.Usb, "serial": p.Serial, "win32": p.Win32Raw,
               "cups": p.CupsPrinter, "file": p.File}[spec.kind]
        if not cls.is_usable():
            raise PrinterError("offline", f"printer {spec}: this computer lacks the driver "
                               f"library ({_EXTRAS[spec.kind]})")
        self.dev = None
        try:
            if spec.kind == "network":
                self.dev = cls(spec.target, spec.port, timeout=connect_timeout)
            elif spec.kind == "usb":
                self.dev = cls(spec.vendor, spec.product, timeout=int(io_timeout * 1000))
            elif spec.kind == "serial":
                self.dev = cls(spec.target, baudrate=spec.port, timeout=io_timeout)
            else:
                self.dev = cls(spec.target)
            self.dev.open()
        except Exception as exc:  # python-escpos raises DeviceNotFoundError, RuntimeError ...
            self._neutralize()
            raise PrinterError("offline", f"printer {spec} not reachable: "
                               f"{_one_line(exc)}") from None
        if spec.kind == "network":
            self.dev.device.settimeout(io_timeout)

    def _neutralize(self) -> None:
        """python-escpos closes in ``__del__``; after a failed open that can raise (USB without
        pyusb), and an exception in a finalizer is noise at best. Close now, and make the
        finalizer's close a no-op."""
        dev = self.dev
        if dev is None:
            return
        try:
            dev.close()
        except Exception:
            pass
        dev.close = lambda: None

    def write(self, data: bytes) -> None:
        if self._aborted.is_set():
            raise PrinterError("offline", "stopped")
        try:
            self.dev._raw(data)
        except Exception as exc:
            raise PrinterError("offline", f"printer {self.spec} stopped taking data: "
                               f"{_one_line(exc)}") from None

    def _drain(self) -> None:
        """Throw away unasked bytes (a printer may answer bit patterns inside image data)."""
        if self.spec.kind == "network":
            sock = self.dev.device
            while select.select([sock], [], [], 0)[0]:
                try:
                    if not sock.recv(256):
                        return
                except OSError:
                    return

    def _read_byte(self, timeout: float) -> int | None:
        try:
            if self.spec.kind == "network":
                sock = self.dev.device
                sock.settimeout(timeout)
                data = sock.recv(1)
                if not data:
                    raise PrinterError("offline", f"printer {self.spec} closed the connection")
            elif self.spec.kind == "serial":
                self.dev.device.timeout = timeout
                data = self.dev.device.read(1)
            else:  # usb
                data = bytes(self.dev.device.read(self.dev.in_ep, 16, int(timeout * 1000)))
        except PrinterError:
            raise
        except (socket.timeout, TimeoutError):
            return None
        except Exception as exc:
            if "timeout" in type(exc).__name__.lower() or "timed out" in str(exc).lower():
                return None
            raise PrinterError("offline", f"printer {self.spec} connection lost: "
                               f"{_one_line(exc)}") from None
        return data[0] if data else None

    def query(self, command: bytes, timeout: float) -> int:
        self._drain()
        self.write(command)
        b = self._read_byte(timeout)
        if b is None:
            raise PrinterError("no_reply", f"printer {self.spec} did not answer the status "
                               f"query within {timeout:g} s (if it has no back channel, turn "
                               "status queries off)")
        if not _valid_status(b):
            raise PrinterError("error", f"printer {self.spec} sent a status byte 0x{b:02x} "
                               "that is not a DLE EOT reply")
        return b

    def status(self, timeout: float) -> PrinterStatus:
        s1 = self.query(STATUS_PRINTER, timeout)
        s4 = self.query(STATUS_PAPER, timeout)
        paper = "out" if s4 & 0x60 == 0x60 else "near_end" if s4 & 0x0C == 0x0C else "ok"
        online = not s1 & 0x08
        cover = error = False
        if not online:
            s2 = self.query(STATUS_OFFLINE, timeout)
            cover, error = bool(s2 & 0x04), bool(s2 & 0x40)
        return PrinterStatus(online, paper, cover, error)

    def abort(self) -> None:
        """From another thread: make a blocked write or read fail at once (network only)."""
        self._aborted.set()
        if self.spec.kind == "network":
            try:
                self.dev.device.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        try:
            self.dev.close()     # for win32 and cups this is what submits the job
        except Exception as exc:
            self._neutralize()
            raise PrinterError("error", f"printer {self.spec}: closing the job failed: "
                               f"{_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def check_status(st: PrinterStatus, spec: PrinterSpec) -> None:
    if st.paper == "out":
        raise PrinterError("paper_out", f"printer {spec} is out of paper")
    if st.cover_open:
        raise PrinterError("cover_open", f"printer {spec} has its cover open")
    if not st.online:
        raise PrinterError("offline", f"printer {spec} is offline"
                           + (" (error: check the cutter and the head)" if st.error else ""))


def send_job(spec: PrinterSpec, payload: bytes, *, status_query: bool = True,
             connect_timeout: float = 3.0, io_timeout: float = 10.0,
             on_open=None) -> PrinterStatus | None:
    """Send one job; return the printer's status after it (None when it cannot be asked).

    Raises :class:`PrinterError` when the job did not (or may not have) reached the printer.
    ``on_open(connection)`` lets the caller keep the connection to abort it from another thread.
    """
    conn = Connection(spec, connect_timeout, io_timeout)
    if on_open is not None:
        on_open(conn)
    ask = status_query and spec.can_read
    try:
        if ask:
            check_status(conn.status(min(io_timeout, 3.0)), spec)
        conn.write(payload)
        after = None
        if ask:
            after = conn.status(io_timeout)   # answered once the printer has taken the job
            if after.paper == "out":
                raise PrinterError("paper_out", f"printer {spec} ran out of paper while "
                                   "printing; the receipt will print again")
    except BaseException:
        try:
            conn.abort()
            conn.close()
        except Exception:
            pass
        raise
    conn.close()
    return after
