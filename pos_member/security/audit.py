"""Hash-chained audit log entries.

Each entry's ``hash`` is the SHA-256 (lowercase hex) of the canonical JSON of every other
field, ``prev_hash`` included, so changing, removing or reordering any entry breaks the chain
at that entry or the next one. The first entry's ``prev_hash`` is 64 zeros.

Canonical JSON: keys sorted, no whitespace (separators "," and ":"), ``ensure_ascii=False``,
NaN and infinities refused, encoded as UTF-8. The hashed object is::

    {"action": ..., "actor": ..., "approver": ... or null, "at": "2024-05-01T02:03:04.000005Z",
     "details": {...}, "prev_hash": "...", "seq": 1}

A chain verifies only what it contains: cutting entries off the end leaves a valid shorter
chain. That is why the head (seq and hash of the last entry, :func:`chain_head`) goes to the
central service with every sync; a head the service has seen must stay in the chain.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditFormatError",
    "BrokenLink",
    "canonical_json",
    "chain_head",
    "compute_hash",
    "format_timestamp",
    "make_entry",
    "next_entry",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_FIELDS = ("seq", "at", "actor", "approver", "action", "details", "prev_hash", "hash")


class AuditFormatError(ValueError):
    """An audit entry, or the dict it was loaded from, does not have the required shape."""


# json.dumps with these arguments builds this same encoder on every call; one is kept.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``value`` (raises AuditFormatError if not JSON-safe)."""
    _check_json_safe(value, "details")
    try:
        return _CANONICAL.encode(value).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError (lone surrogates) is a ValueError
        raise AuditFormatError(f"not canonical-JSON-safe: {exc}") from None


