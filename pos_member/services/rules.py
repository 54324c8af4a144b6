"""The loyalty rules in force on this till: the newest version the central service sent."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_member.domain.rules import CASH_ROUNDING_MODES, DEFAULT_RULES, Rules, RulesError
from pos_member.store import repositories as repo
from pos_member.store.models import RuleVersion

_cache: dict[str, Rules] = {}
_rounded: dict[str, tuple[Rules, Rules]] = {}  # mode -> (brand rules, with that mode)

# The store's own 抹零 (settings.save_cash_rounding): when set, it replaces the brand rules'
# ``cash_rounding`` on this till.
CASH_ROUNDING_SETTING = "cash_rounding"


def current_rules(session: Session) -> Rules:
    """The rules in force: the newest version (DESIGN.md's defaults when none has arrived
    yet) with the store's cash rounding when the store chose one."""
    row = session.execute(
        select(RuleVersion.version, RuleVersion.rules_json)
        .order_by(RuleVersion.version.desc()).limit(1)).first()
    return rules_of(row is not None, row[1] if row is not None else None,
                    repo.get_setting(session, CASH_ROUNDING_SETTING))


def rules_of(has_version: bool, data: Any, rounding: str | None) -> Rules:
    """:func:`current_rules` from what was read: whether a rules version has arrived, the
    newest version's document, and the store's cash rounding setting (or None)."""
    return _with_rounding(_brand_rules(has_version, data), rounding)


def _with_rounding(rules: Rules, rounding: str | None) -> Rules:
    mode = rounding
    if mode is None or mode == rules.cash_rounding or mode not in CASH_ROUNDING_MODES:
        return rules
    entry = _rounded.get(mode)
    if entry is None or entry[0] is not rules:  # made from other brand rules: make it again
        entry = (rules, replace(rules, cash_rounding=mode))
        _rounded[mode] = entry
    return entry[1]


_by_text: dict[str, Rules] = {}  # the newest version's stored text -> its brand rules


def rules_of_text(has_version: bool, text: str | None, rounding: str | None) -> Rules:
    """:func:`rules_of` from the newest version's document as stored (JSON text): the same
    text gives the same brand rules, so a checkout neither parses nor re-serialises it."""
    if not has_version or text is None:
        return rules_of(has_version, None, rounding)
    rules = _by_text.get(text)
    if rules is None:
        rules = _brand_rules(True, json.loads(text))
        _by_text.clear()
        _by_text[text] = rules
    return _with_rounding(rules, rounding)


def _brand_rules(has_version: bool, data: Any) -> Rules:
    if not has_version:
        return DEFAULT_RULES
    key = json.dumps(data, sort_keys=True)
    rules = _cache.get(key)
    if rules is None:
        try:
            rules = Rules.from_dict(data if isinstance(data, dict) else {})
        except RulesError:
            # A version this till cannot read must not stop the counter: keep the defaults
            # and let `db check` / the sync status show the problem.
            rules = DEFAULT_RULES
        _cache.clear()
        _cache[key] = rules
    return rules
