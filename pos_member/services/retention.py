"""The retention policy (``db prune``; issue 14, item 10): what the central service confirmed
and is older than the retention period leaves the till's file.

1. The Z figures of the closed shifts whose sales or refunds are about to leave are stored in
   ``shifts.z_json`` (:func:`services.shifts.freeze_z_figures`), so a Z report reprints as it
   was;
2. outbox events, printed receipts' bytes and expired nonces: :func:`store.archive.prune`;
3. sales with their lines, payments, coupon redemptions, refunds and ledger rows:
   :func:`store.sales_archive.prune_sales` (archive file first, then the delete);
4. the freed pages go back to the file system (:func:`store.sales_archive.give_pages_back`).

Sales are only archived with an archive copy: ``--no-archive`` prunes the events only.
The caller holds the till's instance lock (the CLI does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pos_member.store import archive, sales_archive
from pos_member.store.db import create_engine_for, session_factory, transaction

from .shifts import freeze_z_figures


@dataclass(frozen=True)
class RetentionResult:
    events: archive.PruneResult
    sales: sales_archive.SalesPruneResult | None  # None: not asked (no archive)
    shifts_frozen: int
    compaction: sales_archive.Compaction | None


def prune(db_path: str | Path, *, keep_days: int = archive.DEFAULT_KEEP_DAYS,
          archive_events: Path | None | bool = True, sales: bool = True,
          dry_run: bool = False, compact: bool = True,
          now: datetime | None = None) -> RetentionResult:
    path = Path(db_path)
    moment = now or datetime.now(UTC)
    events = archive.prune(path, keep_days=keep_days, archive=archive_events, dry_run=dry_run,
                           now=moment)  # checks keep_days first
    frozen = 0
    sold = None
    if sales:
        cutoff = sales_archive.cutoff_for(keep_days, moment)
        if not dry_run:
            engine = create_engine_for(path)
            try:
                with engine.connect() as c:
                    ids = sales_archive.shifts_to_freeze(c.connection.driver_connection, cutoff)
                if ids:
                    with transaction(session_factory(engine)) as s:
                        frozen = freeze_z_figures(s, ids)
            finally:
                engine.dispose()
        sold = sales_archive.prune_sales(path, keep_days=keep_days, dry_run=dry_run,
                                         now=moment)
    compaction = None
    if compact and not dry_run:
        compaction = sales_archive.give_pages_back(path)
    return RetentionResult(events, sold, frozen, compaction)
