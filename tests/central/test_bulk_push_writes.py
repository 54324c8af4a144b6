"""The push's fast paths store what the slower ones did: the canonical text put together
around the payload is json.dumps's, and ``bulk.insert_rows`` stores what Core's INSERT does."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from pos_central import bulk
from pos_central.db import Database, UTCDateTime
from pos_central.push import canonical, canonical_text, event_hash
from pos_member.sync import protocol as p
from tests.central.server_fixture import database_kinds, isolated_database

EVENT = TypeAdapter(p.Event)


def _sale(**changes) -> dict:
    payload = {
        "sale_id": str(uuid.uuid4()), "receipt_no": "R1", "store_id": "S001",
        "sold_at": "2026-05-20T12:00:00+08:00", "local_time": "2026-05-20T12:00:00",
        "tz": "Asia/Shanghai", "member_id": str(uuid.uuid4()),
        "lines": [{"line_no": 1, "sku": "B006", "name": "拿铁 \"大\" \\ \n", "qty": "0.350",
                   "unit_price_fen": 12800, "amount_fen": 4480, "paid_fen": 4480}],
        "subtotal_fen": 4480, "total_fen": 4480,
    }
    payload.update(changes)
    return {"event_id": str(uuid.uuid4()), "terminal_seq": 7, "kind": "sale",
            "created_at": "2026-05-20T04:00:00Z", "payload": payload}


def _reference(event) -> str:
    """The canonical text as push.canonical wrote it before (one json.dumps of the body)."""
    body = event.model_dump(mode="json", exclude_defaults=True, exclude={"event_id"})
    body["kind"] = event.kind
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("raw", [
    _sale(),
    _sale(member_code_nonce="n1", member_id=None),
    {"event_id": str(uuid.uuid4()), "terminal_seq": 1, "kind": "audit_head",
     "created_at": "2026-05-20T04:00:00Z",
     "payload": {"seq": 3, "hash": "ab" * 32, "at": "2026-05-20T04:00:00Z"}},
])
def test_the_canonical_text_is_one_json_dumps_of_the_body(raw):
    event = EVENT.validate_python(raw)
    whole, payload = canonical_text(event)
    assert whole == _reference(event)
    assert json.loads(payload) == json.loads(whole)["payload"]
    digest, stored = canonical(event)
    assert stored == event.model_dump(mode="json", exclude_defaults=True)["payload"]
    assert digest == event_hash(event)


def _table(metadata: MetaData, name: str) -> Table:
    return Table(name, metadata,
                 Column("id", Integer, primary_key=True),
                 Column("code", String(64), unique=True),
                 Column("amount_fen", BigInteger),
                 Column("flag", Boolean),
                 Column("day", Date),
                 Column("at", UTCDateTime),
                 Column("doc", JSON),
                 Column("doc2", JSON, nullable=True))


def _rows(prefix: str) -> list[dict]:
    east = timezone(timedelta(hours=8))
    return [
        {"code": f"{prefix}1", "amount_fen": 10**15, "flag": True, "day": date(2026, 1, 2),
         "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
         "doc": {"名": "拿铁", "q": "0.350", "n": [1, 2]}, "doc2": None},
        {"code": f"{prefix}2", "amount_fen": -5, "flag": False, "day": date(1, 1, 1),
         "at": datetime(2026, 1, 2, 11, 4, 5, 123456, tzinfo=east),
         "doc": [], "doc2": {"a": None}},
        {"code": f"{prefix}3", "amount_fen": 0, "flag": None, "day": None, "at": None,
         "doc": "text", "doc2": ["x"]},
    ]


@pytest.fixture(params=database_kinds())
def database(request, tmp_path):
    with isolated_database(request.param, tmp_path) as url:
        db = Database(url)
        yield db
        db.dispose()


def _stored(db: Database, table: Table) -> list[tuple]:
    cast = "::text" if db.dialect == "postgresql" else ""
    with db.read() as s:
        return [tuple(r) for r in s.execute(text(
            f"SELECT amount_fen, flag, day{cast}, at{cast}, doc{cast}, doc2{cast} "
            f"FROM {table.name} ORDER BY id"))]


def test_bulk_rows_are_stored_as_core_stores_them(database):
    metadata = MetaData()
    core, fast = _table(metadata, "bulk_core"), _table(metadata, "bulk_fast")
    metadata.create_all(database.engine)
    with database.write() as s:
        s.connection().execute(insert(core), _rows("c"))
        bulk.insert_rows(s.connection(), fast, _rows("f"))
    assert _stored(database, fast) == _stored(database, core)
    with database.read() as s:
        back = [tuple(r) for r in s.execute(select(fast.c.at, fast.c.doc, fast.c.doc2))]
    assert back[1][0] == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert back[0][1] == {"名": "拿铁", "q": "0.350", "n": [1, 2]}
    assert back[0][2] is None  # a JSON null


def test_json_text_is_stored_as_given_and_reads_back_as_its_value(database):
    metadata = MetaData()
    table = _table(metadata, "bulk_text")
    metadata.create_all(database.engine)
    rows = _rows("t")
    rows[0]["doc"] = bulk.JSONText('{"n":[1,2],"q":"0.350","名":"拿铁"}')
    with database.write() as s:
        bulk.insert_rows(s.connection(), table, rows)
    with database.read() as s:
        docs = list(s.execute(select(table.c.doc).order_by(table.c.id)).scalars())
    assert docs == [{"名": "拿铁", "q": "0.350", "n": [1, 2]}, [], "text"]


def test_a_duplicate_key_is_an_integrity_error_and_rows_of_other_keys_go_through_core(
        database):
    metadata = MetaData()
    table = _table(metadata, "bulk_dup")
    table.append_column(Column("made", String(8), default="default"))
    metadata.create_all(database.engine)
    rows = [{"code": "a", "amount_fen": 1, "made": "given"},
            {"code": "b", "amount_fen": 2}]  # leaves a Python-side default out: Core fills it
    with database.write() as s:
        bulk.insert_rows(s.connection(), table, rows)
    with database.read() as s:
        made = list(s.execute(select(table.c.made).order_by(table.c.id)).scalars())
    assert made == ["given", "default"]
    with pytest.raises(IntegrityError), database.write() as s:
        bulk.insert_rows(s.connection(), table, [{"code": "c", "amount_fen": 3, "made": "x"},
                                                 {"code": "a", "amount_fen": 4, "made": "x"}])


# -- the push's plain-row updates and reads ------------------------------------------------------


def test_rows_updated_by_key_are_stored_and_read_back_as_core_does(database):
    metadata = MetaData()
    core, fast = _table(metadata, "upd_core"), _table(metadata, "upd_fast")
    metadata.create_all(database.engine)
    east = timezone(timedelta(hours=8))
    changes = [
        {"code": "x1", "amount_fen": 7, "at": datetime(2026, 5, 1, 9, 0, 1, 5, tzinfo=east),
         "doc": {"b": [1, "拿铁"]}},
        {"code": "x2", "flag": True, "day": date(2026, 12, 31), "doc2": None},
        {"code": "x3", "amount_fen": -(10**15), "at": None, "doc": []},
    ]
    with database.write() as s:
        for table in (core, fast):
            s.connection().execute(insert(table), _rows("x"))
        for change in changes:
            values = {k: v for k, v in change.items() if k != "code"}
            s.connection().execute(core.update().where(core.c.code == change["code"])
                                   .values(**values))
        bulk.update_rows(s.connection(), fast, ("code",), changes)
    assert _stored(database, fast) == _stored(database, core)
    names = ("code", "amount_fen", "flag", "day", "at", "doc", "doc2")
    with database.read() as s:
        by_core = [tuple(r) for r in s.execute(
            select(*(core.c[n] for n in names)).order_by(core.c.code))]
        by_key = bulk.select_rows(s.connection(), fast, names, "code", ["x3", "x1", "x2"],
                                  order_by="code")
        some = bulk.select_rows(s.connection(), fast, ("code",), "code", ["x1", "x2", "x3"],
                                extra="amount_fen > 0", order_by="code")
    assert by_key == by_core
    assert [type(v) for v in by_key[0]] == [type(v) for v in by_core[0]]
    assert some == [("x1",)]


def test_json_lists_and_dicts_are_written_as_json_dumps_writes_them():
    samples = [[], {}, {"名": "拿铁", "q": "0.350", "n": [1, 2.5, None, True]},
               [{"line_no": 1, "sku": "C\"002\\\n", "qty": "2"}], {"a": {"b": [{}]}}]
    for value in samples:
        assert bulk.json_dumps(value) == json.dumps(value)
        canonical_form = bulk.make_encoder(sort_keys=True, compact=True, ensure_ascii=False)
        assert canonical_form(value) == json.dumps(value, sort_keys=True, separators=(",", ":"),
                                                   ensure_ascii=False)


def test_every_kind_of_event_hashes_as_one_json_dumps_of_its_body():
    """canonical_text writes the envelope by hand: the same bytes for every event kind."""
    from tests.central.builders import (
        refund_event,
        registration_event,
        sale_event,
        shift_events,
    )
    from tests.central.server_fixture import EnrolledTerminal

    till = EnrolledTerminal(terminal_id=str(uuid.uuid4()), token="t", store_id="S001",
                            base_url="http://127.0.0.1:1")
    east = timezone(timedelta(hours=8))
    sale = sale_event(till, member_id=str(uuid.uuid4()),
                      sold_at=datetime(2026, 5, 20, 12, 0, 0, 250000, tzinfo=east))
    raws = [sale, sale_event(till), refund_event(till, sale, points_reversed=2),
            registration_event(till, "13900000000", name="王 \"小\" 明"), *shift_events(till)]
    for raw in raws:
        event = EVENT.validate_python(raw)
        whole, payload = canonical_text(event)
        assert whole == _reference(event), raw["kind"]
        assert json.loads(payload) == json.loads(whole)["payload"]


# -- the answers, written as text ----------------------------------------------------------------


def _outcomes() -> list:
    from pos_central.apply_context import Outcome

    member_id = str(uuid.uuid4())
    conflict = p.ConflictInfo(id=3, kind=p.ConflictKind.POINTS_OVERDRAWN, message="短 \"x\"",
                              member_id=member_id, points_requested=5, balance_after=-2,
                              detail={"reason": "x"})
    return [
        Outcome(),
        Outcome(member=p.MemberBalance(member_id=member_id, points=120, growth=3400,
                                       tier="gold")),
        Outcome(member=p.MemberBalance(member_id=member_id.upper(), points=-7, growth=0,
                                       tier="regular")),
        Outcome(member=p.MemberBalance(member_id=member_id, points=1, growth=2, tier="金卡")),
        Outcome(member=p.MemberBalance(member_id=member_id, points=1, growth=2, tier="a\"b")),
        Outcome(member=p.MemberBalance(member_id=member_id, points=1, growth=2, tier="gold",
                                       stored_principal_fen=100, stored_bonus_fen=0)),
        Outcome(conflicts=[conflict],
                member=p.MemberBalance(member_id=member_id, points=-2, growth=1, tier="gold")),
        Outcome(merges=[p.MemberMerge(member_id=member_id, merged_into=str(uuid.uuid4()),
                                      phone="13900000000")]),
        Outcome(rejection=p.Rejection(code="foreign_store", message="no", field="payload.x")),
    ]


@pytest.mark.parametrize("status", list(p.EventStatus))
@pytest.mark.parametrize("kind", ["sale", "refund", "member_registered", "audit_head"])
def test_an_answer_written_directly_is_what_pydantic_writes(status, kind):
    from pos_central.push_answers import result_text

    for outcome in _outcomes():
        event_id = str(uuid.uuid4())
        model = p.EventResult(event_id=event_id, terminal_seq=2**40, kind=kind, status=status,
                              conflicts=outcome.conflicts, merges=outcome.merges,
                              member=outcome.member, rejection=outcome.rejection)
        assert result_text(event_id, 2**40, kind, status, outcome) == model.model_dump_json()


def test_the_whole_answer_and_a_duplicate_are_what_pydantic_writes():
    from pos_central.push_answers import duplicate_text, response_text, result_text

    now = datetime(2026, 5, 20, 4, 0, 0, 123456, tzinfo=UTC)
    texts, models = [], []
    for i, outcome in enumerate(_outcomes()):
        event_id = str(uuid.uuid4())
        texts.append(result_text(event_id, i + 1, "sale", p.EventStatus.APPLIED, outcome))
        models.append(p.EventResult.model_validate_json(texts[-1]))
    whole = p.PushResponse(results=models, server_time=now).model_dump_json()
    assert response_text(texts, now) == whole
    assert response_text([], now) == p.PushResponse(results=[], server_time=now).model_dump_json()
    again = models[1].model_copy(update={"status": p.EventStatus.DUPLICATE}).model_dump_json()
    assert duplicate_text(texts[1]) == again
    assert duplicate_text(json.loads(texts[1])) == again


# -- members, lots and coupons as plain rows (pos_central.apply_rows) ---------------------------


def _twins(db: Database) -> tuple[list[str], list[str]]:
    from pos_central import admin
    from pos_central import models as m

    with db.write() as s:
        ids = [admin.create_member(s, phone=f"1390000000{i}", name="王", growth=900, points=30,
                                   birthday=date(1990, 2, 3), earned_on=date(2026, 1, 5),
                                   last_purchase_at=datetime(2026, 3, 1, tzinfo=UTC)).id
               for i in (1, 2)]
        for code in ("ROW-1", "ROW-2"):
            admin.upsert_coupon(s, p.CouponData(code=code, kind="amount_off", value_fen=500,
                                                skus=["C002"], weekdays=[1, 2],
                                                valid_to=datetime(2027, 1, 1)))
        s.flush()
        assert s.get(m.Coupon, "ROW-1") is not None
    return ids, ["ROW-1", "ROW-2"]


def _raw_row(db: Database, table: str, key: str, value: str, leave_out: set[str]) -> tuple:
    cast = "::text" if db.dialect == "postgresql" else ""
    with db.read() as s:
        names = list(s.execute(text(f"SELECT * FROM {table} WHERE {key} = :v"),
                               {"v": value}).keys())
        cols = [c for c in names if c not in leave_out]
        return tuple(s.execute(text(f"SELECT {', '.join(c + cast for c in cols)} FROM {table} "
                                    f"WHERE {key} = :v"), {"v": value}).one())


def test_plain_rows_load_what_the_orm_loads_and_store_what_it_stores(tmp_path, request):
    """A member, its lots and a coupon changed as plain rows and written by
    ``apply_rows.write`` are stored as the same changes made on ORM objects and flushed."""
    from pos_central import apply_rows
    from pos_central import models as m
    from pos_central.cli import migrate

    for kind in database_kinds():
        with isolated_database(kind, tmp_path) as url:
            migrate(url)
            db = Database(url)
            try:
                (plain_id, orm_id), (plain_code, orm_code) = _twins(db)
                east = timezone(timedelta(hours=8))
                at = datetime(2026, 5, 20, 12, 30, 1, 250, tzinfo=east)
                with db.write() as s:
                    conn = s.connection()
                    (member,) = apply_rows.load(conn, apply_rows.MemberRow, "id", [plain_id],
                                                lock=True)
                    orm = s.get(m.Member, orm_id)
                    for name in apply_rows.MemberRow.NAMES:  # loaded as the ORM loads them
                        if name not in ("id", "phone", "card_no", "registered_at"):
                            assert getattr(member, name) == getattr(orm, name), name
                            assert type(getattr(member, name)) is type(getattr(orm, name)), name
                    lots = apply_rows.open_lots(conn, [plain_id])[plain_id]
                    (orm_lot,) = s.execute(select(m.PointLot).where(
                        m.PointLot.member_id == orm_id)).scalars()
                    (coupon,) = apply_rows.load(conn, apply_rows.CouponRow, "code",
                                                [plain_code], lock=True)
                    orm_coupon = s.get(m.Coupon, orm_code)
                    assert coupon.skus == orm_coupon.skus == ["C002"]
                    for target in (member, orm):
                        target.points, target.tier, target.version = -3, "gold", 9
                        target.last_purchase_at, target.birthday = at, None
                        target.marketing_consent = True
                    for target in (lots[0], orm_lot):
                        target.points = 0
                    for target in (coupon, orm_coupon):
                        target.status, target.used_by_sale_id = "used", str(uuid.uuid4())
                        target.used_at = at
                    orm_coupon.used_by_sale_id = coupon.used_by_sale_id
                    new = apply_rows.new_lot(plain_id, date(2026, 5, 20), date(2028, 12, 31), 7)
                    s.add(m.PointLot(member_id=orm_id, earned_on=date(2026, 5, 20),
                                     expires_on=date(2028, 12, 31), points=7))
                    s.flush()
                    apply_rows.write(conn, [member], lots, [new], [coupon])
                    assert member.changes() is None  # written: nothing left to write
                own = {"id", "phone", "card_no", "registered_at"}  # the twins' own
                assert (_raw_row(db, "members", "id", plain_id, own)
                        == _raw_row(db, "members", "id", orm_id, own))
                assert (_raw_row(db, "coupons", "code", plain_code, {"code"})
                        == _raw_row(db, "coupons", "code", orm_code, {"code"}))
                with db.read() as s:
                    def lots_of(mid):
                        return [(x.earned_on, x.expires_on, x.points) for x in s.execute(
                            select(m.PointLot).where(m.PointLot.member_id == mid)
                            .order_by(m.PointLot.id)).scalars()]
                    assert lots_of(plain_id) == lots_of(orm_id)
                    assert [x[2] for x in lots_of(plain_id)] == [0, 7]
            finally:
                db.dispose()
