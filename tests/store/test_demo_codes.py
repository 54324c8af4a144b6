"""The demo brand's own member coupons, its signing key and ``db demo-codes``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from pos_member.domain import demo_brand
from pos_member.security.dynamic_codes import issue_dynamic_code
from pos_member.services import members as member_service
from pos_member.services.context import TillContext
from pos_member.store import repositories, seed
from pos_member.store.db import create_engine_for, session_factory, transaction

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 24)


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "POS_MEMBER_HOME": str(home), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "pos_member", "db", *args], cwd=ROOT, env=env,
                          check=False, capture_output=True, text=True, encoding="utf-8",
                          timeout=120)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    seed.seed_demo(home / "till.sqlite3", members=12, today=TODAY)
    return home


def _ctx(path: Path) -> tuple[TillContext, object]:
    engine = create_engine_for(path)
    ctx = TillContext(sessions=session_factory(engine), terminal_id="T1", store_id="demo-store")
    return ctx, engine


def test_demo_members_have_coupons_of_their_own(home: Path) -> None:
    ctx, engine = _ctx(home / "till.sqlite3")
    try:
        own = member_service.member_coupons(ctx, demo_brand.member_id(3))
        assert sorted(own) == ["BAKERY-90-0003", "BDAY-10-0003", "LATTE-8-0003"]
        assert sorted(member_service.member_coupons(ctx, demo_brand.member_id(1))) == [
            "BDAY-10-0001", "LATTE-8-0001"]
    finally:
        engine.dispose()


def test_demo_codes_prints_codes_the_till_accepts(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "codes"
    result = run(home, "demo-codes", "--members", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    dynamic = [line.split(": ", 1)[1].strip() for line in lines if "dynamic code:" in line]
    cards = [line.split(": ", 1)[1].strip() for line in lines if "card code:" in line]
    assert len(dynamic) == len(cards) == 3
    assert "LATTE-8-0001" in result.stdout and "拿铁" in result.stdout  # coupons, product names
    assert "6900000000021" in result.stdout  # the 拿铁 barcode, C002
    ctx, engine = _ctx(home / "till.sqlite3")
    try:
        found = member_service.lookup(ctx, dynamic[1])
        assert found.via == "dynamic_code" and found.member.id == demo_brand.member_id(2)
        assert member_service.lookup(ctx, cards[0]).member.id == demo_brand.member_id(1)
    finally:
        engine.dispose()
    # the QR image holds the same code a scanner would read; the EAN-13 image the barcode
    qr = zxingcpp.read_barcodes(Image.open(out / "member-002-dynamic.png"))
    assert [r.text for r in qr] == [dynamic[1]]
    ean = zxingcpp.read_barcodes(Image.open(out / "product-C002.png"))
    assert [r.text for r in ean] == ["6900000000021"]


def test_an_enrolled_till_refuses_demo_codes_and_the_demo_key(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    seed.seed_demo(path, members=2, today=TODAY)
    ctx, engine = _ctx(path)
    try:
        code = issue_dynamic_code(
            demo_brand.DEMO_SIGNING_SEED, demo_brand.DEMO_SIGNING_KEY_ID,
            demo_brand.member_id(1), datetime.now(UTC))
        assert member_service.lookup(ctx, code).via == "dynamic_code"
        with transaction(ctx.sessions) as s:
            repositories.set_setting(s, "central_terminal_id", "T-REAL")
        with pytest.raises(member_service.ServiceError) as refused:
            member_service.lookup(ctx, code)
        assert refused.value.code == "code_unknown_key"
    finally:
        engine.dispose()
    result = run(tmp_path, "demo-codes")
    assert result.returncode == 1
    assert "enrolled with a central service" in result.stderr
