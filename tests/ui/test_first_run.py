"""First-run set-up, driven as a new user would: the wizard the launcher shows when the till has
no database (language, store and till, printer with a test page, demo brand or central
service), cancelling it, a second start that skips it and applies the saved language, and the
crash dialog that names the log file."""

from __future__ import annotations

import logging
import logging.handlers
import socket
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QPushButton

from pos_member.ui.first_run import (
    DEMO,
    AlreadySetUp,
    SetupChoices,
    needs_first_run,
    set_up_till,
    setup_marker,
)
from tests.central.server_fixture import (  # noqa: F401 (fixtures)
    central_database_kind,
    make_central_server,
)

from .conftest import click, idle, login, scan, shot

LATTE = "6900000000021"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The data folder (logs) inside the test's folder, never the user's."""
    folder = tmp_path / "home"
    monkeypatch.setenv("POS_MEMBER_HOME", str(folder))
    return folder


@pytest.fixture
def start_till(qtbot, home):
    """``start(db)`` as the launcher does, without app.exec(); everything closed afterwards."""
    from pos_member.ui.launcher import start

    made = []

    def make(db: Path, **kw):
        codes: list[int] = []
        hooks = sys.excepthook, threading.excepthook
        kw.setdefault("sync", False)  # no sync engine thread (and no global enrolment hook)
        launcher = start(str(db), quit=codes.append, demo_members=kw.pop("demo_members", 40),
                         **kw)
        # keep pytest-qt's exception capture (the launcher installed the crash dialog)
        sys.excepthook, threading.excepthook = hooks
        launcher.quit_codes = codes
        qtbot.addWidget(launcher.window)
        if launcher.wizard is not None:  # closed by launcher.close() (closing it = cancel)
            qtbot.waitExposed(launcher.wizard)
        made.append(launcher)
        return launcher

    yield make
    for launcher in made:
        launcher.close()
        launcher.window.language.set_language("en")


def _type(qtbot, field, text: str) -> None:
    """Type into a field: ASCII as key presses, anything else as an input method commits it
    (QTest's key clicks know ASCII only; Chinese arrives from an IME this way)."""
    field.clear()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    run = ""
    for ch in text + "\0":
        if ch != "\0" and ord(ch) < 128:
            run += ch
            continue
        if run:
            qtbot.keyClicks(field, run)
            run = ""
        if ch != "\0":
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(field, event)
    qtbot.waitUntil(lambda: field.text() == text)


def _page(wizard) -> str:
    return type(wizard.stack.currentWidget()).__name__


def _next(qtbot, wizard, expected: str) -> None:
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: _page(wizard) == expected and not wizard.busy)


def _store_page(qtbot, wizard, store="Corner Café 街角咖啡", till="Till 1") -> None:
    _next(qtbot, wizard, "StorePage")
    page = wizard.store_page
    assert not wizard.next_button.isEnabled()  # a store name is needed
    _type(qtbot, page.store_name, store)
    _type(qtbot, page.terminal_name, till)
    assert wizard.next_button.isEnabled()


def _test_page(qtbot, wizard, spec: str):
    page = wizard.printer_page
    _type(qtbot, page.spec, spec)
    click(qtbot, page.test_button)
    qtbot.waitUntil(lambda: not page.testing and (page.last_result is not None
                                                  or page.last_error is not None),
                    timeout=15000)
    return page.last_result


def _finish(qtbot, launcher) -> None:
    wizard = launcher.wizard
    click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=60000)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the demo brand -------------------------------------------------------------------------

