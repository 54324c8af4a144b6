"""The brand's tiers as the till names them, on screen and on paper.

Tiers are the brand's data (``pos_member.domain.rules``, distributed by the central service):
their names are shown as the brand wrote them and their rates are formatted from the rate
(0.88 -> 88折 / "12% off"), never from a table of the default tiers. A :class:`TierBook` holds
the rules in force for one window: the main window makes one, gives it to its ``UiEnv``
(``env.tiers``), loads the rules on the DB worker when the till opens and again with every
status poll (a sync may have brought a new version) and hands them to :meth:`TierBook.set_rules`.
Everything that names a tier is given the book (screens through ``env.tiers``, the pure report
and receipt builders as an argument); there is no module-level copy. The services and the
pricing use the rules from the database, not this copy.

No Qt here: the pure report builders (``report_data``) and the receipt builders use it too.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos_member.domain.rules import Rules


class TierBook:
    """The rules whose tiers a window names; safe to read from the DB worker.

    Without ``rules`` the default rules are imported on first use, not with the window: the
    rules module and its neighbours are not needed to paint the login screen (issue 14).
    """

    def __init__(self, rules: Rules | None = None):
        self._lock = threading.Lock()
        self._given = rules

    @property
    def _rules(self) -> Rules:
        if self._given is None:
            from pos_member.domain.rules import DEFAULT_RULES

            self._given = DEFAULT_RULES
        return self._given

    @_rules.setter
    def _rules(self, value: Rules) -> None:
        self._given = value

    def rules(self) -> Rules:
        return self._rules

    def set_rules(self, new: Rules) -> bool:
        """Use ``new`` from now on; True when the tiers changed (screens should redraw)."""
        with self._lock:
            changed = new.tiers != self._rules.tiers
            self._rules = new
        return changed

    def label(self, code: str | None, language: str) -> str:
        """A tier's name on screen: ``language`` "en" or "zh"."""
        return self._rules.tier_label(code, language)

    def discount(self, code: str | None, language: str) -> str:
        """The tier's discount rate in words: 88折, or "12% off" in English."""
        r = self._rules
        if not code or not r.has_tier(code):
            return ""
        return r.tier(code).discount_label(language)

    def paper_name(self, code: str | None, lang: str = "zh_hans") -> str:
        """A tier's name on a receipt or report (``lang``: the printer's label language)."""
        r = self._rules
        if code and r.has_tier(code):
            return r.tier(code).paper_name(lang)
        return code or ""

    def receipt_name(self, code: str | None) -> str:
        """A tier's name on a sale receipt (Chinese paper: the brand's own name)."""
        return self._rules.tier_label(code, "zh")

    def discount_note(self, code: str | None) -> str:
        """The tier discount under a receipt's lines: "黑金卡 88折"."""
        r = self._rules
        if not code or not r.has_tier(code):
            return ""
        t = r.tier(code)
        return f"{t.name} {t.discount_label('zh')}".strip()
