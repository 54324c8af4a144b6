"""The installer's files agree with each other and with what the till loads at run time.
(The Windows installer cannot be compiled here: Inno Setup runs on Windows only.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.app.support import ROOT

INSTALLER = ROOT / "installer"


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for raw in (INSTALLER / "pos_member.iss").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = m.group(1)
            sections.setdefault(current, [])
        elif current:
            sections[current].append(line)
    return sections


def test_the_installer_files_are_there():
    for name in ("pos_member.spec", "build.sh", "build.ps1", "pos_member.iss", "README.md"):
        assert (INSTALLER / name).is_file(), name
    assert (INSTALLER / "build.sh").stat().st_mode & 0o111, "build.sh must be executable"
    out = subprocess.run(["bash", "-n", str(INSTALLER / "build.sh")], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr


def test_the_spec_carries_what_the_till_loads_from_files():
    spec = (INSTALLER / "pos_member.spec").read_text(encoding="utf-8")
    for needle in ('collect_data_files("escpos")', '"pos_member/store/migrations"',
                   '"resources/translations"', '"resources/fonts"', "POS_MEMBER_BUNDLE_FONT",
                   '"pos_member.commands"', '"pos_member.printing.cli"',
                   '"pos_member.store.restore_cli"', '"pos_member.selftest"',
                   '"pos_member.store.cli"', '"pos_member.sync.cli"',
                   '"pos_member.ui.main_window"', '"alembic.op"', 'collect_data_files("tzdata")'):
        assert needle in spec, needle
    assert 'name=APP' in spec and '"pos-member"' in spec


def test_the_windows_installer_keeps_the_data_and_offers_start_at_logon():
    s = iss_sections()
    setup = dict(line.split("=", 1) for line in s["Setup"])
    assert setup["DefaultDirName"] == r"{autopf}\{#AppName}"
    assert setup["AppId"].startswith("{{")  # one id for every release: upgrades find it
    tasks = " ".join(s["Tasks"])
    assert 'Name: "startatlogon"' in tasks and "Flags: unchecked" in tasks
    icons = s["Icons"]
    assert any(line.startswith('Name: "{autoprograms}\\{#AppName}"') for line in icons)
    assert any("{autostartup}" in line and "Tasks: startatlogon" in line for line in icons)
    # Uninstall: only files inside {app}; never the user's data folder
    for line in s["UninstallDelete"]:
        assert 'Name: "{app}' in line, line
        assert "POSMember" not in line and "localappdata" not in line.lower()
    text = (INSTALLER / "pos_member.iss").read_text(encoding="utf-8")
    assert "{localappdata}" not in text.lower().replace("%localappdata%", "")
    # the files it installs are the ones the spec builds
    assert '#define SourceDir "..\\dist\\pos-member"' in text
    assert '#define AppExe "pos-member.exe"' in text and '#define AppCli "pos-member-cli.exe"' in text
    spec = (INSTALLER / "pos_member.spec").read_text(encoding="utf-8")
    assert 'name=f"{APP}-cli"' in spec


def test_readme_sections():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for heading in ("## Install on Windows", "## Build the installer",
                    "## Data, logs and backups", "## Upgrading and rolling back"):
        assert heading in readme, heading
