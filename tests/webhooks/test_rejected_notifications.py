"""Deliveries that must change nothing: bad signatures, tampering, garbage, oversize bodies."""
from __future__ import annotations

import logging

import pytest

from checkout.extensions import db
from checkout.midtrans.signature import signature_for
from checkout.models import AuditEvent, Notification, OutboxEvent, PaymentAttempt
from checkout.notifications.recording import UNVERIFIED_BODY_BYTES
from checkout.payments.states import PaymentStatus as P
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import last_notification
from tests.webhooks.payloads import notification


@pytest.fixture
def attempt(ctx):
    return make_attempt(make_order())


def assert_nothing_changed(attempt):
    db.session.expire_all()
    fresh = db.session.get(PaymentAttempt, attempt.id)
    assert fresh.status == P.PENDING and fresh.version == attempt.version and fresh.flag is None
    assert fresh.last_notification_at is None
    assert OutboxEvent.query.count() == 0
    assert AuditEvent.query.count() == 0


def test_wrong_key(attempt, deliver):
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount,
                        server_key="SB-Mid-server-SOMEONE-ELSE")
    response = deliver(body)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_signature"
    note = last_notification()
    assert (note.outcome, note.reason) == ("rejected", "signature does not match")
    assert note.attempt_id is None and note.midtrans_order_id == attempt.midtrans_order_id
    assert_nothing_changed(attempt)


def test_tampered_amount(attempt, deliver, server_key):
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    body["gross_amount"] = "1000.00"
    assert deliver(body).status_code == 401
    assert last_notification().reason == "signature does not match"
    assert_nothing_changed(attempt)


def test_tampered_status_code(attempt, deliver, server_key):
    body = notification(attempt.midtrans_order_id, "pending", gross=attempt.gross_amount, server_key=server_key)
    body.update(status_code="200", transaction_status="settlement")
    assert deliver(body).status_code == 401
    assert_nothing_changed(attempt)


def test_tampered_transaction_status_alone(attempt, deliver, server_key):
    """The signature does not cover transaction_status: a pending notification edited to
    say settlement keeps a valid signature, but its signed 201 gives it away."""
    body = notification(attempt.midtrans_order_id, "pending", gross=attempt.gross_amount, server_key=server_key)
    body["transaction_status"] = "settlement"
    assert deliver(body).status_code == 401
    assert "does not fit" in last_notification().reason
    assert_nothing_changed(attempt)


def test_tampered_fraud_status_of_challenged_capture(attempt, deliver, server_key):
    body = notification(attempt.midtrans_order_id, "capture", gross=attempt.gross_amount, server_key=server_key,
                        method="credit_card", fraud_status="challenge")
    body["fraud_status"] = "accept"
    assert deliver(body).status_code == 401
    assert_nothing_changed(attempt)


@pytest.mark.parametrize("missing", ["signature_key", "order_id", "status_code", "gross_amount"])
def test_missing_field(attempt, deliver, server_key, missing):
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    del body[missing]
    response = deliver(body)
    assert response.status_code == 401
    assert last_notification().reason == f"missing or invalid field: {missing}"
    assert_nothing_changed(attempt)


def test_numeric_gross_amount_is_not_a_signed_string(attempt, deliver, server_key):
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    body["gross_amount"] = attempt.gross_amount
    assert deliver(body).status_code == 401
    assert_nothing_changed(attempt)


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b"\xff\xfe\x00garbage", b'"a string"', b"null"])
def test_malformed_body(attempt, deliver, raw):
    response = deliver(raw)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_notification"
    note = last_notification()
    assert (note.outcome, note.reason) == ("rejected", "body is not a JSON object")
    assert "\x00" not in note.raw_body
    assert_nothing_changed(attempt)


def test_oversize_body_is_recorded_truncated(app, attempt, deliver, server_key):
    limit = app.config["WEBHOOK_MAX_BODY"]
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    body["padding"] = "x" * (limit + 10)
    response = deliver(body)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
    note = last_notification()
    assert note.outcome == "rejected" and "larger than" in note.reason
    assert len(note.raw_body) == UNVERIFIED_BODY_BYTES  # unverified: only its start is kept
    assert_nothing_changed(attempt)


def test_body_of_exactly_the_limit_is_read(app, attempt, deliver, server_key):
    limit = app.config["WEBHOOK_MAX_BODY"]
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    import json

    raw = json.dumps(body).encode()
    raw = raw[:-1] + b', "padding": "' + b"x" * (limit - len(raw) - 15) + b'"}'
    assert len(raw) == limit
    assert deliver(raw).status_code == 200


def test_secrets_never_stored_logged_or_answered(attempt, deliver, server_key, caplog):
    caplog.set_level(logging.DEBUG)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount,
                        server_key="SB-Mid-server-WRONG")
    expected = signature_for(body["order_id"], body["status_code"], body["gross_amount"], server_key)
    response = deliver(body)
    rows = " ".join(f"{n.raw_body} {n.reason} {n.headers}" for n in Notification.query.all())
    for secret in (server_key, expected):
        assert secret not in response.get_data(as_text=True)
        assert secret not in caplog.text
        assert secret not in rows


def test_get_is_not_allowed_and_never_redirects(client):
    assert client.get("/webhooks/midtrans").status_code == 405


def test_trailing_slash_is_served_not_redirected(attempt, deliver, server_key, client):
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    response = client.post("/webhooks/midtrans/", json=body)
    assert response.status_code == 200 and response.json["outcome"] == "applied"


def test_no_server_key_configured_rejects_everything(make_app):
    app = make_app(MIDTRANS_ENV="sandbox")  # sandbox chosen, no key saved for it
    body = notification("ORD-1-1", "settlement", gross=1000, server_key="SB-Mid-server-guess")
    response = app.test_client().post("/webhooks/midtrans", json=body)
    assert response.status_code == 401
    with app.app_context():
        assert last_notification().reason == "no Midtrans server key is configured for this environment"
