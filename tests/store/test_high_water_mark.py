"""The high-water mark file (store/high_water_mark.py): two slots written in place.

The rule the start-up check applies is one-sided (a database below the mark is damaged), so
the mark may lag what was committed but must never lead it. These tests hold the file to
that: a spoiled slot falls back to the older one, a rolled-back commit moves nothing, the
file of an earlier release is still read, and a commit's write goes into the existing file.
"""

from __future__ import annotations

import json
import os

import pytest

from pos_member.store import health
from pos_member.store import high_water_mark as hwm
from pos_member.store import repositories as repo
from pos_member.store.db import transaction


def _mark(seq: int, cursor: str | None = None) -> hwm.HighWaterMark:
    return hwm.HighWaterMark("t-1", seq, "feed-1" if cursor else None, cursor)


@pytest.fixture
def till(migrated_db, sessions, engine):
    """The write engine of a migrated database with the mark writer installed."""
    with transaction(sessions) as s:
        repo.set_setting(s, "terminal_id", "t-1")
    mark = health.refresh_mark(migrated_db)
    writer = health.install_mark_writer(engine, sessions, migrated_db, mark)
    return sessions, writer, migrated_db


def _sell(sessions, n: int = 1) -> None:
    for _ in range(n):
        with transaction(sessions) as s:
            repo.next_terminal_seq(s)


def test_a_written_mark_reads_back(db_path):
    db_path.parent.mkdir(parents=True)
    hwm.write_mark(db_path, _mark(7, "42"))
    assert hwm.read_mark(db_path) == _mark(7, "42")
    lines = hwm.mark_path_for(db_path).read_bytes().splitlines(keepends=True)
    assert len(lines) == 2 and all(len(x) == hwm.SLOT_SIZE for x in lines)


def test_commits_write_the_slots_in_place_alternately(till):
    sessions, writer, db = till
    path = hwm.mark_path_for(db)
    _sell(sessions)  # the writer's first write makes the file anew
    inode = os.stat(path).st_ino
    for n in range(2, 6):
        _sell(sessions)
        assert hwm.read_mark(db).next_terminal_seq == 1 + n
        assert os.stat(path).st_ino == inode  # the same file: no temporary file, no rename
        records = [json.loads(x) for x in path.read_bytes().splitlines()]
        assert sorted(r["next_terminal_seq"] for r in records) == [n, n + 1]
    assert writer.failures == 0


def test_a_spoiled_slot_falls_back_to_the_older_one(till):
    sessions, _writer, db = till
    _sell(sessions, 3)  # the mark says 4, its other slot 3
    path = hwm.mark_path_for(db)
    data = bytearray(path.read_bytes())
    newest = max(range(2), key=lambda i: json.loads(data.splitlines()[i])["generation"])
    start = newest * hwm.SLOT_SIZE
    data[start + 40:start + 60] = b"\0" * 20  # a write cut short by a power cut
    path.write_bytes(bytes(data))
    assert hwm.read_mark(db).next_terminal_seq == 3  # one commit behind: safe
    assert health.check_database(db, quick_check=False) == "existing"


def test_a_changed_value_fails_its_check(till):
    sessions, _writer, db = till
    _sell(sessions, 2)
    path = hwm.mark_path_for(db)
    text = path.read_text()
    path.write_text(text.replace('"next_terminal_seq":3', '"next_terminal_seq":9'))
    assert hwm.read_mark(db).next_terminal_seq == 2  # the other slot
    path.write_text(text.replace('"next_terminal_seq":3', '"next_terminal_seq":9')
                    .replace('"next_terminal_seq":2', '"next_terminal_seq":8'))
    assert hwm.read_mark(db) is None  # nothing trustworthy: the check is skipped


def test_a_rolled_back_commit_never_moves_the_mark(till):
    sessions, _writer, db = till
    _sell(sessions, 2)
    before = hwm.mark_path_for(db).read_bytes()
    with pytest.raises(RuntimeError):
        with transaction(sessions) as s:
            repo.next_terminal_seq(s)
            raise RuntimeError("the sale failed")
    assert hwm.mark_path_for(db).read_bytes() == before
    assert hwm.read_mark(db).next_terminal_seq == 3


def test_a_mark_of_an_earlier_release_is_read_and_replaced(till):
    sessions, writer, db = till
    path = hwm.mark_path_for(db)
    path.write_text(json.dumps({"terminal_id": "t-1", "next_terminal_seq": 1, "feed_id": None,
                                "cursor": None, "written_at": "2026-01-01T00:00:00+00:00"}))
    assert hwm.read_mark(db) == _mark(1)
    writer._layout = None  # as a till that starts on it: its first write makes the file anew
    _sell(sessions)
    assert hwm.read_mark(db).next_terminal_seq == 2
    assert all(json.loads(x)["format"] == 2 for x in path.read_bytes().splitlines())


def test_a_removed_file_is_written_whole_again(till):
    sessions, writer, db = till
    _sell(sessions, 2)
    hwm.remove_mark(db)
    _sell(sessions)
    assert hwm.read_mark(db).next_terminal_seq == 4
    assert writer.failures == 0


def test_a_record_too_long_for_its_slot_gets_larger_slots(till):
    sessions, _writer, db = till
    _sell(sessions)
    with transaction(sessions) as s:
        repo.set_setting(s, "sync_feed_id", "f" * 400)
        repo.set_setting(s, "sync_cursor", "17")
    mark = hwm.read_mark(db)
    assert mark.feed_id == "f" * 400 and mark.cursor == "17"
    lines = hwm.mark_path_for(db).read_bytes().splitlines(keepends=True)
    assert len(lines) == 2 and len(lines[0]) == len(lines[1]) == 3 * hwm.SLOT_SIZE
    _sell(sessions)
    assert hwm.read_mark(db).next_terminal_seq == 3


def test_a_database_behind_a_slot_written_mark_is_refused(till):
    sessions, _writer, db = till
    _sell(sessions, 3)
    hwm.write_mark(db, _mark(9))  # the mark of commits this file does not hold
    with pytest.raises(health.DatabaseDamaged) as caught:
        health.check_database(db, quick_check=False)
    assert caught.value.problem == health.BEHIND


@pytest.mark.parametrize("mark", [
    hwm.HighWaterMark(None, 1, None, None),
    hwm.HighWaterMark("t-1", 12345678901234, 'feed "quoted" 收银', "987"),
    hwm.HighWaterMark("\u2028\n\t\\", 2, "", "0"),
])
def test_a_record_is_the_canonical_json_its_reader_checks(mark):
    line = hwm.encode_record(mark, 7)
    data = json.loads(line)
    check = data.pop("check")
    assert line == hwm._dumps({**data, "check": check}).encode("ascii")
    assert check == hwm._check(hwm._dumps(data))
    assert hwm.parse_mark(line) == mark
