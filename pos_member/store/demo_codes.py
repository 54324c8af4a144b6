"""``db demo-codes``: member codes and product barcodes to try a demo till with.

A demo till (``db seed-demo`` or the set-up wizard's demo brand) trusts the demo brand's
published signing key (``demo_brand.DEMO_SIGNING_KEY_ID``), so this command can issue dynamic
member codes it accepts, as the brand's app would show them. For the first few demo members it
gives the name, phone number, tier, points, own coupons, the static card code and a dynamic code
(valid for ``ttl`` seconds, spendable once: its nonce is used up by the first sale that spends
points with it), and for every product its barcode. With an output folder it also writes a QR
code PNG of each member code and an EAN-13 PNG of each product barcode, to show on a phone or
print for a scanner.

A till enrolled with a real central service is refused: it does not trust the demo key
(``services.members.signing_keys``), and its members are real people.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pos_member.domain import demo_brand
from pos_member.security.dynamic_codes import issue_dynamic_code
from pos_member.security.member_codes import make_static_code

DEFAULT_COUNT = 5
MAX_COUNT = demo_brand.PERSONAL_COUPON_MEMBERS
DEFAULT_TTL_SECONDS = 3600
MAX_TTL_SECONDS = 86_400
ENROLLED_KEY = "central_terminal_id"  # sync.enrolment.CENTRAL_TERMINAL_ID


class NotADemoTill(RuntimeError):
    """The database is not a demo till's (enrolled, or without the demo signing key)."""


@dataclass(frozen=True)
class DemoMemberCodes:
    number: int
    name: str
    phone: str
    tier: str
    points: int
    static_code: str
    dynamic_code: str
    coupons: tuple[str, ...]  # "title (code)"
    files: tuple[Path, ...] = ()


@dataclass
class DemoCodes:
    members: list[DemoMemberCodes] = field(default_factory=list)
    products: list[tuple[str, str, str, Path | None]] = field(default_factory=list)
    valid_until: datetime | None = None


def _setting(con: sqlite3.Connection, key: str) -> str | None:
    row = con.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def demo_codes(con: sqlite3.Connection, count: int = DEFAULT_COUNT, out_dir: Path | None = None,
               now: datetime | None = None, ttl: int = DEFAULT_TTL_SECONDS) -> DemoCodes:
    """The codes of demo members 1 ... ``count`` present in the database, and every
    product's barcode; PNGs into ``out_dir`` when given."""
    from pos_member.store.seed import demo_public_key

    if _setting(con, ENROLLED_KEY):
        raise NotADemoTill("this till is enrolled with a central service: its members are real "
                           "and it does not accept demo codes")
    keys = json.loads(_setting(con, "signing_keys") or "{}")
    if keys.get(demo_brand.DEMO_SIGNING_KEY_ID) != demo_public_key():
        raise NotADemoTill("this database does not trust the demo signing key "
                           "(seed it with `db seed-demo` first)")
    now = now or datetime.now(UTC)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    result = DemoCodes()
    columns = {r[1] for r in con.execute("PRAGMA table_info(coupons)")}
    title = "title" if "title" in columns else "''"
    for number in range(1, count + 1):
        row = con.execute("SELECT id, name, phone, tier, points, card_no FROM members "
                          "WHERE id = ?", (demo_brand.member_id(number),)).fetchone()
        if row is None:
            continue
        member_id, name, phone, tier, points, card_no = row
        coupons = tuple(
            f"{t} ({c})" if t else c for c, t in con.execute(
                f"SELECT code, {title} FROM coupons WHERE member_id = ? AND status = "
                "'available' ORDER BY valid_to, code", (member_id,)))
        static = make_static_code(card_no) if card_no else ""
        dynamic = issue_dynamic_code(demo_brand.DEMO_SIGNING_SEED,
                                     demo_brand.DEMO_SIGNING_KEY_ID, member_id, now,
                                     ttl_seconds=ttl)
        files: list[Path] = []
        if out_dir is not None:
            files.append(_qr(dynamic, out_dir / f"member-{number:03d}-dynamic.png"))
            if static:
                files.append(_qr(static, out_dir / f"member-{number:03d}-card.png"))
        result.members.append(DemoMemberCodes(number, name, phone or "", tier, points, static,
                                              dynamic, coupons, tuple(files)))
    result.valid_until = datetime.fromtimestamp(int(now.timestamp()) + ttl, UTC)
    for sku, name, code in con.execute(
            "SELECT p.sku, p.name, b.code FROM barcodes b JOIN products p ON p.sku = b.sku "
            "WHERE p.active = 1 ORDER BY p.sku, b.code"):
        png = _ean13(code, out_dir / f"product-{sku}.png") if out_dir is not None else None
        result.products.append((sku, name, code, png))
    return result


def _qr(text: str, path: Path) -> Path:
    import qrcode

    qrcode.make(text, border=2).save(path)
    return path


def _ean13(code: str, path: Path) -> Path | None:
    """An EAN-13 image of ``code``; None for a code that is not 13 digits."""
    if len(code) != 13 or not code.isdigit():
        return None
    from barcode import EAN13
    from barcode.writer import ImageWriter

    with path.open("wb") as out:
        EAN13(code, writer=ImageWriter()).write(out)
    return path


def as_text(codes: DemoCodes, tz_name: str = demo_brand.STORE_TZ) -> str:
    """What the command prints."""
    from zoneinfo import ZoneInfo

    lines = []
    until = codes.valid_until.astimezone(ZoneInfo(tz_name)) if codes.valid_until else None
    lines.append("Demo members (scan the dynamic code, or the card code, or type the phone "
                 "number at the till):")
    for m in codes.members:
        lines.append("")
        lines.append(f"#{m.number}  {m.name}  phone {m.phone}  tier {m.tier}  "
                     f"{m.points} points")
        lines.append(f"  card code:    {m.static_code}")
        lines.append(f"  dynamic code: {m.dynamic_code}")
        if m.coupons:
            lines.append(f"  own coupons:  {', '.join(m.coupons)}")
        for f in m.files:
            lines.append(f"  image:        {f}")
    if until:
        lines.append("")
        lines.append(f"The dynamic codes are valid until {until:%Y-%m-%d %H:%M} (store time); "
                     "each spends points once. Run the command again for new ones.")
    lines.append("")
    lines.append("Product barcodes:")
    for sku, name, code, png in codes.products:
        lines.append(f"  {code}  {sku:<6} {name}" + (f"  ({png})" if png else ""))
    return "\n".join(lines) + "\n"
