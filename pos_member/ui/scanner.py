"""Barcode scanners: a USB keyboard-wedge detector that works on any screen, a line source for
serial scanners, and the classification of what was scanned.

Keyboard wedge
--------------
A wedge scanner types its code as a burst of key presses a few milliseconds apart and ends it
with Enter. :class:`WedgeScanner` is an event filter on the application that looks at every key
press *once* (where Qt first delivers it; the same event passed up to parent widgets is
ignored), so no field needs the focus:

- a printable key (no Ctrl/Alt/Meta) is held back, not delivered, and a timer of
  ``max_gap_ms`` starts;
- another printable key within the gap joins the burst; Enter within the gap ends it: with at
  least ``min_length`` characters it is a scan, the keys are never delivered and
  :attr:`WedgeScanner.scanned` is emitted;
- when the gap passes without a key (a person typing, ~80 ms or more between keys), or the burst
  ends without Enter, or is too short, the held keys are delivered to their widget as they were,
  in order: typing still works everywhere, at most ``max_gap_ms`` late.

The gap between two keys is measured on the key events' own timestamps
(``QKeyEvent.timestamp()``, the window system's clock in ms, taken when the key arrived from the
device), not on when the GUI thread gets to handle them: a GUI thread stalled mid-burst delivers
the rest of the burst in a late clump, and the keys are still one burst because their own
timestamps are a few ms apart (and keys typed 150 ms apart stay typing, however they are
delivered). When a timestamp is missing (0: synthetic events, QTest, some platforms), runs
backwards (wrap-around) or jumps absurdly, the gap falls back to the arrival clock. The gap timer
that ends a burst without Enter runs on the arrival clock: when it fires late (the event loop was
busy, so keys of the burst may still be queued) it waits once more instead of giving up.

A field that expects a PIN (a ``QLineEdit`` in a password echo mode, or one marked with
:func:`mark_pin_field`, such as the PIN pads of the login, lock and approval screens) never feeds
the scanner: its keys go straight to the field, however fast they are typed.

Scan fields turn the input method off (``Qt.WA_InputMethodEnabled``), since a Chinese IME
would swallow the scanner's keys; see :func:`make_scan_field`.

Serial scanners
---------------
QtSerialPort is not in PySide6-Essentials and pyserial is not a dependency, so the real port
is not opened here. :class:`LineScanner` is the seam: feed it bytes or lines (from a serial
reader thread, a camera decoder, or a test) and it emits the same ``scanned`` signal.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

if TYPE_CHECKING:  # the class is made on first use (a key pressed after the first paint)
    from PySide6.QtGui import QKeyEvent

log = logging.getLogger(__name__)

RECEIPT_PREFIX = "PMR."  # the code printed on every receipt: PMR.<sale uuid>
# Nothing here uses Qt's ``Qt`` namespace at import (PySide makes all its enums on first use,
# 11 ms or more): the login screen imports this module and paints without it (issue 14 item 8).


class CodeKind(enum.StrEnum):
    MEMBER = "member"        # a dynamic member code or a printed card code (to verify)
    PRODUCT = "product"      # EAN/UPC or a catalogue code (to look up)
    RECEIPT = "receipt"      # a receipt's PMR. code (refunds)
    PAYMENT = "payment"      # a WeChat/Alipay/UnionPay payment code
    REFUSED = "refused"      # foreign or damaged: ``message`` says why


@dataclass(frozen=True)
class Scan:
    text: str
    kind: CodeKind
    reason: str = ""         # a stable code for refusals: url, malformed, payment_code ...
    message: str = ""        # English sentence from the classifier (the UI translates by reason)
    source: str = "wedge"    # wedge, serial, camera, test


def receipt_code(sale_id: str) -> str:
    return RECEIPT_PREFIX + sale_id


def classify_code(text: str, source: str = "wedge") -> Scan:
    """Tell member codes, product barcodes, receipt codes and foreign codes apart. Never raises."""
    from pos_member.security.member_codes import ScanKind, classify_scan  # start-up stays light

    text = (text or "").strip()
    if text[: len(RECEIPT_PREFIX)].upper() == RECEIPT_PREFIX:
        return Scan(text, CodeKind.RECEIPT, source=source)
    member = classify_scan(text)
    if member.kind in (ScanKind.DYNAMIC_CODE, ScanKind.STATIC_CARD):
        return Scan(text, CodeKind.MEMBER, source=source)
    if member.kind is ScanKind.INVALID:
        return Scan(text, CodeKind.REFUSED, member.reason, member.message, source)
    if member.reason == "payment_code":
        return Scan(text, CodeKind.PAYMENT, member.reason, member.message, source)
    if member.reason == "url":
        return Scan(text, CodeKind.REFUSED, "url", member.message, source)
    if text and len(text) <= 32 and all(c.isalnum() or c in "-_." for c in text) and text.isascii():
        return Scan(text, CodeKind.PRODUCT, source=source)
    return Scan(text, CodeKind.REFUSED, member.reason or "unrecognised", member.message, source)


class WedgeScanner(QObject):
    """Detects keyboard-wedge bursts application-wide; install with :meth:`install`."""

    scanned = Signal(object)  # Scan

    def __init__(self, parent: QObject | None = None, *, max_gap_ms: int = 40,
                 min_length: int = 4):
        super().__init__(parent)
        self.max_gap_ms = max_gap_ms
        self.min_length = min_length
        self.enabled = True
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._last_at = 0.0      # arrival clock (perf_counter, s) of the last held key
        self._last_stamp = 0     # its own timestamp (window system, ms); 0 when it had none
        self._armed_at = 0.0     # when the gap timer was started (arrival clock)
        self._armed_ms = 0
        self._waits = 0          # extra waits granted to a late gap timer in this burst
        self._replaying = False
        self._last_seen: tuple | None = None  # (target, key, text, timestamp) of the last press
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._gap_timeout)
        from PySide6.QtCore import Qt

        self._enter = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        self._modifiers = (Qt.KeyboardModifier.ControlModifier
                           | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier)
        self._shift_keys = (Qt.Key.Key_Shift, Qt.Key.Key_CapsLock)

    def install(self, app: QCoreApplication | None = None) -> None:
        (app or QApplication.instance()).installEventFilter(self)

    def uninstall(self, app: QCoreApplication | None = None) -> None:
        (app or QApplication.instance()).removeEventFilter(self)

    # --- the filter --------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or self._replaying or not self.enabled:
            return False
        if not isinstance(obj, QWidget):
            return False  # the QWindow sees the key first; act where the widget gets it
        key_event: QKeyEvent = event  # type: ignore[assignment]
        ident = (key_event.key(), key_event.text(), key_event.timestamp())
        last = self._last_seen
        if last is not None and last[1:] == ident and isinstance(last[0], QWidget) \
                and _is_ancestor(obj, last[0]):
            return False  # the same press, passed on to a parent widget
        self._last_seen = (obj, *ident)
        if expects_pin(obj):
            self._flush()  # keys held for another widget were typed before this one
            return False   # a PIN is typed, never scanned: the key goes to the field
        return self._on_press(obj, key_event)

    def gap_ms(self, stamp: int, now: float) -> float:
        """The time between the last held key and a key with timestamp ``stamp`` (ms) arriving
        at ``now`` (perf_counter): by the keys' own timestamps when both have a usable one,
        else by the arrival clock."""
        last = self._last_stamp
        if stamp and last and 0 <= stamp - last <= _MAX_STAMP_GAP_MS:
            return float(stamp - last)
        return (now - self._last_at) * 1000.0

    def _on_press(self, obj: QObject, ev: QKeyEvent) -> bool:
        now = time.perf_counter()
        stamp = _stamp(ev)
        key = ev.key()
        text = ev.text()
        in_burst = bool(self._held) and self.gap_ms(stamp, now) <= self.max_gap_ms
        if key in self._enter and not (ev.modifiers() & self._modifiers):
            if in_burst and len(self._held) >= self.min_length:
                code = "".join(e.text() for _, e in self._held)
                self._held.clear()
                self._timer.stop()
                self._waits = 0
                self._emit(code)
                return True
            self._flush()
            return False
        printable = len(text) == 1 and text.isprintable() and text != " " \
            and not (ev.modifiers() & self._modifiers)
        if not printable:
            if key in self._shift_keys:
                return False  # a wedge presses Shift for capitals: part of the burst
            self._flush()
            return False
        if self._held and not in_burst:
            self._flush()
        from PySide6.QtGui import QKeyEvent

        copy = QKeyEvent(ev.type(), key, ev.modifiers(), text, ev.isAutoRepeat(), ev.count())
        copy.setTimestamp(ev.timestamp())
        self._held.append((obj, copy))
        self._last_at = now
        self._last_stamp = stamp
        self._arm(self.max_gap_ms)
        return True

    def _arm(self, ms: int) -> None:
        self._armed_at = time.perf_counter()
        self._armed_ms = ms
        self._timer.start(ms)

    def _gap_timeout(self) -> None:
        """No key came within the gap, by the arrival clock. If the timer fired late, the event
        loop was busy: keys of the burst may be waiting in the queue with timestamps that say
        they belong to it, so wait once more (they are handled first) before calling it typing."""
        late_ms = (time.perf_counter() - self._armed_at) * 1000.0 - self._armed_ms
        if self._held and late_ms > self.max_gap_ms / 2 and self._waits < _MAX_LATE_WAITS:
            self._waits += 1
            self._arm(self.max_gap_ms)
            return
        self._flush()

    def _flush(self) -> None:
        """Deliver held keys to their widgets, in order: they were typed by a person."""
        self._timer.stop()
        self._waits = 0
        held, self._held = self._held, []
        if not held:
            return
        self._replaying = True
        try:
            for target, ev in held:
                try:
                    QCoreApplication.sendEvent(target, ev)  # where the key was going
                except RuntimeError:  # the widget was deleted meanwhile
                    pass
        finally:
            self._replaying = False

    def _emit(self, code: str) -> None:
        scan = classify_code(code, "wedge")
        log.info("scan: %s (%d characters)", scan.kind.value, len(code))
        self.scanned.emit(scan)

    # --- for a scanner-test screen and for tests ---------------------------------------------

    def feed(self, code: str, source: str = "test") -> None:
        self.scanned.emit(classify_code(code, source))


PIN_FIELD_PROPERTY = "expects_pin"
_PIN_ECHO_MODES = (QLineEdit.EchoMode.Password, QLineEdit.EchoMode.PasswordEchoOnEdit,
                   QLineEdit.EchoMode.NoEcho)
_MAX_STAMP_GAP_MS = 60_000  # a larger jump between two keys' timestamps is not to be trusted
_MAX_LATE_WAITS = 10        # a gap timer firing late waits again at most this often per burst


def mark_pin_field(widget: QWidget) -> QWidget:
    """Mark a field that expects a PIN (or any secret typed by hand): its keys never feed the
    scanner. Fields in a password echo mode are treated so without the mark."""
    widget.setProperty(PIN_FIELD_PROPERTY, True)
    return widget


def expects_pin(obj: QObject) -> bool:
    """The widget receiving a key is a PIN field (marked, or a line edit in password mode)."""
    try:
        if obj.property(PIN_FIELD_PROPERTY):
            return True
        return isinstance(obj, QLineEdit) and obj.echoMode() in _PIN_ECHO_MODES
    except RuntimeError:  # deleted meanwhile
        return False


def _stamp(ev: QKeyEvent) -> int:
    """The key event's own timestamp in ms, 0 when it has none."""
    try:
        return int(ev.timestamp())
    except (OverflowError, TypeError, ValueError):
        return 0


