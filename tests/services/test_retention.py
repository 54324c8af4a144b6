"""The retention policy (services.retention, store.sales_archive; issue 14, item 10): old sales
the central service confirmed leave the till's file for an archive, with every row that hangs
off them; nothing unconfirmed, recent or of an open shift moves; Z reports, refund searches,
the high-water mark check and ``db check`` still work."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta
from decimal import Decimal as D

import pytest

from pos_member.services import retention, sales_query
from pos_member.services.checkout import (
    CartLine, CheckoutRequest, Tender, checkout, quote_basket,
)
from pos_member.services.errors import InvalidInput
from pos_member.services.refunds import refund_sale
from pos_member.services.shifts import close_shift, open_shift, z_report
from pos_member.services.staff import Approval
from pos_member.store import health, sales_archive

MANAGER = Approval("S001", "2468")
CHILDREN = ("sale_lines", "payments", "coupon_redemptions", "points_ledger",
            "receipt_print_jobs")


def sell(till, staff, member=None, qty=2, coupons=()):
    sid = str(uuid.uuid4())
    cart = (CartLine("C002", D(qty)),)
    due = quote_basket(till.ctx, cart, member, coupons).total
    r = checkout(till.ctx, CheckoutRequest(sid, staff, cart, (Tender("cash", due),),
                                           member_id=member, coupon_codes=coupons))
    return sid, r.receipt_no


def confirm_all(till) -> None:
    """What a sync with the central service leaves: every event sent, every ledger row
    confirmed, every receipt printed."""
    con = sqlite3.connect(till.path)
    with con:
        con.execute("UPDATE outbox SET status = 'sent', sent_at = created_at")
        con.execute("UPDATE points_ledger SET confirmed = 1")
        con.execute("UPDATE stored_value_ledger SET confirmed = 1")
        con.execute("INSERT INTO receipt_print_jobs (sale_id, kind, payload, status, attempts,"
                    " created_at, printed_at, copy) SELECT id, 'receipt', x'00', 'printed', 1,"
                    " created_at, created_at, 0 FROM sales WHERE id NOT IN"
                    " (SELECT sale_id FROM receipt_print_jobs WHERE sale_id IS NOT NULL)")
    con.close()


def count(path, table, where="1") -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def year(till, cashier, manager):
    """An old closed shift (a member's sale with a coupon and points, a plain sale, a refund
    of the member's sale, a sale whose event is still pending, one whose points are not
    confirmed), then, 100 days later, an open shift with a recent sale."""
    open_shift(till.ctx, cashier, 50000)
    gold = till.members["gold"]
    old_member, old_receipt = sell(till, cashier, gold, coupons=("NOTH-10",))
    old_plain, _ = sell(till, cashier)
    refund_sale(till.ctx, cashier, old_member, {1: D(1)}, MANAGER)
    pending, _ = sell(till, cashier)
    unconfirmed, _ = sell(till, cashier, till.members["silver"])
    assert count(till.path, "points_ledger", f"sale_id = '{unconfirmed}'")
    close_shift(till.ctx, manager, {10000: 20}, approval=MANAGER)
    confirm_all(till)
    z_before = z_report(till.ctx)
    till.clock.advance(days=100)
    open_shift(till.ctx, cashier, 50000)
    recent, recent_receipt = sell(till, cashier, gold)
    confirm_all(till)
    con = sqlite3.connect(till.path)
    with con:
        seq = con.execute("SELECT terminal_seq FROM sales WHERE id = ?", (pending,)).fetchone()
        con.execute("UPDATE outbox SET status = 'pending', sent_at = NULL "
                    "WHERE terminal_seq = ?", seq)
        con.execute("UPDATE points_ledger SET confirmed = 0 WHERE sale_id = ?", (unconfirmed,))
    con.close()
    return dict(old_member=old_member, old_receipt=old_receipt, old_plain=old_plain,
                pending=pending, unconfirmed=unconfirmed, recent=recent,
                recent_receipt=recent_receipt, z_before=z_before)


def test_only_old_confirmed_sales_leave_with_every_child_row(till, year):
    path = till.path
    before = {t: count(path, t) for t in ("sales", "refunds", *CHILDREN)}
    gone = (year["old_member"], year["old_plain"])
    gone_in = "sale_id IN ('%s')" % "','".join(gone)
    moving = {t: count(path, t, gone_in) for t in CHILDREN}
    assert moving["sale_lines"] == 2 and moving["payments"] == 2
    assert moving["coupon_redemptions"] == 1 and moving["points_ledger"] >= 2
    mark = health.refresh_mark(path)  # what the till's mark writer keeps

    dry = retention.prune(path, keep_days=90, dry_run=True, now=till.clock.now)
    assert dry.sales.sales == 2 and dry.sales.archive is None
    assert count(path, "sales") == before["sales"]

    result = retention.prune(path, keep_days=90, now=till.clock.now)
    assert result.sales.sales == 2 and result.sales.refunds == 1
    assert result.shifts_frozen == 1
    for table in CHILDREN:
        assert count(path, table, gone_in) == 0, table
        if table != "receipt_print_jobs":  # old printed jobs go anyway (archive.prune)
            assert count(path, table) == before[table] - moving[table], table
    assert count(path, "sales") == before["sales"] - 2
    assert count(path, "refunds") == 0
    for kept in (year["pending"], year["unconfirmed"], year["recent"]):
        assert count(path, "sales", f"id = '{kept}'") == 1
    # the member's balances, counters, audit log and benefit uses are not touched
    assert count(path, "audit_log") > 0 and count(path, "receipt_counters") > 0

    # the archive holds exactly what went, readable with the till's own schema
    arch = sqlite3.connect(result.sales.archive)
    try:
        assert {r[0] for r in arch.execute("SELECT id FROM sales")} == set(gone)
        assert arch.execute("SELECT count(*) FROM refunds").fetchone()[0] == 1
        for table in CHILDREN:
            got = arch.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if table not in ("points_ledger", "receipt_print_jobs"):
                assert got == moving[table], table
        info = dict(arch.execute("SELECT key, value FROM archive_info"))
        assert info["sales"] == "2" and info["terminal_id"] == till.ctx.terminal_id
    finally:
        arch.close()

    # a pruned file is sound: foreign keys, the audit chain, not "behind" its mark
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    assert health.check_database(path) == "existing"
    assert health.read_mark(path) == mark

    # the Z report of the old shift is the one it had
    z = z_report(till.ctx, year["z_before"].shift_id)
    assert z.sales_total == year["z_before"].sales_total
    assert z.refunds_total == year["z_before"].refunds_total
    assert z.expected == year["z_before"].expected and z.sales_count == 4

    # a second run finds nothing and writes no new archive
    again = retention.prune(path, keep_days=90, now=till.clock.now)
    assert again.sales.sales == 0 and again.sales.archive is None
    assert len(sales_archive.archives(path)) == 1


def test_archived_sales_are_found_by_receipt_and_member_but_not_refunded(till, cashier, year):
    retention.prune(till.path, keep_days=90, now=till.clock.now)
    detail = sales_query.find_sale(till.ctx, year["old_receipt"])
    assert detail.id == year["old_member"] and detail.archived
    assert not detail.refundable and detail.summary.member_name == "gold member"
    assert detail.lines[0].refunded_qty == D(1) and len(detail.refunds) == 1
    assert sales_query.find_sale(till.ctx, f"PMR.{year['old_member']}").archived
    assert sales_query.sale_detail(till.ctx, year["old_member"]).archived
    # by the member's last four digits: the recent sale from the till, the old from the archive
    found = [s.id for s in sales_query.recent_sales(till.ctx, "1111")]
    assert found == [year["recent"], year["old_member"]]
    live = sales_query.find_sale(till.ctx, year["recent_receipt"])
    assert live.archived is None and live.refundable
    with pytest.raises(InvalidInput) as exc:
        refund_sale(till.ctx, cashier, year["old_member"], None, MANAGER)
    assert exc.value.code == "sale_archived"


def test_a_copy_with_fewer_sales_is_still_behind_its_mark(till, cashier, year, tmp_path):
    """Pruning keeps the terminal sequence, so a pruned file passes; a file that lost sales
    (an older copy) is still refused even after the prune."""
    old_copy = tmp_path / "old.sqlite3"
    src = sqlite3.connect(till.path)
    dst = sqlite3.connect(old_copy)
    src.backup(dst)
    src.close()
    dst.close()
    sell(till, cashier)  # a sale the copy lacks
    health.refresh_mark(till.path)
    retention.prune(till.path, keep_days=90, now=till.clock.now)
    assert health.check_database(till.path) == "existing"
    assert count(till.path, "sales") < count(old_copy, "sales")  # fewer sales, yet sound
    old_copy.replace(till.path)
    for extra in ("-wal", "-shm"):
        till.path.with_name(till.path.name + extra).unlink(missing_ok=True)
    with pytest.raises(health.DatabaseDamaged) as exc:
        health.check_database(till.path)
    assert exc.value.problem == health.BEHIND


def test_a_failed_delete_leaves_the_till_whole_and_a_rerun_finishes(till, year, monkeypatch):
    real = sales_archive._read_ids

    def broken(path):
        yield from real(path)
        raise OSError("power cut")

    monkeypatch.setattr(sales_archive, "_read_ids", broken)
    before = count(till.path, "sales")
    with pytest.raises(OSError):
        retention.prune(till.path, keep_days=90, now=till.clock.now, compact=False)
    assert count(till.path, "sales") == before
    assert count(till.path, "sale_lines", f"sale_id = '{year['old_member']}'") == 1
    first = sales_archive.archives(till.path)
    assert len(first) == 1  # written and synced before the delete, harmless duplicate
    monkeypatch.setattr(sales_archive, "_read_ids", real)
    result = retention.prune(till.path, keep_days=90, now=till.clock.now)
    assert result.sales.sales == 2 and count(till.path, "sales") == before - 2
    assert sales_query.find_sale(till.ctx, year["old_receipt"]).id == year["old_member"]


def test_nothing_of_an_open_shift_or_unprinted_leaves(till, cashier):
    open_shift(till.ctx, cashier, 50000)
    sid, _ = sell(till, cashier)
    sell(till, cashier)
    confirm_all(till)
    till.clock.advance(days=200)
    result = retention.prune(till.path, keep_days=90, now=till.clock.now)
    assert result.sales.sales == 0 and count(till.path, "sales") == 2


def test_an_unprinted_receipt_keeps_its_sale(till, cashier, manager):
    open_shift(till.ctx, cashier, 50000)
    sid, _ = sell(till, cashier)
    sell(till, cashier)
    close_shift(till.ctx, manager, {10000: 20}, approval=MANAGER)
    confirm_all(till)
    con = sqlite3.connect(till.path)
    with con:
        con.execute("UPDATE receipt_print_jobs SET status = 'failed' WHERE sale_id = ?", (sid,))
    con.close()
    till.clock.advance(days=100)
    open_shift(till.ctx, cashier, 50000)
    sell(till, cashier)
    confirm_all(till)
    result = retention.prune(till.path, keep_days=90, now=till.clock.now)
    assert result.sales.sales == 1
    assert count(till.path, "sales", f"id = '{sid}'") == 1


def test_the_file_gives_its_pages_back(till, year):
    first = retention.prune(till.path, keep_days=90, now=till.clock.now)
    assert first.compaction is not None and first.compaction.how in ("vacuum", "none")
    con = sqlite3.connect(till.path)
    assert con.execute("PRAGMA auto_vacuum").fetchone()[0] in (0, 2)
    assert con.execute("PRAGMA freelist_count").fetchone()[0] == 0
    con.close()