def test_demo_set_up_opens_the_till_ready_to_sell(qtbot, start_till, tmp_path):
    from pos_member.services import settings

    db = tmp_path / "data" / "till.sqlite3"
    launcher = start_till(db)
    wizard, window = launcher.wizard, launcher.window
    assert wizard is not None and wizard.isVisible() and not window.isVisible()
    assert not db.exists()

    # page 1: the language switches the whole application at once (the launcher starts in
    # Chinese)
    assert window.language.language == "zh_CN"
    assert wizard.next_button.text() == "下一步"
    click(qtbot, wizard.language_page.buttons["en"])
    assert window.language.language == "en"
    qtbot.waitUntil(lambda: wizard.next_button.text() == "Next")
    assert wizard.title.text() == "Welcome to POS Member"
    assert window.login.heading.text() == "Sign in with your staff code and PIN"

    # page 2: store and till
    _store_page(qtbot, wizard, store="Corner Café 街角咖啡", till="Front counter")

    # page 3: a file printer, 58 mm, a test page
    _next(qtbot, wizard, "PrinterPage")
    printer = tmp_path / "printer.bin"
    click(qtbot, wizard.printer_page.width_buttons[32])
    result = _test_page(qtbot, wizard, f"file:{printer}")
    assert result.ok, wizard.printer_page.result.text()
    assert "Test page printed" in wizard.printer_page.result.text()

    # page 4: the demo brand is offered first
    _next(qtbot, wizard, "ModePage")
    assert wizard.mode_page.mode == DEMO
    assert wizard.next_button.text() == "Finish set-up"
    assert not db.exists()  # nothing until Finish
    _finish(qtbot, launcher)

    # the main window follows with the login screen; the till has the demo brand
    qtbot.waitUntil(lambda: window.is_ready, timeout=20000)
    assert not wizard.isVisible() and window.isVisible()
    assert window.current_name() == "login"
    assert db.exists() and not setup_marker(db).exists()
    assert "S002" in window.login.message.text()
    assert window.language.language == "en"
    values = settings.till_settings(window.env.ctx)
    assert values.store_name == "Corner Café 街角咖啡"
    assert values.terminal_name == "Front counter"
    assert (values.printer, values.printer_width, values.printer_encoding) == (
        f"file:{printer}", 32, "gb18030")
    assert values.language == "en"
    assert values.central_url == "" and values.enrolment_state == "not_enrolled"
    idle(qtbot, window)
    assert window.env.store.get("store_name") == "Corner Café 街角咖啡"

    # sell: sign in as the demo cashier and scan a latte
    login(qtbot, window)
    scan(qtbot, window.checkout.entry, LATTE)
    idle(qtbot, window)
    assert window.checkout.table.rowCount() == 1
    assert window.checkout.table.item(0, 0).text() == "Caffe Latte"


# --- the central service, failing, then the demo brand ---------------------------------------

def test_central_enrolment_failure_creates_nothing_then_demo(qtbot, start_till, tmp_path):
    from pos_member.services import settings

    db = tmp_path / "till.sqlite3"
    launcher = start_till(db, language="en")
    wizard = launcher.wizard
    wizard.enrol_online = True  # as the application does: the real enrolment over HTTP
    assert wizard.next_button.text() == "Next"
    _store_page(qtbot, wizard)
    _next(qtbot, wizard, "PrinterPage")
    click(qtbot, wizard.printer_page.none_button)  # no printer for now
    assert not wizard.printer_page.spec.isEnabled()
    _next(qtbot, wizard, "ModePage")
    mode = wizard.mode_page
    click(qtbot, mode.central.button)
    assert mode.mode == "central" and mode.url.isEnabled()
    assert not wizard.next_button.isEnabled()  # address and code first

    # a code that cannot be one: refused before anything is made
    _type(qtbot, mode.url, f"http://127.0.0.1:{_closed_port()}")
    _type(qtbot, mode.code, "1234")
    _finish(qtbot, launcher)
    assert "12 letters and digits" in wizard.message.text()
    assert "Nothing was created" in wizard.message.text()
    assert not db.exists() and not setup_marker(db).exists()

    # a well-formed code, but the service cannot be reached: the database made for the
    # enrolment is deleted again
    _type(qtbot, mode.code, "7kq4-m2xd-9rtb")
    _finish(qtbot, launcher)
    text = wizard.message.text()
    assert "cannot be reached" in text and "choose the demo brand" in text, text
    assert wizard.isVisible() and wizard.message.kind == "error"
    assert not db.exists() and not setup_marker(db).exists()
    assert not Path(f"{db}-wal").exists()
    assert wizard.next_button.isEnabled() and wizard.back_button.isEnabled()
    assert not launcher.opened
    shot(wizard, "first_run_4_central_failed_en")

    # switch to the demo brand and finish
    click(qtbot, mode.demo.button)
    assert not mode.url.isEnabled()
    assert wizard.message.text()  # the last error stays until the next try
    _finish(qtbot, launcher)
    qtbot.waitUntil(lambda: launcher.window.is_ready, timeout=20000)
    assert db.exists() and not setup_marker(db).exists()
    values = settings.till_settings(launcher.window.env.ctx)
    assert values.printer == "" and values.store_name == "Corner Café 街角咖啡"
    assert values.enrolment_state == "not_enrolled"
    assert "S002" in launcher.window.login.message.text()


