"""The HTTP client: typed answers, and every failure mapped to one of five exceptions (through
the fault proxy in front of the real service); TLS certificates verified against a CA bundle."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pos_member.sync import protocol as p
from pos_member.sync.client import (
    AuthError,
    CorruptResponse,
    OfflineError,
    ProtocolError,
    ServerError,
    SyncClient,
    SyncTimeout,
)
from tests.central.builders import sale_event
from tests.sync.fault_proxy import FaultProxy


@pytest.fixture
def service(central_server):
    proxy = FaultProxy(central_server.host, central_server.port)
    terminal = central_server.enrol("Client test")
    client = SyncClient(proxy.base_url, terminal.token, read_timeout=10.0)
    yield central_server, proxy, terminal, client
    client.close()
    proxy.close()


def test_typed_calls(service):
    _server, _proxy, terminal, client = service
    assert isinstance(client.time(), p.TimeResponse)
    assert client.health().status == "ok"
    page = client.changes("0", 50)
    assert isinstance(page, p.ChangesPage) and page.feed_id
    answer = client.push([sale_event(terminal)])
    assert answer.results[0].status is p.EventStatus.APPLIED
    assert client.lookup(phone="19999999999") is None  # 404 is "no such member", not an error
    assert client.http.headers[p.PROTOCOL_HEADER] == "1"


@pytest.mark.parametrize("fault,error", [
    ("reset", OfflineError), ("drop", OfflineError), ("error500", ServerError),
    ("error500_after", ServerError), ("truncate", CorruptResponse),
    ("garbage", CorruptResponse), ("delay", SyncTimeout), ("delay_after", SyncTimeout)])
def test_each_fault_is_one_exception(service, fault, error):
    _server, proxy, terminal, client = service
    if fault.startswith("delay"):  # a client that gives up before the delay is over
        client = SyncClient(proxy.base_url, terminal.token, read_timeout=0.5)
    proxy.inject(fault, seconds=1.5)
    with pytest.raises(error) as caught:
        client.push([sale_event(terminal)])
    assert caught.value.transient and caught.value.message
    proxy.wait_idle()


def test_refusals(service):
    _server, proxy, terminal, client = service
    with pytest.raises(AuthError) as caught:
        SyncClient(proxy.base_url, "pmt_not-a-real-token").changes()
    assert not caught.value.transient
    with pytest.raises(AuthError):
        SyncClient(proxy.base_url, None).changes()  # never enrolled: no request is made
    with pytest.raises(ProtocolError) as caught:
        client.changes(str(10**15))
    assert caught.value.code == "cursor_unknown" and caught.value.status == 409
    event = sale_event(terminal)
    client.push([event])
    changed = {**event, "payload": {**event["payload"], "receipt_no": "OTHER"}}
    with pytest.raises(ProtocolError) as caught:
        client.push([changed])
    assert caught.value.code == "event_payload_mismatch"
    assert caught.value.event_ids == [event["event_id"]]
    bad = {**sale_event(terminal)}
    bad["payload"] = {**bad["payload"], "total_fen": 12.5}
    with pytest.raises(ProtocolError) as caught:
        client.push([bad])
    assert caught.value.code == "invalid_request" and caught.value.event_ids == [bad["event_id"]]


def test_unreachable_and_wrong_protocol():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(OfflineError) as caught:
        SyncClient(f"http://127.0.0.1:{port}", connect_timeout=1).time()
    assert "refused" in caught.value.message.lower()


# -- TLS ----------------------------------------------------------------------------------------


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pos-central test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _TimeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"server_time": "2026-11-24T07:00:00Z",
                           "protocol_version": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_tls_is_verified_against_the_configured_ca_bundle(tmp_path):
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TimeHandler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{httpd.server_address[1]}"
    try:
        with pytest.raises(OfflineError) as caught:  # not trusted by the system's bundle
            SyncClient(url, connect_timeout=2, read_timeout=2).time()
        assert "TLS" in caught.value.message
        answer = SyncClient(url, ca_bundle=str(cert), connect_timeout=2).time()
        assert answer.server_time.year == 2026
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_verification_cannot_be_turned_off():
    client = SyncClient("https://example.invalid")
    assert client.http.verify is True
    assert SyncClient("https://x.invalid", ca_bundle="/etc/ca.pem").http.verify == "/etc/ca.pem"
