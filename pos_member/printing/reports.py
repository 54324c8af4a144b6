"""X and Z reports, the shift-close slip, a new member's card slip and the printer test page.

Pure layouts, like :mod:`pos_member.printing.layout`: figures are printed as given.
"""

from __future__ import annotations

from datetime import datetime

from pos_member.printing.document import CENTER, LEFT, RIGHT, Builder, Document
from pos_member.printing.labels import Labels
from pos_member.printing.layout import Paper, header, local_time, minus, money
from pos_member.printing.model import REPORT_KINDS, MemberCardData, ReportData


def _signed(fen: int) -> str:
    return ("+" if fen > 0 else "") + money(fen)


def _section(b: Builder, title: str) -> None:
    b.rule()
    b.line(title, bold=True)


def layout_report(data: ReportData, paper: Paper) -> Document:
    """An X report (``kind="x"``), a Z report (``"z"``) or a shift-close slip
    (``"shift_close"``): the slip is the reconciliation part alone, with signatures."""
    if data.kind not in REPORT_KINDS:
        raise ValueError(f"report kind must be one of {REPORT_KINDS}, not {data.kind!r}")
    lab = paper.labels
    kind = {"x": "x_report", "z": "z_report", "shift_close": "shift_close"}[data.kind]
    title = {"x": lab["x_title"], "z": lab["z_title"], "shift_close": lab["shift_title"]}
    b = Builder(kind, paper.width, paper.charset)
    header(b, lab, data.store_name, "", title[data.kind], False)

    if data.report_number:
        b.pair(lab["report_no"], data.report_number)
    b.pair(lab["terminal"], data.terminal)
    b.pair(lab["shift"], data.shift_number)
    b.pair(lab["cashier"], data.cashier)
    b.pair(lab["opened"], local_time(data.opened_at, data.tz))
    if data.closed_at is not None:
        b.pair(lab["closed"], local_time(data.closed_at, data.tz))
    b.pair(lab["printed"], local_time(data.printed_at, data.tz))
    if data.manager:
        b.pair(lab["manager"], data.manager)

    if data.kind != "shift_close":
        _sales(b, lab, data)
        _by_tender(b, lab, data)
    _cash_check(b, lab, data)
    if data.kind != "shift_close":
        _tiers_coupons_points(b, lab, data)
        if data.stored_value:
            from pos_member.printing.recharge_slip import stored_value_section

            stored_value_section(b, paper, data.stored_value)
    _section(b, lab["sync_section"])
    b.pair(lab["unsynced"], str(data.unsynced_count))
    b.pair(lab["conflicts"], str(data.conflicts_count))
    if data.kind != "x":
        b.rule()
        b.feed()
        b.line(lab["signature_cashier"])
        b.feed(2)
        b.line(lab["signature_manager"])
        b.feed()
    return b.doc


def _sales(b: Builder, lab: Labels, data: ReportData) -> None:
    _section(b, lab["sales_section"])
    b.pair(lab["sales_count"], str(data.sales_count))
    b.pair(lab["gross_sales"], money(data.gross_sales_fen))
    if data.tier_discount_fen:
        b.pair(lab["tier_discount"], minus(data.tier_discount_fen))
    if data.coupon_discount_fen:
        b.pair(lab["coupon_section"], minus(data.coupon_discount_fen))
    if data.points_redeemed_value_fen:
        b.pair(lab.fmt("points_used", points=data.points_redeemed if data.points_used is None
                       else data.points_used),
               minus(data.points_redeemed_value_fen))
    if data.rounding_fen:
        b.pair(lab["rounding"], minus(data.rounding_fen))
    b.pair(lab.fmt("refunds", count=data.refunds_count), minus(data.refunds_fen))
    b.pair(lab.fmt("voids", count=data.voids_count), money(data.voids_fen))
    b.pair(lab["net_sales"], money(data.net_sales_fen), bold=True)


def _by_tender(b: Builder, lab: Labels, data: ReportData) -> None:
    if not data.tenders:
        return
    _section(b, lab["tender_section"])
    for t in data.tenders:
        b.pair(f"{lab.tender(t.kind)} ({t.count})", money(t.amount_fen))
        if t.refunds_fen:
            b.pair(lab["tender_refunds"], minus(t.refunds_fen), indent=2)


