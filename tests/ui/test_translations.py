"""Every source string has Chinese; the language switches at run time, visibly."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from .conftest import click, idle, login, scan, shot

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "resources" / "translations" / "tool.py"


def _tool():
    spec = importlib.util.spec_from_file_location("translation_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_source_string_has_a_chinese_translation():
    tool = _tool()
    missing = [(c, s) for c, s, t in tool.messages() if not t]
    assert not missing, f"strings without Chinese: {missing[:10]}"


def test_the_ts_file_has_every_string_in_the_code(tmp_path):
    """lupdate over the code as it is now finds no string the committed .ts lacks."""
    tool = _tool()
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists():
        pytest.skip("pyside6-lupdate not installed")
    subprocess.run([str(lupdate), "-locations", "none", *tool.sources(), "-ts", str(fresh)],
                   cwd=ROOT, check=True, capture_output=True)
    in_code = {(c, s) for c, s, _t in tool.messages(fresh)}
    in_ts = {(c, s) for c, s, _t in tool.messages()}
    assert not in_code - in_ts, f"run tool.py update and translate: {sorted(in_code - in_ts)[:10]}"


def test_qm_is_compiled_from_the_ts():
    tool = _tool()
    assert tool.QM.exists() and tool.QM.stat().st_mtime >= tool.TS.stat().st_mtime - 5


def test_language_switch_changes_visible_texts(qtbot, window, till):
    assert window.login.heading.text() == "Sign in with your staff code and PIN"
    click(qtbot, window.login.language_button)
    assert window.language.language == "zh_CN"
    qtbot.waitUntil(lambda: window.login.heading.text() == "请输入工号和密码登录")
    assert window.login.pad.ok.text() == "登录"
    assert window.status.connection.text() == "● 离线"
    shot(window, "login_zh")
    login(qtbot, window)
    co = window.checkout
    assert co.pay_button.text() == "结账 (F9)"
    assert co.member_panel.name.text() == "非会员"
    assert co.category_group.buttons()[0].text() == "咖啡"
    scan(qtbot, co.entry, "6900000000021")  # 拿铁
    idle(qtbot, window)
    assert co.table.item(0, 0).text() == "拿铁"
    scan(qtbot, co.entry, till.dynamic_code("silver"))
    idle(qtbot, window)
    assert co.member_panel.badge.text() == "银卡"
    assert co.totals.rows[0][0].text() == "小计"
    assert "升级金卡" in co.member_panel.hints.text()
    # Ctrl+Shift+L: back to English while the sale is on the screen
    qtbot.keyClick(co.entry, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert window.language.language == "en"
    qtbot.waitUntil(lambda: co.pay_button.text() == "Pay (F9)")
    assert co.member_panel.badge.text() == "Silver"
    assert co.table.item(0, 0).text() == "Caffe Latte"
    assert co.totals.rows[0][0].text() == "Subtotal"
    assert "to reach Gold" in co.member_panel.hints.text()