def test_central_set_up_enrols_and_the_brand_arrives(qtbot, start_till, tmp_path,
                                                     make_central_server,  # noqa: F811
                                                     monkeypatch):
    """The whole central path: the wizard enrols with a one-time code from the real central
    service (seeded with the demo brand), the till opens with its sync engine, and the
    brand's catalogue and members arrive."""
    from sqlalchemy import func, select

    from pos_central.demo import seed_demo, store_today
    from pos_member.domain import demo_brand
    from pos_member.services import settings
    from pos_member.store.models import Member, Product
    from pos_member.sync import engine as engine_mod
    from pos_member.sync import enrolment
    from pos_member.sync.token_store import TokenStore

    server = make_central_server()
    with server.write() as s:
        seed_demo(s, members=12, today=store_today())
    tokens = TokenStore("first-run-till", tmp_path, use_keyring=False)  # not the OS keyring
    monkeypatch.setattr(enrolment, "token_store_for", lambda _sessions: tokens)
    monkeypatch.setattr(engine_mod, "token_store_for", lambda _sessions: tokens, raising=False)

    db = tmp_path / "till.sqlite3"
    launcher = start_till(db, language="en", sync=True)
    wizard, window = launcher.wizard, launcher.window
    _store_page(qtbot, wizard, store="Shiguang Jing'an", till="Till 3")
    _next(qtbot, wizard, "PrinterPage")
    click(qtbot, wizard.printer_page.none_button)
    _next(qtbot, wizard, "ModePage")
    click(qtbot, wizard.mode_page.central.button)
    _type(qtbot, wizard.mode_page.url, server.base_url)
    _type(qtbot, wizard.mode_page.code, server.enrol_code())
    _finish(qtbot, launcher)
    assert launcher.opened, wizard.message.text()
    qtbot.waitUntil(lambda: window.is_ready, timeout=20000)
    assert "enrolled with the central service" in window.login.message.text()
    values = settings.till_settings(window.env.ctx)
    assert values.enrolment_state == "enrolled" and values.central_url == server.base_url
    assert values.terminal_name == "Till 3" and not launcher.opened[0].seeded
    assert tokens.get()

    def pulled() -> tuple[int, int]:
        with window.env.ctx.read_sessions() as s:
            return (s.scalar(select(func.count()).select_from(Product)),
                    s.scalar(select(func.count()).select_from(Member)))

    qtbot.waitUntil(lambda: pulled() == (len(demo_brand.PRODUCTS), 12), timeout=30000)


def test_central_set_up_without_enrolling_online_records_the_code(qtbot, start_till, tmp_path,
                                                                  monkeypatch):
    """Without the online enrolment (a start without sync) the code is kept as pending for the
    sync engine, and the till opens (with no demo data)."""
    from pos_member.services import settings

    db = tmp_path / "till.sqlite3"
    launcher = start_till(db, language="en")
    wizard = launcher.wizard
    assert not wizard.enrol_online
    _store_page(qtbot, wizard)
    _next(qtbot, wizard, "PrinterPage")
    click(qtbot, wizard.printer_page.none_button)
    _next(qtbot, wizard, "ModePage")
    click(qtbot, wizard.mode_page.central.button)
    _type(qtbot, wizard.mode_page.url, "https://pos.example.com/")
    _type(qtbot, wizard.mode_page.code, "7KQ4 M2XD 9RTB")
    _finish(qtbot, launcher)
    qtbot.waitUntil(lambda: launcher.window.is_ready, timeout=20000)
    values = settings.till_settings(launcher.window.env.ctx)
    assert values.central_url == "https://pos.example.com"
    assert values.enrolment_state == "pending" and values.enrolment_code_pending
    assert values.terminal_name == "Till 1"
    assert not launcher.opened[0].seeded
    assert "enrolment code is recorded" in launcher.window.login.message.text()


# --- the printer page -------------------------------------------------------------------------

