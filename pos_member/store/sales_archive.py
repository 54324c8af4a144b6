"""Archiving old sales the central service confirmed (``db prune``; issue 14, item 10).

A year at one till holds 730,000 sales with their lines, payments and ledger rows: the file,
and with it the daily backup, grows for ever although the till only needs the recent ones.
:func:`prune_sales` moves a sale out of the till's file into an archive file when ALL of this
holds (the policy; docs/database.md "Pruning confirmed data"):

- it was made before the cut-off (``keep_days``, default 90) and is not this till's newest
  sale (enrolment numbers the terminal sequence after the highest one);
- its shift is closed, before the cut-off, with its Z figures stored (``shifts.z_json``,
  revision 0012; the service :mod:`pos_member.services.retention` stores them first);
- its outbox event was accepted by the central service (``sent``; an event no longer in the
  outbox was pruned as ``sent``, the only status the outbox prune removes);
- its points-ledger and stored-value-ledger rows are all confirmed;
- its receipt print jobs are all printed;
- every refund of it satisfies the same: old, in a closed shift with stored Z figures, its
  event sent, its ledger rows confirmed (a sale and its refunds leave together).

What leaves, copied first: ``sales``, ``sale_lines``, ``payments``, ``coupon_redemptions``,
``refunds``, ``refund_lines``, ``refund_payments``, ``points_ledger`` and
``receipt_print_jobs`` rows of those sales and refunds (every table with a foreign key to a
sale or a refund), plus a copy of their shifts. What stays although it names a sale (no foreign
key, and the till still needs it): benefit uses (a yearly quota counts them), count cards,
gifts issued, mall redemptions, voucher uses, coupons' ``used_by_sale_id``, the stored-value
ledger, the audit log (its hash chain), receipt counters and ``sync_state`` (so the terminal
sequence and the high-water mark are unchanged: a pruned file is not "behind").

The archive: one new SQLite file per run in ``<db>-archive/`` (``sales-<UTC stamp>.sqlite3``),
with the till's own table definitions, written to ``.tmp``, committed with
``synchronous=FULL``, fsynced, renamed and its folder fsynced, and only then does the till's
transaction delete the same rows (checked again against the policy inside it). A file is never
written again. A run stopped before the delete leaves an archive whose sales are still live;
the next run archives them again into a new file, and readers take the first copy of a sale.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pos_member.store.types import format_utc

DEFAULT_KEEP_DAYS = 90
MIN_KEEP_DAYS = 7

# Archived with the sale (in this order: parents first), with the rows' condition.
_COPIES = (
    ("shifts", "id IN (SELECT shift_id FROM {a}pruned_sales UNION "
               "SELECT shift_id FROM {a}pruned_refunds)"),
    ("sales", "id IN (SELECT id FROM {a}pruned_sales)"),
    ("sale_lines", "sale_id IN (SELECT id FROM {a}pruned_sales)"),
    ("payments", "sale_id IN (SELECT id FROM {a}pruned_sales)"),
    ("coupon_redemptions", "sale_id IN (SELECT id FROM {a}pruned_sales)"),
    ("refunds", "id IN (SELECT id FROM {a}pruned_refunds)"),
    ("refund_lines", "refund_id IN (SELECT id FROM {a}pruned_refunds)"),
    ("refund_payments", "refund_id IN (SELECT id FROM {a}pruned_refunds)"),
    ("points_ledger", "sale_id IN (SELECT id FROM {a}pruned_sales) "
                      "OR refund_id IN (SELECT id FROM {a}pruned_refunds)"),
    ("receipt_print_jobs", "sale_id IN (SELECT id FROM {a}pruned_sales)"),
)
# Deleted from the till (children first); shifts stay.
_DELETES = tuple(reversed([c for c in _COPIES if c[0] != "shifts"]))

_SHIFT_DONE = ("EXISTS (SELECT 1 FROM {s}shifts sh WHERE sh.id = {x}.shift_id "
               "AND sh.status = 'closed' AND sh.closed_at < :cutoff AND sh.z_json IS NOT NULL)")
_REFUND_OK = (
    "r.created_at < :cutoff AND " + _SHIFT_DONE.replace("{x}", "r") + " AND NOT EXISTS "
    "(SELECT 1 FROM {s}outbox o WHERE o.terminal_seq = r.terminal_seq AND o.status <> 'sent') "
    "AND NOT EXISTS (SELECT 1 FROM {s}points_ledger l WHERE l.refund_id = r.id "
    "AND l.confirmed = 0) "
    "AND NOT EXISTS (SELECT 1 FROM {s}stored_value_ledger v WHERE v.refund_id = r.id "
    "AND v.confirmed = 0)"
)
# A sale ``x`` the policy lets go (see the module's docstring).
SALE_OK = (
    "x.created_at < :cutoff "
    "AND x.terminal_seq < (SELECT max(terminal_seq) FROM {s}sales) "
    "AND " + _SHIFT_DONE.replace("{x}", "x") + " "
    "AND NOT EXISTS (SELECT 1 FROM {s}outbox o WHERE o.terminal_seq = x.terminal_seq "
    "AND o.status <> 'sent') "
    "AND NOT EXISTS (SELECT 1 FROM {s}points_ledger l WHERE l.sale_id = x.id "
    "AND l.confirmed = 0) "
    "AND NOT EXISTS (SELECT 1 FROM {s}stored_value_ledger v WHERE v.sale_id = x.id "
    "AND v.confirmed = 0) "
    "AND NOT EXISTS (SELECT 1 FROM {s}receipt_print_jobs j WHERE j.sale_id = x.id "
    "AND j.status <> 'printed') "
    "AND NOT EXISTS (SELECT 1 FROM {s}refunds r WHERE r.sale_id = x.id AND NOT (" + _REFUND_OK
    + "))"
)


@dataclass(frozen=True)
class SalesPruneResult:
    cutoff: str
    sales: int
    refunds: int
    rows: dict[str, int]  # table -> rows archived and deleted
    archive: Path | None
    dry_run: bool
    seconds_archive: float = 0.0
    seconds_delete: float = 0.0


def archive_dir(db_path: str | os.PathLike[str]) -> Path:
    p = Path(db_path)
    return p.with_name(p.stem + "-archive")


def archives(db_path: str | os.PathLike[str]) -> list[Path]:
    """The sales archives of this till, oldest first (finished files only)."""
    folder = archive_dir(db_path)
    return sorted(folder.glob("sales-*.sqlite3")) if folder.is_dir() else []


def cutoff_for(keep_days: int, now: datetime | None = None) -> str:
    if not isinstance(keep_days, int) or keep_days < MIN_KEEP_DAYS:
        raise ValueError(f"keep at least {MIN_KEEP_DAYS} days (asked: {keep_days})")
    return format_utc((now or datetime.now(UTC)) - timedelta(days=keep_days))


def shifts_to_freeze(con: sqlite3.Connection, cutoff: str) -> list[str]:
    """Closed shifts before the cut-off, without stored Z figures, that hold a sale or a
    refund older than the cut-off: the service stores their Z figures before a prune."""
    return [r[0] for r in con.execute(
        "SELECT id FROM shifts sh WHERE sh.status = 'closed' AND sh.closed_at < ? "
        "AND sh.z_json IS NULL AND (EXISTS (SELECT 1 FROM sales x WHERE x.shift_id = sh.id "
        "AND x.created_at < ?) OR EXISTS (SELECT 1 FROM refunds r WHERE r.shift_id = sh.id "
        "AND r.created_at < ?))", (cutoff, cutoff, cutoff))]


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_archive(db: Path, tmp: Path, cutoff: str, moment: datetime) -> tuple[int, int, dict]:
    """Write the archive file ``tmp`` (committed and synced); (sales, refunds, rows)."""
    tmp.unlink(missing_ok=True)
    arch = sqlite3.connect(str(tmp), isolation_level=None)
    try:
        arch.execute("PRAGMA journal_mode = DELETE")
        arch.execute("PRAGMA synchronous = FULL")
        arch.execute("ATTACH DATABASE ? AS live", (f"{db.resolve().as_uri()}?mode=ro",))
        tables = [t for t, _ in _COPIES]
        marks = ",".join("?" * len(tables))
        arch.execute("BEGIN")
        for (sql,) in arch.execute(
                f"SELECT sql FROM live.sqlite_master WHERE type = 'table' AND name IN ({marks})",
                tables).fetchall():
            arch.execute(sql)
        arch.execute("CREATE TABLE archive_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        arch.execute("CREATE TABLE pruned_sales (id TEXT PRIMARY KEY, shift_id TEXT)")
        arch.execute("CREATE TABLE pruned_refunds (id TEXT PRIMARY KEY, shift_id TEXT)")
        args = {"cutoff": cutoff}
        arch.execute("INSERT INTO pruned_sales SELECT x.id, x.shift_id FROM live.sales x "
                     f"WHERE {SALE_OK.format(s='live.')}", args)
        sales = arch.execute("SELECT count(*) FROM pruned_sales").fetchone()[0]
        if not sales:
            arch.execute("ROLLBACK")
            return 0, 0, {}
        arch.execute("INSERT INTO pruned_refunds SELECT id, shift_id FROM live.refunds "
                     "WHERE sale_id IN (SELECT id FROM pruned_sales)")
        refunds = arch.execute("SELECT count(*) FROM pruned_refunds").fetchone()[0]
        rows = {}
        for table, where in _COPIES:
            cur = arch.execute(f"INSERT INTO main.{table} SELECT * FROM live.{table} "
                               f"WHERE {where.format(a='main.')}")
            rows[table] = cur.rowcount
        terminal = arch.execute(
            "SELECT value FROM live.sync_state WHERE key = 'terminal_id'").fetchone()
        arch.executemany("INSERT INTO archive_info VALUES (?, ?)", [
            ("format", "1"), ("kind", "sales"), ("cutoff", cutoff),
            ("archived_at", format_utc(moment)), ("terminal_id", terminal[0] if terminal else ""),
            ("source", str(db.resolve())), ("sales", str(sales)), ("refunds", str(refunds))])
        arch.execute("CREATE INDEX ix_sales_receipt_no ON sales (receipt_no)")
        arch.execute("CREATE INDEX ix_sales_member_id ON sales (member_id)")
        arch.execute("COMMIT")
        arch.execute("DETACH DATABASE live")
    finally:
        arch.close()
    with open(tmp, "rb+") as f:  # SQLite synced its commit; this makes the point plain
        os.fsync(f.fileno())
    return sales, refunds, rows


def prune_sales(db_path: str | os.PathLike[str], *, keep_days: int = DEFAULT_KEEP_DAYS,
                dry_run: bool = False, now: datetime | None = None) -> SalesPruneResult:
    """Archive, then delete, the sales the policy lets go (module docstring). The caller
    holds the till's instance lock and stored the Z figures of :func:`shifts_to_freeze`."""
    db = Path(db_path)
    moment = now or datetime.now(UTC)
    cutoff = cutoff_for(keep_days, moment)
    if dry_run:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            # the Z figures are stored by the run itself: not asked of a dry run
            ok = SALE_OK.replace(" AND sh.z_json IS NOT NULL", "").format(s="")
            sales = con.execute(f"SELECT count(*) FROM sales x WHERE {ok}",
                                {"cutoff": cutoff}).fetchone()[0]
        finally:
            con.close()
        return SalesPruneResult(cutoff, sales, 0, {}, None, True)
    folder = archive_dir(db)
    folder.mkdir(exist_ok=True)
    stamp = moment.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"
    final = folder / f"sales-{stamp}.sqlite3"
    tmp = final.with_name(final.name + ".tmp")
    for stale in folder.glob("sales-*.sqlite3.tmp"):  # a run stopped while writing one
        stale.unlink()

    con = sqlite3.connect(str(db), timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 30000")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("BEGIN IMMEDIATE")  # nothing writes the till until the delete commits
        try:
            t0 = time.perf_counter()
            sales, refunds, rows = _write_archive(db, tmp, cutoff, moment)
            if not sales:
                con.execute("ROLLBACK")
                tmp.unlink(missing_ok=True)
                return SalesPruneResult(cutoff, 0, 0, {}, None, False)
            os.replace(tmp, final)
            _fsync_dir(folder)
            t1 = time.perf_counter()
            con.execute("CREATE TEMP TABLE pruned_sales (id TEXT PRIMARY KEY)")
            con.execute("CREATE TEMP TABLE pruned_refunds (id TEXT PRIMARY KEY)")
            for table, ids in _read_ids(final):
                con.executemany(f"INSERT INTO temp.{table} VALUES (?)", ids)
            still = con.execute(
                f"SELECT count(*) FROM sales x WHERE x.id IN (SELECT id FROM temp.pruned_sales) "
                f"AND {SALE_OK.format(s='main.')}", {"cutoff": cutoff}).fetchone()[0]
            if still != sales:
                raise RuntimeError(f"the till changed during the prune ({still} of {sales} "
                                   "archived sales still qualify); nothing was deleted")
            for table, where in _DELETES:
                n = con.execute(f"DELETE FROM main.{table} WHERE "
                                f"{where.format(a='temp.')}").rowcount
                if n != rows[table]:
                    raise RuntimeError(f"{table}: {n} rows to delete, {rows[table]} archived; "
                                       "nothing was deleted")
            con.execute("DROP TABLE temp.pruned_sales")
            con.execute("DROP TABLE temp.pruned_refunds")
            con.execute("COMMIT")
            t2 = time.perf_counter()
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            tmp.unlink(missing_ok=True)
            raise
    finally:
        con.close()
    return SalesPruneResult(cutoff, sales, refunds, rows, final, False, t1 - t0, t2 - t1)


def _read_ids(path: Path) -> Iterator[tuple[str, list[tuple[str]]]]:
    arch = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        for table in ("pruned_sales", "pruned_refunds"):
            yield table, arch.execute(f"SELECT id FROM {table}").fetchall()
    finally:
        arch.close()


# --- reading ------------------------------------------------------------------------------------

def open_archive(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


# --- giving pages back --------------------------------------------------------------------------

@dataclass(frozen=True)
class Compaction:
    how: str  # "vacuum" (the one full VACUUM that switches to incremental), "incremental", "none"
    seconds: float
    size_before: int
    size_after: int


def give_pages_back(db_path: str | os.PathLike[str]) -> Compaction:
    """Return the prune's free pages to the file system (docs/database.md: why this and not
    ``VACUUM INTO`` for the backup). A file still at ``auto_vacuum = NONE`` is switched to
    ``INCREMENTAL`` by one full ``VACUUM`` (its time is that of the data left, once); after
    that each run frees its pages with ``PRAGMA incremental_vacuum``. The caller holds the
    instance lock (VACUUM needs the file to itself)."""
    path = Path(db_path)
    before = path.stat().st_size
    t0 = time.perf_counter()
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA busy_timeout = 30000")
        mode = con.execute("PRAGMA auto_vacuum").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        if mode == 2:
            how = "incremental" if free else "none"
            if free:
                con.execute("PRAGMA incremental_vacuum").fetchall()
        elif free:
            con.execute("PRAGMA auto_vacuum = INCREMENTAL")
            con.execute("VACUUM")
            how = "vacuum"
        else:
            how = "none"
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        con.close()
    return Compaction(how, time.perf_counter() - t0, before, path.stat().st_size)
