import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos_member.security.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditFormatError,
    BrokenLink,
    canonical_json,
    chain_head,
    compute_hash,
    make_entry,
    next_entry,
    verify_chain,
)

T0 = datetime(2024, 5, 1, 2, 3, 4, 5, tzinfo=UTC)


def build_chain(n):
    entries, prev = [], None
    for i in range(n):
        prev = make_entry(
            prev,
            actor=f"staff-{i % 3}",
            approver="mgr-1" if i % 2 else None,
            action="void_line",
            at=T0 + timedelta(seconds=i),
            details={"sale": f"s-{i}", "amount_fen": 1230 + i, "note": "退货 ✓"},
        )
        entries.append(prev)
    return entries


def test_the_hash_format_is_pinned_by_a_known_answer():
    entry = make_entry(None, actor="s1", action="refund", at=T0,
                       details={"amount_fen": 1230, "note": "退货"}, approver="m1")
    expected_json = (
        '{"action":"refund","actor":"s1","approver":"m1","at":"2024-05-01T02:03:04.000005Z",'
        '"details":{"amount_fen":1230,"note":"退货"},"prev_hash":"' + "0" * 64 + '","seq":1}'
    )
    assert entry.hash == hashlib.sha256(expected_json.encode("utf-8")).hexdigest()
    assert entry.seq == 1 and entry.prev_hash == GENESIS_HASH == "0" * 64
    assert entry.at == "2024-05-01T02:03:04.000005Z"


