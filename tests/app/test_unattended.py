"""Running unattended: one till per database, the start-up backup, rotating logs, the crash
hook for code outside the window, and --version. The program runs as a user starts it:
``python main.py ...`` in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pos_member import __version__
from pos_member.store import migrate

from .support import ROOT, child_env, run_main


def test_version(pos_home):
    out = run_main(pos_home, "--version", timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"POS Member {__version__} (database schema "
                                 f"{migrate.head_revision()};")
    assert not pos_home.exists()  # --version touches nothing
    top = subprocess.run([sys.executable, "-m", "pos_member", "--version"], cwd=ROOT,
                         env=child_env(pos_home), capture_output=True, text=True, timeout=60, check=False)
    assert top.returncode == 0 and top.stdout == out.stdout


def test_version_matches_the_package_metadata():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["version"] == __version__


def test_headless_start_prepares_the_till_and_makes_todays_backup(pos_home):
    out = run_main(pos_home, "--headless", "--demo-members", "20")
    assert out.returncode == 0, out.stderr
    assert "POS Member till ready" in out.stdout
    assert f"log file: {pos_home / 'logs' / 'pos-member.log'}" in out.stdout
    daily = list((pos_home / "backups").glob("till-daily-*.sqlite3"))
    assert len(daily) == 1
    assert (pos_home / "logs" / "pos-member.log").stat().st_size > 0
    again = run_main(pos_home, "--headless")
    assert again.returncode == 0, again.stderr
    assert list((pos_home / "backups").glob("till-daily-*.sqlite3")) == daily


def test_a_second_instance_on_the_same_database_is_refused(pos_home):
    first = subprocess.Popen(
        [sys.executable, "-c",
         ("from pos_member.app import open_till\n"
          "till = open_till(seed_demo_if_new=True, demo_members=10)\n"
          "print('ready', flush=True)\n"
          "input()\n"
          "till.close()\n")],
        cwd=ROOT, env=child_env(pos_home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "ready", first.stderr.read()
        second = run_main(pos_home, "--headless")
        assert second.returncode == 1
        assert second.stdout == ""
        err = second.stderr.strip()
        assert err.startswith("pos-member run: the till is already running: POS Member is "
                              f"already running on this database (process {first.pid})")
        assert "Close the other window first" in err
        assert len(err.splitlines()) == 1  # one clear line, no traceback
    finally:
        first.communicate("\n", timeout=60)
    # once the first one has gone, the till starts
    third = run_main(pos_home, "--headless")
    assert third.returncode == 0, third.stderr


def test_a_crash_outside_the_window_is_logged_and_names_the_log_file(pos_home):
    code = (
        "from pos_member.app import setup_logging\n"
        "from pos_member.crash import install_excepthook\n"
        "hook = install_excepthook(setup_logging())\n"
        "assert hook is not None\n"
        "def start_up():\n"
        "    raise RuntimeError('the scanner port vanished')\n"
        "start_up()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(pos_home),
                         capture_output=True, text=True, timeout=60, check=False)
    log_file = pos_home / "logs" / "pos-member.log"
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "POS Member stopped because of an unexpected error (RuntimeError: the scanner port "
        "vanished). Everything already saved is kept. The details are in the log file: "
        f"{log_file}")
    logged = log_file.read_text(encoding="utf-8")
    assert "CRITICAL pos_member.crash: unexpected error" in logged
    assert "in start_up" in logged and "RuntimeError: the scanner port vanished" in logged


def test_a_crash_in_a_background_thread_is_logged_too(pos_home):
    code = (
        "import threading\n"
        "from pos_member.app import setup_logging\n"
        "from pos_member.crash import install_excepthook\n"
        "install_excepthook(setup_logging())\n"
        "def work():\n"
        "    raise ValueError('bad page from the central service')\n"
        "t = threading.Thread(target=work); t.start(); t.join()\n"
        "print('main thread goes on')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(pos_home),
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0 and out.stdout == "main thread goes on\n"
    assert "ValueError: bad page from the central service" in out.stderr
    assert "bad page" in (pos_home / "logs" / "pos-member.log").read_text(encoding="utf-8")


def test_the_hook_stays_out_of_the_way_of_one_already_installed(monkeypatch):
    import threading

    from pos_member.crash import ExceptHook, install_excepthook

    def theirs(*_a):
        return None

    monkeypatch.setattr(sys, "excepthook", theirs)
    monkeypatch.setattr(threading, "excepthook", theirs)
    assert install_excepthook("/x/pos-member.log") is None
    assert sys.excepthook is theirs and threading.excepthook is theirs

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    hook = install_excepthook("/x/pos-member.log")
    assert isinstance(hook, ExceptHook) and sys.excepthook is hook


def test_logs_rotate_in_the_data_folder(pos_home):
    code = (
        "import logging, logging.handlers, json\n"
        "from pos_member.app import setup_logging\n"
        "path = setup_logging()\n"
        "assert setup_logging() == path\n"  # idempotent: one handler
        "hs = [h for h in logging.getLogger().handlers\n"
        "      if isinstance(h, logging.handlers.RotatingFileHandler)]\n"
        "assert len(hs) == 1\n"
        "h = hs[0]\n"
        "limits = (h.maxBytes, h.backupCount)\n"
        "h.maxBytes = 2000\n"  # small, to see rotation happen
        "for i in range(200):\n"
        "    logging.getLogger('pos_member.test').info('line %d %s', i, 'x' * 50)\n"
        "print(json.dumps({'path': str(path), 'limits': limits}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env(pos_home),
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    import json

    info = json.loads(out.stdout)
    folder = pos_home / "logs"
    assert Path(info["path"]) == folder / "pos-member.log"
    max_bytes, backups = info["limits"]
    assert 1_000_000 <= max_bytes <= 50_000_000 and backups >= 3
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["pos-member.log"] + [f"pos-member.log.{i}" for i in range(1, backups + 1)]
    assert all((folder / f).stat().st_size <= 2200 for f in files)
    assert "line 199" in (folder / "pos-member.log").read_text(encoding="utf-8")


def test_main_py_runs_commands_too(pos_home):
    """The built program is main.py: options start the till, a command name runs it."""
    out = run_main(pos_home, "db", "restore", "--list", timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"backups of {pos_home / 'till.sqlite3'}")
    helped = run_main(pos_home, "--help", timeout=60)
    assert helped.returncode == 0 and "self-test" in helped.stdout and "run" in helped.stdout
    assert not (pos_home / "till.sqlite3").exists()


def test_without_a_console_the_user_is_told_in_a_message_box(monkeypatch):
    """The windowed Windows build: a refused second start or a crash before the window shows
    a message box (Windows API through ctypes, faked here)."""
    import ctypes
    import types

    from pos_member import crash

    shown: list[tuple] = []
    fake = types.SimpleNamespace(user32=types.SimpleNamespace(
        MessageBoxW=lambda *a: shown.append(a) or 1))
    monkeypatch.setattr(ctypes, "windll", fake, raising=False)
    monkeypatch.setattr(crash.sys, "platform", "win32")
    monkeypatch.setattr(crash, "windowed", False)
    assert crash.tell_user("hello") is False and shown == []  # a console: stderr has it
    monkeypatch.setattr(crash, "windowed", True)
    assert crash.tell_user("POS Member is already running") is True
    assert shown[0][1:3] == ("POS Member is already running", "POS Member")
    hook = crash.ExceptHook("C:/Users/x/AppData/Local/POSMember/logs/pos-member.log",
                            stream=open(os.devnull, "w"))  # noqa: SIM115
    hook(RuntimeError, RuntimeError("boom"), None)
    assert "pos-member.log" in shown[1][1] and "boom" in shown[1][1]
