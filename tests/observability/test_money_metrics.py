"""The money path's counters, driven through the real product and the simulator over sockets:
notifications by outcome, attempts reaching final states, rupiah in and out, status checks
claimed and reconciler runs."""
from __future__ import annotations

import json
import time

import requests

from checkout import shop_settings
from checkout.extensions import db
from checkout.midtrans.signature import signature_for
from checkout.models import PaymentAttempt
from checkout.payments import refunds, status_sync
from checkout.payments.orders import NewItem, create_order
from checkout.payments.qris_checkout import start_qris
from tests.factories import make_attempt, make_order
from tests.observability.helpers import scrape, value

TOKEN = "money-metrics-token"


def _status(app, attempt_id):
    with app.app_context():
        return db.session.get(PaymentAttempt, attempt_id).status


def _until(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _delta(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


def test_notifications_payments_and_refunds_are_counted(live_app):
    app = live_app.app
    app.config["METRICS_TOKEN"] = TOKEN
    client = app.test_client()
    # The QR's "pending" notification is dropped: arriving late, it would be "ignored" too.
    assert requests.post(f"{live_app.url}/midtrans-simulator/simulator/faults", json={"drop_next_notifications": 1},
                         timeout=5).status_code == 200
    with app.test_request_context():
        order = create_order(items=[NewItem("Kopi", 75_000, 1)], actor="test")
        attempt = start_qris(order)
        attempt_id, midtrans_id = attempt.id, attempt.midtrans_order_id
        server_key = shop_settings.current().server_key
    before = scrape(client, TOKEN)

    # Paid at the simulator: its notification arrives and is applied.
    settle = requests.post(f"{live_app.url}/midtrans-simulator/simulator/transactions/{midtrans_id}/settle",
                           timeout=10)
    assert settle.status_code == 200
    _until(lambda: _status(app, attempt_id) == "paid")
    # The same notification again is a duplicate; garbage and bad signatures are rejected;
    # a well-signed notification about a transaction nobody has is ignored.
    body = {"order_id": midtrans_id, "status_code": "200", "gross_amount": "75000.00",
            "transaction_status": "settlement", "transaction_id": "tx-metrics-1", "payment_type": "qris"}
    signed = {**body, "signature_key": signature_for(midtrans_id, "200", "75000.00", server_key)}
    unknown = {**body, "order_id": "NOBODY-1",
               "signature_key": signature_for("NOBODY-1", "200", "75000.00", server_key)}
    post = lambda data: client.post("/webhooks/midtrans", data=data, content_type="application/json")  # noqa: E731
    assert post(json.dumps(signed)).json["outcome"] == "duplicate"
    assert post(json.dumps(unknown)).json["outcome"] == "ignored"
    assert post(b"not json").status_code == 400
    assert post(json.dumps({**body, "signature_key": "0" * 128})).status_code == 401

    # The shop refunds part of it.
    with app.test_request_context():
        refunds.refund(attempt_id, amount=25_000, reason="one cup short", actor="test")
    after = scrape(client, TOKEN)

    notifications = "checkout_notifications_total"
    assert _delta(before, after, notifications, outcome="applied") >= 1
    assert _delta(before, after, notifications, outcome="duplicate") >= 1
    assert _delta(before, after, notifications, outcome="ignored") == 1
    assert _delta(before, after, notifications, outcome="rejected_malformed") == 1
    assert _delta(before, after, notifications, outcome="rejected_signature") == 1
    assert _delta(before, after, "checkout_payment_attempts_finished_total", method="qris", state="paid") == 1
    assert _delta(before, after, "checkout_paid_amount_rupiah_total", method="qris") == 75_000
    assert _delta(before, after, "checkout_refunded_amount_rupiah_total", method="qris") == 25_000
    assert _delta(before, after, "checkout_payment_attempts_finished_total", method="qris",
                  state="partially_refunded") == 1
    assert _delta(before, after, "checkout_midtrans_requests_total", operation="refund", outcome="ok") == 1


def test_status_checks_claimed_and_reconciler_runs(make_app):
    app = make_app(METRICS_TOKEN=TOKEN)
    client = app.test_client()
    with app.app_context():
        attempt_id = make_attempt(make_order()).id  # pending, never checked, no notification yet
    before = scrape(client, TOKEN)
    with app.app_context():
        assert status_sync.claim_status_check(attempt_id, 60)
        assert not status_sync.claim_status_check(attempt_id, 60)  # claimed once per interval
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    after = scrape(client, TOKEN)
    assert _delta(before, after, "checkout_status_checks_claimed_total", by="poll") == 1
    assert _delta(before, after, "checkout_reconciler_runs_total") == 1