def test_test_page_prints_to_a_file_printer_off_the_gui_thread(qtbot, start_till, tmp_path):
    launcher = start_till(tmp_path / "till.sqlite3", language="en")
    wizard = launcher.wizard
    _store_page(qtbot, wizard)
    _next(qtbot, wizard, "PrinterPage")
    page = wizard.printer_page

    # a spec that is not one: said on the page, nothing printed
    result = _test_page(qtbot, wizard, "parallel:LPT1")
    assert result is None and "cannot be used" in page.result.text()
    click(qtbot, wizard.next_button)  # Next checks the spec too
    qtbot.waitUntil(lambda: not wizard.busy)
    assert _page(wizard) == "PrinterPage" and "cannot be used" in wizard.message.text()

    out = tmp_path / "receipts" / "printer.bin"
    out.parent.mkdir()
    gui_thread = threading.get_ident()
    result = _test_page(qtbot, wizard, f"file:{out}")
    assert result.ok and result.thread != gui_thread
    data = out.read_bytes()
    assert len(data) == result.size > 500
    assert b"TEST PAGE" in data and b"The quick brown fox" in data
    assert b"POS-MEMBER TEST GB18030" in data  # the line under the QR code
    assert "居中".encode("gb18030") in data
    assert b"123456789012345678901234567890123456789012345678" in data  # the 48-column ruler
    assert str(result.size) in page.result.text()
    shot(wizard, "first_run_3_printer_tested_en")

    # a printer that is not there: the reason, and the page stays usable
    result = _test_page(qtbot, wizard, f"file:{tmp_path}/no/such/folder/lp0")
    assert not result.ok and "Not printed" in page.result.text()
    assert page.test_button.isEnabled()

    # no printer for now: the fields are off and Next goes on
    click(qtbot, page.none_button)
    assert not page.spec.isEnabled() and not page.test_button.isEnabled()
    _next(qtbot, wizard, "ModePage")
    assert wizard.choices().printer is None


# --- cancelling, and the second start ---------------------------------------------------------

def test_cancel_quits_and_leaves_no_database(qtbot, start_till, tmp_path):
    db = tmp_path / "till.sqlite3"
    launcher = start_till(db)
    wizard = launcher.wizard
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)  # Esc goes back, it does not cancel
    assert wizard.isVisible() and not launcher.quit_codes
    click(qtbot, wizard.language_page.buttons["en"])
    _store_page(qtbot, wizard)
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert _page(wizard) == "LanguagePage"
    click(qtbot, wizard.cancel_button)
    assert launcher.quit_codes == [0]
    assert not wizard.isVisible() and not launcher.window.isVisible()
    idle(qtbot, launcher.window)
    assert not db.exists() and not setup_marker(db).exists()
    assert not launcher.opened


def test_second_start_skips_the_wizard_and_applies_the_saved_language(qtbot, start_till,
                                                                    tmp_path, home):
    db = tmp_path / "till.sqlite3"
    done = set_up_till(db, SetupChoices(language="en", store_name="Corner Café",
                                        terminal_name="Till 2", printer=None), demo_members=20)
    done.till.close()
    assert not needs_first_run(db)

    launcher = start_till(db)  # the launcher's default language is Chinese
    window = launcher.window
    assert launcher.wizard is None
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.is_ready, timeout=20000)
    assert window.language.language == "en"  # the saved setting
    assert window.login.heading.text() == "Sign in with your staff code and PIN"
    assert window.current_name() == "login"
    assert not launcher.opened[0].seeded
    idle(qtbot, window)
    assert window.login.brand.text() == "Corner Café"


def test_an_interrupted_set_up_is_done_again(tmp_path, home):
    """A marker left by a set-up that did not finish brings the wizard back, and the half-made
    database is replaced (never a database in service: without the marker it is refused)."""
    from pos_member.store.db import InstanceLockedError, acquire_instance_lock

    db = tmp_path / "till.sqlite3"
    choices = SetupChoices(language="zh_CN", store_name="店", terminal_name="1号", printer=None)
    done = set_up_till(db, choices, demo_members=5)
    done.till.close()
    setup_marker(db).write_text("interrupted", encoding="utf-8")
    assert needs_first_run(db)
    again = set_up_till(db, choices, demo_members=5)
    again.till.close()
    assert again.till.seeded and not setup_marker(db).exists() and not needs_first_run(db)
    with pytest.raises(AlreadySetUp):
        set_up_till(db, choices, demo_members=5)
    assert db.exists() and not setup_marker(db).exists()
    # while another start holds the till's lock (its own wizard is making the database),
    # nothing is touched
    setup_marker(db).write_text("the other start's", encoding="utf-8")
    with acquire_instance_lock(db), pytest.raises(InstanceLockedError):
        set_up_till(db, choices, demo_members=5)
    assert db.exists() and setup_marker(db).read_text(encoding="utf-8") == "the other start's"


