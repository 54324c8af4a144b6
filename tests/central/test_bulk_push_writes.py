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
