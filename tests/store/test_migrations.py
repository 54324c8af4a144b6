"""Migrations: upgrading a database made by revision 0001, schema parity, backups, refusals."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from pos_member.store import migrate
from pos_member.store.db import _build_engine, create_engine_for, session_factory, transaction
from pos_member.store.models import Member, Sale, SaleLine, metadata
from pos_member.store.repositories import pending_outbox

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAD = migrate.head_revision()

# Frozen databases of each released schema, with rows of real data (how they were made:
# fixtures/make_release_dbs.py). The upgrade tests upgrade these, never a file built by today's
# migrations, so an edited released migration or a new one that loses rows shows up here.
FIXTURES = Path(__file__).resolve().parent / "fixtures"

TABLES_0001 = [
    "shifts",
    "members",
    "point_lots",
    "coupons",
    "sales",
    "sale_lines",
    "payments",
    "coupon_redemptions",
    "points_ledger",
    "outbox",
    "sync_state",
]


def _raw(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def _dump(path: Path, table: str, columns: str = "*") -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


def _release(path: Path, revision: str) -> None:
    """Put the frozen database of release ``revision`` at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"till-{revision}.sqlite3", path)
    assert migrate.current_revision(path) == revision


def _seeded_0001(path: Path) -> None:
    _release(path, "0001")


def _schema(path: Path) -> list[tuple]:
    """Every table, index and trigger with its definition. Alembic's batch copy writes a copied
    table's constraints in set order (it differs from run to run with the hash seed), so a
    table's definition is compared as the set of its lines."""
    return [(kind, name, table, sorted(l.strip().rstrip(",") for l in (sql or "").splitlines()))
            for kind, name, table, sql in _dump(path, "sqlite_master", "type, name, tbl_name, sql")]


def _columns_0001(path: Path, table: str) -> str:
    con = sqlite3.connect(path)
    try:
        return ", ".join(r[1] for r in con.execute(f"PRAGMA table_info({table})"))
    finally:
        con.close()


def test_new_database_is_created_at_head(db_path: Path) -> None:
    result = migrate.upgrade_to_head(db_path)
    assert result.before is None and result.after == HEAD == "0012"
    assert result.backup_path is None and result.changed
    assert not (db_path.parent / "backups").exists()
    assert migrate.current_revision(db_path) == HEAD
    assert migrate.integrity_check(db_path) == []


def test_upgrade_is_a_no_op_at_head(migrated_db: Path) -> None:
    result = migrate.upgrade_to_head(migrated_db)
    assert (result.before, result.after, result.backup_path) == (HEAD, HEAD, None)
    assert not result.changed


