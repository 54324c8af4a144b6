"""Finding receipt printers, so that nobody has to type ``network:192.168.1.50:9100``.

What is looked at, each part on its own and none of them required:

- USB (pyusb with libusb): devices with a printer-class interface (class 7) or from a vendor
  known to make ESC/POS printers (:data:`ESC_POS_VENDORS`). Offered as ``usb:VID:PID``.
- The Windows spooler (pywin32, on Windows): every local and connected printer, ``win32:NAME``.
- CUPS queues (``lpstat``, where CUPS is installed): ``cups:QUEUE``.
- Serial ports (pyserial's ``list_ports``): ``serial:DEVICE``; a serial printer cannot be told
  from any other serial device without sending to it, so these are offered as "maybe".
- The network: hosts of the till's own subnet that accept a TCP connection on port 9100 (raw
  printing). Each one found is asked ``DLE EOT 1`` (real-time status, prints nothing); an
  answer that is a valid status byte says it is an ESC/POS printer.

The network scan is bounded and polite: at most :data:`MAX_SCAN_HOSTS` addresses, only inside
a subnet the till itself is on (or the loopback network, for tests and emulators), a short
connect timeout, a fixed number of connects in flight, and a cancel event checked between
every step. Anything else is refused with :class:`ScanRefused` before a single packet leaves.

Everything here blocks (connects, subprocesses, USB enumeration): call it off the GUI thread.
``ui/printer_finder.py`` runs it on a thread and reports through signals.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

RAW_PORT = 9100
MAX_SCAN_HOSTS = 1024          # a /22; a bigger subnet is scanned as the /24 around the till
CONNECT_TIMEOUT = 0.35         # s; a printer on the shop's LAN answers in milliseconds
PROBE_TIMEOUT = 0.8            # s to wait for the DLE EOT reply
IN_FLIGHT = 64                 # connects at once
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")

# USB vendor ids of makers of ESC/POS receipt printers (and of the USB chips that many
# unbranded Chinese receipt printers use; those are only a hint, hence "maybe" below).
ESC_POS_VENDORS: dict[int, tuple[str, bool]] = {
    0x04B8: ("Epson", True),
    0x0519: ("Star Micronics", True),
    0x1504: ("Bixolon", True),
    0x1D90: ("Citizen", True),
    0x0DD4: ("Custom", True),
    0x154F: ("SNBC", True),
    0x20D1: ("HPRT", True),
    0x0FE6: ("Rongta / Gprinter (ICS Advent chip)", False),
    0x0416: ("Xprinter / Zjiang (Winbond chip)", False),
    0x0483: ("Xprinter / Rongta (STMicroelectronics chip)", False),
    0x28E9: ("Xprinter (GigaDevice chip)", False),
    0x1FC9: ("Xprinter (NXP chip)", False),
    0x6868: ("Gprinter", True),
    0x0525: ("Sewoo / generic printer gadget", False),
    0x067B: ("Prolific USB-serial (serial printer cable)", False),
}
USB_PRINTER_CLASS = 7


class ScanRefused(ValueError):
    """A network range the scanner will not touch (too big, or not the till's own subnet)."""


@dataclass(frozen=True)
class FoundPrinter:
    spec: str             # a printing spec, ready for PrinterSettings
    kind: str             # usb, win32, cups, serial, network
    name: str             # what to show: maker/model, queue name, host
    detail: str = ""      # how it was found / what it said
    likely: bool = True   # False: a candidate that may not be a printer (serial port, open port)


@dataclass
class Progress:
    done: int
    total: int
    stage: str            # usb, win32, cups, serial, network


# --- USB ------------------------------------------------------------------------------------------

def describe_usb(vendor: int, product: int, interface_classes: Iterable[int] = (),
                 manufacturer: str = "", product_name: str = "") -> FoundPrinter | None:
    """A USB device as a printer candidate, or None when nothing says it is a printer."""
    is_printer_class = USB_PRINTER_CLASS in set(interface_classes)
    maker, sure = ESC_POS_VENDORS.get(vendor, ("", False))
    if not is_printer_class and not maker:
        return None
    label = " ".join(x for x in (manufacturer.strip(), product_name.strip()) if x) \
        or maker or "USB printer"
    why = []
    if is_printer_class:
        why.append("USB printer class")
    if maker:
        why.append(f"vendor {maker}")
    return FoundPrinter(f"usb:{vendor:04x}:{product:04x}", "usb", label,
                        ", ".join(why) + f" ({vendor:04x}:{product:04x})",
                        likely=is_printer_class or sure)


def find_usb() -> tuple[list[FoundPrinter], str]:
    """USB printers through pyusb; (found, note) where note says why nothing could be looked at."""
    try:
        import usb.core  # type: ignore[import-not-found]
    except ImportError:
        return [], "USB: pyusb is not installed (pip install python-escpos[usb])"
    try:
        devices = list(usb.core.find(find_all=True))
    except usb.core.NoBackendError:
        return [], "USB: libusb is not installed"
    except Exception as exc:  # permissions, a bus that vanished
        return [], f"USB: {_one_line(exc)}"
    found = []
    for dev in devices:
        classes = []
        try:
            for cfg in dev:
                classes.extend(intf.bInterfaceClass for intf in cfg)
        except Exception:
            pass
        manufacturer = product_name = ""
        try:  # reading strings needs access to the device; without it the ids still tell
            manufacturer = dev.manufacturer or ""
            product_name = dev.product or ""
        except Exception:
            pass
        p = describe_usb(dev.idVendor, dev.idProduct, classes, manufacturer, product_name)
        if p is not None:
            found.append(p)
    return found, ""


# --- the Windows spooler and CUPS ------------------------------------------------------------------

def find_win32() -> tuple[list[FoundPrinter], str]:
    if sys.platform != "win32":
        return [], ""
    try:
        import win32print  # type: ignore[import-not-found]
    except ImportError:
        return [], "Windows printers: pywin32 is not installed (pip install python-escpos[win32])"
    flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
    try:
        printers = win32print.EnumPrinters(flags, None, 2)
    except Exception as exc:
        return [], f"Windows printers: {_one_line(exc)}"
    found = []
    for p in printers:
        name = p.get("pPrinterName", "")
        if name:
            found.append(FoundPrinter(f"win32:{name}", "win32", name,
                                      f"Windows printer on {p.get('pPortName', '?')}",
                                      likely=True))
    return found, ""


_LPSTAT_DEVICE = re.compile(r"^device for (?P<queue>[^:\s]+):\s*(?P<uri>\S+)\s*$")


def parse_lpstat(text: str) -> list[FoundPrinter]:
    """``lpstat -v`` output (``device for QUEUE: URI`` lines) as CUPS candidates."""
    found = []
    for line in text.splitlines():
        m = _LPSTAT_DEVICE.match(line.strip())
        if m:
            uri = m.group("uri")
            found.append(FoundPrinter(f"cups:{m.group('queue')}", "cups", m.group("queue"),
                                      f"CUPS queue ({uri})", likely=True))
    return found


def find_cups(timeout: float = 5.0) -> tuple[list[FoundPrinter], str]:
    if sys.platform == "win32":
        return [], ""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return [], ""  # no CUPS on this till: nothing to say
    try:
        out = subprocess.run([lpstat, "-v"], check=False, capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, "LC_ALL": "C", "LANG": "C"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"CUPS: {_one_line(exc)}"
    return parse_lpstat(out.stdout), ""


# --- serial ports ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SerialPortInfo:
    device: str
    description: str = ""
    usb_id: str = ""      # vid:pid of a USB-serial adapter


def list_serial_ports() -> tuple[list[SerialPortInfo], str]:
    """The serial ports pyserial sees (for printers and for serial scanners)."""
    try:
        from serial.tools import list_ports  # type: ignore[import-not-found]
    except ImportError:
        return [], "serial ports: pyserial is not installed (pip install pyserial)"
    try:
        ports = list(list_ports.comports())
    except Exception as exc:
        return [], f"serial ports: {_one_line(exc)}"
    out = []
    for p in sorted(ports, key=lambda p: p.device):
        desc = p.description if p.description and p.description != "n/a" else ""
        usb_id = f"{p.vid:04x}:{p.pid:04x}" if p.vid is not None and p.pid is not None else ""
        out.append(SerialPortInfo(p.device, desc, usb_id))
    return out, ""


def find_serial() -> tuple[list[FoundPrinter], str]:
    ports, note = list_serial_ports()
    return [FoundPrinter(f"serial:{p.device}", "serial", p.description or p.device,
                         "serial port " + p.device + (f" (USB {p.usb_id})" if p.usb_id else ""),
                         likely=False) for p in ports], note


# --- the network ----------------------------------------------------------------------------------

def local_subnets() -> list[ipaddress.IPv4Network]:
    """The IPv4 subnets this computer is on (without loopback). Linux: ``ip -4 addr``;
    elsewhere the address of the default route's interface, taken as a /24."""
    nets: list[ipaddress.IPv4Network] = []
    ip = shutil.which("ip")
    if ip is not None and sys.platform.startswith("linux"):
        try:
            out = subprocess.run([ip, "-o", "-4", "addr", "show"], check=False, capture_output=True,
                                 text=True, timeout=3).stdout
            for m in re.finditer(r"\binet (\d+\.\d+\.\d+\.\d+/\d+)", out):
                iface = ipaddress.IPv4Interface(m.group(1))
                if not iface.ip.is_loopback and not iface.ip.is_link_local:
                    nets.append(iface.network)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            pass
    if not nets:
        addr = _default_route_address()
        if addr is not None:
            nets.append(ipaddress.IPv4Network(f"{addr}/24", strict=False))
    return list(dict.fromkeys(nets))


def _default_route_address() -> str | None:
    """The address the till would send from: a UDP socket 'connected' to a documentation
    address (TEST-NET-1) sends nothing, it only picks the route."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        addr = s.getsockname()[0]
        return None if addr.startswith(("0.", "127.")) else addr
    except OSError:
        return None
    finally:
        s.close()


def scan_ranges(subnets: Iterable[ipaddress.IPv4Network] | None = None,
                own_addresses: Iterable[str] = ()) -> list[ipaddress.IPv4Network]:
    """The ranges a default scan covers: each own subnet, capped to the /24 around the till."""
    subnets = local_subnets() if subnets is None else list(subnets)
    own = [ipaddress.IPv4Address(a) for a in own_addresses] or (
        [ipaddress.IPv4Address(a)] if (a := _default_route_address()) else [])
    out = []
    for net in subnets:
        if net.num_addresses > MAX_SCAN_HOSTS:
            centre = next((a for a in own if a in net), net.network_address)
            net = ipaddress.IPv4Network(f"{centre}/24", strict=False)
        out.append(net)
    return out


def check_range(network: ipaddress.IPv4Network | str,
                allowed: Iterable[ipaddress.IPv4Network] | None = None) -> ipaddress.IPv4Network:
    """The range to scan, or :class:`ScanRefused`: it must be IPv4, at most
    :data:`MAX_SCAN_HOSTS` addresses, and inside the loopback network or one of ``allowed``
    (by default the till's own subnets)."""
    try:
        net = ipaddress.ip_network(network, strict=False)
    except ValueError as exc:
        raise ScanRefused(f"{network!r} is not a network range: {exc}") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ScanRefused("only IPv4 subnets are scanned (an IPv6 subnet is far too big)")
    if net.num_addresses > MAX_SCAN_HOSTS:
        raise ScanRefused(f"{net} has {net.num_addresses} addresses; at most "
                          f"{MAX_SCAN_HOSTS} are scanned")
    if net.subnet_of(LOOPBACK):
        return net
    allowed = local_subnets() if allowed is None else list(allowed)
    if not any(net.subnet_of(a) for a in allowed):
        raise ScanRefused(f"{net} is not a subnet this till is on "
                          f"({', '.join(map(str, allowed)) or 'no network'})")
    return net


def _hosts(net: ipaddress.IPv4Network) -> list[str]:
    hosts = list(net.hosts()) if net.num_addresses > 2 else list(net)
    return [str(h) for h in hosts]


def valid_status_byte(b: int) -> bool:
    """A DLE EOT reply: bits 1 and 4 set, bits 0 and 7 clear."""
    return b & 0x93 == 0x12


def scan_network(network: ipaddress.IPv4Network | str, *, port: int = RAW_PORT,
                 allowed: Iterable[ipaddress.IPv4Network] | None = None,
                 cancel: threading.Event | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT, probe_timeout: float = PROBE_TIMEOUT,
                 in_flight: int = IN_FLIGHT) -> list[FoundPrinter]:
    """Hosts of ``network`` accepting ``port``, each asked ``DLE EOT 1``.

    Non-blocking connects, at most ``in_flight`` at once, each given ``connect_timeout``;
    ``cancel`` is checked between steps (a cancelled scan returns what it found so far);
    ``progress(done, total)`` is called as addresses are finished. Raises
    :class:`ScanRefused` (before anything is sent) for a range it must not scan.
    """
    net = check_range(network, allowed)
    if not 0 < int(port) < 65536:
        raise ScanRefused(f"port {port} is not 1-65535")
    cancel = cancel or threading.Event()
    hosts = _hosts(net)
    total = len(hosts)
    done = 0
    open_hosts: list[str] = []
    sel = selectors.DefaultSelector()
    pending = iter(hosts)
    live: dict[socket.socket, tuple[str, float]] = {}

    def report() -> None:
        if progress is not None:
            progress(done, total)

    try:
        exhausted = False
        while not cancel.is_set():
            while not exhausted and len(live) < in_flight:
                host = next(pending, None)
                if host is None:
                    exhausted = True
                    break
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                rc = s.connect_ex((host, int(port)))
                if rc in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY,
                          getattr(errno, "WSAEWOULDBLOCK", -1)):
                    live[s] = (host, time.monotonic() + connect_timeout)
                    sel.register(s, selectors.EVENT_WRITE)
                else:
                    s.close()
                    done += 1
                    report()
            if not live:
                break
            for key, _ in sel.select(timeout=0.05):
                s = key.fileobj
                host, _deadline = live.pop(s)
                sel.unregister(s)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    open_hosts.append(host)
                s.close()
                done += 1
                report()
            now = time.monotonic()
            for s, (host, deadline) in list(live.items()):
                if now >= deadline:
                    live.pop(s)
                    sel.unregister(s)
                    s.close()
                    done += 1
                    report()
    finally:
        for s in live:
            s.close()
        sel.close()
    found = []
    for host in sorted(open_hosts, key=ipaddress.IPv4Address):
        if cancel.is_set():
            break
        status = probe_status(host, port, connect_timeout=max(connect_timeout, 1.0),
                              timeout=probe_timeout)
        spec = f"network:{host}:{port}" if port != RAW_PORT else f"network:{host}"
        if status is not None:
            state = "offline" if status & 0x08 else "online"
            found.append(FoundPrinter(spec, "network", host,
                                      f"answers ESC/POS status on port {port} ({state})", True))
        else:
            found.append(FoundPrinter(spec, "network", host,
                                      f"port {port} open; no status reply (a print server "
                                      "without a back channel, or not a printer)", False))
    return found


def probe_status(host: str, port: int = RAW_PORT, *, connect_timeout: float = 1.0,
                 timeout: float = PROBE_TIMEOUT) -> int | None:
    """Ask ``DLE EOT 1`` (prints nothing); the status byte, or None without a valid answer."""
    try:
        with socket.create_connection((host, port), timeout=connect_timeout) as s:
            s.sendall(b"\x10\x04\x01")
            s.settimeout(timeout)
            data = s.recv(1)
    except OSError:
        return None
    if data and valid_status_byte(data[0]):
        return data[0]
    return None


# --- everything ----------------------------------------------------------------------------------

def discover(*, networks: Iterable[ipaddress.IPv4Network | str] | None = None,
             port: int = RAW_PORT, cancel: threading.Event | None = None,
             progress: Callable[[Progress], None] | None = None,
             on_found: Callable[[FoundPrinter], None] | None = None,
             local: bool = True, connect_timeout: float = CONNECT_TIMEOUT
             ) -> tuple[list[FoundPrinter], list[str]]:
    """USB, spooler, CUPS and serial (``local``), then each network range (default: the till's
    own subnets). Returns (found, notes); ``on_found`` sees each one as soon as it is found."""
    cancel = cancel or threading.Event()
    found: list[FoundPrinter] = []
    notes: list[str] = []

    def add(items: list[FoundPrinter]) -> None:
        for p in items:
            if all(p.spec != q.spec for q in found):
                found.append(p)
                if on_found is not None:
                    on_found(p)

    if local:
        for stage, fn in (("usb", find_usb), ("win32", find_win32), ("cups", find_cups),
                          ("serial", find_serial)):
            if cancel.is_set():
                return found, notes
            if progress is not None:
                progress(Progress(0, 1, stage))
            try:
                items, note = fn()
            except Exception as exc:  # a driver library misbehaving: say so, go on
                log.exception("printer discovery: %s failed", stage)
                items, note = [], f"{stage}: {_one_line(exc)}"
            add(items)
            if note:
                notes.append(note)
    ranges = scan_ranges() if networks is None else [check_range(n) for n in networks]
    if not ranges and networks is None:
        notes.append("network: this computer is on no IPv4 network")
    allowed = None if networks is None else ranges
    total = sum(len(_hosts(r)) for r in ranges)
    base = 0
    for r in ranges:
        if cancel.is_set():
            break

        def net_progress(done: int, _total: int, base=base) -> None:
            if progress is not None:
                progress(Progress(base + done, total, "network"))

        add(scan_network(r, port=port, allowed=allowed, cancel=cancel, progress=net_progress,
                         connect_timeout=connect_timeout))
        base += len(_hosts(r))
    return found, notes


def _one_line(exc: BaseException) -> str:
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]
