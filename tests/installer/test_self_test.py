"""``--self-test`` from source, as the built program runs it: a child process, offscreen."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pos_member import __version__
from pos_member.store import migrate
from tests.app.support import ROOT, child_env, make_previous_release_db, run_main

REQUIRED = ["environment", "data folder", "log file", "database", "audit chain", "integrity",
            "daily backup", "receipt"]
ALL_STEPS = [*REQUIRED, "raster receipt", "main window"]
UI_PRESENT = (ROOT / "pos_member" / "ui" / "main_window.py").is_file()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"  # the child's $POS_MEMBER_HOME: the installation's data folder


def steps(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        if line[:6] in ("[ ok ]", "[skip]", "[FAIL]"):
            name = line[7:22].strip()
            found[name] = line[:6]
    return found


def test_self_test_passes_from_source(home):
    out = run_main(home, "--self-test", "--scratch")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"POS Member {__version__} self-test (from source), data folder")
    assert "(temporary)" in lines[0]
    found = steps(out.stdout)
    assert list(found) == ALL_STEPS
    for name in REQUIRED:
        assert found[name] == "[ ok ]", out.stdout
    if UI_PRESENT:  # the cashier application is in the tree: the window must open
        assert found["main window"] in ("[ ok ]", "[skip]"), out.stdout
    assert lines[-1].startswith("self-test passed:")
    assert not home.exists()  # a temporary data folder, not the user's
    folder = Path(lines[0].split("data folder ")[1].split(" (temporary)")[0])
    assert not folder.exists()  # and removed afterwards


def test_self_test_command_json_report_on_a_given_folder(home, tmp_path):
    data = tmp_path / "selftest-data"
    out = subprocess.run(
        [sys.executable, "-m", "pos_member", "self-test", "--json", "--data-dir", str(data)],
        cwd=ROOT, env=child_env(home), capture_output=True, text=True, timeout=180, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["passed"] is True and report["frozen"] is False
    assert report["temporary"] is False and Path(report["data_dir"]) == data.resolve()
    names = [s["name"] for s in report["steps"]]
    assert names == ALL_STEPS
    db = report["steps"][names.index("database")]["detail"]
    assert db.startswith("till.sqlite3 created, revision") and "seeded" not in db
    # a given folder keeps what a normal start leaves there
    assert (data / "till.sqlite3").is_file()
    assert len(list((data / "backups").glob("till-daily-*.sqlite3"))) == 1
    assert (data / "logs" / "pos-member.log").is_file()


def test_self_test_upgrades_a_previous_release_database_in_a_given_folder(home, tmp_path):
    data = tmp_path / "till-data"
    data.mkdir()
    make_previous_release_db(data / "till.sqlite3")
    out = run_main(home, "--self-test", "--data-dir", str(data))
    assert out.returncode == 0, out.stdout + out.stderr
    head = migrate.head_revision()
    assert f"upgraded from {migrate.revision_order()[0]}, revision {head}" in out.stdout
    con = sqlite3.connect(data / "till.sqlite3")
    try:  # nothing was added to a real till's audit log
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)
    finally:
        con.close()


def test_self_test_fails_with_status_1_when_a_required_step_fails(home, tmp_path):
    data = tmp_path / "busy"
    data.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         ("from pos_member.store.db import acquire_instance_lock\n"
          f"lock = acquire_instance_lock({str(data / 'till.sqlite3')!r})\n"
          "print('locked', flush=True)\n"
          "input()\n")],
        cwd=ROOT, env=child_env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        out = run_main(home, "--self-test", "--data-dir", str(data))
    finally:
        holder.communicate("\n", timeout=30)
    assert out.returncode == 1
    found = steps(out.stdout)
    assert found["database"] == "[FAIL]"
    assert "already running on this database" in out.stdout
    assert out.stdout.splitlines()[-1].startswith("self-test FAILED:")
    assert "audit chain" not in found  # nothing runs on a database it could not open


def test_a_missing_ui_is_a_skip_or_with_require_ui_a_failure(home, tmp_path):
    """A build without the cashier application: simulated by hiding pos_member.ui."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoUi:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pos_member.ui.main_window':\n"
        "            raise ModuleNotFoundError(\"No module named 'pos_member.ui.main_window'\")\n"
        "sys.meta_path.insert(0, _NoUi())\n", encoding="utf-8")
    env_extra = {"PYTHONPATH": str(blocker)}
    out = run_main(home, "--self-test", "--scratch", **env_extra)
    assert out.returncode == 0, out.stdout + out.stderr
    line = next(x for x in out.stdout.splitlines() if "main window" in x)
    assert line.startswith("[skip]") and "pos_member.ui.main_window cannot be imported" in line
    strict = run_main(home, "--self-test", "--scratch", "--require-ui", **env_extra)
    assert strict.returncode == 1
    assert steps(strict.stdout)["main window"] == "[FAIL]"


def test_self_test_checks_the_installations_data_folder_by_default(home):
    made = run_main(home, "--headless", "--demo-members", "10")
    assert made.returncode == 0, made.stderr
    out = run_main(home, "--self-test")
    assert out.returncode == 0, out.stdout + out.stderr
    first = out.stdout.splitlines()[0]
    assert first.endswith(f"data folder {home.resolve()} (POS_MEMBER_HOME)"), first
    assert "till.sqlite3 already at head" in out.stdout
    assert home.is_dir()  # the real folder stays, of course


def test_self_test_leaves_a_folder_without_a_till_for_the_first_start(home):
    out = run_main(home, "--self-test")
    assert out.returncode == 0, out.stdout + out.stderr
    first = out.stdout.splitlines()[0]
    assert "(temporary)" in first and f"{home.resolve()} (POS_MEMBER_HOME) has no till yet" \
        in first, first
    assert not (home / "till.sqlite3").exists()  # the set-up wizard still greets the start


def test_self_test_reports_damaged_data_as_the_start_does(home):
    made = run_main(home, "--headless", "--demo-members", "10")
    assert made.returncode == 0, made.stderr
    (home / "till.sqlite3").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        (home / f"till.sqlite3{suffix}").unlink(missing_ok=True)
    start = run_main(home, "--headless")
    out = run_main(home, "--self-test")
    assert start.returncode == 2 and out.returncode == 2, out.stdout + start.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("[FAIL] database"))
    message = start.stderr.strip().split("the till was not started. ", 1)[1]
    assert message in line
    assert "empty (0 bytes)" in line and "db restore till-daily-" in line
    assert (home / "till.sqlite3").stat().st_size == 0
