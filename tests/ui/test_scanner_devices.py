"""Scanners the till opens itself: a serial scanner (a pty pair stands in for the port: the
test writes a member code + CR to it) chosen in the settings screen, and a camera fed with
RECORDED frames of a member code on a phone screen (tests/ui/fixtures/camera, made by
tests/ui/phone_frames.py). In both the checkout receives the member scan."""

from __future__ import annotations

import os
import tty
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from pos_member.security.member_codes import make_static_code
from pos_member.services import scanner_settings
from pos_member.services.errors import InvalidInput
from pos_member.ui.camera_scanner import CameraScanner, RecordedFrames, decode_image

from .conftest import click, idle, login
from .phone_frames import CARD_CODE, FIXTURES, camera_frame

pytest.importorskip("serial")

FRAMES = sorted(FIXTURES.glob("*.jpg"))
GOLD_CARD = make_static_code("8000000001")


@pytest.fixture
def pty_port():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def _open_settings(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F9,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_name() == "settings")
    idle(qtbot, window)
    return window.settings_screen


def test_serial_scanner_chosen_in_settings_identifies_the_member(qtbot, window, till,
                                                                 pty_port):
    master, port = pty_port
    login(qtbot, window, code="S001", pin="2468")      # a manager
    screen = _open_settings(qtbot, window)
    panel = screen.scanner_settings
    qtbot.waitUntil(lambda: not panel._listing and panel.camera.count() >= 1, timeout=10000)
    assert panel.state.text().startswith("A USB scanner that types")
    panel.source.setCurrentIndex(panel.source.findData("serial"))
    assert panel.port.isEnabled() and panel.baud.isEnabled() and not panel.camera.isEnabled()
    # the pty is not a port the system lists: typed, as an unlisted port would be
    panel.port.setCurrentText(port)
    panel.baud.setCurrentIndex(panel.baud.findData(115200))
    click(qtbot, panel.save_button)
    idle(qtbot, window)
    assert screen.message.kind == "ok", screen.message.text()
    devices = window.scanner_devices
    qtbot.waitUntil(lambda: devices.state == "open", timeout=5000)
    assert port in panel.state.text() and "ready" in panel.state.text()
    assert scanner_settings.scanner_settings(till.ctx) == scanner_settings.ScannerSettings(
        "serial", port, 115200, "")

    # in the settings screen the scanner test shows the serial scan
    os.write(master, GOLD_CARD.encode() + b"\r")
    qtbot.waitUntil(lambda: screen.last_scan is not None, timeout=5000)
    assert screen.last_scan.source == "serial" and screen.last_scan.text == GOLD_CARD
    assert "serial scanner" in screen.scan_text.text()

    # at the checkout the member is identified; a code split over two reads still arrives
    click(qtbot, screen.back_button)
    qtbot.waitUntil(lambda: window.current_name() == "checkout")
    co = window.checkout
    os.write(master, GOLD_CARD[:6].encode())
    qtbot.wait(150)
    os.write(master, GOLD_CARD[6:].encode() + b"\r\n")
    qtbot.waitUntil(lambda: co.sale.member is not None, timeout=5000)
    idle(qtbot, window)
    assert co.sale.member.id == till.members["gold"] and co.sale.via == "static_card"

    # keyboard wedge again: the port is closed
    assert devices.serial.running
    devices.apply(scanner_settings.save_scanner_settings(till.ctx, "wedge"))
    qtbot.waitUntil(lambda: not devices.serial.running, timeout=3000)


def test_a_missing_serial_port_waits_and_says_why(qtbot, window, tmp_path):
    devices = window.scanner_devices
    devices.apply(scanner_settings.ScannerSettings("serial", str(tmp_path / "ttyUSB9"), 9600))
    qtbot.waitUntil(lambda: devices.state == "waiting" and bool(devices.message), timeout=5000)
    assert "ttyUSB9" in devices.message or "No such file" in devices.message
    devices.stop()


def test_scanner_settings_are_checked():
    with pytest.raises(InvalidInput, match="serial port"):
        scanner_settings.check_scanner_settings("serial", "")
    with pytest.raises(InvalidInput, match="baud"):
        scanner_settings.check_scanner_settings("serial", "COM3", 12345)
    with pytest.raises(InvalidInput):
        scanner_settings.check_scanner_settings("bluetooth")
    assert scanner_settings.check_scanner_settings("camera").source == "camera"


