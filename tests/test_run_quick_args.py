"""`python main.py` / `pos-member run`: the quick reader of run's common options
(``commands.quick_args``) gives what run's parser gives, and anything else still goes to the
parser, with its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pos_member import cli, commands

ROOT = Path(__file__).resolve().parents[1]


def parsed(args: list[str]) -> dict:
    return vars(cli.build_parser(["run"]).parse_args(["run", *args]))


@pytest.mark.parametrize("args", [
    [],
    ["--db", "till.sqlite3"],
    ["--db=/data/till.sqlite3"],
    ["--no-demo"],
    ["--demo-members", "20"],
    ["--demo-members=0"],
    ["--headless", "--db", "a", "--db", "b"],  # the last one wins, as in argparse
    ["--db", "x", "--no-demo", "--demo-members", "7", "--headless"],
])
def test_quick_args_give_what_the_parser_gives(args):
    quick = commands.quick_args(args)
    assert quick is not None
    assert vars(quick) == parsed(args)


@pytest.mark.parametrize("args", [
    ["--help"], ["-h"], ["--version"], ["--self-test"], ["--self-test", "--json"],
    ["--bogus"], ["--no-d"],  # argparse's abbreviation: left to argparse
    ["--db"], ["--db="], ["--db", "--no-demo"], ["--demo-members", "many"],
    ["--demo-members", "-5"], ["--no-demo=yes"], ["extra"],
])
def test_anything_else_is_left_to_the_parser(args):
    assert commands.quick_args(args) is None


def test_the_quick_path_runs_the_run_command(monkeypatch):
    seen = []
    monkeypatch.setattr(commands, "cmd_run", lambda args: seen.append(vars(args)) or 0)
    assert cli.main(["run", "--db", "x.sqlite3", "--no-demo"]) == 0
    assert seen == [dict(parsed(["--db", "x.sqlite3", "--no-demo"]), func=seen[0]["func"])]


@pytest.mark.parametrize("args, error", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--demo-members", "many"], "argument --demo-members: invalid int value: 'many'"),
    (["--db"], "argument --db: expected one argument"),
])
def test_unknown_or_bad_options_still_get_the_parsers_error(args, error, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage: pos-member" in err
    assert error in err


def test_main_py_with_common_options_builds_no_parser():
    code = """
import json, sys
import pos_member.commands as c
c.cmd_run = lambda args: print(json.dumps(sorted(vars(args))))
sys.argv = ["main.py", "--db", "t.sqlite3", "--no-demo"]
import runpy
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit:
    pass
print(json.dumps("argparse" in sys.modules))
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    names, argparse_loaded = [json.loads(line) for line in proc.stdout.splitlines()]
    assert "db" in names and "no_demo" in names
    assert argparse_loaded is False
