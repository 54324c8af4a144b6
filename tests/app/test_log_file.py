"""The log file in two steps (pos_member/log_file.py): a plain handler before the window, the
rotating one after the paint, with no record lost or written twice. Each test runs in a
fresh interpreter: the root logger's handlers are process-wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code: str, home: Path) -> list:
    env = dict(os.environ, POS_MEMBER_HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_start_needs_no_logging_handlers_and_setup_takes_its_place(tmp_path):
    out = run("""
import json, logging, sys
from pos_member import log_file
path = log_file.start()
light = "logging.handlers" not in sys.modules and "pos_member.app" not in sys.modules
logging.getLogger("pos_member").info("before the window")
assert log_file.start() == path  # idempotent: one handler
first = [type(h).__name__ for h in logging.getLogger().handlers]
from pos_member.app import setup_logging
assert setup_logging() == path
logging.getLogger("pos_member").info("after the paint")
assert setup_logging() == path and log_file.start() == path
after = [type(h).__name__ for h in logging.getLogger().handlers]
from pos_member.ui.app import log_file as ui_log_file
print(json.dumps([str(path), light, first, after, str(ui_log_file())]))
""", tmp_path)
    path, light, first, after, named = out
    assert Path(path) == tmp_path / "logs" / "pos-member.log"
    assert light
    assert first == ["StartFileHandler"]
    assert after == ["RotatingFileHandler"]
    assert named == path
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == ["before the window", "after the paint"]
    assert " INFO pos_member: " in lines[0]


def test_no_record_is_lost_or_doubled_while_the_handler_is_replaced(tmp_path):
    out = run("""
import json, logging, threading, time
from pos_member import log_file
path = log_file.start()
log = logging.getLogger("pos_member.test")
stop = threading.Event()
counts = [0, 0]
def writer(k):
    while not stop.is_set() or counts[k] < 2000:
        log.info("record %d-%d", k, counts[k])
        counts[k] += 1
threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
for t in threads:
    t.start()
time.sleep(0.05)
from pos_member.app import setup_logging
setup_logging()  # while both threads log
stop.set()
for t in threads:
    t.join()
logging.shutdown()
print(json.dumps([str(path), counts]))
""", tmp_path)
    path, counts = out
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    records = [line.rsplit(" ", 1)[1] for line in lines]
    expected = [f"{k}-{i}" for k in range(2) for i in range(counts[k])]
    assert len(records) == len(expected)  # none doubled
    assert sorted(records) == sorted(expected)  # none lost
