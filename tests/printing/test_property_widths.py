"""Property: whatever the names, no printed line is wider than the paper and amounts stay in
the last columns. Names mix Chinese, full-width punctuation, ASCII and emoji (including
skin tones, flags and ZWJ sequences)."""

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_member.domain.money import format_fen
from pos_member.printing.encode import encode_document
from pos_member.printing.layout import Paper, layout_receipt
from pos_member.printing.model import CouponUse, MemberInfo, ReceiptLine
from pos_member.printing.settings import PrinterSettings
from tests.printing.escpos_decoder import decode, eaw_width
from tests.printing.support import sample_receipt

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PUNCT = st.sampled_from(list("，。！？：；（）【】《》“”‘’、…—·～￥＠＃％＆＊"))
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
EMOJI = st.sampled_from(["😀", "🎉", "👍🏻", "❤️", "☕", "⭐", "🇨🇳", "👨‍👩‍👧", "✨", "🍰", "🧋"])
NAME = st.lists(st.one_of(CJK, PUNCT, ASCII, EMOJI), min_size=1, max_size=40).map("".join)
AMOUNT = st.integers(min_value=0, max_value=99_999_999)

ENCODINGS = ["gb18030", "big5", "utf8", "cp437"]


@st.composite
def receipts(draw):
    n = draw(st.integers(1, 5))
    lines = []
    for _ in range(n):
        amount = draw(AMOUNT)
        lines.append(ReceiptLine(draw(NAME), draw(st.sampled_from(["1", "2", "0.350", "12"])),
                                 draw(AMOUNT), amount,
                                 unit=draw(st.sampled_from(["", "", "kg"]))))
    member = MemberInfo(draw(NAME), "138****1234", draw(NAME), 10, 20, 10,
                        next_tier_name=draw(NAME), spend_to_next_tier_fen=draw(AMOUNT))
    return replace(sample_receipt(), lines=tuple(lines), store_name=draw(NAME),
                   cashier=draw(NAME), member=member, total_fen=draw(AMOUNT),
                   coupons=(CouponUse("C1", draw(NAME), draw(AMOUNT)),),
                   footer=draw(NAME))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=receipts(), encoding=st.sampled_from(ENCODINGS), width=st.sampled_from([32, 48]))
def test_no_printed_line_is_wider_than_the_paper(data, encoding, width):
    doc = layout_receipt(data, Paper.make(width, encoding))
    payload = encode_document(doc, PrinterSettings("file:/dev/null", width=width,
                                                   encoding=encoding))
    d = decode(payload, encoding)
    assert d.errors == []
    for line in d.lines:
        # what the printer uses (bytes in Chinese mode), and East Asian width of the text
        assert line.printed_cells <= width, line
        assert eaw_width(line.text) * line.width_mult <= width, line
    # every amount ends in the last column of some full-width row
    amounts = [format_fen(x.amount_fen) for x in data.lines] + [format_fen(data.total_fen)]
    for amount in amounts:
        rows = [x for x in d.lines if x.text.endswith(" " + amount)]
        assert any(x.printed_cells == width for x in rows), amount


@settings(max_examples=80, deadline=None)
@given(data=receipts(), width=st.sampled_from([32, 48]))
def test_raster_rows_fit(data, width):
    from pos_member.printing.raster import load_font
    font = load_font()
    doc = layout_receipt(data, Paper.make(width, "raster", font.has_glyph))
    for row in doc.rows():
        cols = width // 2 if row.double_width else width
        assert doc.charset.width(row.text) <= cols
        assert eaw_width(row.text) <= cols
        assert all(font.has_glyph(c) for c in row.text)
