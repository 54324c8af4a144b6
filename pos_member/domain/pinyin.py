"""Pinyin search keys for names: initials (拼音首字母, 拿铁 → ``nt``) and full pinyin (``natie``).

The till stores both keys beside a product's or member's name (``name_initials``,
``name_pinyin``, indexed) when the row is stored, so the search box finds 拿铁 from "nt" or
"natie" with an index range scan. Readings come from pypinyin's phrase dictionary (one reading
per character, chosen from the phrase: 重庆 → ``cq``); tone marks are dropped. Letters and digits
that are not Chinese are kept, lower-cased (``A4纸`` → ``a4z`` / ``a4zhi``); spaces and
punctuation are dropped, so "nat ie" and "natie" are the same key.
"""

from __future__ import annotations

import re
from functools import lru_cache

_KEEP = re.compile(r"[0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
MAX_KEY = 100  # the columns are String(100): longer names keep their first 100 letters


def _compact(text: str) -> str:
    return "".join(_KEEP.findall(text.lower()))


@lru_cache(maxsize=65536)
def search_keys(name: str | None) -> tuple[str | None, str | None]:
    """``(initials, full)`` of ``name``; ``(None, None)`` when the name has no Chinese
    character (Latin names are searched by the name itself)."""
    if not name or not _HAN.search(name):
        return None, None
    # pypinyin loads its phrase dictionary on import (0.4 s): only when a Chinese name is keyed,
    # not on every import of the store (the checkout, the crash-safety child, the start path)
    from pypinyin import Style, lazy_pinyin

    initials: list[str] = []
    full: list[str] = []
    pos = 0
    for run in _HAN_RUN.finditer(name):
        other = _compact(name[pos:run.start()])  # a Latin word or number stays whole
        initials.append(other)
        full.append(other)
        # one run of Chinese at a time, so pypinyin picks readings from the phrase
        for syllable in lazy_pinyin(run.group(), style=Style.NORMAL, errors="ignore"):
            part = _compact(syllable)
            if part:
                initials.append(part[0])
                full.append(part)
        pos = run.end()
    tail = _compact(name[pos:])
    initials.append(tail)
    full.append(tail)
    return "".join(initials)[:MAX_KEY] or None, "".join(full)[:MAX_KEY] or None


def query_key(text: str) -> str:
    """What a typed search text is compared with: lower-case letters and digits only."""
    return _compact(text)
