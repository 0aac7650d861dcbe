"""Fixtures for the customer's checkout: a scripted Midtrans and helpers to read pages.

``fake_gateway`` replaces ``shop_settings.gateway()`` everywhere (the checkout services,
cancellation, the status sync) with an in-memory Midtrans that counts every call and can
be told to fail, so tests can assert "Midtrans was asked exactly once".
"""
from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from checkout import shop_settings
from checkout.extensions import db
from checkout.midtrans.errors import GatewayRejected, GatewayUnavailable
from checkout.timeutil import gateway_time, utcnow
from tests.factories import make_order

ROOT = Path(__file__).resolve().parents[2]
HX = {"HX-Request": "true"}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """The Indonesian catalog compiled from the .po (setup.sh does this; stale .mo files
    would make the language tests lie). Written atomically: xdist workers may race."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = ROOT / "translations" / "id" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="id")
        temporary = mo.with_name(f".messages.{os.getpid()}.{uuid.uuid4().hex}.mo")
        with temporary.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(temporary, mo)


@dataclass
class FakeGateway:
    """A scripted Midtrans: remembers transactions by order_id, counts calls, fails on demand."""

    calls: list = field(default_factory=list)
    transactions: dict = field(default_factory=dict)
    fail_next: list = field(default_factory=list)  # exceptions to raise, one per call
    on_charge: object = None  # callable(payload) run before answering a charge

    def _call(self, name, *args):
        self.calls.append((name, *args))
        if self.fail_next:
            raise self.fail_next.pop(0)

    def count(self, name: str) -> int:
        return sum(1 for call in self.calls if call[0] == name)

    def charge(self, payload, *, idempotency_key):
        self._call("charge", payload, idempotency_key)
        if self.on_charge:
            self.on_charge(payload)
        order_id = payload["transaction_details"]["order_id"]
        existing = self.transactions.get(order_id)
        if existing is not None:
            if existing.get("idempotency_key") == idempotency_key:
                return dict(existing["answer"])
            raise GatewayRejected("The order_id has already been taken", code="406")
        tx_id = str(uuid.uuid4())
        custom = payload.get("custom_expiry") or {"expiry_duration": 15, "unit": "minute"}
        seconds = custom["expiry_duration"] * {"second": 1, "minute": 60, "hour": 3600}[custom["unit"]]
        expiry = utcnow() + timedelta(seconds=seconds)
        answer = {
            "status_code": "201", "status_message": "QRIS transaction is created", "transaction_id": tx_id,
            "order_id": order_id, "gross_amount": f"{payload['transaction_details']['gross_amount']}.00",
            "payment_type": "qris", "transaction_status": "pending", "fraud_status": "accept",
            "qr_string": "00020101021226" + tx_id.replace("-", "") + "6304ABCD",
            "expiry_time": gateway_time(expiry)[:19],
        }
        if payload["payment_type"] in ("gopay", "shopeepay"):
            # Wallet charges answer with the app's deeplink instead of a QR string.
            del answer["qr_string"]
            answer.update(payment_type=payload["payment_type"], status_message="GoPay transaction is created",
                          actions=[{"name": "deeplink-redirect", "method": "GET",
                                    "url": f"https://wallet.example/app/{tx_id}"}])
        self.transactions[order_id] = {"answer": answer, "status": "pending", "idempotency_key": idempotency_key,
                                       "payment_type": answer["payment_type"]}
        return dict(answer)

    def create_snap(self, payload):
        self._call("create_snap", payload)
        order_id = payload["transaction_details"]["order_id"]
        token = str(uuid.uuid4())
        gross = f"{payload['transaction_details']['gross_amount']}.00"
        self.transactions.setdefault(order_id, {"status": None, "snap": True, "gross_amount": gross})
        return {"token": token, "redirect_url": f"https://snap.example/v2/vtweb/{token}"}

    def status(self, order_id):
        self._call("status", order_id)
        tx = self.transactions.get(order_id)
        if tx is None or tx.get("status") is None:
            return None
        return {"status_code": "200", "order_id": order_id, "transaction_status": tx["status"],
                "transaction_id": (tx.get("answer") or {}).get("transaction_id") or str(uuid.uuid4()),
                "gross_amount": tx["answer"]["gross_amount"] if tx.get("answer") else tx.get("gross_amount", "0.00"),
                "payment_type": tx.get("payment_type", "qris"), "fraud_status": "accept", **tx.get("extra", {}),
                **({"settlement_time": gateway_time(utcnow())[:19]} if tx["status"] == "settlement" else {})}

    def cancel(self, order_id):
        self._call("cancel", order_id)
        tx = self.transactions.get(order_id)
        if tx is None or tx.get("status") is None:
            raise GatewayRejected("Transaction doesn't exist.", code="404")
        if tx["status"] != "pending":
            raise GatewayRejected("Merchant cannot modify the status of the transaction", code="412")
        tx["status"] = "cancel"
        return {"status_code": "200", "transaction_status": "cancel", "order_id": order_id}

    def expire(self, order_id):
        self._call("expire", order_id)
        self.transactions[order_id]["status"] = "expire"
        return {"status_code": "407", "transaction_status": "expire", "order_id": order_id}

    # Test helpers: what Midtrans would do on its own.
    def settle(self, order_id, payment_type="qris"):
        self.transactions[order_id]["status"] = "settlement"
        self.transactions[order_id]["payment_type"] = payment_type

    def pick_method(self, order_id, payment_type="bank_transfer", **extra):
        """The customer picked a method on the Snap page: the status API now knows it
        (``extra``: what the answer adds, e.g. ``va_numbers``)."""
        self.transactions[order_id] = {**self.transactions.get(order_id, {}), "status": "pending",
                                       "payment_type": payment_type, "snap": True, "extra": extra}

    def set_status(self, order_id, status):
        self.transactions[order_id]["status"] = status


@pytest.fixture
def fake_gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr(shop_settings, "gateway", lambda settings=None, **options: fake)
    return fake


def unavailable():
    return GatewayUnavailable("Midtrans is temporarily unavailable", code="503", http_status=503)


def english(client):
    """Tests read English texts; the default language (no Accept-Language) is Indonesian."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app):
    return english(app.test_client())


@pytest.fixture
def eager_client(make_app):
    """A client whose every poll may ask Midtrans (no claim interval), app context pushed."""
    app = make_app(STATUS_CHECK_INTERVAL_SECONDS=0)
    with app.app_context():
        yield english(app.test_client())


@pytest.fixture
def order(ctx):
    """An open order of Rp 150.000 (two items)."""
    return make_order(items=[("Kopi Susu", 50_000, 2), ("Roti Bakar", 50_000, 1)])


@pytest.fixture
def pay_url(order):
    return f"/pay/{order.public_id}"


def fragment_root_ids(html: str) -> list[str]:
    return re.findall(r'<section id="payment"', html)


def refresh(instance):
    db.session.expire_all()
    return db.session.get(type(instance), instance.id)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
HX_ON = re.compile(r"\shx-on", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def assert_csp_clean(html: str) -> None:
    """No inline scripts, style attributes, hx-on or on* handlers: the CSP forbids them."""
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html)
    assert not HX_ON.search(html)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)