def format_timestamp(moment: datetime) -> str:
    """An aware datetime as the log's UTC ISO 8601 form, e.g. ``2024-05-01T02:03:04.000005Z``."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError("audit timestamps must be timezone-aware datetimes")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain. Build new ones with :func:`make_entry`.

    Construction checks the types (AuditFormatError), not the hash: a tampered entry can be
    loaded, and :func:`verify_chain` says where the chain breaks. ``details`` is copied into
    its canonical JSON form (tuples become lists), so what is kept is exactly what is hashed.
    """

    seq: int
    at: str
    actor: str
    approver: str | None
    action: str
    details: dict[str, Any] = field(hash=False)
    prev_hash: str
    hash: str

    def __post_init__(self) -> None:
        self._check_fields()
        object.__setattr__(self, "details", json.loads(canonical_json(dict(self.details))))

    def _check_fields(self) -> None:
        if type(self.seq) is not int or self.seq < 1:
            raise AuditFormatError("seq must be an integer >= 1")
        for name in ("at", "actor", "action"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise AuditFormatError(f"{name} must be a non-empty string")
        if self.approver is not None and (not isinstance(self.approver, str) or not self.approver):
            raise AuditFormatError("approver must be a non-empty string or None")
        if not isinstance(self.details, Mapping):
            raise AuditFormatError("details must be a JSON object")
        for name in ("prev_hash", "hash"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEX64.fullmatch(value):
                raise AuditFormatError(f"{name} must be 64 lowercase hex digits")

    def hashed_fields(self) -> dict[str, Any]:
        """Every field but ``hash``: the object whose canonical JSON is hashed."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "approver": self.approver,
            "action": self.action,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict with all eight fields (details deep-copied)."""
        data = self.hashed_fields()
        data["details"] = json.loads(canonical_json(self.details))
        data["hash"] = self.hash
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Load an entry saved with :meth:`to_dict`; exactly the eight keys, no others."""
        if not isinstance(data, Mapping):
            raise AuditFormatError("an audit entry must be a JSON object")
        keys = set(data)
        if keys != set(_FIELDS):
            missing, extra = set(_FIELDS) - keys, keys - set(_FIELDS)
            raise AuditFormatError(
                f"audit entry keys are wrong (missing {sorted(missing)}, "
                f"unexpected {sorted(map(str, extra))})"
            )
        return cls(**{name: data[name] for name in _FIELDS})


def compute_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of ``fields`` (an entry's fields without ``hash``)."""
    return hashlib.sha256(canonical_json(dict(fields))).hexdigest()


def make_entry(
    prev: AuditEntry | None,
    *,
    actor: str,
    action: str,
    at: datetime,
    details: Mapping[str, Any] | None = None,
    approver: str | None = None,
) -> AuditEntry:
    """The entry that follows ``prev`` (or the first entry of a chain when ``prev`` is None).

    ``at`` must be timezone-aware; it is stored in UTC. ``details`` must be JSON-safe: str
    keys; None, bool, int, finite float, str, list/tuple and dict values. Prefer integers
    (fen) to floats for amounts.
    """
    if prev is None:
        return next_entry(0, GENESIS_HASH, actor=actor, action=action, at=at, details=details,
                          approver=approver)[0]
    return next_entry(prev.seq, prev.hash, actor=actor, action=action, at=at,
                      details=details, approver=approver)[0]


def next_entry(
    prev_seq: int,
    prev_hash: str,
    *,
    actor: str,
    action: str,
    at: datetime,
    details: Mapping[str, Any] | None = None,
    approver: str | None = None,
) -> tuple[AuditEntry, str]:
    """:func:`make_entry` after the entry ``prev_seq`` whose hash is ``prev_hash`` (0 and
    :data:`GENESIS_HASH` for the first entry of a chain), and the canonical JSON text of the
    entry's details (what the log stores).

    The same entry and hash as building the fields and hashing their canonical JSON
    (:func:`compute_hash`), with the details made canonical once: the hashed text is put
    together around the details' canonical text (the top-level keys in their sorted order),
    instead of serialising the details three more times (tests/security/test_audit.py holds
    the two to the same bytes).
    """
    if type(prev_seq) is not int or prev_seq < 0:
        raise AuditFormatError("the previous seq must be an integer >= 0")
    if not isinstance(prev_hash, str) or not _HEX64.fullmatch(prev_hash):
        raise AuditFormatError("prev_hash must be 64 lowercase hex digits")
    details_text = canonical_json(dict(details or {})).decode("utf-8")
    entry = object.__new__(AuditEntry)
    put = object.__setattr__
    put(entry, "seq", prev_seq + 1)
    put(entry, "at", format_timestamp(at))
    put(entry, "actor", actor)
    put(entry, "approver", approver)
    put(entry, "action", str(action))
    put(entry, "details", json.loads(details_text))
    put(entry, "prev_hash", prev_hash)
    put(entry, "hash", GENESIS_HASH)  # a placeholder for the field check
    entry._check_fields()
    enc = _CANONICAL.encode
    try:
        text = (f'{{"action":{enc(entry.action)},"actor":{enc(entry.actor)},'
                f'"approver":{enc(entry.approver)},"at":{enc(entry.at)},'
                f'"details":{details_text},"prev_hash":"{prev_hash}","seq":{entry.seq}}}')
        data = text.encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise AuditFormatError(f"not canonical-JSON-safe: {exc}") from None
    put(entry, "hash", hashlib.sha256(data).hexdigest())
    return entry, details_text


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """Where a chain breaks: the first bad entry's ``seq`` and a stable ``reason``.

    Reasons: ``seq_gap`` (entries missing before this one), ``out_of_order`` (seq lower than
    expected, or a missing seq turns up later), ``wrong_prev_hash`` (does not link to the
    entry before it), ``wrong_hash`` (its own content was changed). ``index`` is its position
    in the sequence given to :func:`verify_chain`.
    """

    seq: int
    reason: str
    index: int = 0
    message: str = ""


def verify_chain(
    entries: Iterable[AuditEntry], *, after: AuditEntry | None = None
) -> BrokenLink | None:
    """None when ``entries`` form an intact chain, else the FIRST broken entry.

    Without ``after`` the chain must start at seq 1 with the genesis prev_hash. With
    ``after`` (a trusted entry, e.g. the last one verified before) the entries must continue
    it, so a long log can be checked in slices.
    """
    items: Sequence[AuditEntry] = list(entries)
    expected_seq = 1 if after is None else after.seq + 1
    expected_prev = GENESIS_HASH if after is None else after.hash
    for index, entry in enumerate(items):
        if entry.seq != expected_seq:
            later = any(e.seq == expected_seq for e in items[index + 1 :])
            if entry.seq < expected_seq or later:
                reason = "out_of_order"
            else:
                reason = "seq_gap"
            return BrokenLink(
                entry.seq, reason, index, f"expected seq {expected_seq}, found {entry.seq}"
            )
        if entry.prev_hash != expected_prev:
            return BrokenLink(
                entry.seq, "wrong_prev_hash", index,
                f"entry {entry.seq} does not link to the hash of the entry before it",
            )
        if compute_hash(entry.hashed_fields()) != entry.hash:
            return BrokenLink(
                entry.seq, "wrong_hash", index,
                f"entry {entry.seq} does not match its hash: its content was changed",
            )
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    return None


def chain_head(entries: Sequence[AuditEntry]) -> tuple[int, str]:
    """(seq, hash) of the last entry; (0, GENESIS_HASH) for an empty log. Sent with each sync."""
    if not entries:
        return 0, GENESIS_HASH
    return entries[-1].seq, entries[-1].hash


def _check_json_safe(value: Any, path: str, depth: int = 0) -> None:
    if depth > 64:
        raise AuditFormatError(f"{path}: nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditFormatError(f"{path}: NaN and infinities are not JSON")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_json_safe(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditFormatError(f"{path}: object keys must be strings, got {key!r}")
            _check_json_safe(item, f"{path}.{key}", depth + 1)
        return
    raise AuditFormatError(f"{path}: {type(value).__name__} is not JSON-safe")
