"""The receipt printer's settings, validated with messages a store manager can act on."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from pos_member.printing.document import PAPER_COLUMNS
from pos_member.printing.text import ENCODINGS
from pos_member.printing.transport import PrinterSpecError, parse_spec

QR_MODES = ("raster", "native")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class PrinterSettings:
    """``printer`` is a transport spec (see :mod:`pos_member.printing.transport`), e.g.
    ``network:192.168.1.50:9100`` or ``usb:04b8:0202``."""

    printer: str
    width: int = 48                  # 32 (58 mm) or 48 (80 mm)
    encoding: str = "gb18030"        # gb18030, big5, utf8, cp437 ..., or raster
    qr: str = "raster"               # raster (works everywhere) or native (GS ( k)
    font: str | None = None          # CJK font for raster mode and previews; None: find one
    drawer_pin: int = 2              # cash drawer kick on connector pin 2 or 5
    status_query: bool = True        # ask DLE EOT where the transport can read back
    connect_timeout: float = 3.0     # seconds
    io_timeout: float = 10.0         # seconds for a write or a status reply
    retry_window: float = 600.0      # seconds a waiting receipt is retried automatically
    cut: bool = True

    def __post_init__(self) -> None:
        try:
            parse_spec(self.printer)
        except PrinterSpecError as exc:
            raise SettingsError(str(exc)) from None
        if self.width not in PAPER_COLUMNS:
            raise SettingsError(f"width must be 32 (58 mm) or 48 (80 mm), not {self.width!r}")
        if self.encoding not in ENCODINGS:
            raise SettingsError(f"encoding must be one of {', '.join(ENCODINGS)}, "
                                f"not {self.encoding!r}")
        if self.qr not in QR_MODES:
            raise SettingsError(f"qr must be raster or native, not {self.qr!r}")
        if self.drawer_pin not in (2, 5):
            raise SettingsError(f"drawer pin must be 2 or 5, not {self.drawer_pin!r}")
        for name in ("connect_timeout", "io_timeout", "retry_window"):
            if not getattr(self, name) > 0:
                raise SettingsError(f"{name} must be a positive number of seconds")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "PrinterSettings":
        """From a settings file's section; unknown keys are refused (a typo should not be
        silently ignored)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(f"unknown printer setting(s): {', '.join(unknown)}")
        if "printer" not in values:
            raise SettingsError("printer setting is required (e.g. network:192.168.1.50)")
        kwargs = dict(values)
        if "width" in kwargs:
            try:
                kwargs["width"] = int(kwargs["width"])
            except (TypeError, ValueError):
                raise SettingsError(f"width must be 32 or 48, not {values['width']!r}") from None
        return cls(**kwargs)
