"""Start-up time: from process start to the login screen painted, against a bare PySide6
window measured in the same run.

Both are child processes started from here, each timed from just before ``Popen`` to the
moment the child writes "painted" (from its first paint event, offscreen):

- ``bare``: import PySide6, create a QApplication, show a QMainWindow with a label;
- ``main.py``: ``python main.py --db <file>``, today's entry point (``pos_member run``):
  logging, single-instance lock, database check/upgrade, the context, then the QApplication
  with fonts, style sheet and translator, the main window with every screen, the DB worker,
  the print queue, until the login screen's first paint;
- ``launcher``: ``python -m pos_member.ui.launcher --db <file>``, the window-first start
  (pos_member/ui/launcher.py): the login screen is painted before the database stack is
  imported; the till is opened on the DB worker right after.

``POS_MEMBER_EXIT_WHEN_SHOWN=1`` makes either print the marker at the first paint and quit.

The database is made once before timing (the demo brand with 2,000 members, as a first start
would make it), so the figure is an ordinary start, not the first one. Runs alternate between
the two. Target: till/bare at most 1.5 (p50).

    python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import pct

BARE = r"""
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
w = QMainWindow()
w.setCentralWidget(QLabel("hello"))
w.resize(1280, 800)
class Probe(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            app.quit()
        return False
probe = Probe()
w.centralWidget().installEventFilter(probe)
w.show()
app.exec()
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=str(ROOT), text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "painted":
            elapsed = time.perf_counter() - t0
            break
    else:
        proc.wait()
        raise RuntimeError(f"{cmd[:3]} never painted (exit {proc.returncode})")
    proc.wait(timeout=30)
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="pos-startup-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", POS_MEMBER_HOME=str(home),
               POS_MEMBER_EXIT_WHEN_SHOWN="1")
    db = home / "till.sqlite3"
    from pos_member.store.seed import seed_demo

    seed_demo(db, members=2000)
    py = sys.executable
    commands = {
        "bare PySide6 window": [py, "-c", BARE],
        "main.py": [py, "main.py", "--db", str(db)],
        "launcher (window first)": [py, "-m", "pos_member.ui.launcher", "--db", str(db)],
    }
    for cmd in commands.values():
        timed(cmd, env)  # warm the OS file cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(timed(cmd, env))
    for name, v in times.items():
        print(f"{name:<32} p50 {pct(v, 50) * 1e3:7.0f} ms   min {min(v) * 1e3:7.0f} ms   "
              f"max {max(v) * 1e3:7.0f} ms   n={len(v)}")
    bare = pct(times["bare PySide6 window"], 50)
    for name in list(commands)[1:]:
        ratio = pct(times[name], 50) / bare
        print(f"ratio {name} / bare (p50) {ratio:.2f}; target at most 1.5: "
              f"{'met' if ratio <= 1.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
