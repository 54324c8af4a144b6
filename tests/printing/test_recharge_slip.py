"""The stored-value slips, laid out and encoded as ESC/POS bytes, decoded back."""

from __future__ import annotations

import pytest

from pos_member.printing.encode import encode_document
from pos_member.printing.layout import Paper
from pos_member.printing.recharge_slip import RechargeSlipData, layout_recharge_slip
from pos_member.printing.settings import PrinterSettings
from tests.printing.escpos_decoder import decode
from tests.printing.support import AT

RECHARGE = RechargeSlipData(
    store_name="示例咖啡 人民广场店", slip_no="C261124-000001", at=AT, tz="Asia/Shanghai",
    member_name="王小明", masked_phone="138****1234", tender="cash", principal_after=35000,
    bonus_after=3000, amount=30000, bonus=3000, rule_title="充300送30", tendered=31000,
    change=1000, cashier="李四", terminal="T01")
REFUND = RechargeSlipData(
    store_name="示例咖啡 人民广场店", slip_no="CR261124-000001", at=AT, tz="Asia/Shanghai",
    member_name="王小明", masked_phone="138****1234", tender="wechat", principal_after=0,
    bonus_after=0, refund=True, cash_back=28000, principal_out=30000, bonus_out=2000,
    bonus_spent=1000, approved_by="S001", offline=True)


def _bytes(data, encoding, width):
    paper = Paper.make(width, encoding)
    doc = layout_recharge_slip(data, paper)
    return doc, encode_document(doc, PrinterSettings("file:/dev/null", width=width,
                                                     encoding=encoding), None)


@pytest.mark.parametrize("width", [32, 48])
@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf8", "cp437"])
def test_slips_fit_and_read_back(encoding, width):
    for data in (RECHARGE, REFUND):
        doc, payload = _bytes(data, encoding, width)
        d = decode(payload, encoding)
        assert d.errors == []
        assert [x.text for x in d.lines if x.text] == [r.text for r in doc.rows() if r.text]
        for line in d.lines:
            assert line.printed_cells <= width, line
        assert d.cuts == 1


def test_recharge_slip_says_what_was_paid_and_the_balance():
    _, payload = _bytes(RECHARGE, "gb18030", 48)
    d = decode(payload, "gb18030")
    text = d.text()
    for expected in ("储值充值凭证", "C261124-000001", "2026-11-24 15:30:05", "王小明",
                     "138****1234", "充300送30", "现金 Cash", "找零"):
        assert expected in text, expected
    rows = {line.text.split()[0]: line.text.split()[-1] for line in d.lines if line.text}
    assert rows["充值金额"] == "300.00" and rows["赠送金额"] == "30.00"
    assert rows["余额"] == "380.00" and rows["本金"] == "350.00" and rows["赠送"] == "30.00"
    assert any(line.chinese for line in d.lines)


def test_refund_slip_shows_cash_back_and_bonus_removed():
    _, payload = _bytes(REFUND, "gb18030", 32)
    text = decode(payload, "gb18030").text()
    for expected in ("储值退款凭证", "-300.00", "-20.00", "-10.00", "280.00",
                     "微信 WeChat Pay", "S001", "离线记录"):
        assert expected in text, expected


def test_english_printer_gets_english_labels():
    _, payload = _bytes(RECHARGE, "cp437", 48)
    text = decode(payload, "cp437").text()
    assert "STORED VALUE RECHARGE" in text and "Bonus" in text and "30.00" in text


SV_FIGURES = {"recharges": 3, "recharged": 90000, "recharged_by_tender": {"cash": 40000,
              "wechat": 50000}, "bonus_given": 11000, "refunds": 1, "refunded_by_tender":
              {"wechat": 50000}, "bonus_removed": 8000, "spent": 12300, "returned": 2800,
              "liability": 123456, "liability_bonus": 3000}


@pytest.mark.parametrize("width", [32, 48])
def test_x_report_prints_the_stored_value_section(width):
    from dataclasses import replace

    from pos_member.printing.reports import layout_report
    from tests.printing.support import sample_report

    paper = Paper.make(width, "gb18030")
    doc = layout_report(replace(sample_report("x"), stored_value=SV_FIGURES), paper)
    payload = encode_document(doc, PrinterSettings("file:/dev/null", width=width,
                                                   encoding="gb18030"), None)
    d = decode(payload, "gb18030")
    assert d.errors == []
    rows = [x.text for x in d.lines]
    start = rows.index("储值 Stored value")
    section = rows[start:start + 12]
    assert any(r.startswith("充值 3 笔") and r.endswith("900.00") for r in section)
    assert any(r.strip().startswith("微信") and r.endswith("500.00") for r in section)
    assert any(r.startswith("赠送") and r.endswith("110.00") for r in section)
    assert any(r.startswith("充值退款 1 笔") and r.endswith("-500.00") for r in section)
    assert any(r.startswith("储值消费") and r.endswith("123.00") for r in section)
    assert any(r.startswith("储值余额(负债)") and r.endswith("1234.56") for r in section)
    for line in d.lines:
        assert line.printed_cells <= width
    plain = layout_report(sample_report("x"), paper)
    assert "储值 Stored value" not in plain.text()
