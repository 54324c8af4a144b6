"""Receipt, report and card-slip layouts: content, and every row within the paper."""

from dataclasses import replace

import pytest

from pos_member.printing.document import QrCode, Row
from pos_member.printing.layout import Paper, layout_receipt, local_time
from pos_member.printing.model import MemberInfo, ReceiptLine, Tender
from pos_member.printing.reports import layout_member_card, layout_report, layout_test_page
from tests.printing.support import AT, sample_card, sample_receipt, sample_report

PAPERS = [(w, e) for w in (32, 48) for e in ("gb18030", "big5", "utf8", "cp437", "raster")]


def assert_fits(doc):
    for row in doc.rows():
        cols = doc.width // 2 if row.double_width else doc.width
        assert doc.charset.width(row.text) <= cols, row
        assert doc.charset.clean(row.text) == row.text, row


@pytest.mark.parametrize("width,encoding", PAPERS)
def test_every_printout_fits_the_paper(width, encoding):
    paper = Paper.make(width, encoding)
    docs = [layout_receipt(sample_receipt(), paper),
            layout_receipt(sample_receipt(with_member=False, is_refund=True), paper),
            layout_report(sample_report("x"), paper), layout_report(sample_report("z"), paper),
            layout_report(sample_report("shift_close"), paper),
            layout_member_card(sample_card(), paper),
            layout_test_page(paper, "network:127.0.0.1:9100", AT, "Asia/Shanghai")]
    for doc in docs:
        assert_fits(doc)


@pytest.mark.parametrize("width", [32, 48])
def test_sale_receipt_content(width):
    data = sample_receipt()
    doc = layout_receipt(data, Paper.make(width, "gb18030"))
    text = doc.text()
    for expected in ("单号 No.", "S-T01-000123", "2026-11-24 15:30:05", "王小明", "张三",
                     "138****1234", "银卡", "会员折扣", "满100减10", "积分抵现 Points 30",
                     "-0.30" if data.rounding_fen == 30 else "抹零", "合计 Total",
                     "微信 WeChat Pay", "4200001234567890", "找零 Change", "本单积分 Earned",
                     "积分余额 Balance", "再消费 ￥120.00 升级金卡", "退换货请出示此码"):
        assert expected in text, expected
    for line in data.lines:
        assert doc.charset.clean(line.name)[:4] in text
    assert [b.payload for b in doc.blocks if isinstance(b, QrCode)] == [data.qr_payload]
    total_row = next(r for r in doc.rows() if r.text.startswith("合计"))
    assert total_row.bold and total_row.double_height
    assert total_row.text.endswith(f"{data.total_fen // 100}.{data.total_fen % 100:02d}")
    assert doc.charset.width(total_row.text) == width


def test_non_member_gets_a_join_code_and_no_member_rows():
    data = sample_receipt(with_member=False)
    doc = layout_receipt(data, Paper.make(48, "gb18030"))
    assert "扫码注册会员 Scan to join" in doc.text()
    assert "会员 Member" not in doc.text() and "积分余额" not in doc.text()


def test_upgrade_is_printed():
    data = sample_receipt()
    data = replace(data, member=replace(data.member, upgraded_to="金卡"))
    assert "恭喜升级 Upgraded: 金卡" in layout_receipt(data, Paper.make(32, "utf8")).text()


def test_refund_receipt():
    data = sample_receipt(is_refund=True, original_sale_number="S-T01-000100",
                          member=MemberInfo("张三", "138****1234", "银卡", 900, 891, -9))
    doc = layout_receipt(data, Paper.make(48, "gb18030"))
    text = doc.text()
    assert doc.kind == "refund"
    assert "退货单 REFUND" in text and "S-T01-000100" in text and "退款 Refund" in text
    assert "退回 To 现金 Cash" in text and "扣回积分 Reversed" in text and "-9" in text
    assert "实收 Tendered" not in text


def test_reprint_is_marked_as_a_copy():
    doc = layout_receipt(sample_receipt(is_reprint=True), Paper.make(32, "gb18030"))
    assert doc.copy
    assert any(r.text == "*** 重印 COPY ***" for r in doc.rows())
    en = layout_receipt(sample_receipt(is_reprint=True), Paper.make(32, "cp437"))
    assert any(r.text == "*** COPY ***" for r in en.rows())


def test_long_names_wrap_and_amounts_stay_right():
    line = ReceiptLine("超长商品名称" * 6 + " with a very long English description", "12.345",
                       999999, 12345678, unit="kg")
    data = sample_receipt(lines=(line,), total_fen=12345678,
                          tenders=(Tender("alipay", 12345678),))
    for width in (32, 48):
        doc = layout_receipt(data, Paper.make(width, "gb18030"))
        assert_fits(doc)
        rows = [r.text for r in doc.rows() if r.text.endswith("123456.78")]
        assert rows and all(doc.charset.width(r) == width for r in rows)


def test_local_time_zones():
    assert local_time(AT, "Asia/Shanghai") == "2026-11-24 15:30:05"
    assert local_time(AT, "+08:00") == "2026-11-24 15:30:05"
    assert local_time(AT, "No/Such_Zone") == "2026-11-24 07:30:05"


def test_reports():
    paper = Paper.make(48, "gb18030")
    x = layout_report(sample_report("x"), paper).text()
    assert "X 报表" in x and "实点 Counted" not in x and "签字" not in x
    assert "现金 Cash (80)" in x and "5000.00" in x and "待同步 Unsynced" in x
    z = layout_report(sample_report("z"), paper).text()
    assert "Z-0042" in z and "差额 Over/short" in z and "-5.00" in z
    assert "银卡 Silver (25)" in z and "满100减10 x5" in z and "店长签字" in z
    slip = layout_report(sample_report("shift_close"), paper).text()
    assert "交班单" in slip and "100.00 x 50" in slip and "总差额" in slip
    assert "销售额 Gross" not in slip
    with pytest.raises(ValueError):
        layout_report(replace(sample_report("x"), kind="y"), paper)


def test_member_card_slip():
    doc = layout_member_card(sample_card(), Paper.make(32, "gb18030"))
    assert [b.payload for b in doc.blocks if isinstance(b, QrCode)] == ["PMC1-7f3a9c2e-0001"]
    assert "李小龙" in doc.text() and "新人券" in doc.text()
    big = [r for r in doc.rows() if isinstance(r, Row) and r.double_width]
    assert any("李小龙" in r.text for r in big)


def test_paper_width_is_checked():
    with pytest.raises(ValueError):
        layout_receipt(sample_receipt(), Paper.make(40, "gb18030"))