# --- screenshots ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_screenshots_of_every_page(qtbot, start_till, tmp_path, language):
    launcher = start_till(tmp_path / "till.sqlite3")
    wizard = launcher.wizard
    click(qtbot, wizard.language_page.buttons[language])
    qtbot.waitUntil(lambda: wizard.next_button.text() == ("下一步" if language == "zh_CN"
                                                         else "Next"))
    shot(wizard, f"first_run_1_language_{language}")
    _store_page(qtbot, wizard, store="拾光茶咖 静安店" if language == "zh_CN" else "Corner Café",
                till=wizard.store_page.terminal_name.text())
    assert wizard.store_page.terminal_name.text() == ("1号收银台" if language == "zh_CN"
                                                       else "Till 1")
    shot(wizard, f"first_run_2_store_{language}")
    _next(qtbot, wizard, "PrinterPage")
    result = _test_page(qtbot, wizard, f"file:{tmp_path / 'printer.bin'}")
    assert result.ok
    shot(wizard, f"first_run_3_printer_{language}")
    _next(qtbot, wizard, "ModePage")
    shot(wizard, f"first_run_4_demo_{language}")
    click(qtbot, wizard.mode_page.central.button)
    _type(qtbot, wizard.mode_page.url, "https://pos.example.com")
    _type(qtbot, wizard.mode_page.code, "7KQ4")
    _finish(qtbot, launcher)
    assert wizard.message.kind == "error"
    shot(wizard, f"first_run_4_central_{language}")
    if language == "zh_CN":
        assert "注册码" in wizard.message.text()


# --- the crash dialog -------------------------------------------------------------------------

@pytest.mark.qt_no_exception_capture
def test_crash_dialog_names_the_log_file_and_says_nothing_was_lost(qtbot, home):
    from pos_member.app import setup_logging
    from pos_member.ui.app import install_crash_hook
    from pos_member.ui.i18n import LanguageManager

    root = logging.getLogger()
    earlier = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    for h in earlier:
        root.removeHandler(h)
    hooks = sys.excepthook, threading.excepthook
    try:
        log_path = setup_logging()
        assert log_path == home / "logs" / "pos-member.log"
        button = QPushButton("Pay")
        qtbot.addWidget(button)
        button.show()

        def broken_slot() -> None:
            raise RuntimeError("the slot broke on purpose")

        button.clicked.connect(broken_slot)
        hook = install_crash_hook(lambda: button)
        hook_box = None

        def dialog_shown() -> bool:
            nonlocal hook_box
            hook_box = next((w for w in QApplication.topLevelWidgets()
                             if w.objectName() == "crash_dialog" and w.isVisible()), None)
            return hook_box is not None

        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(dialog_shown)
        text = hook_box.text()
        assert str(log_path) in text
        assert "Nothing that was saved is lost" in text and "never half" in text
        assert hook.count == 1 and isinstance(hook.last, RuntimeError)
        logged = log_path.read_text(encoding="utf-8")
        assert "unexpected error" in logged and "Traceback" in logged
        assert "RuntimeError: the slot broke on purpose" in logged and "broken_slot" in logged
        shot(hook_box, "crash_dialog_en")
        hook_box.accept()

        language = LanguageManager()
        try:
            language.set_language("zh_CN")
            chinese = hook.message()
            assert "不会丢失" in chinese and str(log_path) in chinese
        finally:
            language.set_language("en")
    finally:
        sys.excepthook, threading.excepthook = hooks
        for h in [h for h in root.handlers
                  if isinstance(h, logging.handlers.RotatingFileHandler)]:
            root.removeHandler(h)
            h.close()
        for h in earlier:
            root.addHandler(h)
