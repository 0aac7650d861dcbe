"""Webhook deliveries connect only where the public-address check said they may.

No test here sends a packet beyond 127.0.0.1: host names are answered by a fake resolver
(``socket.getaddrinfo`` replaced), and the connect step is replaced by one that records
the address asked for and dials a loopback receiver instead of any public address.
"""
from __future__ import annotations

import ipaddress
import socket
import threading

import pytest
import urllib3.util.connection
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import DeliveryAttempt, WebhookDelivery
from checkout.outbox import delivery, destinations, endpoints
from checkout.outbox.events import emit
from tests.factories import make_order

PUBLIC = "93.184.215.14"
HOST = "hooks.shop.example"


class Trap:
    """A real listener on 127.0.0.1 that counts every connection it accepts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def trap():
    listener = Trap()
    yield listener
    listener.close()


def _info(address: str, port: int):
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))


@pytest.fixture
def resolver(monkeypatch):
    """Answers for names under .shop.example from a script (one list of addresses per lookup; the last repeats)."""
    real = socket.getaddrinfo
    script: list[list[str]] = []
    lookups: list[str] = []

    def fake(host, port, *args, **kwargs):
        if not str(host).endswith(".shop.example"):
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        answer = script.pop(0) if len(script) > 1 else script[0]
        return [_info(a, int(port or 0)) for a in answer]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    fake.script, fake.lookups = script, lookups
    return fake


@pytest.fixture
def dialled(monkeypatch, receiver):
    """Replaces urllib3's connect: records every (address, port) dialled; PUBLIC is routed
    to the loopback receiver; any other non-loopback address is refused, never dialled."""
    real = urllib3.util.connection.create_connection
    targets: list[tuple[str, int]] = []
    receiver_port = int(receiver.url.rsplit(":", 1)[1])

    def connect(address, *args, **kwargs):
        host, port = address
        targets.append((host, port))
        if host == PUBLIC:
            return real(("127.0.0.1", receiver_port), *args, **kwargs)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = True  # a name: the real connect resolves it through the fake resolver
        if not loopback:
            raise OSError("test refuses to dial beyond loopback")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", connect)
    return targets


@pytest.fixture
def production(make_app):
    app = make_app(WEBHOOK_ALLOW_PRIVATE_TARGETS=False)
    with app.app_context():
        yield app


def _emit():
    emit("checkout.session.paid", make_order())
    db.session.commit()


def _rows():
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.254", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::1", "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "64:ff9b:1::1",
])
def test_inward_and_reserved_addresses_are_not_public(address):
    assert not destinations.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.215.14",
                                     "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"])
def test_public_addresses_pass(address):
    assert destinations.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("answer", [[PUBLIC, "127.0.0.1"], ["127.0.0.1", PUBLIC], [PUBLIC, "::ffff:127.0.0.1"],
                                    ["2606:4700::1111", "fd00::1"]])
def test_a_name_with_any_inward_address_is_refused(production, resolver, answer):
    resolver.script.append(answer)
    assert endpoints.destination_problem(f"https://{HOST}/hooks") == destinations.NOT_PUBLIC


def test_dns_rebinding_cannot_reach_loopback(production, resolver, dialled, trap, receiver):
    """The name answers a public address to the check and 127.0.0.1 afterwards: the
    delivery goes to the checked address, with the name in Host, and the real listener
    on 127.0.0.1 never sees a connection."""
    resolver.script.extend([[PUBLIC], [PUBLIC], ["127.0.0.1"]])
    endpoints.add(f"http://{HOST}:{trap.port}/hooks?shop=1", actor="t")  # first answer: public
    _emit()
    stats = delivery.deliver_due()
    assert stats.delivered == 1, _rows()[0].last_error
    assert dialled == [(PUBLIC, trap.port)]
    assert len(resolver.lookups) == 2  # registration and the one lookup of this delivery
    [got] = receiver.receiver.received
    assert got.path == "/hooks" and got.query == {"shop": "1"}
    assert got.headers["Host"] == f"{HOST}:{trap.port}"
    assert trap.connections == 0


def test_rebinding_to_loopback_by_the_time_of_delivery_is_refused(production, resolver, dialled, trap):
    resolver.script.extend([[PUBLIC], ["127.0.0.1"]])
    endpoints.add(f"http://{HOST}:{trap.port}/hooks", actor="t")
    _emit()
    assert delivery.deliver_due().failed == 1
    assert dialled == [] and trap.connections == 0
    [row] = _rows()
    assert row.last_error == f"refused: {destinations.NOT_PUBLIC}" and row.last_status_code is None


def test_blocked_targets_read_the_same_whether_they_listen_or_not(make_app, trap):
    """No port-scan oracle: a listening port, a closed port and the metadata service all
    get one category, and none of them is connected to."""
    app = make_app()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    with app.app_context():
        for url in (f"http://127.0.0.1:{trap.port}/h", f"http://127.0.0.1:{closed_port}/h",
                    "http://169.254.169.254/latest/meta-data", f"http://[::ffff:127.0.0.1]:{trap.port}/h",
                    "http://100.64.0.1/h"):
            endpoints.add(url, actor="t")  # allowed while registering in development ...
        _emit()
        app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False  # ... then the instance goes to production
        assert delivery.deliver_due().failed == 5
        errors = {row.last_error for row in _rows()}
        assert errors == {f"refused: {destinations.NOT_PUBLIC}"}
        attempts = db.session.scalars(select(DeliveryAttempt)).all()
        assert {(a.status_code, a.error) for a in attempts} == {(None, f"refused: {destinations.NOT_PUBLIC}")}
    assert trap.connections == 0


def test_proxy_settings_in_the_environment_are_ignored(ctx, monkeypatch, trap, receiver):
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{trap.port}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    endpoints.add(f"{receiver.url}/hooks", actor="t")
    _emit()
    assert delivery.deliver_due().delivered == 1
    assert len(receiver.receiver.received) == 1
    assert trap.connections == 0


def test_the_next_checked_address_is_tried_when_one_cannot_be_dialled(production, resolver, dialled, receiver):
    resolver.script.append(["2606:4700::1111", PUBLIC])
    endpoints.add(f"http://{HOST}/hooks", actor="t")
    _emit()
    assert delivery.deliver_due().delivered == 1
    assert dialled == [("2606:4700::1111", 80), (PUBLIC, 80)]
    assert receiver.receiver.received[0].headers["Host"] == HOST


def _certificate(tmp_path, name: str):
    """A self-signed certificate for ``name``: (cert path, key path)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 holding a certificate for HOST; records SNI names."""
    import ssl

    from werkzeug.serving import make_server

    from tests.outbox.receiver import Receiver
    from tests.support.live_server import start

    cert, key = _certificate(tmp_path, HOST)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server_names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    receiver = Receiver()
    server = start(make_server("127.0.0.1", 0, receiver, threaded=True, ssl_context=context))
    yield server.server.server_port, receiver, server_names, cert
    server.stop()


def test_tls_is_checked_against_the_name_not_the_address(make_app, resolver, tls_receiver, tmp_path):
    port, receiver, server_names, cert = tls_receiver
    resolver.script.append(["127.0.0.1"])
    app = make_app(WEBHOOK_CA_BUNDLE=str(cert))
    with app.app_context():
        endpoints.add(f"https://{HOST}:{port}/hooks", actor="t")
        _emit()
        assert delivery.deliver_due().delivered == 1, _rows()[0].last_error
        assert server_names == [HOST]
        assert receiver.received[0].headers["Host"] == f"{HOST}:{port}"
        # The same address under another name: the certificate does not match, so nothing is sent.
        endpoints.set_enabled(1, False, actor="t")
        endpoints.add(f"https://other.shop.example:{port}/hooks", actor="t")
        _emit()
        assert delivery.deliver_due().failed == 1
        assert _rows()[-1].last_error == "TLS handshake or certificate check failed"
        assert server_names[-1] == "other.shop.example"
    assert len(receiver.received) == 1