def test_recorded_frames_decode_only_where_a_camera_could():
    decoded = {p.name: decode_image(QImage(str(p))) for p in FRAMES}
    assert decoded["00_counter_empty.jpg"] == []
    assert decoded["01_phone_far_blurred.jpg"] == []          # too far and out of focus
    assert decoded["02_phone_tilted_glare.jpg"] == [CARD_CODE]
    assert decoded["03_phone_steady.jpg"] == [CARD_CODE]
    assert CARD_CODE == GOLD_CARD


def test_camera_scanner_gives_the_checkout_the_member_once(qtbot, window, till):
    login(qtbot, window)
    co = window.checkout
    devices = window.scanner_devices
    sources = []

    def recorded(device_id: str):
        # each frame twice: 1 s of a member holding up the phone at 5 frames a second
        src = RecordedFrames([p for p in FRAMES for _ in range(2)], fps=5)
        sources.append((device_id, src))
        return src

    devices.frame_source_factory = recorded
    scans = []
    devices.apply(scanner_settings.save_scanner_settings(till.ctx, "camera", camera="cam0"))
    assert devices.state == "running" and sources[0][0] == "cam0"
    devices.camera.scanned.connect(scans.append)
    qtbot.waitUntil(lambda: co.sale.member is not None, timeout=8000)
    idle(qtbot, window)
    assert co.sale.member.id == till.members["gold"]
    src = sources[0][1]
    qtbot.waitUntil(lambda: not src.active and devices.camera.decoder.idle(), timeout=8000)
    qtbot.wait(100)
    # four frames held the code; the member was identified once
    assert [s.text for s in scans] == [GOLD_CARD] and scans[0].source == "camera"
    decoder = devices.camera.decoder
    # every frame was looked at or replaced by a newer one (never queued up)
    assert decoder.frames_decoded + decoder.frames_dropped == src.played == 10
    assert decoder.frames_decoded >= 2
    devices.stop()


def test_a_dynamic_code_on_the_phone_identifies_the_member(qtbot, window, till, tmp_path):
    login(qtbot, window)
    co = window.checkout
    code = till.dynamic_code("gold")   # made now: a dynamic code is good for minutes only
    # 265 characters: a dense code, held close to a 640x480 camera and steadied for under a
    # second (one frame in eight or so is too blurred to read; the next one is read)
    paths = []
    for i, blur in enumerate((0.8, 0.6, 0.5, 0.4)):
        paths.append(tmp_path / f"frame{i}.png")
        camera_frame(code, seed=7 + i, angle=-5 + i, tilt=0.1, glare=0.3, blur=blur,
                     scale=0.8).save(paths[-1])
    scanner = CameraScanner(RecordedFrames(paths, fps=10), window)
    scanner.scanned.connect(window.dispatch_scan)
    scanner.start()
    qtbot.waitUntil(lambda: co.sale.member is not None, timeout=8000)
    scanner.stop()
    assert co.sale.member.id == till.members["gold"] and co.sale.via != "static_card"


def test_no_camera_is_said_plainly(qtbot, window, till):
    from pos_member.ui.camera_scanner import list_cameras

    if list_cameras():
        pytest.skip("this computer has a camera")
    devices = window.scanner_devices
    devices.apply(scanner_settings.ScannerSettings("camera"))
    assert devices.state == "unavailable"
    assert "no camera" in devices.message or "QtMultimedia" in devices.message


def test_fixtures_are_there():
    assert len(FRAMES) == 5 and all(Path(p).stat().st_size > 5000 for p in FRAMES)


def test_a_serial_scanner_that_goes_away_is_waited_for(qtbot, window, pty_port):
    master, port = pty_port
    devices = window.scanner_devices
    devices.apply(scanner_settings.ScannerSettings("serial", port, 9600))
    qtbot.waitUntil(lambda: devices.state == "open", timeout=5000)
    os.close(master)         # the cable pulled: the port reports an error on read
    qtbot.waitUntil(lambda: devices.state == "waiting", timeout=5000)
    assert devices.serial.running   # still trying: it reopens the port when it comes back
    devices.stop()
    qtbot.waitUntil(lambda: not devices.serial.running, timeout=3000)