def test_upgrade_from_0001_keeps_every_row(db_path: Path) -> None:
    _seeded_0001(db_path)
    before = {t: (_columns_0001(db_path, t), _dump(db_path, t)) for t in TABLES_0001}

    result = migrate.upgrade_to_head(db_path)

    assert (result.before, result.after) == ("0001", HEAD)
    for table, (columns, rows) in before.items():
        assert _dump(db_path, table, columns) == rows, f"{table} changed in the upgrade"
    # The sale voided before 0002 got a void time (its sale time); the other did not.
    assert _dump(db_path, "sales", "id, status, voided_at") == [
        ("sale-1", "completed", None),
        ("sale-2", "voided", "2024-05-01T03:00:00.000000Z"),
    ]
    assert migrate.integrity_check(db_path) == []

    # Foreign keys and their cascades still hold on the copied sales table.
    con = _raw(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            con.execute(
                "INSERT INTO sale_lines (sale_id, line_no, sku, name, unit_price_fen, "
                "qty_milli, amount_fen, tier_discount_fen, coupon_discount_fen, "
                "points_value_fen, points_redeemed, rounding_fen, paid_fen, discountable, "
                "points_eligible) VALUES ('nope', 1, 'X', 'x', 1, 1000, 1, 0, 0, 0, 0, 0, 1, 1, 1)"
            )
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            con.execute("UPDATE sales SET status = 'voided' WHERE id = 'sale-1'")
    finally:
        con.close()

    # The models read what 0001 wrote.
    engine = create_engine_for(db_path)
    try:
        with transaction(session_factory(engine)) as s:
            sale = s.get(Sale, "sale-1")
            assert sale is not None
            assert [line.qty_milli for line in sale.lines] == [2000, 350, 1000]
            assert sum(p.amount_fen for p in sale.payments) == sale.total_fen == 30250
            assert sale.quote_json == {"total": "302.50"}
            assert sale.created_at.tzinfo is not None and sale.created_at.hour == 2
            member = s.get(Member, "member-1")
            assert member is not None and member.points == -5
            assert [lot.points for lot in member.point_lots] == [40]
            assert [e.terminal_seq for e in pending_outbox(s, 10)] == [1, 3]
            # The cascade is still there after the table copy: sale-2's line goes with it.
            s.delete(s.get(Sale, "sale-2"))
            s.flush()
            assert s.scalars(select(SaleLine.sale_id).distinct()).all() == ["sale-1"]
            s.rollback()
        # And a sale the points ledger refers to cannot be deleted at all.
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            with transaction(session_factory(engine)) as s:
                s.delete(s.get(Sale, "sale-1"))
    finally:
        engine.dispose()


TABLES_0002 = TABLES_0001 + ["receipt_print_jobs"]


def test_upgrade_from_0002_keeps_every_row(db_path: Path) -> None:
    _release(db_path, "0002")
    before = {t: (_columns_0001(db_path, t), _dump(db_path, t)) for t in TABLES_0002}

    result = migrate.upgrade_to_head(db_path)

    assert (result.before, result.after) == ("0002", HEAD)
    assert result.changed == (HEAD != "0002")
    for table, (columns, rows) in before.items():
        assert _dump(db_path, table, columns) == rows, f"{table} changed in the upgrade"
    assert migrate.integrity_check(db_path) == []

    from pos_member.services.pricing_json import pricing_from_dict

    engine = create_engine_for(db_path)
    try:
        with transaction(session_factory(engine)) as s:
            voided = s.get(Sale, "sale-4")
            assert (voided.status, voided.void_reason, voided.void_approver_id) == (
                "voided", "顾客不要了", "staff-2")
            assert voided.voided_at is not None and voided.voided_at.minute == 5
            # the quote stored by that release still answers a retry of the sale
            quote = pricing_from_dict(s.get(Sale, "sale-3").quote_json)
            assert (quote.total, [x.paid for x in quote.lines]) == (5320, [5320])
            assert [e.terminal_seq for e in pending_outbox(s, 10)] == [1, 3, 4]
    finally:
        engine.dispose()
    con = sqlite3.connect(db_path)
    try:
        assert con.execute(
            "SELECT sale_id, status, attempts, copy, length(payload) FROM receipt_print_jobs "
            "ORDER BY id").fetchall() == [
                ("sale-3", "pending", 2, 0, 12), ("sale-1", "printed", 1, 1, 5)]
    finally:
        con.close()


def test_upgrade_from_0002_starts_each_days_receipt_counter_after_its_last_receipt(
        db_path: Path) -> None:
    """A till upgraded in the middle of a day: that day's receipt numbers (the terminal
    sequence, before 0003) go on after the highest one, never repeating a printed number."""
    from pos_member.store.repositories import next_receipt_no

    _release(db_path, "0002")
    con = sqlite3.connect(db_path)
    cols = _columns_0001(db_path, "sales")
    picked = cols.replace("id, ", "?, ", 1).replace("receipt_no", "?").replace(
        "terminal_seq", "?")
    for sale_id, no, seq in (("sale-5", "261124-000002", 12), ("sale-6", "261124-000008", 13),
                             ("sale-7", "261123-000005", 14)):
        con.execute(f"INSERT INTO sales ({cols}) SELECT {picked} FROM sales WHERE id='sale-1'",
                    (sale_id, seq, no) if cols.index("terminal_seq") < cols.index("receipt_no")
                    else (sale_id, no, seq))
    con.commit()
    con.close()
    migrate.upgrade_to_head(db_path)
    assert sorted(_dump(db_path, "receipt_counters")) == [("sale", "261123", 5),
                                                          ("sale", "261124", 8)]
    assert "receipt_no" in _columns_0001(db_path, "refunds")
    engine = create_engine_for(db_path)
    try:
        with transaction(session_factory(engine)) as s:
            assert next_receipt_no(s, "sale", "261124") == 9
            assert next_receipt_no(s, "sale", "261125") == 1  # a new day starts at 1
            assert next_receipt_no(s, "refund", "261124") == 1  # refunds count on their own
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_a_released_migration_still_builds_the_released_schema(
        revision: str, db_path: Path, tmp_path: Path) -> None:
    # A released migration must never be edited: tills already ran it. If today's scripts build
    # a different schema at that revision than the frozen file holds, one was.
    _release(db_path, revision)
    fresh = tmp_path / "fresh.sqlite3"
    migrate.upgrade(fresh, revision, backup_dir=tmp_path / "scratch")
    assert _schema(fresh) == _schema(db_path)


def test_backup_is_taken_before_the_upgrade(db_path: Path, monkeypatch) -> None:
    _seeded_0001(db_path)
    seen: list[list[Path]] = []
    real_upgrade = migrate.command.upgrade

    def spy(cfg, revision, **kw):
        seen.append(sorted((db_path.parent / "backups").glob("*.sqlite3")))
        return real_upgrade(cfg, revision, **kw)

    monkeypatch.setattr(migrate.command, "upgrade", spy)
    result = migrate.upgrade_to_head(db_path)

    assert result.backup_path is not None
    assert seen == [[result.backup_path]], "the backup must exist before the upgrade starts"
    assert re.fullmatch(r"till-\d{8}T\d{6}Z-0001\.sqlite3", result.backup_path.name)
    assert result.backup_path.parent == db_path.parent / "backups"
    assert migrate.current_revision(result.backup_path) == "0001"
    assert migrate.integrity_check(result.backup_path) == []
    assert _dump(result.backup_path, "sale_lines") == _dump(db_path, "sale_lines")
    con = sqlite3.connect(result.backup_path)
    try:  # a self-contained file, no -wal needed beside it
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()


def test_backup_dir_can_be_chosen(db_path: Path, tmp_path: Path) -> None:
    _seeded_0001(db_path)
    result = migrate.upgrade_to_head(db_path, backup_dir=tmp_path / "elsewhere")
    assert result.backup_path is not None and result.backup_path.parent == tmp_path / "elsewhere"


def test_failed_upgrade_rolls_everything_back(db_path: Path) -> None:
    _seeded_0001(db_path)
    con = sqlite3.connect(db_path)  # foreign keys off: plant an orphan the check will find
    with con:
        con.execute(
            "INSERT INTO payments (sale_id, tender, amount_fen, change_fen) "
            "VALUES ('ghost', 'cash', 100, 0)"
        )
    con.close()

    with pytest.raises(migrate.MigrationError, match="foreign keys"):
        migrate.upgrade_to_head(db_path)

    assert migrate.current_revision(db_path) == "0001"
    tables = {r[0] for r in _dump(db_path, "sqlite_master", "name")}
    assert "receipt_print_jobs" not in tables
    assert "voided_at" not in _columns_0001(db_path, "sales")
    problems = migrate.integrity_check(db_path)
    assert len(problems) == 1 and "payments" in problems[0] and "sales" in problems[0]


def test_migrations_refuse_a_connection_with_foreign_keys_on(db_path: Path) -> None:
    _seeded_0001(db_path)
    engine = create_engine_for(db_path)  # foreign keys ON
    cfg = migrate.alembic_config()
    try:
        with engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            with pytest.raises(RuntimeError, match="foreign_keys=OFF"):
                migrate.command.upgrade(cfg, "head")
    finally:
        engine.dispose()
    assert migrate.current_revision(db_path) == "0001"


def test_why_foreign_keys_must_be_off_for_batch_copies(db_path: Path) -> None:
    """The hazard the migration runner avoids: with foreign keys on, a batch copy of a parent
    table deletes its children through ON DELETE CASCADE, silently. (Here the points ledger
    row is removed first: a NO ACTION reference would make the DROP fail loudly instead.)"""
    _seeded_0001(db_path)
    con = sqlite3.connect(db_path)
    with con:
        con.execute("DELETE FROM points_ledger")
    con.close()
    for foreign_keys, lines_left in ((False, 4), (True, 0)):
        copy = db_path.with_name(f"copy-{foreign_keys}.sqlite3")
        migrate.backup(db_path, copy)
        engine = _build_engine(copy, foreign_keys=foreign_keys)
        try:
            with engine.connect() as conn, conn.begin():
                ops = Operations(MigrationContext.configure(conn, opts={"as_sql": False}))
                with ops.batch_alter_table("sales", recreate="always"):
                    pass
        finally:
            engine.dispose()
        assert len(_dump(copy, "sale_lines")) == lines_left


def test_models_match_the_migrated_schema(migrated_db: Path) -> None:
    engine = create_engine_for(migrated_db)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, metadata) == []
    finally:
        engine.dispose()


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip().strip("()").strip()