def test_entries_link_and_verify():
    entries = build_chain(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    assert verify_chain(entries) is None
    assert verify_chain([]) is None
    assert chain_head(entries) == (5, entries[-1].hash)
    assert chain_head([]) == (0, GENESIS_HASH)


def test_local_times_are_stored_in_utc_and_naive_times_refused():
    shanghai = timezone(timedelta(hours=8))
    local = datetime(2024, 5, 1, 10, 3, 4, tzinfo=shanghai)
    entry = make_entry(None, actor="s1", action="x", at=local)
    assert entry.at == "2024-05-01T02:03:04.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        make_entry(None, actor="s1", action="x", at=datetime(2024, 5, 1))


def test_modified_details_break_the_entry_itself():
    entries = build_chain(5)
    entries[2] = dataclasses.replace(entries[2], details={**entries[2].details, "amount_fen": 1})
    broken = verify_chain(entries)
    assert isinstance(broken, BrokenLink)
    assert (broken.seq, broken.reason, broken.index) == (3, "wrong_hash", 2)
    assert "entry 3" in broken.message


def test_mutating_details_in_place_is_detected():
    entries = build_chain(3)
    entries[1].details["amount_fen"] = 0
    assert (verify_chain(entries).seq, verify_chain(entries).reason) == (2, "wrong_hash")


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link():
    entries = build_chain(5)
    forged = make_entry(entries[1], actor="staff-x", action="void_line", at=T0, details={})
    entries[2] = forged
    broken = verify_chain(entries)
    assert (broken.seq, broken.reason, broken.index) == (4, "wrong_prev_hash", 3)


def test_a_deleted_entry_is_a_seq_gap_at_the_entry_after_it():
    entries = build_chain(5)
    del entries[2]
    broken = verify_chain(entries)
    assert (broken.seq, broken.reason, broken.index) == (4, "seq_gap", 2)


def test_deleting_the_first_entry_is_detected():
    entries = build_chain(3)[1:]
    assert (verify_chain(entries).seq, verify_chain(entries).reason) == (2, "seq_gap")


def test_deleting_and_renumbering_is_detected_by_the_links():
    entries = build_chain(5)
    del entries[2]
    renumbered = entries[:2]
    for entry in entries[2:]:
        fields = {**entry.hashed_fields(), "seq": entry.seq - 1}
        renumbered.append(
            AuditEntry(**fields, hash=hashlib.sha256(canonical_json(fields)).hexdigest())
        )
    broken = verify_chain(renumbered)
    assert (broken.seq, broken.reason) == (3, "wrong_prev_hash")


def test_reordered_entries_are_out_of_order_at_the_first_misplaced_one():
    entries = build_chain(5)
    entries[2], entries[3] = entries[3], entries[2]
    broken = verify_chain(entries)
    assert (broken.seq, broken.reason, broken.index) == (4, "out_of_order", 2)


def test_a_repeated_entry_is_out_of_order():
    entries = build_chain(3)
    entries.append(entries[1])
    assert (verify_chain(entries).seq, verify_chain(entries).reason) == (2, "out_of_order")


def test_an_altered_prev_hash_is_named():
    entries = build_chain(5)
    entries[2] = dataclasses.replace(entries[2], prev_hash="f" * 64)
    broken = verify_chain(entries)
    assert (broken.seq, broken.reason) == (3, "wrong_prev_hash")


def test_only_the_first_of_several_breaks_is_reported():
    entries = build_chain(6)
    entries[4] = dataclasses.replace(entries[4], actor="someone-else")
    entries[1] = dataclasses.replace(entries[1], action="refund")
    assert (verify_chain(entries).seq, verify_chain(entries).reason) == (2, "wrong_hash")


def test_a_slice_verifies_after_a_trusted_entry():
    entries = build_chain(6)
    assert verify_chain(entries[3:], after=entries[2]) is None
    assert verify_chain(entries[3:]).reason == "seq_gap"
    assert verify_chain(entries[4:], after=entries[2]).reason == "seq_gap"
    assert verify_chain(entries[3:], after=entries[1]).reason == "seq_gap"


def test_to_dict_from_dict_round_trip_through_json():
    entries = build_chain(4)
    text = json.dumps([e.to_dict() for e in entries], ensure_ascii=False)
    loaded = [AuditEntry.from_dict(d) for d in json.loads(text)]
    assert loaded == entries
    assert verify_chain(loaded) is None
    assert set(entries[0].to_dict()) == {
        "seq", "at", "actor", "approver", "action", "details", "prev_hash", "hash"}


def test_to_dict_is_a_copy():
    entry = build_chain(1)[0]
    data = entry.to_dict()
    data["details"]["amount_fen"] = 0
    assert entry.details["amount_fen"] == 1230


@pytest.mark.parametrize(
    "change",
    [{"extra": 1}, {"seq": "1"}, {"seq": 0}, {"seq": True}, {"hash": "A" * 64}, {"hash": "0" * 63},
     {"actor": ""}, {"approver": 5}, {"details": []}, {"at": None}],
)
def test_from_dict_refuses_bad_shapes(change):
    data = {**build_chain(1)[0].to_dict(), **change}
    with pytest.raises(AuditFormatError):
        AuditEntry.from_dict(data)


def test_from_dict_refuses_missing_keys():
    data = build_chain(1)[0].to_dict()
    del data["approver"]
    with pytest.raises(AuditFormatError, match="missing"):
        AuditEntry.from_dict(data)


@pytest.mark.parametrize(
    "details",
    [{"x": float("nan")}, {"x": float("inf")}, {1: "int key"}, {"x": {1, 2}}, {"x": b"bytes"},
     {"x": datetime(2024, 1, 1)}, {"x": "\ud800"}],
)
def test_details_must_be_json_safe(details):
    with pytest.raises(AuditFormatError):
        make_entry(None, actor="s", action="a", at=T0, details=details)


def test_tuples_in_details_are_kept_as_the_lists_they_hash_as():
    entry = make_entry(None, actor="s", action="a", at=T0, details={"lines": (1, 2)})
    assert entry.details == {"lines": [1, 2]}
    assert verify_chain([entry]) is None


# --- properties -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
entry_specs = st.lists(
    st.fixed_dictionaries({
        "actor": st.text(min_size=1, max_size=12),
        "approver": st.none() | st.text(min_size=1, max_size=12),
        "action": st.text(min_size=1, max_size=20),
        "seconds": st.integers(min_value=0, max_value=10**9),
        "details": st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    }),
    min_size=1,
    max_size=8,
)


def chain_from(specs):
    entries, prev = [], None
    for spec in specs:
        prev = make_entry(prev, actor=spec["actor"], approver=spec["approver"],
                          action=spec["action"], details=spec["details"],
                          at=T0 + timedelta(seconds=spec["seconds"]))
        entries.append(prev)
    return entries


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(entry_specs)
def test_any_chain_of_random_entries_verifies(specs):
    entries = chain_from(specs)
    assert verify_chain(entries) is None
    reloaded = [AuditEntry.from_dict(json.loads(json.dumps(e.to_dict()))) for e in entries]
    assert verify_chain(reloaded) is None


def serialize(entries):
    return "\n".join(
        json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        for e in entries
    ).encode("utf-8")


def load(data):
    return [AuditEntry.from_dict(json.loads(line)) for line in data.decode("utf-8").split("\n")]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(entry_specs, st.data())
def test_any_single_byte_tamper_is_detected(specs, data):
    entries = chain_from(specs)
    original = serialize(entries)
    position = data.draw(st.integers(min_value=0, max_value=len(original) - 1), label="position")
    new_byte = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda b: b != original[position]),
        label="byte",
    )
    tampered = bytearray(original)
    tampered[position] = new_byte
    try:
        loaded = load(bytes(tampered))
    except (UnicodeDecodeError, ValueError, TypeError):
        return  # refused on load (AuditFormatError and JSONDecodeError are ValueErrors)
    if [e.to_dict() for e in loaded] == [e.to_dict() for e in entries]:
        # Another spelling of the same JSON (e.g. 1e+16 -> 1e016): nothing was changed.
        return
    assert verify_chain(loaded) is not None


