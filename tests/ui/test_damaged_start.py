"""The window's calm stop on damaged data: the launcher shows the damaged-database dialog
(never the set-up wizard over an old till's remains), names the newest good backup, offers its
restore, and after the restore opens the same till. Strings are translated (zh_CN)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pos_member.app import open_till
from pos_member.store.backups import daily_backup

from .conftest import idle, shot


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    monkeypatch.setenv("POS_MEMBER_HOME", str(folder))
    return folder


def old_till(db: Path) -> str:
    till = open_till(db, seed_demo_if_new=True, demo_members=20)
    try:
        daily_backup(db)
        return till.ctx.terminal_id
    finally:
        till.close()
        for factory in (till.ctx.sessions, till.ctx.readers):
            factory.kw["bind"].dispose()


@pytest.fixture
def launch(qtbot, home):
    from pos_member.ui.launcher import start

    made = []

    def make(db: Path, **kw):
        codes: list[int] = []
        hooks = sys.excepthook, threading.excepthook
        launcher = start(str(db), quit=codes.append, sync=False, **kw)
        sys.excepthook, threading.excepthook = hooks
        launcher.quit_codes = codes
        qtbot.addWidget(launcher.window)
        made.append(launcher)
        return launcher

    yield make
    for launcher in made:
        launcher.close()
        launcher.window.language.set_language("en")


def test_a_zero_byte_database_shows_the_damage_dialog_not_the_wizard(qtbot, launch, home):
    db = home / "till.sqlite3"
    terminal = old_till(db)
    backup = next((home / "backups").glob("till-daily-*.sqlite3"))
    db.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    launcher = launch(db, language="en")
    assert launcher.wizard is None
    qtbot.waitUntil(lambda: launcher.damaged is not None and launcher.damaged.isVisible(),
                    timeout=15000)
    dialog = launcher.damaged
    assert "empty" in dialog.title.text()
    assert backup.name in dialog.body.text() and "db restore" in dialog.body.text()
    assert str(db) in dialog.detail.text()
    assert not launcher.window.login.pad.isEnabled()
    assert db.stat().st_size == 0  # nothing created over it
    shot(dialog, "damaged-database")
    qtbot.mouseClick(dialog.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: launcher.damaged is None and bool(launcher.opened), timeout=20000)
    qtbot.waitUntil(lambda: launcher.window.is_ready, timeout=20000)
    idle(qtbot, launcher.window)
    assert launcher.opened[-1].ctx.terminal_id == terminal  # the same till again
    assert launcher.window.login.pad.isEnabled()


def test_a_pin_typed_before_damaged_data_is_found_is_refused(qtbot, launch, home):
    """The login screen is painted before the till is opened: a PIN entered then is checked
    after the open, which fails here; it is refused (the pad stays off, the reason stays)."""
    db = home / "till.sqlite3"
    old_till(db)
    db.write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    launcher = launch(db, language="en")
    login = launcher.window.login
    assert launcher.window.env.ctx is None and not launcher.window.is_complete
    qtbot.waitUntil(lambda: launcher.window.is_complete, timeout=15000)  # the open is queued
    login.code.setText("S002")
    login.pad.field.setText("1357")
    login.pad.submitted.emit("1357")  # behind the open on the worker
    qtbot.waitUntil(lambda: launcher.damaged is not None and launcher.damaged.isVisible(),
                    timeout=15000)
    idle(qtbot, launcher.window)
    assert launcher.window.env.staff is None
    assert not login.pad.isEnabled()
    assert "cannot start" in login.message.text(), login.message.text()


def test_quitting_the_damage_dialog_exits_with_status_2(qtbot, launch, home):
    db = home / "till.sqlite3"
    old_till(db)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    launcher = launch(db, language="en")
    assert launcher.wizard is None  # backups are there: not a new till
    qtbot.waitUntil(lambda: launcher.damaged is not None and launcher.damaged.isVisible(),
                    timeout=15000)
    assert "missing" in launcher.damaged.title.text()
    qtbot.mouseClick(launcher.damaged.quit, Qt.MouseButton.LeftButton)
    assert launcher.quit_codes == [2]
    assert not db.exists()


def test_the_damage_dialog_speaks_chinese(qtbot, launch, home):
    db = home / "till.sqlite3"
    old_till(db)
    with open(db, "r+b") as fh:
        fh.write(b"\0" * 4096)  # the header page is gone
    launcher = launch(db, language="zh_CN")
    qtbot.waitUntil(lambda: launcher.damaged is not None and launcher.damaged.isVisible(),
                    timeout=15000)
    dialog = launcher.damaged
    assert dialog.windowTitle() == "收银机无法启动"
    assert "损坏" in dialog.title.text()
    assert dialog.restore.text() == "恢复此备份"


def test_a_failed_daily_backup_reaches_the_status_bar(qtbot, launch, home):
    from pos_member.store.backups import BackupScheduler

    db = home / "till.sqlite3"
    old_till(db)
    backups = home / "backups"
    for p in backups.iterdir():
        p.unlink()
    backups.rmdir()
    backups.write_text("a file where the backups folder should be", encoding="utf-8")
    scheduler = BackupScheduler(db)
    launcher = launch(db, language="en", backups=scheduler)
    qtbot.waitUntil(lambda: launcher.window.is_ready, timeout=20000)
    bar = launcher.window.status
    assert not bar.backup_label.isVisible()
    scheduler.run_once()  # the scheduler's daily check, here on the test's thread
    qtbot.waitUntil(lambda: bar.backup_label.isVisible(), timeout=5000)
    assert "Backup failed" in bar.backup_label.text()
    assert "pos-member.log" in bar.backup_label.toolTip()
    backups.unlink()  # the manager frees the folder: the next check works and the flag goes
    scheduler.run_once()
    qtbot.waitUntil(lambda: not bar.backup_label.isVisible(), timeout=5000)
    assert list(backups.glob("till-daily-*.sqlite3"))
