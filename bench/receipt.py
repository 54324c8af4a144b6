"""Receipt benchmark: layout plus ESC/POS encoding of a 30-line receipt (Chinese and English
names, a member, coupons, two tenders, a QR code), on 80 mm paper.

Cases, each p50/p99 over --runs calls:
- layout only (the baseline: what every mode pays);
- text mode, GB18030 in the printer's Chinese mode, QR as a raster image;
- raster mode: the whole receipt drawn with a CJK font (glyph cache warm, as on a till that
  has printed before);
- raster mode with a cold glyph cache (a new font object each call: the first receipt after
  start), fewer runs.

Prints the raster-to-text ratio of the p50s. Targets: text mode p50 < 10 ms, raster mode
p50 < 100 ms (a receipt must not hold up the next sale; printing itself takes seconds).

    python bench/receipt.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import describe, pct, sample  # noqa: E402

from pos_member.printing.encode import encode_document  # noqa: E402
from pos_member.printing.layout import Paper, layout_receipt  # noqa: E402
from pos_member.printing.model import (  # noqa: E402
    CouponUse,
    LineDiscount,
    MemberInfo,
    ReceiptData,
    ReceiptLine,
    Tender,
)
from pos_member.printing.raster import RasterFont, load_font  # noqa: E402
from pos_member.printing.settings import PrinterSettings  # noqa: E402

NAMES = ["拿铁 Latte 大杯", "美式咖啡 Americano", "全麦面包 Whole-wheat bread",
         "可口可乐 Coca-Cola", "抹茶蛋糕 Matcha cake", "Croissant", "珍珠奶茶（少冰，半糖）",
         "矿泉水 Water", "Blueberry muffin 蓝莓玛芬", "燕麦拿铁 Oat latte",
         "三明治 Ham & cheese sandwich", "柠檬茶"]


def receipt(n: int = 30) -> ReceiptData:
    lines = []
    for i in range(n):
        price = 300 + (i * 737) % 3000
        qty = 1 + i % 3
        disc = (LineDiscount("第二份半价 2nd half", price // 2),) if i % 10 == 3 else ()
        lines.append(ReceiptLine(f"{NAMES[i % len(NAMES)]} #{i + 1}", str(qty), price,
                                 price * qty, disc))
    subtotal = sum(x.amount_fen for x in lines)
    total = subtotal * 9 // 10
    return ReceiptData(
        store_name="星巴克 Coffee 朝阳大悦城店", store_address="北京市朝阳区朝阳北路101号 1F-23",
        terminal="T01", sale_number="S-T01-000123", sale_uuid="0b6c1f4e",
        time=datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc), tz="Asia/Shanghai",
        cashier="王小明", lines=tuple(lines), total_fen=total,
        tenders=(Tender("wechat", total // 2, reference="4200001234567890"),
                 Tender("cash", total - total // 2, 100000, 100000 - (total - total // 2))),
        member=MemberInfo("张三", "138****1234", "银卡", 800, 900, 100, None, "金卡", 12000),
        tier_discount_fen=subtotal // 20, tier_discount_note="银卡 95折",
        coupons=(CouponUse("C1", "满100减10", 1000),), points_used=30, points_value_fen=3000,
        qr_payload="https://pos.example/r/S-T01-000123")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    data = receipt(30)
    text_settings = PrinterSettings("file:/dev/null", width=48, encoding="gb18030")
    raster_settings = PrinterSettings("file:/dev/null", width=48, encoding="raster")
    font = load_font()
    text_paper = Paper.make(48, "gb18030")
    raster_paper = Paper.make(48, "raster", font.has_glyph)

    def layout_only():
        return layout_receipt(data, text_paper)

    def text_mode():
        return encode_document(layout_receipt(data, text_paper), text_settings)

    def raster_mode():
        return encode_document(layout_receipt(data, raster_paper), raster_settings, font)

    def raster_cold():
        cold = RasterFont(font.path)
        paper = Paper.make(48, "raster", cold.has_glyph)
        return encode_document(layout_receipt(data, paper), raster_settings, cold)

    base = sample(layout_only, args.runs)
    text = sample(text_mode, args.runs)
    raster = sample(raster_mode, args.runs)
    cold = sample(raster_cold, max(10, args.runs // 20), warmup=2)
    print(f"30-line receipt, 80 mm paper: text {len(text_mode())} bytes, "
          f"raster {len(raster_mode())} bytes; font {os.path.basename(font.path)}")
    print(describe("baseline: layout only", base))
    print(describe("text mode (gb18030)", text))
    print(describe("raster mode (warm glyph cache)", raster))
    print(describe("raster mode (cold glyph cache)", cold))
    ratio = pct(raster, 50) / pct(text, 50)
    print(f"ratio text / layout-only (p50): {pct(text, 50) / pct(base, 50):.2f}")
    print(f"ratio raster / text (p50): {ratio:.2f}")
    ok = pct(text, 50) < 0.010 and pct(raster, 50) < 0.100
    print(f"text p50 {pct(text, 50) * 1e3:.2f} ms (target < 10), raster p50 "
          f"{pct(raster, 50) * 1e3:.2f} ms (target < 100)   {'OK' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
