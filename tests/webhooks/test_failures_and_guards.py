"""Temporary failures answer 503 (Midtrans retries them); floods of garbage get 429; CSRF
does not apply."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from checkout import create_app, shop_settings
from checkout.extensions import db
from checkout.models import Notification, PaymentAttempt
from checkout.payments import gateway_answers
from checkout.payments.states import PaymentStatus as P
from checkout.payments.transitions import RaceRetriesExhausted
from tests.conftest import base_config
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import URL, last_notification
from tests.webhooks.payloads import notification

UNREACHABLE = ["sqlite:////nonexistent-directory/for/sure/checkout.sqlite3",
               "postgresql+psycopg://postgres@127.0.0.1:1/unreachable?connect_timeout=2"]


@pytest.mark.parametrize("uri", UNREACHABLE, ids=["sqlite", "postgresql"])
def test_database_unreachable_answers_503_json(tmp_path, uri, caplog):
    app = create_app(base_config(uri, tmp_path / "instance"))
    body = notification("ORD-1-1", "settlement", gross=150_000, server_key="SB-Mid-server-anything")
    response = app.test_client().post(URL, json=body)
    assert response.status_code == 503
    assert response.is_json and response.json["error"]["code"] == "temporarily_unavailable"
    assert "Traceback" not in response.get_data(as_text=True)
    assert "Traceback" not in caplog.text


def test_database_failing_mid_processing_answers_503_and_keeps_the_delivery(ctx, deliver, server_key,
                                                                             monkeypatch):
    attempt = make_attempt(make_order())
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)

    def unavailable(*args, **kwargs):
        raise OperationalError("UPDATE payment_attempts", {}, Exception("server closed the connection"))

    monkeypatch.setattr(gateway_answers, "apply_gateway_status", unavailable)
    response = deliver(body)
    assert response.status_code == 503 and response.json["error"]["code"] == "temporarily_unavailable"
    note = last_notification()
    assert note.outcome == "failed" and note.raw_body  # recorded before anything was decided
    monkeypatch.undo()
    assert deliver(body).json["outcome"] == "applied"  # Midtrans's retry
    db.session.expire_all()
    assert db.session.get(PaymentAttempt, attempt.id).status == P.PAID


def test_commit_of_the_record_failing_answers_503(ctx, deliver, server_key, monkeypatch):
    def broken_commit():
        raise OperationalError("INSERT INTO notifications", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = deliver(notification("X-1", "settlement", gross=1000, server_key=server_key))
    assert response.status_code == 503 and response.is_json


def test_too_many_concurrent_writers_answers_503(ctx, deliver, server_key, monkeypatch):
    attempt = make_attempt(make_order())

    def exhausted(*args, **kwargs):
        raise RaceRetriesExhausted("busy")

    monkeypatch.setattr(gateway_answers, "apply_gateway_status", exhausted)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    assert deliver(body).status_code == 503


def test_an_unexpected_bug_answers_500_without_a_trace(ctx, deliver, server_key, monkeypatch):
    attempt = make_attempt(make_order())
    monkeypatch.setattr(gateway_answers, "apply_gateway_status", lambda *a, **k: 1 / 0)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    response = deliver(body)
    assert response.status_code == 500 and response.is_json
    assert "ZeroDivision" not in response.get_data(as_text=True)
    assert last_notification().outcome == "failed"


def test_flood_of_bad_signatures_is_limited_but_midtrans_never_is(make_app):
    app = make_app(WEBHOOK_REJECTED_RATE_LIMIT="5 per minute")
    client = app.test_client()
    with app.app_context():
        key = shop_settings.current().server_key
        attempt = make_attempt(make_order())
        good = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key)
        attempt_id = attempt.id
    bad = notification("ORD-X-1", "settlement", gross=1000, server_key="SB-Mid-server-attacker")

    codes = [client.post(URL, json=bad).status_code for _ in range(8)]
    assert codes == [401] * 5 + [429] * 3
    limited = client.post(URL, data=b"garbage")
    assert limited.status_code == 429 and limited.is_json

    # Same address, valid signature: never limited, applied.
    for _ in range(3):
        response = client.post(URL, json=good)
        assert response.status_code == 200
    with app.app_context():
        assert db.session.get(PaymentAttempt, attempt_id).status == P.PAID
        # The limited requests were answered before reading anything; the rest were kept.
        assert Notification.query.filter_by(outcome="rejected").count() == 5


def test_verified_but_ignored_deliveries_do_not_count_as_garbage(make_app):
    app = make_app(WEBHOOK_REJECTED_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        key = shop_settings.current().server_key
    for number in range(6):  # dashboard test pings: signed, unknown transaction
        ping = notification(f"payment_notif_test_{number}", "settlement", gross=1000, server_key=key)
        assert client.post(URL, json=ping).status_code == 200


def test_csrf_protection_does_not_apply(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        key = shop_settings.current().server_key
        attempt = make_attempt(make_order())
        body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key)
    assert app.test_client().post(URL, json=body).status_code == 200
