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
the commands. Target: till/bare at most 1.5 (p50).

Bytecode: an installed or frozen till has its modules' bytecode, so by default the children
get a bytecode cache (``PYTHONPYCACHEPREFIX`` in a temporary folder, warmed by a first run of
each command; ``PYTHONDONTWRITEBYTECODE`` is unset for them). ``--no-bytecode`` is the old
measurement: every ``pos_member`` module compiled from source at each start (this
environment sets ``PYTHONDONTWRITEBYTECODE=1``). ``--both`` runs both, interleaved, and prints
both ratios. ``--before DIR`` also times ``main.py`` of another checkout (e.g. a
``git worktree`` of an older commit) in the same rounds, for an interleaved before/after.

    python bench/startup.py [--runs N] [--no-bytecode | --both] [--before DIR]
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


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    env = dict(env, PYTHONPATH=str(cwd))
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=str(cwd), text=True)
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
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--no-bytecode", action="store_true",
                      help="no bytecode cache: every module compiled at each start")
    mode.add_argument("--both", action="store_true",
                      help="with and without the bytecode cache, interleaved")
    ap.add_argument("--before", metavar="DIR",
                    help="also time DIR/main.py (another checkout) in the same rounds")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="pos-startup-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", POS_MEMBER_HOME=str(home),
               POS_MEMBER_EXIT_WHEN_SHOWN="1")
    db = home / "till.sqlite3"
    from pos_member.store.seed import seed_demo

    seed_demo(db, members=2000)
    py = sys.executable
    commands = {
        "bare PySide6 window": ([py, "-c", BARE], ROOT),
        "main.py": ([py, "main.py", "--db", str(db)], ROOT),
        "launcher (window first)": ([py, "-m", "pos_member.ui.launcher", "--db", str(db)], ROOT),
    }
    if args.before:
        before = Path(args.before).resolve()
        commands["main.py (before)"] = ([py, "main.py", "--db", str(db)], before)
    compiled = dict(env, PYTHONDONTWRITEBYTECODE="1")
    compiled.pop("PYTHONPYCACHEPREFIX", None)
    cached = dict(env, PYTHONPYCACHEPREFIX=str(home / "pycache"))
    cached.pop("PYTHONDONTWRITEBYTECODE", None)
    modes = {"compiled at start": compiled} if args.no_bytecode else \
        {"with bytecode": cached, "compiled at start": compiled} if args.both else \
        {"with bytecode": cached}
    for mode_env in modes.values():
        for cmd, cwd in commands.values():
            timed(cmd, mode_env, cwd)  # warm the OS file cache (and the bytecode cache)
    times = {(m, name): [] for m in modes for name in commands}
    for _ in range(args.runs):
        for m, mode_env in modes.items():
            for name, (cmd, cwd) in commands.items():
                times[m, name].append(timed(cmd, mode_env, cwd))
    for (m, name), v in times.items():
        print(f"{m:<18} {name:<26} p50 {pct(v, 50) * 1e3:6.0f} ms   min {min(v) * 1e3:6.0f} ms"
              f"   max {max(v) * 1e3:6.0f} ms   n={len(v)}")
    for m in modes:
        bare = pct(times[m, "bare PySide6 window"], 50)
        for name in list(commands)[1:]:
            ratio = pct(times[m, name], 50) / bare
            print(f"ratio {name} / bare (p50), {m}: {ratio:.2f}; target at most 1.5: "
                  f"{'met' if ratio <= 1.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
