"""Dynamic member codes: signed by the service's key, verified by the till's own verifier."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pytest

from pos_central.keys import ensure_signing_key, issue_member_code, load_private
from pos_member.security import dynamic_codes as security
from tests.central.builders import make_member


def feed_keys(till) -> dict[str, bytes]:
    page = till.get("/v1/changes", params={"limit": 5000}).json()
    keys = {}
    cursor = "0"
    while True:
        page = till.get("/v1/changes", params={"cursor": cursor, "limit": 5000}).json()
        for c in page["changes"]:
            if c["entity"] == "signing_key" and not c["deleted"]:
                keys[c["id"]] = base64.b64decode(c["data"]["public_key"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return keys


def test_a_code_the_service_issues_verifies_with_the_key_from_the_feed(central_server):
    till = central_server.enrol()
    member_id = make_member(central_server)
    with central_server.write() as s:
        key = ensure_signing_key(s)
        private, key_id = load_private(key), key.key_id
    now = datetime.now(UTC)
    code = issue_member_code(private, key_id, member_id, now)
    verified = security.verify_dynamic_code(code, feed_keys(till), now)
    assert verified.member_id == member_id and verified.key_id == key_id
    assert (verified.not_after - verified.not_before).total_seconds() == 60


def test_the_format_is_the_tills_own(central_server):
    with central_server.write() as s:
        key = ensure_signing_key(s)
        private, key_id = load_private(key), key.key_id
    now = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
    member_id = str(uuid.uuid4())
    nonce = "0123456789abcdef0123456789abcdef"
    ours = issue_member_code(private, key_id, member_id, now, nonce=nonce)
    theirs = security.issue_dynamic_code(private, key_id, member_id, now, nonce=nonce)
    assert ours == theirs  # Ed25519 signatures are deterministic


def test_a_tampered_code_is_refused_by_the_till(central_server):
    till = central_server.enrol()
    with central_server.write() as s:
        key = ensure_signing_key(s)
        private, key_id = load_private(key), key.key_id
    now = datetime.now(UTC)
    code = issue_member_code(private, key_id, str(uuid.uuid4()), now)
    prefix, payload, signature = code.split(".")
    tail = "AA" if signature[-2:] != "AA" else "BA"
    forged = ".".join([prefix, payload, signature[:-2] + tail])
    with pytest.raises(security.CodeRefused):
        security.verify_dynamic_code(forged, feed_keys(till), now)
