"""Every fixed word the printouts carry, in one place, so a translation step can replace them.

Three tables with the same keys: simplified Chinese with English (GB18030, UTF-8 and raster
printers), traditional Chinese with English (Big5 printers, whose font has no simplified
characters), and English alone (single-byte code pages, which have no Chinese at all).
Values may hold ``{name}`` fields, filled with :meth:`Labels.fmt`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

ZH_HANS: Mapping[str, str] = MappingProxyType({
    "sale_title": "销售小票 RECEIPT",
    "refund_title": "退货单 REFUND",
    "copy_banner": "*** 重印 COPY ***",
    "sale_no": "单号 No.",
    "original_sale": "原单 Orig.",
    "time": "时间 Time",
    "terminal": "收银台 Till",
    "store_phone": "电话 Tel",
    "cashier": "收银员 Cashier",
    "member": "会员 Member",
    "tier": "等级 Tier",
    "item": "商品 Item",
    "qty": "数量 Qty",
    "price": "单价 Price",
    "amount": "金额 Amt",
    "subtotal": "小计 Subtotal",
    "line_discounts": "单品优惠 Item disc.",
    "tier_discount": "会员折扣 Member disc.",
    "coupon": "券 Coupon",
    "points_used": "积分抵现 Points {points}",
    "rounding": "抹零 Rounding",
    "total": "合计 Total",
    "refund_total": "退款 Refund",
    "tendered": "实收 Tendered",
    "change": "找零 Change",
    "reference": "参考号 Ref.",
    "refunded_to": "退回 To",
    "points_earned": "本单积分 Earned",
    "points_reversed": "扣回积分 Reversed",
    "points_balance": "积分余额 Balance",
    "upgraded": "恭喜升级 Upgraded: {tier}",
    "gift": "获得礼遇 Gift: {title}",
    "member_price": "会员价 Member price",
    "next_tier": "再消费 ￥{amount} 升级{tier}",
    "next_tier_en": "Spend {amount} more for {tier}",
    "qr_lookup": "退换货请出示此码 Scan for refunds",
    "qr_join": "扫码注册会员 Scan to join",
    "thanks": "谢谢惠顾 Thank you!",
    # reports
    "x_title": "X 报表 X REPORT",
    "z_title": "Z 报表 Z REPORT",
    "shift_title": "交班单 SHIFT CLOSE",
    "store": "门店 Store",
    "shift": "班次 Shift",
    "report_no": "编号 No.",
    "opened": "开班 Opened",
    "closed": "结班 Closed",
    "printed": "打印 Printed",
    "manager": "审批 Approved",
    "sales_section": "销售 Sales",
    "sales_count": "销售笔数 Sales",
    "gross_sales": "销售额 Gross",
    "refunds": "退款 Refunds ({count})",
    "voids": "作废 Voids ({count})",
    "tender_refunds": "其中退款 Refunds",
    "net_sales": "净额 Net",
    "tender_section": "支付方式 By tender",
    "cash_section": "现金核对 Cash check",
    "float": "备用金 Float",
    "paid_in": "存入 Paid in",
    "paid_out": "支出 Paid out",
    "expected": "应有 Expected",
    "counted": "实点 Counted",
    "over_short": "差额 Over/short",
    "total_over_short": "总差额 Total over/short",
    "denominations": "点钞 Count",
    "tier_section": "会员等级 By tier",
    "coupon_section": "优惠券 Coupons",
    "points_section": "积分 Points",
    "points_earned_total": "发放 Earned",
    "points_redeemed_total": "抵现 Redeemed",
    "sync_section": "同步 Sync",
    "unsynced": "待同步 Unsynced",
    "conflicts": "冲突 Conflicts",
    "signature_cashier": "收银员签字 Cashier:",
    "signature_manager": "店长签字 Manager:",
    # member card slip
    "card_title": "会员卡 MEMBER CARD",
    "welcome": "欢迎加入 Welcome!",
    "phone": "手机 Phone",
    "joined": "入会 Joined",
    "welcome_coupon": "新人礼 Gift",
    "card_hint": "结账时出示此码 Show at checkout",
    # test page
    "test_title": "打印测试 TEST PAGE",
    "test_printer": "打印机 Printer",
    "test_encoding": "编码 Encoding",
    "test_width": "宽度 Width",
    "test_columns": "{width} 列 columns",
})

_HANT_OVERRIDES = {
    "gift": "獲得禮遇 Gift: {title}", "member_price": "會員價 Member price",
    "sale_title": "銷售小票 RECEIPT", "refund_title": "退貨單 REFUND",
    "copy_banner": "*** 重印 COPY ***", "sale_no": "單號 No.", "original_sale": "原單 Orig.",
    "time": "時間 Time", "terminal": "收銀台 Till", "cashier": "收銀員 Cashier",
    "store_phone": "電話 Tel",
    "member": "會員 Member", "tier": "等級 Tier", "item": "商品 Item", "qty": "數量 Qty",
    "price": "單價 Price", "amount": "金額 Amt", "subtotal": "小計 Subtotal",
    "line_discounts": "單品優惠 Item disc.", "tier_discount": "會員折扣 Member disc.",
    "coupon": "券 Coupon", "points_used": "積分抵現 Points {points}", "rounding": "抹零 Rounding",
    "total": "合計 Total", "refund_total": "退款 Refund", "tendered": "實收 Tendered",
    "change": "找零 Change", "reference": "參考號 Ref.", "refunded_to": "退回 To",
    "points_earned": "本單積分 Earned", "points_reversed": "扣回積分 Reversed",
    "points_balance": "積分餘額 Balance", "upgraded": "恭喜升級 Upgraded: {tier}",
    "next_tier": "再消費 {amount} 元升級{tier}",   # Big5 has no full-width yen sign
    "qr_lookup": "退換貨請出示此碼 Scan for refunds", "qr_join": "掃碼註冊會員 Scan to join",
    "thanks": "謝謝惠顧 Thank you!", "x_title": "X 報表 X REPORT", "z_title": "Z 報表 Z REPORT",
    "shift_title": "交班單 SHIFT CLOSE", "store": "門店 Store", "shift": "班次 Shift",
    "report_no": "編號 No.", "opened": "開班 Opened", "closed": "結班 Closed",
    "printed": "列印 Printed", "manager": "審批 Approved", "sales_section": "銷售 Sales",
    "sales_count": "銷售筆數 Sales", "gross_sales": "銷售額 Gross",
    "refunds": "退款 Refunds ({count})", "voids": "作廢 Voids ({count})",
    "tender_refunds": "其中退款 Refunds",
    "net_sales": "淨額 Net", "tender_section": "支付方式 By tender",
    "cash_section": "現金核對 Cash check", "float": "備用金 Float", "paid_in": "存入 Paid in",
    "paid_out": "支出 Paid out", "expected": "應有 Expected", "counted": "實點 Counted",
    "over_short": "差額 Over/short", "total_over_short": "總差額 Total over/short",
    "denominations": "點鈔 Count", "tier_section": "會員等級 By tier",
    "coupon_section": "優惠券 Coupons", "points_section": "積分 Points",
    "points_earned_total": "發放 Earned", "points_redeemed_total": "抵現 Redeemed",
    "sync_section": "同步 Sync", "unsynced": "待同步 Unsynced", "conflicts": "衝突 Conflicts",
    "signature_cashier": "收銀員簽字 Cashier:", "signature_manager": "店長簽字 Manager:",
    "card_title": "會員卡 MEMBER CARD", "welcome": "歡迎加入 Welcome!", "phone": "手機 Phone",
    "joined": "入會 Joined", "welcome_coupon": "新人禮 Gift",
    "card_hint": "結賬時出示此碼 Show at checkout", "test_title": "列印測試 TEST PAGE",
    "test_printer": "印表機 Printer", "test_encoding": "編碼 Encoding", "test_width": "寬度 Width",
    "test_columns": "{width} 欄 columns",
}
ZH_HANT: Mapping[str, str] = MappingProxyType({**ZH_HANS, **_HANT_OVERRIDES})


def _english(value: str) -> str:
    """The English half of a bilingual label ("合计 Total" -> "Total")."""
    words = value.split(" ")
    kept = [w for w in words if all(ord(c) < 0x2E80 for c in w)]
    return " ".join(kept).strip() or value


_EN_OVERRIDES = {
    "copy_banner": "*** COPY ***",
    "next_tier": "Spend {amount} more for {tier}",
    "next_tier_en": "",
}
EN: Mapping[str, str] = MappingProxyType(
    {k: _EN_OVERRIDES.get(k, _english(v)) for k, v in ZH_HANS.items()})

TENDER_LABELS = {
    "zh_hans": {"cash": "现金 Cash", "wechat": "微信 WeChat Pay", "alipay": "支付宝 Alipay",
                "unionpay": "银联 UnionPay", "meituan": "美团券 Meituan",
                "douyin": "抖音券 Douyin", "points": "积分 Points", "voucher": "代金券 Voucher",
                "stored_value": "储值 Stored value"},
    "zh_hant": {"cash": "現金 Cash", "wechat": "微信 WeChat Pay", "alipay": "支付寶 Alipay",
                "unionpay": "銀聯 UnionPay", "meituan": "美團券 Meituan",
                "douyin": "抖音券 Douyin", "points": "積分 Points", "voucher": "代金券 Voucher",
                "stored_value": "儲值 Stored value"},
}
TENDER_LABELS["en"] = {k: _english(v) for k, v in TENDER_LABELS["zh_hans"].items()}


class Labels:
    def __init__(self, table: Mapping[str, str], tenders: Mapping[str, str], lang: str):
        self.table = table
        self.tenders = tenders
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return self.table[key]

    def fmt(self, key: str, **fields: object) -> str:
        return self.table[key].format(**fields)

    def tender(self, kind: str) -> str:
        return self.tenders.get(kind, kind)


def labels_for(encoding: str) -> Labels:
    """The label table that a printer in ``encoding`` can print."""
    if encoding == "big5":
        return Labels(ZH_HANT, TENDER_LABELS["zh_hant"], "zh_hant")
    if encoding in ("gb18030", "utf8", "raster"):
        return Labels(ZH_HANS, TENDER_LABELS["zh_hans"], "zh_hans")
    return Labels(EN, TENDER_LABELS["en"], "en")
