"""`db check` holds the audit log to the head the central service acknowledged last: an intact
chain that is shorter than that head, or that holds another entry at its seq (re-hashed), fails
the check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pos_member.security.audit import GENESIS_HASH, AuditEntry, canonical_json, compute_hash
from tests.store.test_db_cli import _write_audit_chain, one_line_error, run


def _chain(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT seq, hash FROM audit_log ORDER BY seq").fetchall()
    finally:
        con.close()


def _acknowledge(db: Path, seq: int, digest: str) -> None:
    con = sqlite3.connect(db)
    con.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES ('sync_audit_ack', ?)",
                (f"{seq}:{digest}",))
    con.commit()
    con.close()


def _home_with_chain(tmp_path: Path, n: int) -> Path:
    assert run(tmp_path, "migrate").returncode == 0
    db = tmp_path / "till.sqlite3"
    _write_audit_chain(db, n=n)
    return db


def test_a_log_that_holds_the_acknowledged_head_passes(tmp_path: Path) -> None:
    db = _home_with_chain(tmp_path, 5)
    seq, digest = _chain(db)[2]
    _acknowledge(db, seq, digest)
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "acknowledged: entry seq 3 matches the central service's" in result.stdout


def test_without_an_acknowledged_head_the_check_says_so(tmp_path: Path) -> None:
    _home_with_chain(tmp_path, 2)
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert "acknowledged: none yet" in result.stdout


def test_a_log_cut_short_after_a_sync_fails(tmp_path: Path) -> None:
    db = _home_with_chain(tmp_path, 5)
    seq, digest = _chain(db)[4]
    _acknowledge(db, seq, digest)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM audit_log WHERE seq > 3")  # an intact, shorter chain
    con.commit()
    con.close()
    result = run(tmp_path, "check")
    assert result.returncode == 1
    error = one_line_error(result)
    assert "acknowledged it up to entry seq 5" in error and "ends at entry seq 3" in error
    assert "audit log:    3 entries, chain intact" in result.stdout


def test_a_rehashed_log_fails(tmp_path: Path) -> None:
    db = _home_with_chain(tmp_path, 4)
    seq, digest = _chain(db)[2]
    _acknowledge(db, seq, digest)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT seq, at, actor, approver, action, details FROM audit_log "
                       "ORDER BY seq").fetchall()
    prev = GENESIS_HASH
    con.execute("DELETE FROM audit_log")
    for s, at, actor, approver, action, details in rows:  # entry 2 changed, all re-hashed
        if s == 2:
            details = '{"fen":1,"sale":"s1"}'
        fields = {"seq": s, "at": at, "actor": actor, "approver": approver, "action": action,
                  "details": __import__("json").loads(details), "prev_hash": prev}
        entry = AuditEntry(**fields, hash=compute_hash(fields))
        con.execute("INSERT INTO audit_log (seq, at, actor, approver, action, details, "
                    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (s, at, actor, approver, action, canonical_json(entry.details).decode(),
                     prev, entry.hash))
        prev = entry.hash
    con.commit()
    con.close()
    result = run(tmp_path, "check")
    assert result.returncode == 1
    error = one_line_error(result)
    assert "entry seq 3" in error and "another hash" in error
    assert "audit log:    4 entries, chain intact" in result.stdout
