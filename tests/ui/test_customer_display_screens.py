"""The customer display on a second monitor: a till with two (simulated) monitors puts it full
screen on the second and follows monitors unplugged and plugged back; idle, it shows the
brand's join QR code, read back with zxing-cpp from a grab of the window.

Qt's offscreen platform takes its monitors from a JSON file
(``QT_QPA_PLATFORM=offscreen:configfile=FILE``) when the application starts, so the two-monitor
till runs in a subprocess of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import zxingcpp

from pos_member.services import settings

from .conftest import idle, login

ROOT = Path(__file__).resolve().parents[2]

TWO_MONITORS = r'''
import json, sys, tempfile
from pathlib import Path
from PySide6.QtWidgets import QApplication
from PySide6.QtTest import QTest
import zxingcpp
from tests.services.support import make_till
from pos_member.ui.app import apply_look
from pos_member.ui.main_window import MainWindow

app = QApplication([])
apply_look(app)
tmp = Path(tempfile.mkdtemp())
till = make_till(tmp)
w = MainWindow(till.ctx, tmp, language="en")
w.show()
display = w.customer_display
for _ in range(100):
    QTest.qWait(50)
    if display.join_url and display.qr.pixmap() is not None and not display.qr.pixmap().isNull():
        break
screens = app.screens()
out = {"screens": [(s.name(), s.geometry().width(), s.geometry().height()) for s in screens],
       "main_on": w.screen().name(), "visible": display.isVisible(),
       "full": display.isFullScreen(), "on": display.screen().name(),
       "geometry": [display.geometry().x(), display.geometry().y(),
                    display.geometry().width(), display.geometry().height()],
       "join_url": display.join_url}
img = display.grab().toImage()
img.save(str(tmp / "display.png"))
out["png"] = str(tmp / "display.png")
out["qr"] = [r.text for r in zxingcpp.read_barcodes(img)]

# the second monitor unplugged: the display goes with it
second = screens[1]
display.placement.screens = lambda: [screens[0]]
app.screenRemoved.emit(second)
QTest.qWait(100)
out["after_unplug_visible"] = display.isVisible()
# plugged back in
display.placement.screens = lambda: list(screens)
app.screenAdded.emit(second)
QTest.qWait(100)
out["after_plug_visible"] = display.isVisible()
out["after_plug_on"] = display.screen().name()
out["after_plug_full"] = display.isFullScreen()
w.shutdown()
print("RESULT " + json.dumps(out))
'''


def test_two_monitors_put_the_display_full_screen_on_the_second(tmp_path):
    config = tmp_path / "screens.json"
    config.write_text(json.dumps({"screens": [
        {"name": "till", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96,
         "primary": True,
         "logicalBaseDpi": 96, "dpr": 1},
        {"name": "customer", "x": 1366, "y": 0, "width": 1024, "height": 600,
         "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "PYTHONPATH": str(ROOT), "POS_MEMBER_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", TWO_MONITORS], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, proc.stdout[-2000:] + proc.stderr[-4000:]
    r = json.loads(line[len("RESULT "):])
    assert sorted(r["screens"]) == [["customer", 1024, 600], ["till", 1366, 768]]
    assert r["main_on"] == "till"
    assert r["visible"] and r["full"] and r["on"] == "customer"
    assert r["geometry"] == [1366, 0, 1024, 600]
    assert r["join_url"] and r["qr"] == [r["join_url"]], r["png"]
    assert r["after_unplug_visible"] is False
    assert r["after_plug_visible"] and r["after_plug_on"] == "customer" and r["after_plug_full"]


def test_one_monitor_keeps_the_display_hidden_and_idle_shows_the_join_code(qtbot, window,
                                                                         till):
    display = window.customer_display
    assert not display.isVisible()                 # one monitor: the till's screen is its own
    assert display.show_if_second_screen() is False
    url = settings.join_url(till.ctx)
    qtbot.waitUntil(lambda: display.join_url == url)
    display.show()                                 # the settings screen's "show" button
    qtbot.waitExposed(display)
    display.show_idle()
    qtbot.waitUntil(lambda: display.qr.pixmap() is not None and not display.qr.pixmap().isNull())
    assert display.qr.isVisible() and display.join_text.isVisible()
    found = [r.text for r in zxingcpp.read_barcodes(display.grab().toImage())]
    assert found == [url]
    # a member identified: the join code gives way to the member's benefits
    login(qtbot, window)
    from pos_member.security.member_codes import make_static_code

    from .conftest import scan

    scan(qtbot, window.checkout.entry, make_static_code("8000000001"))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: not display.qr.isVisible())
    assert zxingcpp.read_barcodes(display.grab().toImage()) == []
    display.hide()
