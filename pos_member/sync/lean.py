"""A fast reader of change pages for the pull: members as checked plain dicts, the rest as the
protocol's models.

An initial pull is a million members. Building a pydantic ``MemberData`` for each (UUIDs,
dates, instants, nested lots) cost about 20 µs a member, more than storing it; the service
writes members as plain dicts for the same reason (``pos_central.changes.read_page``). Here a
live member's ``data`` is checked field by field against ``protocol.MemberData`` (types,
UUID, real dates and instants) and kept as the dict it arrived as; every other change (and
member tombstones) goes through ``protocol.Change`` as usual. Anything that does not check out
raises :class:`PageError`, which the client reports as a corrupt answer: a bad page is never
half-read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pos_member.sync import protocol as p

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_OTHERS = TypeAdapter(list[p.Change])
_OPTIONAL_TEXT = ("phone", "card_no")
_LIMIT = 10**12


class PageError(ValueError):
    """The page is not a valid ``ChangesPage``."""


@dataclass
class LeanPage:
    """A ``ChangesPage`` with live members as checked dicts (``MemberData``'s fields)."""

    changes: list[Any]  # protocol Change models (all but live members)
    members: list[dict[str, Any]]
    next_cursor: str
    has_more: bool
    feed_id: str
    server_time: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.changes) + len(self.members)


def read_page(content: bytes) -> LeanPage:
    try:
        doc = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise PageError("not a JSON object")
    changes, cursor, more, feed = (doc.get("changes"), doc.get("next_cursor"),
                                   doc.get("has_more"), doc.get("feed_id"))
    if not (isinstance(changes, list) and isinstance(cursor, str) and isinstance(more, bool)
            and isinstance(feed, str) and feed):
        raise PageError("changes, next_cursor, has_more and feed_id are required")
    members: list[dict[str, Any]] = []
    others: list[Any] = []
    for change in changes:
        if not isinstance(change, dict):
            raise PageError("a change is not an object")
        data = change.get("data")
        if change.get("entity") == "member" and data is not None and not change.get("deleted"):
            if change.get("id") != (data.get("id") if isinstance(data, dict) else None):
                raise PageError("a member change's id differs from its data's id")
            members.append(check_member(data))
        else:
            others.append(change)
    try:
        models = _OTHERS.validate_python(others) if others else []
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {}
        raise PageError(f"{'.'.join(str(x) for x in first.get('loc', ()))}: "
                        f"{first.get('msg', exc)}") from None
    return LeanPage(models, members, cursor, more, feed, str(doc.get("server_time") or ""))


def _int(value: Any, name: str) -> int:
    if type(value) is not int or not -_LIMIT <= value <= _LIMIT:  # bool is not an int here
        raise PageError(f"member {name} must be an integer")
    return value


def _date(value: Any, name: str) -> None:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise PageError(f"member {name} must be a date (YYYY-MM-DD)") from None
    if len(value) != 10:
        raise PageError(f"member {name} must be a date (YYYY-MM-DD)")


def _instant(value: Any, name: str) -> None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise PageError(f"member {name} must be an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise PageError(f"member {name} needs a time zone offset")


def check_member(d: Any) -> dict[str, Any]:
    """``d`` checked against ``protocol.MemberData``; defaults filled in. Raises PageError."""
    if not isinstance(d, dict):
        raise PageError("member data is not an object")
    mid = d.get("id")
    if not isinstance(mid, str) or len(mid) != 36 or not _UUID.fullmatch(mid):
        raise PageError("member id must be a UUID")
    for name in _OPTIONAL_TEXT:
        value = d.get(name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 32):
            raise PageError(f"member {name} must be text")
    name = d.get("name", "")
    tier = d.get("tier")
    if not isinstance(name, str) or len(name) > 100:
        raise PageError("member name must be text")
    if not isinstance(tier, str) or not 0 < len(tier) <= 32:
        raise PageError("member tier must be text")
    _int(d.get("growth"), "growth")
    _int(d.get("points"), "points")
    version = d.get("version", 1)
    _int(version, "version")
    birthday = d.get("birthday")
    if birthday is not None:
        _date(birthday, "birthday")
    consent = d.get("marketing_consent", False)
    if not isinstance(consent, bool):
        raise PageError("member marketing_consent must be true or false")
    for key in ("registered_at", "last_purchase_at"):
        if d.get(key) is not None:
            _instant(d[key], key)
    lots = d.get("lots", [])
    if not isinstance(lots, list):
        raise PageError("member lots must be a list")
    for lot in lots:
        if not isinstance(lot, dict):
            raise PageError("a point lot is not an object")
        _date(lot.get("earned_on"), "lot earned_on")
        _date(lot.get("expires_on"), "lot expires_on")
        _int(lot.get("points"), "lot points")
    if "name" not in d or "lots" not in d or "version" not in d or "marketing_consent" not in d:
        d = {"name": name, "lots": lots, "version": version, "marketing_consent": consent, **d}
    return d
