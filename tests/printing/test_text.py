"""Display widths per encoding, cleaning, wrapping."""

import pytest

from pos_member.printing.labels import EN, ZH_HANS, ZH_HANT, labels_for
from pos_member.printing.text import (
    ENCODINGS,
    charset_for,
    display_width,
    fit,
    pad_left,
    unicode_width,
    wrap,
)


def test_unicode_width():
    assert display_width("abc") == 3
    assert display_width("会员") == 4
    assert display_width("，。！") == 6          # full-width punctuation
    assert display_width("😀") == 2
    assert display_width("❤\ufe0f") == 2        # emoji + variation selector
    assert display_width("e\u0301") == 1         # combining accent
    assert unicode_width("\u200d") == 0          # zero-width joiner


def test_gb18030_counts_bytes_not_unicode_width():
    cs = charset_for("gb18030")
    assert cs.width(cs.clean("·")) == 2          # ambiguous width, two bytes in GB18030
    assert cs.clean("¥12") == "￥12"             # ¥ needs four bytes; the full-width sign has two
    assert cs.clean("小美😀") == "小美？"          # emoji are not in a printer's font
    assert cs.clean("a\tb\nc") == "a b c"
    assert cs.clean("e\u0301") == "é"             # NFC first


def test_big5_replaces_what_it_cannot_encode():
    cs = charset_for("big5")
    assert cs.clean("會員") == "會員"
    assert cs.clean("会员") == "？？"             # simplified characters are not in Big5


def test_single_byte_folds_full_width_and_keeps_cells():
    cs = charset_for("cp437")
    assert cs.clean("（１２）") == "(12)"
    assert cs.clean("会员") == "????"            # two cells each, as on screen
    assert cs.width(cs.clean("会员 ok")) == 7


def test_raster_uses_glyph_check():
    cs = charset_for("raster", has_glyph=lambda ch: ch != "龘")
    assert cs.clean("龘a") == "？a"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_clean_is_idempotent_and_width_matches(encoding):
    cs = charset_for(encoding)
    text = "星巴克 Coffee（朝阳）·¥12.50 😀👨‍👩‍👧 e\u0301 ￥ 會員"
    once = cs.clean(text)
    assert cs.clean(once) == once
    assert cs.width(once) == sum(cs.char_width(c) for c in once)


def test_wrap_and_fit():
    cs = charset_for("gb18030")
    parts = wrap(cs.clean("全麦面包 Whole-wheat bread with seeds"), 16, cs)
    assert all(cs.width(p) <= 16 for p in parts)
    assert "".join(parts).replace(" ", "") == "全麦面包Whole-wheatbreadwithseeds"
    assert parts[1].startswith("Whole")              # Latin words are not cut
    assert fit("会员卡", 5, cs) == "会员"
    assert pad_left("会员", 6, cs) == "  会员"
    with pytest.raises(ValueError):
        wrap("x", 1, cs)


def test_label_tables_have_the_same_keys_and_print_in_their_encoding():
    assert set(ZH_HANS) == set(ZH_HANT) == set(EN)
    for encoding, table in (("gb18030", ZH_HANS), ("big5", ZH_HANT), ("cp437", EN)):
        cs = charset_for(encoding)
        for key, value in table.items():
            assert cs.clean(value) == value, (encoding, key, value)
        for value in labels_for(encoding).tenders.values():
            assert cs.clean(value) == value, (encoding, value)