def _cash_check(b: Builder, lab: Labels, data: ReportData) -> None:
    _section(b, lab["cash_section"])
    b.pair(lab["float"], money(data.float_fen))
    if data.paid_in_fen:
        b.pair(lab["paid_in"], money(data.paid_in_fen))
    if data.paid_out_fen:
        b.pair(lab["paid_out"], minus(data.paid_out_fen))
    for t in data.tenders:
        if t.expected_fen is None and t.counted_fen is None:
            continue
        b.line(lab.tender(t.kind), bold=True)
        if t.expected_fen is not None:
            b.pair(lab["expected"], money(t.expected_fen), indent=2)
        if t.counted_fen is not None:
            b.pair(lab["counted"], money(t.counted_fen), indent=2)
        if t.over_short_fen is not None:
            b.pair(lab["over_short"], _signed(t.over_short_fen), indent=2)
    if data.cash_count:
        b.line(lab["denominations"], bold=True)
        for d in data.cash_count:
            b.pair(f"{money(d.denomination_fen)} x {d.count}", money(d.amount_fen), indent=2)
    total = data.over_short_fen
    if total is not None:
        b.pair(lab["total_over_short"], _signed(total), bold=True)


def _tiers_coupons_points(b: Builder, lab: Labels, data: ReportData) -> None:
    if data.tiers:
        _section(b, lab["tier_section"])
        for t in data.tiers:
            b.pair(f"{t.tier_name} ({t.count})", money(t.amount_fen))
    if data.coupons:
        _section(b, lab["coupon_section"])
        for c in data.coupons:
            b.pair(f"{c.name} x{c.count}", minus(c.discount_fen))
    _section(b, lab["points_section"])
    b.pair(lab["points_earned_total"], str(data.points_earned))
    b.pair(lab["points_redeemed_total"], str(data.points_redeemed))


def layout_member_card(data: MemberCardData, paper: Paper) -> Document:
    lab = paper.labels
    b = Builder("card_slip", paper.width, paper.charset)
    header(b, lab, data.store_name, "", lab["card_title"], False)
    b.line(lab["welcome"], CENTER, bold=True)
    b.line(data.member_name, CENTER, bold=True, double_width=True, double_height=True)
    b.pair(lab["phone"], data.masked_phone)
    b.pair(lab["tier"], data.tier_name)
    b.pair(lab["joined"], local_time(data.joined_at, data.tz))
    if data.terminal:
        b.pair(lab["terminal"], data.terminal)
    if data.welcome_coupon:
        b.pair(lab["welcome_coupon"], data.welcome_coupon)
    b.rule()
    b.qr(data.card_code)
    b.line(data.card_code, CENTER)
    b.line(lab["card_hint"], CENTER)
    return b.doc


SAMPLE_CJK = "中文打印测试：汉字、全角标点，“引号”（括号）￥12.50。繁體：會員積分"


def layout_test_page(paper: Paper, printer_spec: str, at: datetime, tz: str = "",
                     qr_mode: str = "raster") -> Document:
    """What ``print-test`` prints: the settings, a ruler, Chinese, alignment, styles, amounts
    in columns, a QR code."""
    lab = paper.labels
    b = Builder("test_page", paper.width, paper.charset)
    b.title(lab["test_title"])
    b.pair(lab["test_printer"], printer_spec)
    b.pair(lab["test_encoding"], paper.encoding)
    b.pair(lab["test_width"], lab.fmt("test_columns", width=paper.width))
    b.pair(lab["time"], local_time(at, tz))
    b.rule()
    ruler = "".join(str(i % 10) for i in range(1, paper.width + 1))
    b.line(ruler)
    b.line("=" * paper.width)
    b.line(SAMPLE_CJK)
    b.line("ASCII: The quick brown fox jumps over the lazy dog 0123456789")
    b.rule()
    b.line("left 左对齐", LEFT)
    b.line("center 居中", CENTER)
    b.line("right 右对齐", RIGHT)
    b.line("bold 粗体", bold=True)
    b.line("double 倍大", double_width=True, double_height=True)
    b.rule()
    b.pair("拿铁 Latte x2", "56.00")
    b.pair("全麦面包 Whole-wheat bread 0.350kg", "12.25")
    b.pair(lab["total"], "68.25", bold=True, double_height=True)
    b.rule()
    payload = "POS-MEMBER TEST " + paper.encoding.upper()
    b.qr(payload)
    b.line(f"QR ({qr_mode}): {payload}", CENTER)
    return b.doc
