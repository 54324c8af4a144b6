"""Build the Linux one-folder bundle with PyInstaller (installer/build.sh) and run the built
program: --version, --self-test offscreen (from a temporary and from a previous release's data
folder), and the single-instance refusal. Slow: about a minute or two on two cores.

PyInstaller is pip-installed into the test environment when missing (build.sh does it), so a
clean CI machine runs this too. The bundle's size and the build time are printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos_member import __version__
from pos_member.store import migrate
from tests.app.support import (
    KEPT_TABLES, ROOT, child_env, dump, make_previous_release_db, run_main,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux bundle"),
]

FIGURES = ROOT / "test-output" / "bundle.json"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("bundle")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(PYTHON=sys.executable, DIST_DIR=str(base / "dist"),
               WORK_DIR=str(base / "work"), QT_QPA_PLATFORM="offscreen",
               POS_MEMBER_HOME=str(base / "home"))
    t0 = time.monotonic()
    out = subprocess.run(["bash", str(ROOT / "installer" / "build.sh"), "--no-self-test"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
                         check=False)
    total = time.monotonic() - t0
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-5000:]
    size = re.search(r"^size:\s+([\d.]+) MB in (\d+) files", out.stdout, re.M)
    build = re.search(r"^build time:\s+([\d.]+) s", out.stdout, re.M)
    assert size and build, out.stdout
    figures = {"size_mb": float(size.group(1)), "files": int(size.group(2)),
               "pyinstaller_s": float(build.group(1)), "build_sh_s": round(total, 1)}
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    folder = base / "dist" / "pos-member"
    assert (folder / "pos-member").is_file()
    return folder


def test_bundle_size_and_build_time(bundle, capsys):
    figures = json.loads(FIGURES.read_text(encoding="utf-8"))
    with capsys.disabled():
        print(f"\nLinux bundle: {figures['size_mb']} MB in {figures['files']} files; "
              f"PyInstaller {figures['pyinstaller_s']} s, build.sh {figures['build_sh_s']} s "
              f"(with the pip install of PyInstaller when it was missing)")
    assert figures["size_mb"] < 400
    assert figures["build_sh_s"] < 900


def run_bundle(bundle: Path, home: Path, *args: str, timeout: float = 300
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bundle / "pos-member"), *args], cwd=home.parent,
                          env=child_env(home), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def test_bundle_carries_the_run_time_files(bundle):
    internal = bundle / "_internal"
    versions = ROOT / "pos_member" / "store" / "migrations" / "versions"
    for script in versions.glob("*.py"):
        assert (internal / "pos_member/store/migrations/versions" / script.name).is_file()
    assert (internal / "pos_member/store/migrations/env.py").is_file()
    assert (internal / "pos_member/store/migrations/script.py.mako").is_file()
    assert list(internal.rglob("escpos/capabilities.json"))
    assert list(internal.rglob("platforms/libqoffscreen.so"))
    assert list(internal.rglob("platforms/libqxcb.so"))
    assert (internal / "resources/style/pos.qss").is_file()
    assert list((internal / "resources/translations").glob("*.qm"))


def test_bundle_version(bundle, tmp_path):
    out = run_bundle(bundle, tmp_path / "home", "--version", timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"POS Member {__version__} (database schema "
                                 f"{migrate.head_revision()};")
    assert out.stdout.rstrip().endswith("bundle)")


def test_bundle_self_test_passes_offscreen(bundle, tmp_path, capsys):
    source = run_main(tmp_path / "src-home", "--self-test", "--scratch", "--json")
    ui_from_source = next(s for s in json.loads(source.stdout)["steps"]
                          if s["name"] == "main window")["status"]
    args = ["--self-test", "--scratch", "--json"] + (
        ["--require-ui"] if ui_from_source == "ok" else [])
    out = run_bundle(bundle, tmp_path / "home", *args)
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["passed"] and report["frozen"]
    status = {s["name"]: s["status"] for s in report["steps"]}
    assert all(v == "ok" for k, v in status.items() if k not in ("raster receipt",
                                                                 "main window")), status
    assert status["main window"] == ui_from_source  # what works from source works built
    with capsys.disabled():
        for s in report["steps"]:
            print(f"  bundle self-test [{s['status']}] {s['name']}: {s['detail']}")


def test_bundle_upgrades_a_previous_release_database(bundle, tmp_path):
    data = tmp_path / "till-data"
    data.mkdir()
    before = make_previous_release_db(data / "till.sqlite3")
    out = run_bundle(bundle, tmp_path / "home", "--self-test", "--data-dir", str(data))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"upgraded from {migrate.revision_order()[0]}" in out.stdout
    for table in KEPT_TABLES:
        assert dump(data / "till.sqlite3", table) == before[table], table
    upgrade_backups = list((data / "backups").glob("till-*-0001.sqlite3"))
    assert len(upgrade_backups) == 1
    # the built program is the command line too: roll the upgrade back with it
    env_home = data  # its data folder is the one given as $POS_MEMBER_HOME
    listed = run_bundle(bundle, env_home, "db", "restore", "--list", timeout=120)
    assert listed.returncode == 0 and upgrade_backups[0].name in listed.stdout, listed.stderr
    restored = run_bundle(bundle, env_home, "db", "restore", upgrade_backups[0].name, "--yes",
                          timeout=120)
    assert restored.returncode == 0, restored.stderr
    assert migrate.current_revision(data / "till.sqlite3") == migrate.revision_order()[0]
    for table in KEPT_TABLES:
        assert dump(data / "till.sqlite3", table) == before[table], table


def test_bundle_refuses_a_second_instance(bundle, tmp_path):
    home = tmp_path / "home"
    first = subprocess.Popen(
        [sys.executable, "-c",
         ("from pos_member.app import open_till\n"
          "till = open_till(seed_demo_if_new=False)\n"
          "print('ready', flush=True)\n"
          "input()\n")],
        cwd=ROOT, env=child_env(home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert first.stdout.readline().strip() == "ready"
        out = run_bundle(bundle, home, "--headless")
    finally:
        first.communicate("\n", timeout=60)
    assert out.returncode == 1
    assert "the till is already running" in out.stderr
    headless = run_bundle(bundle, home, "--headless", "--no-demo")
    assert headless.returncode == 0, headless.stderr
    assert "POS Member till ready" in headless.stdout
