"""The stored-value (储值) slips: a recharge, and the refund of a recharge.

Pure layout like :mod:`pos_member.printing.reports`: the figures are printed as given. The
customer keeps the slip; it shows what was paid, the bonus, the balance after (principal and
bonus apart) and, for a refund, what came back and what of the bonus was removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos_member.printing.document import CENTER, Builder, Document
from pos_member.printing.layout import Paper, header, local_time, minus, money

KIND = "recharge_slip"

_LABELS = {
    "zh_hans": {
        "title": "储值充值凭证", "refund_title": "储值退款凭证", "slip_no": "单号",
        "member": "会员", "phone": "手机", "paid": "充值金额", "bonus": "赠送金额",
        "rule": "活动", "coupon": "赠券", "tier": "升级", "tender": "支付方式",
        "tendered": "实收", "change": "找零", "balance": "余额", "principal": "本金",
        "bonus_part": "赠送", "cash_back": "退还金额", "principal_out": "扣除本金",
        "bonus_out": "扣除赠送", "bonus_spent": "已用赠送(已抵扣)", "approved": "授权",
        "cashier": "收银员", "time": "时间", "terminal": "终端",
        "hint": "储值余额仅限本品牌门店使用", "offline": "离线记录，联网后同步",
    },
    "zh_hant": {
        "title": "儲值充值憑證", "refund_title": "儲值退款憑證", "slip_no": "單號",
        "member": "會員", "phone": "手機", "paid": "充值金額", "bonus": "贈送金額",
        "rule": "活動", "coupon": "贈券", "tier": "升級", "tender": "支付方式",
        "tendered": "實收", "change": "找零", "balance": "餘額", "principal": "本金",
        "bonus_part": "贈送", "cash_back": "退還金額", "principal_out": "扣除本金",
        "bonus_out": "扣除贈送", "bonus_spent": "已用贈送(已抵扣)", "approved": "授權",
        "cashier": "收銀員", "time": "時間", "terminal": "終端",
        "hint": "儲值餘額僅限本品牌門店使用", "offline": "離線記錄，聯網後同步",
    },
    "en": {
        "title": "STORED VALUE RECHARGE", "refund_title": "RECHARGE REFUND", "slip_no": "No.",
        "member": "Member", "phone": "Phone", "paid": "Recharged", "bonus": "Bonus",
        "rule": "Offer", "coupon": "Gift coupon", "tier": "Upgraded to", "tender": "Paid by",
        "tendered": "Tendered", "change": "Change", "balance": "Balance",
        "principal": "Principal", "bonus_part": "Bonus", "cash_back": "Refunded",
        "principal_out": "Principal out", "bonus_out": "Bonus removed",
        "bonus_spent": "Bonus already spent", "approved": "Approved by",
        "cashier": "Cashier", "time": "Time", "terminal": "Terminal",
        "hint": "Stored value is for use in the brand's stores",
        "offline": "Recorded offline; syncs when online",
    },
}


@dataclass(frozen=True)
class RechargeSlipData:
    store_name: str
    slip_no: str
    at: datetime
    tz: str
    member_name: str
    masked_phone: str
    tender: str  # cash, wechat, alipay, card
    principal_after: int
    bonus_after: int
    # a recharge
    amount: int = 0
    bonus: int = 0
    rule_title: str = ""
    gift_coupon: str = ""
    tier_name: str = ""
    tendered: int | None = None
    change: int = 0
    # a refund of a recharge
    refund: bool = False
    cash_back: int = 0
    principal_out: int = 0
    bonus_out: int = 0
    bonus_spent: int = 0
    approved_by: str = ""
    cashier: str = ""
    terminal: str = ""
    offline: bool = False


def layout_recharge_slip(data: RechargeSlipData, paper: Paper) -> Document:
    lab = _LABELS.get(paper.labels.lang, _LABELS["en"])
    b = Builder(KIND, paper.width, paper.charset)
    header(b, paper.labels, data.store_name, "", lab["refund_title" if data.refund else "title"],
           False)
    b.pair(lab["slip_no"], data.slip_no)
    b.pair(lab["time"], local_time(data.at, data.tz))
    b.pair(lab["member"], data.member_name)
    if data.masked_phone:
        b.pair(lab["phone"], data.masked_phone)
    b.rule()
    tender = paper.labels.tender(data.tender)
    if data.refund:
        b.pair(lab["principal_out"], minus(data.principal_out))
        if data.bonus_out:
            b.pair(lab["bonus_out"], minus(data.bonus_out))
        if data.bonus_spent:
            b.pair(lab["bonus_spent"], minus(data.bonus_spent))
        b.pair(lab["cash_back"], money(data.cash_back), bold=True, double_height=True)
        b.pair(lab["tender"], tender)
        if data.approved_by:
            b.pair(lab["approved"], data.approved_by)
    else:
        b.pair(lab["paid"], money(data.amount), bold=True, double_height=True)
        if data.bonus:
            b.pair(lab["bonus"], money(data.bonus), bold=True)
        if data.rule_title:
            b.pair(lab["rule"], data.rule_title)
        if data.gift_coupon:
            b.pair(lab["coupon"], data.gift_coupon)
        if data.tier_name:
            b.pair(lab["tier"], data.tier_name)
        b.pair(lab["tender"], tender)
        if data.tendered is not None and data.tender == "cash":
            b.pair(lab["tendered"], money(data.tendered))
            b.pair(lab["change"], money(data.change))
    b.rule()
    b.pair(lab["balance"], money(data.principal_after + data.bonus_after), bold=True)
    b.pair(f"  {lab['principal']}", money(data.principal_after))
    b.pair(f"  {lab['bonus_part']}", money(data.bonus_after))
    b.rule()
    if data.cashier:
        b.pair(lab["cashier"], data.cashier)
    if data.terminal:
        b.pair(lab["terminal"], data.terminal)
    if data.offline:
        b.line(lab["offline"], CENTER)
    b.line(lab["hint"], CENTER)
    return b.doc


def print_recharge_slip(printer, data: RechargeSlipData) -> int | None:
    """Queue the slip on ``printer`` (a :class:`pos_member.printing.printer.ReceiptPrinter`);
    returns the job id, None when it could not be queued."""
    return printer.print_document(layout_recharge_slip(data, printer.paper))


_SECTION = {
    "zh_hans": {"title": "储值 Stored value", "recharges": "充值 {n} 笔", "bonus": "赠送",
                "refunds": "充值退款 {n} 笔", "bonus_removed": "扣回赠送", "spent": "储值消费",
                "returned": "退回储值", "liability": "储值余额(负债)", "of_bonus": "其中赠送"},
    "zh_hant": {"title": "儲值 Stored value", "recharges": "充值 {n} 筆", "bonus": "贈送",
                "refunds": "充值退款 {n} 筆", "bonus_removed": "扣回贈送", "spent": "儲值消費",
                "returned": "退回儲值", "liability": "儲值餘額(負債)", "of_bonus": "其中贈送"},
    "en": {"title": "Stored value", "recharges": "Recharges ({n})", "bonus": "Bonus given",
           "refunds": "Recharge refunds ({n})", "bonus_removed": "Bonus removed",
           "spent": "Paid by balance", "returned": "Returned to balance",
           "liability": "Liability", "of_bonus": "of which bonus"},
}


def stored_value_section(b: Builder, paper: Paper, sv: dict) -> None:
    """The X/Z report's stored-value part: recharges by tender, bonus given, refunds of
    recharges, balance spent and returned, the liability (``services.stored_value.as_dict``)."""
    lab = _SECTION.get(paper.labels.lang, _SECTION["en"])
    b.rule()
    b.line(lab["title"], bold=True)
    b.pair(lab["recharges"].format(n=sv.get("recharges", 0)), money(sv.get("recharged", 0)))
    for tender, fen in sorted((sv.get("recharged_by_tender") or {}).items()):
        b.pair(paper.labels.tender(tender), money(fen), indent=2)
    b.pair(lab["bonus"], money(sv.get("bonus_given", 0)))
    if sv.get("refunds"):
        b.pair(lab["refunds"].format(n=sv["refunds"]),
               minus(sum((sv.get("refunded_by_tender") or {}).values())))
        b.pair(lab["bonus_removed"], minus(sv.get("bonus_removed", 0)))
    b.pair(lab["spent"], money(sv.get("spent", 0)))
    if sv.get("returned"):
        b.pair(lab["returned"], money(sv["returned"]))
    b.pair(lab["liability"], money(sv.get("liability", 0)), bold=True)
    b.pair(lab["of_bonus"], money(sv.get("liability_bonus", 0)), indent=2)