def test_check_constraints_and_partial_indexes_match(migrated_db: Path) -> None:
    """What compare_metadata does not look at: CHECK constraints and partial-index predicates
    (a doubled naming-convention prefix, ck_sales_ck_sales_status, would show up here)."""
    engine = create_engine_for(migrated_db)
    try:
        insp = inspect(engine)
        for table in metadata.sorted_tables:
            db_checks = {
                c["name"]: _norm(c["sqltext"]) for c in insp.get_check_constraints(table.name)
            }
            model_checks = {
                c.name: _norm(str(c.sqltext))
                for c in table.constraints
                if c.__class__.__name__ == "CheckConstraint"
            }
            assert db_checks == model_checks, table.name
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'"
            ).all()
        db_partial = {name: _norm(sql.split(" WHERE ", 1)[1]) for name, sql in rows}
        model_partial = {
            ix.name: _norm(str(ix.dialect_options["sqlite"]["where"]))
            for t in metadata.sorted_tables
            for ix in t.indexes
            if ix.dialect_options["sqlite"]["where"] is not None
        }
        assert db_partial == model_partial
        assert set(model_partial) == {
            "uq_shifts_open_per_terminal",
            "uq_coupon_redemptions_live_coupon_code",
        }
        with engine.connect() as conn:
            outbox_sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'outbox'"
            ).scalar()
        assert "AUTOINCREMENT" in outbox_sql
    finally:
        engine.dispose()