def _reference_entry(prev, *, actor, action, at, details, approver):
    """make_entry as it was first written: the fields built, their canonical JSON hashed."""
    fields = {
        "seq": 1 if prev is None else prev.seq + 1,
        "at": at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z",
        "actor": actor,
        "approver": approver,
        "action": str(action),
        "details": json.loads(json.dumps(details, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False, allow_nan=False)),
        "prev_hash": GENESIS_HASH if prev is None else prev.hash,
    }
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return fields, hashlib.sha256(text.encode("utf-8")).hexdigest()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(entry_specs)
def test_next_entry_hashes_the_same_bytes_as_the_fields_canonical_json(specs):
    """next_entry puts the hashed text together around the details' canonical text: the
    same hash, entry and stored details text as hashing the whole fields object."""
    prev = None
    for spec in specs:
        at = T0 + timedelta(seconds=spec["seconds"])
        kwargs = dict(actor=spec["actor"], approver=spec["approver"], action=spec["action"],
                      details=spec["details"], at=at)
        try:
            fields, digest = _reference_entry(prev, **kwargs)
        except ValueError:  # e.g. a lone surrogate: not UTF-8, refused by both
            with pytest.raises(AuditFormatError):
                make_entry(prev, **kwargs)
            return
        entry, details_text = next_entry(0 if prev is None else prev.seq,
                                         GENESIS_HASH if prev is None else prev.hash, **kwargs)
        assert entry.hash == digest == compute_hash(entry.hashed_fields())
        assert entry.hashed_fields() == fields
        assert details_text == canonical_json(fields["details"]).decode("utf-8")
        assert entry == make_entry(prev, **kwargs)
        prev = entry


def test_next_entry_refuses_a_bad_previous_link():
    with pytest.raises(AuditFormatError):
        next_entry(-1, GENESIS_HASH, actor="s1", action="sale", at=T0)
    with pytest.raises(AuditFormatError):
        next_entry(3, "ABC", actor="s1", action="sale", at=T0)
    with pytest.raises(AuditFormatError):
        next_entry(3, GENESIS_HASH, actor="", action="sale", at=T0)
    with pytest.raises(AuditFormatError):
        next_entry(3, GENESIS_HASH, actor="s1", action="sale", at=T0, details={1: "x"})
