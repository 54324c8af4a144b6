"""Which scanner the till reads: keyboard wedge (always on), a serial scanner, or a camera.

Stored in the till's settings (``sync_state`` rows, like the printer): ``scanner_source``
(``wedge`` | ``serial`` | ``camera``), ``scanner_port`` and ``scanner_baud`` for a serial
scanner, ``scanner_camera`` for a camera (a QtMultimedia device id; empty: the default camera).
A keyboard-wedge scanner needs no setting and keeps working whatever is chosen: the choice only
adds a device the till opens itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pos_member.store import repositories as repo
from pos_member.store.db import transaction

from .context import TillContext
from .errors import InvalidInput

SOURCE = "scanner_source"
PORT = "scanner_port"
BAUD = "scanner_baud"
CAMERA = "scanner_camera"

SOURCES = ("wedge", "serial", "camera")
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
DEFAULT_BAUD = 9600  # what most serial scanners ship with (8N1)


@dataclass(frozen=True)
class ScannerSettings:
    source: str = "wedge"
    port: str = ""
    baud: int = DEFAULT_BAUD
    camera: str = ""


def scanner_settings(ctx: TillContext) -> ScannerSettings:
    with ctx.read_sessions() as s:
        source = repo.get_setting(s, SOURCE) or "wedge"
        try:
            baud = int(repo.get_setting(s, BAUD) or DEFAULT_BAUD)
        except ValueError:
            baud = DEFAULT_BAUD
        return ScannerSettings(source if source in SOURCES else "wedge",
                               repo.get_setting(s, PORT) or "",
                               baud if baud in BAUDS else DEFAULT_BAUD,
                               repo.get_setting(s, CAMERA) or "")


def check_scanner_settings(source: str, port: str = "", baud: int = DEFAULT_BAUD,
                           camera: str = "") -> ScannerSettings:
    if source not in SOURCES:
        raise InvalidInput(f"the scanner is one of {', '.join(SOURCES)}", code="bad_scanner")
    port = (port or "").strip()
    if source == "serial" and not port:
        raise InvalidInput("choose the serial port the scanner is on", code="bad_scanner_port")
    if len(port) > 200 or any(c in port for c in "\r\n\0"):
        raise InvalidInput("that is not a serial port name", code="bad_scanner_port")
    try:
        baud = int(baud)
    except (TypeError, ValueError):
        baud = 0
    if baud not in BAUDS:
        raise InvalidInput(f"the baud rate is one of {', '.join(map(str, BAUDS))}",
                           code="bad_scanner_baud")
    return ScannerSettings(source, port, baud, (camera or "").strip()[:200])


def save_scanner_settings(ctx: TillContext, source: str, port: str = "",
                          baud: int = DEFAULT_BAUD, camera: str = "") -> ScannerSettings:
    """Check and store the scanner choice; returns what was stored."""
    value = check_scanner_settings(source, port, baud, camera)
    with transaction(ctx.sessions) as s:
        repo.set_setting(s, SOURCE, value.source)
        repo.set_setting(s, PORT, value.port)
        repo.set_setting(s, BAUD, str(value.baud))
        repo.set_setting(s, CAMERA, value.camera)
    return value
