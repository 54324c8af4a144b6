"""Issue 16, "the cashier's day": defects a new cashier and store manager found at the counter,
each driven through the screens with real key and mouse events (PIN focus and wording after a
wrong PIN, the points Max button and what is held back, messages and language, the customer
display's button, F-keys without a window manager, the birthday field)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from .conftest import activate, click, idle, login, pin_pad, shot


def _wrong_pin_on_login(qtbot, window, code="S002"):
    window.login.code.clear()
    qtbot.keyClicks(window.login.code, code, delay=60)
    qtbot.waitUntil(lambda: window.login.code.text() == code)
    pin_pad(qtbot, window.login.pad, "9999")
    idle(qtbot, window)


# --- item 3: the PIN field after a wrong PIN ---------------------------------------------------

def test_login_wrong_pin_keeps_focus_says_attempts_left_and_next_pin_signs_in(qtbot, window):
    window.language.set_language("zh_CN")
    _wrong_pin_on_login(qtbot, window)
    assert window.login.pad.field.hasFocus()
    text = window.login.message.text()
    assert "4" in text, text  # five tries before the lock-out: four left
    assert "wrong" not in text.lower() and "attempts" not in text.lower(), text
    # the next PIN typed on the keyboard and Enter reach the field: the cashier is in
    qtbot.keyClicks(QApplication.focusWidget(), "1357", delay=60)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: window.env.staff is not None and window.env.staff.id == "S002")


def test_login_lock_out_says_how_long(qtbot, window):
    window.language.set_language("zh_CN")
    for _ in range(5):
        _wrong_pin_on_login(qtbot, window)
    text = window.login.message.text()
    assert "5" in text and "分钟" in text, text  # the first lock-out lasts five minutes
    assert "UTC" not in text and "locked" not in text.lower(), text
    window.language.set_language("en")
    # a message on screen follows the language
    qtbot.waitUntil(lambda: "5 minutes" in window.login.message.text())


def test_lock_screen_wrong_pin_in_chinese_keeps_focus(qtbot, window):
    login(qtbot, window)
    window.language.set_language("zh_CN")
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: window.current_name() == "lock")
    pad = window.lock.pad
    qtbot.waitUntil(pad.field.hasFocus)
    qtbot.keyClicks(pad.field, "0000", delay=60)
    qtbot.keyClick(pad.field, Qt.Key.Key_Return)
    idle(qtbot, window)
    text = window.lock.message.text()
    assert text and "wrong" not in text.lower() and "attempts" not in text.lower(), text
    assert "4" in text, text
    assert pad.field.hasFocus()
    shot(window, "issue16_lock_wrong_pin_zh_CN")
    qtbot.keyClicks(QApplication.focusWidget(), "1357", delay=60)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: window.current_name() == "checkout")


def test_approval_dialog_refusal_is_translated_with_attempts_left(qtbot, window):
    from pos_member.services.errors import ApprovalNeeded
    from pos_member.ui.dialogs import ApprovalDialog

    window.language.set_language("zh_CN")
    dialog = ApprovalDialog(window, ApprovalNeeded("void line needs a manager's approval",
                                                   code="approval_needed", action="void_line"),
                            close_on_approve=False)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog._set_checking(True)
    dialog.refused(ApprovalNeeded("approval refused: wrong PIN (3 attempts left before "
                                  "lock-out)", code="wrong_pin", attempts_left=3))
    text = dialog.message.text()
    assert "3" in text and "refused" not in text and "wrong" not in text.lower(), text


# --- item 9: a second start on the same database ----------------------------------------------

def test_a_second_start_is_refused_with_exit_status_1(qtbot, tmp_path, monkeypatch, capsys):
    import sys
    import threading

    from pos_member.app import open_till
    from pos_member.store.db import acquire_instance_lock
    from pos_member.ui.launcher import start

    monkeypatch.setenv("POS_MEMBER_HOME", str(tmp_path))
    db = tmp_path / "till.sqlite3"
    till = open_till(db, seed_demo_if_new=True, demo_members=5)
    till.close()
    for factory in (till.ctx.sessions, till.ctx.readers):
        factory.kw["bind"].dispose()
    first = acquire_instance_lock(db)  # the till program already running
    codes: list[int] = []
    hooks = sys.excepthook, threading.excepthook
    launcher = start(str(db), quit=codes.append, sync=False, language="zh_CN")
    sys.excepthook, threading.excepthook = hooks
    qtbot.addWidget(launcher.window)
    try:
        qtbot.waitUntil(lambda: launcher.refusal is not None and launcher.refusal.isVisible(),
                        timeout=15000)
        assert not launcher.window.isVisible()  # no second login window with a dead keypad
        assert "已在本机运行" in launcher.refusal.text(), launcher.refusal.text()
        shot(launcher.refusal, "issue16_second_start_refused_zh_CN")
        assert "already running on this database" in capsys.readouterr().err
        assert codes == []
        qtbot.keyClick(launcher.refusal, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: codes == [1])
        assert not launcher.opened
    finally:
        launcher.close()
        launcher.window.language.set_language("en")
        first.release()


# --- item 7: the points Max button and what the panel holds back -------------------------------

def _held_points(till, label: str, points: int) -> None:
    """Points this till gave the member that the central service has not confirmed yet."""
    from pos_member.store.db import transaction
    from pos_member.store.models import PointsLedgerEntry

    with transaction(till.ctx.sessions) as s:
        s.add(PointsLedgerEntry(member_id=till.members[label], kind="earn", points=points,
                                growth=0, confirmed=False))


def test_max_fills_the_usable_points_and_the_panel_says_what_is_held(qtbot, window, till):
    from pos_member.domain import demo_brand

    from .conftest import scan

    barcode = {p.sku: p.barcode for p in demo_brand.PRODUCTS}
    _held_points(till, "gold", 83)
    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, barcode["C002"])  # ¥28, gold 10 % off: ¥25.20 payable
    idle(qtbot, window)
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window)
    panel = co.member_panel
    text = panel.points.text()
    assert "883" in text and "800" in text and "83" in text, text
    assert "confirm" in text, text  # says why 83 are held back
    click(qtbot, panel.redeem_max)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.redeem.value() == 12)  # half of ¥25.20, whole points
    idle(qtbot, window)
    assert co.sale.redeem_points == 12 and co.sale.pricing.points_redeemed == 12
    assert panel.redeem.text() == "12"
    assert "Only" not in panel.redeem_note.text(), panel.redeem_note.text()
    assert panel.redeem_note.text() == "12 points take ¥12.00 off."
    shot(window, "issue16_points_max_and_held_en")


# --- item 11: the birthday at registration -----------------------------------------------------

def _registration(qtbot, window):
    from .conftest import modal

    login(qtbot, window)
    co = window.checkout
    qtbot.keyClick(co.entry, Qt.Key.Key_F4)
    reg = modal(qtbot, "registration_dialog")
    qtbot.keyClicks(reg.phone, "13512345678", delay=60)
    qtbot.keyClicks(reg.name, "Zhou Min", delay=60)
    qtbot.waitUntil(lambda: reg.name.text() == "Zhou Min" and reg.phone.text() == "13512345678")
    return co, reg


def test_birthday_typed_as_digits_is_registered(qtbot, window, till):
    from sqlalchemy import select

    from pos_member.store.models import Member

    co, reg = _registration(qtbot, window)
    qtbot.mouseClick(reg.birthday, Qt.MouseButton.LeftButton)  # the cashier clicks the field
    qtbot.keyClicks(QApplication.focusWidget(), "19850612", delay=60)
    qtbot.waitUntil(lambda: reg.birthday.text() == "1985-06-12")
    click(qtbot, reg.ok)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.sale.member is not None)
    with till.session() as s:
        m = s.scalars(select(Member).where(Member.phone == "13512345678")).one()
        assert m.birthday.isoformat() == "1985-06-12"


def test_birthday_calendar_opens_at_the_date_typed_and_a_bad_date_is_refused(qtbot, window):
    co, reg = _registration(qtbot, window)
    qtbot.mouseClick(reg.birthday, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(QApplication.focusWidget(), "19770330", delay=60)
    click(qtbot, reg.calendar_button)
    qtbot.waitUntil(lambda: reg.calendar.isVisible())
    assert (reg.calendar.yearShown(), reg.calendar.monthShown()) == (1977, 3)
    shot(reg, "issue16_registration_birthday_en")
    reg.calendar.setSelectedDate(QDate(1977, 4, 2))
    reg.calendar.activated.emit(QDate(1977, 4, 2))  # the cashier picks a day
    assert reg.birthday.text() == "1977-04-02" and not reg.calendar.isVisible()
    reg.birthday.clear()
    qtbot.keyClicks(reg.birthday, "19771340", delay=60)  # no 13th month
    click(qtbot, reg.ok)
    assert reg.message.kind == "error" and reg.isVisible()
    assert co.sale.member is None


def test_birthday_left_empty_registers_without_one(qtbot, window, till):
    from sqlalchemy import select

    from pos_member.store.models import Member

    co, reg = _registration(qtbot, window)
    click(qtbot, reg.calendar_button)  # nothing typed: a birthday decades back, not 1990-01
    qtbot.waitUntil(lambda: reg.calendar.isVisible())
    back = QDate.currentDate().addYears(-30)  # a typical customer's birth year, this month
    assert (reg.calendar.yearShown(), reg.calendar.monthShown()) == (back.year(), back.month())
    reg.calendar.hide()
    click(qtbot, reg.ok)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: co.sale.member is not None)
    with till.session() as s:
        assert s.scalars(select(Member).where(Member.phone == "13512345678")).one() \
            .birthday is None


# --- items 4 and 6: one receipt, from the recorded sale; the till's name and the store's own
# address, phone and footer -------------------------------------------------------------------

def _sell_to_gold(qtbot, window, till):
    from pos_member.domain import demo_brand

    from .conftest import modal, scan

    barcode = {p.sku: p.barcode for p in demo_brand.PRODUCTS}
    co = window.checkout
    scan(qtbot, co.entry, barcode["C001"])  # ¥22, gold 10 % off: −2.20
    idle(qtbot, window)
    scan(qtbot, co.entry, till.dynamic_code("gold"))
    idle(qtbot, window)
    assert co.totals.texts["tier"] == "−¥2.20"
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F9)
    pay = modal(qtbot, "payment_dialog")
    qtbot.keyClicks(pay.pad.field, "50", delay=60)
    qtbot.keyClick(pay.pad.field, Qt.Key.Key_Return)
    done = modal(qtbot, "sale_done_dialog")
    idle(qtbot, window)
    return done


def test_original_and_reprint_are_the_same_receipt_but_for_the_copy_mark(qtbot, window, till):
    from sqlalchemy import select

    from pos_member.printing.model import ReceiptData
    from pos_member.services.receipts import sale_receipt
    from pos_member.store.models import Sale
    from tests.printing.escpos_decoder import decode

    login(qtbot, window)
    done = _sell_to_gold(qtbot, window, till)
    receipt = window.env.data_dir / "receipts.bin"
    qtbot.waitUntil(lambda: receipt.exists() and b"Thank you!" in receipt.read_bytes(),
                    timeout=10000)
    qtbot.waitUntil(lambda: done.preview.pixmap() is not None
                    and not done.preview.pixmap().isNull(), timeout=10000)
    original = receipt.read_bytes()
    with till.session() as s:
        sale_id = s.scalars(select(Sale.id)).one()
    # the preview on screen is the recorded sale's receipt
    printer = window.env.receipts.printer
    recorded = sale_receipt(till.ctx, sale_id)
    assert isinstance(recorded, ReceiptData)
    assert printer.preview_png(recorded) == printer.preview_png(recorded)  # deterministic
    # a reprint from the recorded sale
    printer.print_receipt(sale_receipt(till.ctx, sale_id, reprint=True), sale_id=sale_id)
    # the file printer holds the last job: the reprint replaces the original
    qtbot.waitUntil(lambda: b"COPY" in receipt.read_bytes()
                    and b"Thank you!" in receipt.read_bytes(), timeout=10000)
    reprint = receipt.read_bytes()
    first, second = decode(original, "gb18030"), decode(reprint, "gb18030")
    copy = [line.text for line in second.lines if "COPY" in line.text]
    assert copy == ["*** 重印 COPY ***"]
    assert [line.text for line in second.lines if "COPY" not in line.text] == \
        [line.text for line in first.lines]
    text = first.text()
    assert "tier" not in text, text  # no raw code; the member discount printed once
    assert text.count("2.20") == 1, text
    assert "19.80" in text


def test_receipt_names_the_till_and_the_stores_own_address_phone_and_footer(qtbot, window,
                                                                             till):
    from tests.printing.escpos_decoder import decode

    from .conftest import click as press

    login(qtbot, window, code="S001", pin="2468")  # a manager sets the store's details
    window.show_screen("settings")
    screen = window.screens["settings"]
    idle(qtbot, window)
    panel = screen.store_details
    qtbot.waitUntil(lambda: panel.terminal_name.isEnabled())
    for field, text in ((panel.address, "北京市朝阳区建国路 88 号"),
                        (panel.phone, "010-6500 1234"),
                        (panel.footer, "欢迎再次光临 · Corner Café"),
                        (panel.terminal_name, "前台 1 号")):
        field.selectAll()
        field.insert(text)  # typed (an input method writes Chinese this way, not key by key)
    press(qtbot, panel.save_button)
    idle(qtbot, window)
    assert screen.message.kind == "ok", screen.message.text()
    idle(qtbot, window)
    assert "前台 1 号" in screen.info.text()  # the store panel shows the new name
    shot(window, "issue16_settings_store_details_en")
    window.show_screen("checkout")
    activate(qtbot, window)
    done = _sell_to_gold(qtbot, window, till)
    receipt = window.env.data_dir / "receipts.bin"
    qtbot.waitUntil(lambda: receipt.exists() and receipt.stat().st_size > 0, timeout=10000)
    text = decode(receipt.read_bytes(), "gb18030").text()
    assert "北京市朝阳区建国路 88 号" in text and "010-6500 1234" in text, text
    assert "欢迎再次光临 · Corner Café" in text, text
    assert "前台 1 号" in text, text
    assert till.ctx.terminal_id[:8] not in text, text
    assert "上海" not in text and "南京西路" not in text, text
    done.accept()


def test_a_store_named_at_set_up_does_not_print_the_demo_address(tmp_path):
    from pos_member.app import open_till
    from pos_member.domain import demo_brand
    from pos_member.services import settings

    till = open_till(tmp_path / "till.sqlite3", seed_demo_if_new=True, demo_members=5)
    try:
        assert settings.till_settings(till.ctx).store_address == demo_brand.STORE_ADDRESS
        settings.save_store_name(till.ctx, "街角咖啡 望京店")  # what the wizard saves
        assert settings.till_settings(till.ctx).store_address == ""
    finally:
        till.close()


# --- item 10: messages, language, the customer display's button, keys without a window manager

def _no_active_window(qtbot, window):
    """What a kiosk without a window manager has: the keys reach the window, but Qt has no
    active window (offscreen: activate another window, then close it)."""
    from PySide6.QtWidgets import QWidget

    other = QWidget()
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    other.close()
    other.deleteLater()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is None)


def test_f_keys_work_without_a_window_manager(qtbot, window):
    from .conftest import gone, modal

    login(qtbot, window)
    co = window.checkout
    _no_active_window(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F2)  # find a member
    lookup = modal(qtbot, "lookup_dialog")
    qtbot.keyClick(lookup.findChild(type(co.entry), "lookup_field") or lookup, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gone(lookup))
    _no_active_window(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: window.current_name() == "lock")


def test_a_message_ends_with_its_sale_and_follows_the_language(qtbot, window, till):
    from .conftest import scan

    login(qtbot, window)
    co = window.checkout
    scan(qtbot, co.entry, "wxp://f2f0hOaRpWs1zYlnuNZ0ZwM8gAsJrHuexqUy")  # refused: a pay link
    idle(qtbot, window)
    english = co.message.text()
    assert co.message.isVisible() and "link" in english, english
    activate(qtbot, window)
    qtbot.keyClick(co.entry, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.language.language == "zh_CN")
    qtbot.waitUntil(lambda: co.message.text() != english)  # the message on screen too
    assert "link" not in co.message.text() and co.message.isVisible()
    done = _sell_to_gold(qtbot, window, till)
    qtbot.keyClick(done.next_button, Qt.Key.Key_Return)
    from .conftest import gone

    qtbot.waitUntil(lambda: gone(done))
    assert not co.message.isVisible(), co.message.text()  # gone with the sale it was about


def test_closing_the_customer_display_with_its_x_resets_the_settings_button(qtbot, window):
    login(qtbot, window, code="S001", pin="2468")
    window.show_screen("settings")
    screen = window.screens["settings"]
    button = screen.display_button
    display = window.customer_display
    click(qtbot, button)
    qtbot.waitUntil(display.isVisible)
    assert button.text() == "Hide the customer display"
    display.close()  # its window's close button
    qtbot.waitUntil(lambda: not display.isVisible())
    assert button.text() == "Show the customer display"