def test_refuses_a_database_from_a_newer_version(migrated_db: Path) -> None:
    con = sqlite3.connect(migrated_db)
    with con:
        con.execute("UPDATE alembic_version SET version_num = '0999'")
    con.close()
    with pytest.raises(migrate.MigrationError, match="does not know"):
        migrate.upgrade_to_head(migrated_db)
    assert not (migrated_db.parent / "backups").exists()


def test_refuses_a_file_that_is_not_a_till_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    con = sqlite3.connect(db_path)
    with con:
        con.execute("CREATE TABLE notes (body TEXT)")
    con.close()
    with pytest.raises(migrate.MigrationError, match="not a till database"):
        migrate.upgrade_to_head(db_path)


def test_refuses_to_downgrade(migrated_db: Path) -> None:
    with pytest.raises(migrate.MigrationError, match="not downgrading"):
        migrate.upgrade(migrated_db, "0001")


def test_current_revision_of_a_missing_file_creates_nothing(db_path: Path) -> None:
    assert migrate.current_revision(db_path) is None
    assert not db_path.exists()


def test_backup_of_a_live_database_holds_committed_rows_only(
    sessions, migrated_db: Path, tmp_path: Path
) -> None:
    from pos_member.store.repositories import set_setting

    with transaction(sessions) as s:
        set_setting(s, "committed", "yes")
    with transaction(sessions) as s:
        set_setting(s, "uncommitted", "no")
        s.flush()
        dest = migrate.backup(migrated_db, tmp_path / "live.sqlite3")
        s.rollback()
    assert _dump(dest, "sync_state") == [("committed", "yes")]
    with pytest.raises(FileExistsError):
        migrate.backup(migrated_db, dest)


def test_integrity_check_reports_orphans(migrated_db: Path) -> None:
    assert migrate.integrity_check(migrated_db) == []
    con = sqlite3.connect(migrated_db)
    with con:
        con.execute("INSERT INTO barcodes (code, sku) VALUES ('6901234567890', 'NO-SUCH-SKU')")
    con.close()
    problems = migrate.integrity_check(migrated_db)
    assert problems == ["foreign key: barcodes row 1 refers to a missing row of products (fk #0)"]


def test_constraint_violation_after_upgrade_still_raises(sessions) -> None:
    with pytest.raises(IntegrityError):
        with transaction(sessions) as s:
            s.add(Member(id="m", phone="13800000000", origin="elsewhere"))


def test_migration_files_ship_with_the_package() -> None:
    assert migrate.MIGRATIONS_DIR.is_dir()
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert (migrate.MIGRATIONS_DIR / "script.py.mako").is_file()
    assert migrate.revision_order() == [f"{n:04d}" for n in range(1, 13)]


def test_package_build_includes_the_migrations(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    out = tmp_path / "build"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(out),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    shipped = out / "pos_member" / "store" / "migrations"
    for name in (
        "env.py",
        "script.py.mako",
        "versions/0001_initial_schema.py",
        "versions/0002_print_queue_and_sale_voids.py",
        "versions/0003_receipt_counter.py",
        "versions/0004_held_orders.py",
        "versions/0012_shift_z_figures.py",
    ):
        assert (shipped / name).is_file(), name
