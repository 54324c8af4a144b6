"""The loyalty rules in force on this till: the newest version the central service sent."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from pos_member.domain.rules import DEFAULT_RULES, Rules, RulesError
from pos_member.store.models import RuleVersion

_cache: dict[str, Rules] = {}


def current_rules(session: Session) -> Rules:
    """The newest rules version, or DESIGN.md's defaults when none has arrived yet."""
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
