"""The loyalty rules in force on this till: the newest version the central service sent."""

from __future__ import annotations

import json
from dataclasses import replace

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
    rules = _brand_rules(session)
    mode = repo.get_setting(session, CASH_ROUNDING_SETTING)
    if mode is None or mode == rules.cash_rounding or mode not in CASH_ROUNDING_MODES:
        return rules
    entry = _rounded.get(mode)
    if entry is None or entry[0] is not rules:  # made from other brand rules: make it again
        entry = (rules, replace(rules, cash_rounding=mode))
        _rounded[mode] = entry
    return entry[1]


def _brand_rules(session: Session) -> Rules:
    row = session.execute(
        select(RuleVersion.version, RuleVersion.rules_json)
        .order_by(RuleVersion.version.desc()).limit(1)).first()
    if row is None:
        return DEFAULT_RULES
    _version, data = row
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
