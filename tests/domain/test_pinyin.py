"""Pinyin search keys: initials and full pinyin of product and member names."""

from __future__ import annotations

import pytest

from pos_member.domain.pinyin import query_key, search_keys


@pytest.mark.parametrize("name, keys", [
    ("拿铁", ("nt", "natie")),
    ("生椰拿铁(冰)", ("syntb", "shengyenatiebing")),
    ("重庆小面", ("cqxm", "chongqingxiaomian")),  # the phrase picks 重's reading
    ("Latte 拿铁 大杯", ("lattentdb", "lattenatiedabei")),
    ("A4纸", ("a4z", "a4zhi")),
    ("张三", ("zs", "zhangsan")),
])
def test_names_with_chinese_get_initials_and_full_pinyin(name, keys) -> None:
    assert search_keys(name) == keys


@pytest.mark.parametrize("name", ["", None, "Americano", "Tea 2"])
def test_names_without_chinese_get_no_keys(name) -> None:
    assert search_keys(name) == (None, None)


def test_typed_text_is_compared_without_case_spaces_or_punctuation() -> None:
    assert query_key(" Na Tie ") == "natie"
    assert query_key("N-T") == "nt"


def test_keys_fit_their_columns() -> None:
    initials, full = search_keys("拿铁" * 80)
    assert len(initials) == 100 and len(full) == 100
