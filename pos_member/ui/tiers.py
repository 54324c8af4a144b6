"""The brand's tiers as the till names them, on screen and on paper.

Tiers are the brand's data (``pos_member.domain.rules``, distributed by the central service):
their names are shown as the brand wrote them and their rates are formatted from the rate
(0.88 -> 88折 / "12% off"), never from a table of the default tiers. The main window loads the
rules in force on the DB worker when the till opens and again with every status poll (a sync
may have brought a new version) and hands them to :func:`set_rules`; everything that names a
tier reads :func:`rules`. Like the language, this is application-wide presentation state; the
services and the pricing use the rules from the database, not this copy.

No Qt here: the pure report builders (``report_data``) and the receipt builders use it too.
"""

from __future__ import annotations

import threading

from pos_member.domain.rules import DEFAULT_RULES, Rules

_lock = threading.Lock()
_rules: Rules = DEFAULT_RULES


def rules() -> Rules:
    return _rules


def set_rules(new: Rules) -> bool:
    """Use ``new`` from now on; True when the tiers changed (screens should redraw)."""
    global _rules
    with _lock:
        changed = new.tiers != _rules.tiers
        _rules = new
    return changed


def paper_name(code: str | None, lang: str = "zh_hans") -> str:
    """A tier's name on a receipt or report (``lang``: the printer's label language)."""
    r = _rules
    if code and r.has_tier(code):
        return r.tier(code).paper_name(lang)
    return code or ""


def receipt_name(code: str | None) -> str:
    """A tier's name on a sale receipt (Chinese paper: the brand's own name)."""
    return _rules.tier_label(code, "zh")


def discount_note(code: str | None) -> str:
    """The tier discount under a receipt's lines: "黑金卡 88折"."""
    r = _rules
    if not code or not r.has_tier(code):
        return ""
    t = r.tier(code)
    return f"{t.name} {t.discount_label('zh')}".strip()