def _is_ancestor(parent: QWidget, child: QWidget) -> bool:
    try:
        return parent is not child and parent.isAncestorOf(child)
    except RuntimeError:
        return False


class LineScanner(QObject):
    """A scanner that delivers whole lines (serial port, camera decoder): feed it bytes or text."""

    scanned = Signal(object)

    def __init__(self, parent: QObject | None = None, source: str = "serial",
                 encoding: str = "utf-8"):
        super().__init__(parent)
        self.source = source
        self.encoding = encoding
        self._buffer = b""

    def feed_bytes(self, data: bytes) -> None:
        """Bytes as read from the port; CR, LF or CRLF end a code."""
        self._buffer += data
        while True:
            cut = min((i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0),
                      default=-1)
            if cut < 0:
                if len(self._buffer) > 4096:
                    self._buffer = b""  # garbage without a line end: drop it
                return
            line, self._buffer = self._buffer[:cut], self._buffer[cut + 1:]
            self.feed_line(line.decode(self.encoding, errors="replace"))

    def feed_line(self, text: str) -> None:
        text = text.strip()
        if text:
            self.scanned.emit(classify_code(text, self.source))


def make_scan_field(field: QLineEdit) -> QLineEdit:
    """Prepare a line edit that receives codes: no input method (a Chinese IME mangles a wedge's
    keys), no auto-completion. (The login screen calls it after its first paint: it makes Qt's
    ``Qt`` namespace, see above.)"""
    from PySide6.QtCore import Qt

    field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
    field.setInputMethodHints(Qt.InputMethodHint.ImhPreferLatin
                              | Qt.InputMethodHint.ImhNoPredictiveText
                              | Qt.InputMethodHint.ImhLatinOnly)
    return field
