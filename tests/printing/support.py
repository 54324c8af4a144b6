"""Sample data for the printing tests."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

from pos_member.printing.model import (
    CouponFigure,
    CouponUse,
    DenominationCount,
    LineDiscount,
    MemberCardData,
    MemberInfo,
    ReceiptData,
    ReceiptLine,
    ReportData,
    Tender,
    TenderFigure,
    TierFigure,
)

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "printing"
AT = datetime(2026, 11, 24, 7, 30, 5, tzinfo=timezone.utc)   # 15:30:05 in Shanghai

PRODUCTS = [
    ("拿铁 Latte 大杯", 2800), ("美式咖啡 Americano", 2200), ("全麦面包 Whole-wheat bread", 1500),
    ("可口可乐 Coca-Cola 330ml", 350), ("抹茶蛋糕 Matcha cake", 3200), ("Croissant", 1200),
    ("珍珠奶茶（少冰，半糖）", 1800), ("矿泉水 Water", 300), ("Blueberry muffin 蓝莓玛芬", 1600),
    ("燕麦拿铁 Oat latte", 3000), ("三明治 Ham & cheese sandwich", 2600), ("柠檬茶", 1500),
]


def receipt_lines(n: int, seed: int = 7) -> tuple[ReceiptLine, ...]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name, price = PRODUCTS[i % len(PRODUCTS)]
        if i % 9 == 4:
            qty, unit, amount = "0.350", "kg", round(price * 0.35)
        else:
            q = rng.randint(1, 3)
            qty, unit, amount = str(q), "", price * q
        discounts = (LineDiscount("第二份半价 2nd half", amount // 4),) if i % 11 == 5 else ()
        out.append(ReceiptLine(f"{name} #{i + 1}" if n > len(PRODUCTS) else name, qty, price,
                               amount, discounts, unit))
    return tuple(out)


def sample_receipt(n_lines: int = 6, with_member: bool = True, **changes) -> ReceiptData:
    lines = receipt_lines(n_lines)
    subtotal = sum(line.amount_fen for line in lines)
    line_disc = sum(d.amount_fen for line in lines for d in line.discounts)
    tier = (subtotal - line_disc) * 5 // 100 if with_member else 0
    coupon = 1000 if subtotal > 5000 else 0
    points = 30 if with_member else 0
    rest = subtotal - line_disc - tier - coupon - points * 100
    rounding = rest % 10
    total = rest - rounding
    wechat = total // 2
    cash = total - wechat
    tendered = (cash // 10000 + 1) * 10000
    data = ReceiptData(
        store_name="星巴克 Coffee 朝阳大悦城店", store_address="北京市朝阳区朝阳北路101号 1F-23",
        terminal="T01", sale_number="S-T01-000123", sale_uuid="0b6c1f4e-6a0e-4bb1-9d9e-2f1c",
        time=AT, tz="Asia/Shanghai", cashier="王小明", lines=lines, total_fen=total,
        tenders=(Tender("wechat", wechat, reference="4200001234567890"),
                 Tender("cash", cash, tendered, tendered - cash)),
        member=MemberInfo("张三", "138****1234", "银卡", 800, 800 - points + total // 1000,
                          total // 1000, None, "金卡", 12000) if with_member else None,
        tier_discount_fen=tier, tier_discount_note="银卡 95折" if with_member else "",
        coupons=(CouponUse("C100-10", "满100减10", coupon),) if coupon else (),
        points_used=points, points_value_fen=points * 100, rounding_fen=rounding,
        qr_payload="https://pos.example/r/S-T01-000123" if with_member
        else "https://pos.example/join?store=CY01",
    )
    return _replace(data, **changes)


def _replace(obj, **changes):
    from dataclasses import replace
    return replace(obj, **changes) if changes else obj


def sample_report(kind: str = "z") -> ReportData:
    counted = kind != "x"
    return ReportData(
        kind=kind, store_name="星巴克 Coffee 朝阳大悦城店", terminal="T01",
        shift_number="SH-20261124-1", cashier="王小明", opened_at=AT.replace(hour=0),
        printed_at=AT.replace(hour=9), tz="Asia/Shanghai",
        closed_at=AT.replace(hour=9) if counted else None, manager="李店长" if counted else "",
        report_number="Z-0042" if kind == "z" else "",
        sales_count=123, gross_sales_fen=1234567, tier_discount_fen=23456,
        coupon_discount_fen=5000, points_redeemed_value_fen=3000, rounding_fen=45,
        refunds_count=3, refunds_fen=12000, voids_count=2, voids_fen=4500,
        net_sales_fen=1191066, float_fen=50000, paid_in_fen=0, paid_out_fen=2000,
        tenders=(
            TenderFigure("cash", 80, 500000, 3000, 545000, 544500 if counted else None),
            TenderFigure("wechat", 30, 400000, 9000, 400000, 400000 if counted else None),
            TenderFigure("alipay", 10, 291066),
            TenderFigure("meituan", 3, 0),
        ),
        tiers=(TierFigure("非会员 Non-member", 50, 400000), TierFigure("普卡 Regular", 40, 300000),
               TierFigure("银卡 Silver", 25, 300000), TierFigure("金卡 Gold", 8, 191066)),
        coupons=(CouponFigure("满100减10", 5, 5000),),
        points_earned=1234, points_redeemed=30,
        cash_count=(DenominationCount(10000, 50), DenominationCount(5000, 8),
                    DenominationCount(100, 45), DenominationCount(50, 1))
        if counted else (),
        unsynced_count=3, conflicts_count=1,
    )


def sample_card() -> MemberCardData:
    return MemberCardData(
        store_name="星巴克 Coffee 朝阳大悦城店", member_name="李小龙", masked_phone="139****8888",
        tier_name="普卡 Regular", card_code="PMC1-7f3a9c2e-0001", joined_at=AT,
        tz="Asia/Shanghai", terminal="T01", welcome_coupon="新人券 满50减10")
