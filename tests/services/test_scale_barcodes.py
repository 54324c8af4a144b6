"""Scale labels at the till: the product by its PLU, the weight, the amount in fen, a sale."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest

from pos_member.domain.scale import ean13_check_digit
from pos_member.services import catalogue, settings
from pos_member.services.checkout import CartLine, CheckoutRequest, Tender, checkout
from pos_member.services.errors import InvalidInput, NotFound
from pos_member.store.db import transaction
from pos_member.store.models import Barcode, SaleLine


def label(first12: str) -> str:
    return first12 + str(ean13_check_digit(first12))


@pytest.fixture
def plu(till):
    """W001 (bulk beans, 320.00/kg) programmed in the scale as PLU 00901."""
    with transaction(till.ctx.sessions) as s:
        s.add(Barcode(code="00901", sku="W001"))
    return "00901"


def test_weight_label_is_the_product_and_its_weight(till, plu):
    item = catalogue.find_scale_item(till.ctx, label("210090100350"))
    assert item.product.sku == "W001"
    assert item.weight_kg == D("0.350") and item.amount_fen == 11200
    assert item.label_price_fen is None and item.exact


def test_plu_without_its_leading_zeros(till):
    with transaction(till.ctx.sessions) as s:
        s.add(Barcode(code="901", sku="W001"))
    assert catalogue.find_scale_item(till.ctx, label("210090100350")).product.sku == "W001"


def test_not_a_scale_label(till, plu):
    assert catalogue.find_scale_item(till.ctx, label("690000000901")) is None
    assert catalogue.find_scale_item(till.ctx, "C002") is None


def test_unknown_plu_and_piece_goods_are_refused(till, plu):
    with pytest.raises(NotFound) as e:
        catalogue.find_scale_item(till.ctx, label("210077700350"))
    assert e.value.code == "unknown_plu"
    with transaction(till.ctx.sessions) as s:
        s.add(Barcode(code="00002", sku="C002"))
    with pytest.raises(InvalidInput) as e:
        catalogue.find_scale_item(till.ctx, label("210000200350"))
    assert e.value.code == "not_weighed"


def test_price_label_under_the_configured_layout(till, plu):
    assert settings.save_scale_barcodes(till.ctx, "22 = FFIIIIIPPPPPC; 20-21,23-29=FFIIIIIWWWWWC") \
        == "22=FFIIIIIPPPPPC;20-21,23-29=FFIIIIIWWWWWC"
    # 112.00 at 320.00/kg: 0.350 kg
    item = catalogue.find_scale_item(till.ctx, label("220090111200"))
    assert (item.weight_kg, item.amount_fen, item.label_price_fen, item.exact) == \
        (D("0.350"), 11200, 11200, True)
    # 112.10 is no whole gram at 320.00/kg (0.32 per g): the nearest weight, flagged
    item = catalogue.find_scale_item(till.ctx, label("220090111210"))
    assert (item.weight_kg, item.amount_fen, item.label_price_fen, item.exact) == \
        (D("0.350"), 11200, 11210, False)
    # the weight layout still reads 21
    assert catalogue.find_scale_item(till.ctx, label("210090101000")).weight_kg == D("1.000")


def test_a_bad_layout_is_refused_and_the_old_one_kept(till, plu):
    with pytest.raises(InvalidInput) as e:
        settings.save_scale_barcodes(till.ctx, "22=FFIIIIIPPPPP")
    assert e.value.code == "bad_scale_layout"
    assert catalogue.find_scale_item(till.ctx, label("220090100350")).weight_kg == D("0.350")


def test_sale_of_a_scale_label_charges_the_weight_exactly(till, cashier, shift, plu):
    item = catalogue.find_scale_item(till.ctx, label("210090100357"))  # 0.357 kg
    assert item.amount_fen == 11424  # 320.00 x 0.357 = 114.24
    r = checkout(till.ctx, CheckoutRequest(
        sale_id=str(uuid.uuid4()), staff=cashier,
        lines=(CartLine(item.product.sku, item.weight_kg),),
        tenders=(Tender("cash", 11424, tendered=20000),)))
    assert r.pricing.total == 11424
    with till.session() as s:
        line = s.query(SaleLine).filter_by(sale_id=r.sale_id).one()
        assert (line.qty_milli, line.amount_fen) == (357, 11424)


def test_scale_labels_command_shows_and_sets_the_layouts(till, tmp_path, plu):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, POS_MEMBER_HOME=str(tmp_path), PYTHONPATH=str(root))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "pos_member", "scale-labels", *args,
                               "--db", str(till.path)], cwd=root, env=env,
                              capture_output=True, text=True, timeout=120)

    shown = run()
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == "20-29=FFIIIIIWWWWWC"
    changed = run("20-21,23-29=FFIIIIIWWWWWC;22=FFIIIIIPPPPPC")
    assert changed.returncode == 0, changed.stderr
    assert "22: FFIIIIIPPPPPC (price)" in changed.stdout
    assert catalogue.find_scale_item(till.ctx, label("220090111200")).label_price_fen == 11200
    bad = run("22=FFIIIIIPPPPP")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "13 of the letters" in \
        bad.stderr
    assert catalogue.find_scale_item(till.ctx, label("220090111200")).label_price_fen == 11200
    assert run("").stdout.startswith("(none")
    assert catalogue.find_scale_item(till.ctx, label("210090100350")) is None
