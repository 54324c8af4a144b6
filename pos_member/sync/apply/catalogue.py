"""A pulled page's catalogue and rules: categories, products and barcodes are upserted with
one ``executemany`` each (a product whose category, or a barcode whose product, comes later in
the pull gets a placeholder of it: a category named by its id, an inactive product at price
0, overwritten when the real row arrives); rules versions are upserted or deleted; the public
signing keys of member codes and the revoked keys and members are kept as JSON settings
(``services.members.SIGNING_KEYS_SETTING``, ``REVOKED_SETTING``), a tombstone lifting a
revocation.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy.orm import Session

from pos_member.domain.pinyin import search_keys
from pos_member.services.members import REVOKED_SETTING, SIGNING_KEYS_SETTING
from pos_member.store.types import dump_json
from pos_member.sync import protocol as p

from .rows import existing_keys, load_json_setting, save_json_setting, utc_text

_CATEGORY_UPSERT = (
    "INSERT INTO categories (id, name, name_en, sort_order, active) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, "
    "sort_order = excluded.sort_order, active = excluded.active"
)
_PRODUCT_UPSERT = (
    "INSERT INTO products (sku, name, name_en, category_id, unit_price_fen, unit, discountable, "
    "points_eligible, active, name_initials, name_pinyin, member_prices) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sku) DO UPDATE SET "
    "name = excluded.name, name_en = excluded.name_en, category_id = excluded.category_id, "
    "name_initials = excluded.name_initials, name_pinyin = excluded.name_pinyin, "
    "unit_price_fen = excluded.unit_price_fen, unit = excluded.unit, "
    "discountable = excluded.discountable, points_eligible = excluded.points_eligible, "
    "active = excluded.active, member_prices = excluded.member_prices"
)
_BARCODE_UPSERT = ("INSERT INTO barcodes (code, sku) VALUES (?, ?) "
                   "ON CONFLICT(code) DO UPDATE SET sku = excluded.sku")
_RULES_UPSERT = ("INSERT INTO rules (version, rules_json, effective_from) VALUES (?, ?, ?) "
                 "ON CONFLICT(version) DO UPDATE SET rules_json = excluded.rules_json, "
                 "effective_from = excluded.effective_from")


def upsert_categories(cur: sqlite3.Cursor, rows: list[p.CategoryData]) -> None:
    if rows:
        cur.executemany(_CATEGORY_UPSERT, [(c.id, c.name, c.name_en or None, c.sort_order,
                                            int(c.active)) for c in rows])


def upsert_products(cur: sqlite3.Cursor, rows: list[p.ProductData]) -> int:
    if not rows:
        return 0
    wanted = {x.category_id for x in rows if x.category_id}
    missing = wanted - existing_keys(cur, "categories", "id", wanted)
    if missing:  # the category changed after the product: it comes later in this pull
        cur.executemany("INSERT INTO categories (id, name, name_en, sort_order, active) "
                        "VALUES (?, ?, NULL, 999, 1)", [(c, c) for c in sorted(missing)])
    cur.executemany(_PRODUCT_UPSERT, [
        (x.sku, x.name, x.name_en or None, x.category_id, x.unit_price_fen, x.unit,
         int(x.discountable), int(x.points_eligible), int(x.active), *search_keys(x.name),
         dump_json(x.member_prices) if x.member_prices else None)
        for x in rows])
    return len(missing)


def upsert_barcodes(cur: sqlite3.Cursor, rows: list[p.BarcodeData]) -> int:
    if not rows:
        return 0
    wanted = {x.sku for x in rows}
    missing = wanted - existing_keys(cur, "products", "sku", wanted)
    if missing:  # the product changed after its barcode: it comes later in this pull
        cur.executemany("INSERT INTO products (sku, name, name_en, category_id, unit_price_fen, "
                        "unit, discountable, points_eligible, active) "
                        "VALUES (?, ?, NULL, NULL, 0, 'pcs', 1, 1, 0)",
                        [(s, s) for s in sorted(missing)])
    cur.executemany(_BARCODE_UPSERT, [(x.code, x.sku) for x in rows])
    return len(missing)


def apply_rules(cur: sqlite3.Cursor, live: list[Any], gone: list[Any]) -> None:
    if live:
        cur.executemany(_RULES_UPSERT, [
            (c.data.version, dump_json(c.data.rules), utc_text(c.data.effective_from))
            for c in live])
    for c in gone:
        if c.id.isdigit():
            cur.execute("DELETE FROM rules WHERE version = ?", (int(c.id),))


def apply_keys(session: Session, live: list[Any], gone: list[Any]) -> None:
    if not (live or gone):
        return
    keys = load_json_setting(session, SIGNING_KEYS_SETTING)
    for c in live:
        if c.data.algorithm == "Ed25519":
            keys[c.data.key_id] = c.data.public_key
    for c in gone:
        keys.pop(c.id, None)
    save_json_setting(session, SIGNING_KEYS_SETTING, keys)


def apply_revocations(session: Session, live: list[Any], gone: list[Any]) -> None:
    if not (live or gone):
        return
    stored = load_json_setting(session, REVOKED_SETTING)
    key_ids = set(stored.get("key_ids", []))
    member_ids = set(stored.get("member_ids", []))
    for c in live:
        if c.data.key_id:
            key_ids.add(c.data.key_id)
        if c.data.member_id:
            member_ids.add(str(c.data.member_id))
    for c in gone:  # a tombstone lifts the revocation; its id says what it was
        kind, _, value = c.id.partition(":")
        (key_ids if kind == "key" else member_ids if kind == "member" else set()).discard(value)
    save_json_setting(session, REVOKED_SETTING,
                       {"key_ids": sorted(key_ids), "member_ids": sorted(member_ids)})

