"""Pruning old data the central service has confirmed (``pos_member db prune``; issue 14).

A till that sells 2,000 times a day keeps, besides each sale, a second full copy of it: the
outbox event that carried it to the central service (its JSON payload is most of a sale's
bytes), and the ESC/POS bytes of every receipt printed. Once the central service has accepted
an event (outbox ``sent``: applied or a duplicate of one applied) the till never reads that
copy again; printed receipts are printed again from the recorded sale. So after a retention
period (default :data:`DEFAULT_KEEP_DAYS` days) this module:

- copies the outbox rows that are ``sent``, were sent and created before the cut-off, into an
  archive database (``<db>-archive.sqlite3`` beside the till's file, or ``--archive PATH``;
  ``--no-archive`` skips the copy), then deletes them from the till;
- deletes print jobs ``printed`` before the cut-off (their bytes only; the sale stays);
- deletes member-code nonces that expired before the cut-off (an expired code is refused
  by its time anyway).

It never touches what the central service has not confirmed: ``pending`` events (not yet
accepted), ``conflict`` events (parked for the manager, shown in the sync screen), print jobs
not printed, and nothing in the business tables (sales, refunds, ledgers, shifts, audit log,
members): those stay for refunds by receipt, reprints, X/Z reports and ``db check``. The newest
outbox row is always kept (enrolment numbers the terminal sequence after the highest one).

One write transaction (``BEGIN IMMEDIATE``) on the till; the archive is written first with
``INSERT OR IGNORE`` by event id, so a run that stopped half-way is simply run again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pos_member.store.types import format_utc

DEFAULT_KEEP_DAYS = 90
MIN_KEEP_DAYS = 7  # less than a week of history is too little to look back on a problem

OUTBOX_COLUMNS = (
    "id", "event_id", "terminal_seq", "kind", "payload", "created_at", "sent_at", "status",
    "attempts", "last_error",
)
_ARCHIVE_SCHEMA = """
CREATE TABLE IF NOT EXISTS archive.outbox (
    id INTEGER NOT NULL, event_id VARCHAR(36) NOT NULL PRIMARY KEY,
    terminal_seq INTEGER NOT NULL, kind VARCHAR(32) NOT NULL, payload TEXT,
    created_at VARCHAR(32) NOT NULL, sent_at VARCHAR(32), status VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL, last_error TEXT, archived_at VARCHAR(32) NOT NULL
)
"""


class PruneRefused(ValueError):
    """The retention asked for is out of bounds (the message says why)."""


@dataclass(frozen=True)
class PruneResult:
    cutoff: str  # UTC text: rows older than this were candidates
    outbox_events: int
    outbox_bytes: int  # payload bytes of those events
    print_jobs: int
    print_bytes: int
    nonces: int
    archive: Path | None  # where the events were copied (None: not archived)
    dry_run: bool

    @property
    def rows(self) -> int:
        return self.outbox_events + self.print_jobs + self.nonces


def default_archive_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + "-archive.sqlite3")


_OUTBOX_WHERE = (
    "status = 'sent' AND sent_at IS NOT NULL AND sent_at < :cutoff AND created_at < :cutoff "
    "AND terminal_seq < (SELECT max(terminal_seq) FROM outbox)"
)
_PRINT_WHERE = "status = 'printed' AND printed_at IS NOT NULL AND printed_at < :cutoff"
_NONCE_WHERE = "expires_at < :cutoff"


def prune(db_path: str | Path, *, keep_days: int = DEFAULT_KEEP_DAYS,
          archive: Path | None | bool = True, dry_run: bool = False,
          now: datetime | None = None) -> PruneResult:
    """Prune what is older than ``keep_days`` and confirmed (see the module's docstring).

    ``archive``: True for :func:`default_archive_path`, a path, or False/None for no copy.
    The caller holds the till's instance lock (the CLI does).
    """
    if not isinstance(keep_days, int) or keep_days < MIN_KEEP_DAYS:
        raise PruneRefused(f"keep at least {MIN_KEEP_DAYS} days (asked: {keep_days})")
    path = Path(db_path)
    moment = now or datetime.now(UTC)
    cutoff = format_utc(moment - timedelta(days=keep_days))
    target: Path | None
    if archive is True:
        target = default_archive_path(path)
    elif archive:
        target = Path(archive)  # type: ignore[arg-type]
    else:
        target = None
    if target is not None and target.resolve() == path.resolve():
        raise PruneRefused("the archive cannot be the till's own database")

    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 30000")
        con.execute("PRAGMA foreign_keys = ON")
        if target is not None and not dry_run:  # ATTACH is refused inside a transaction
            con.execute("ATTACH DATABASE ? AS archive", (str(target),))
            con.execute(_ARCHIVE_SCHEMA)
        con.execute("BEGIN IMMEDIATE")
        try:
            args = {"cutoff": cutoff}
            events, event_bytes = con.execute(
                f"SELECT count(*), coalesce(sum(length(payload)), 0) FROM outbox "
                f"WHERE {_OUTBOX_WHERE}", args).fetchone()
            jobs, job_bytes = con.execute(
                f"SELECT count(*), coalesce(sum(length(payload)), 0) FROM receipt_print_jobs "
                f"WHERE {_PRINT_WHERE}", args).fetchone()
            nonces = con.execute(
                f"SELECT count(*) FROM seen_nonces WHERE {_NONCE_WHERE}", args).fetchone()[0]
            if dry_run:
                con.execute("ROLLBACK")
                return PruneResult(cutoff, events, event_bytes, jobs, job_bytes, nonces,
                                   target, True)
            if target is not None and events:
                cols = ", ".join(OUTBOX_COLUMNS)
                con.execute(
                    f"INSERT OR IGNORE INTO archive.outbox ({cols}, archived_at) "
                    f"SELECT {cols}, :now FROM outbox WHERE {_OUTBOX_WHERE}",
                    {**args, "now": format_utc(moment)})
                copied = con.execute(
                    f"SELECT count(*) FROM outbox o WHERE {_OUTBOX_WHERE} AND NOT EXISTS "
                    "(SELECT 1 FROM archive.outbox a WHERE a.event_id = o.event_id)",
                    args).fetchone()[0]
                if copied:  # never delete what the archive does not hold
                    raise RuntimeError(f"{copied} events did not reach the archive")
            deleted = con.execute(f"DELETE FROM outbox WHERE {_OUTBOX_WHERE}", args).rowcount
            if deleted != events:
                raise RuntimeError(f"outbox changed during the prune ({deleted} != {events})")
            con.execute(f"DELETE FROM receipt_print_jobs WHERE {_PRINT_WHERE}", args)
            con.execute(f"DELETE FROM seen_nonces WHERE {_NONCE_WHERE}", args)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return PruneResult(cutoff, events, event_bytes, jobs, job_bytes, nonces,
                       target if events else None, False)
