"""Issue 15 item 3: the screens fit the tills stores have (1024×768, 1280×800, 1366×768,
1920×1080) in both languages. Each size runs ``test_screen_fit_walk.py`` in its own process
whose offscreen screen has that size (the offscreen platform's ``configfile``), and the walk's
report must list no geometry problem. The screenshots (the whole screen, dialogs where they
open) are saved under test-output/screen-fit/ and the path is printed."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output" / "screen-fit"
# mouse at every size; touch (rows and buttons >= 44 px, ui/touch.py) at the two tightest
SIZES = ["1024x768", "1280x800", "1366x768", "1920x1080", "1024x768-touch", "1366x768-touch"]


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_fits(size, tmp_path):
    width, height = (int(x) for x in size.removesuffix("-touch").split("x"))
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": f"till-{size}", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}",
               POS_FIT_SCREEN=size, POS_FIT_OUT=str(OUT),
               POS_MEMBER_TOUCH="1" if size.endswith("-touch") else "0")
    for stale in OUT.glob(f"{size}_*.png"):
        stale.unlink()
    report_file = OUT / f"report_{size}.json"
    report_file.unlink(missing_ok=True)
    run = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
         "--show-capture=no", "--tb=short",
         str(Path(__file__).with_name("test_screen_fit_walk.py"))],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if run.returncode != 0:
        OUT.mkdir(parents=True, exist_ok=True)
        log = OUT / f"log_{size}.txt"
        log.write_text(run.stdout + "\n--- stderr ---\n" + run.stderr, encoding="utf-8")
        crash = run.stderr.find("Fatal Python error")
        detail = run.stderr[crash:crash + 4000] if crash >= 0 else run.stderr[-3000:]
        raise AssertionError(f"the walk at {size} failed ({run.returncode}; all in {log}):\n"
                             + run.stdout[-4000:] + detail)
    report = json.loads(report_file.read_text(encoding="utf-8"))
    print(f"screenshots at {size}: {OUT}")
    assert report["screen"] == [0, 0, width, height]
    problems = []
    for language, part in report["languages"].items():
        assert len(part["checked"]) >= 20, part["checked"]
        for name, found in part["problems"].items():
            problems += [f"{size} {language} {name}: {p}" for p in found]
    assert not problems, "\n".join(problems)


def test_every_dialog_is_in_the_catalogue():
    """A QDialog subclass of pos_member.ui that the walk does not open and that is not listed
    as checked elsewhere fails here: add an opener to tests/ui/screen_catalogue.py."""
    from PySide6.QtWidgets import QDialog

    import pos_member.ui

    from .screen_catalogue import DIALOGS, NOT_WALKED

    known = {cls for _name, cls, _opener in DIALOGS} | set(NOT_WALKED)
    missing = set()
    for info in pkgutil.iter_modules(pos_member.ui.__path__):
        module = importlib.import_module(f"pos_member.ui.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, QDialog) and obj.__module__ == module.__name__ \
                    and name not in known:
                missing.add(f"{module.__name__}.{name}")
    assert not missing, ("dialogs the screen-fit walk does not open; add them to "
                         f"tests/ui/screen_catalogue.py: {sorted(missing)}")
