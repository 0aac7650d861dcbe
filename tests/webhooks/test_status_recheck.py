"""With verify_with_status_api on, Midtrans's own Get Status answer wins over the body."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import Order, OutboxEvent, PaymentAttempt, ShopSettings
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import last_notification
from tests.webhooks.payloads import notification
from tests.webhooks.simulated import charge_qris, client_for, control, set_faults


@pytest.fixture
def verifying_app(make_app, simulator):
    """The app with the simulator as its Midtrans API and the status re-read switched on."""
    app = make_app(MIDTRANS_API_BASE_URL=simulator.url)
    with app.app_context():
        db.session.add(ShopSettings(id=1, verify_with_status_api=True))
        db.session.commit()
    return app


@pytest.fixture
def charged(verifying_app, simulator):
    """A QRIS attempt charged on the simulator (still pending there)."""
    with verifying_app.app_context():
        key = shop_settings.current().server_key
        attempt = make_attempt(make_order())
        answer = charge_qris(client_for(simulator.url, key), attempt)
        yield verifying_app, attempt, answer, key


def post(app, body):
    return app.test_client().post("/webhooks/midtrans", json=body, headers={"User-Agent": "Veritrans"})


def state(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        return attempt.status, db.session.get(Order, attempt.order_id).status


def test_body_says_settlement_but_midtrans_says_pending(charged):
    app, attempt, answer, key = charged
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key,
                        transaction_id=answer["transaction_id"])
    response = post(app, body)
    assert response.status_code == 200 and response.json["outcome"] == "duplicate"
    assert state(app, attempt.id) == (P.PENDING, O.OPEN)
    with app.app_context():
        note = last_notification()
        assert note.reason.startswith("status API says pending (body said settlement)")
        assert OutboxEvent.query.count() == 0


def test_paid_when_midtrans_confirms(charged, simulator):
    app, attempt, answer, key = charged
    control(simulator.url, attempt.midtrans_order_id, "settle")
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key,
                        transaction_id=answer["transaction_id"])
    assert post(app, body).json["outcome"] == "applied"
    assert state(app, attempt.id) == (P.PAID, O.PAID)


def test_midtrans_answer_wins_even_when_the_body_is_behind(charged, simulator):
    """A late pending notification, re-read after payment, pays the attempt."""
    app, attempt, answer, key = charged
    control(simulator.url, attempt.midtrans_order_id, "settle")
    body = notification(attempt.midtrans_order_id, "pending", gross=attempt.gross_amount, server_key=key,
                        transaction_id=answer["transaction_id"])
    assert post(app, body).json["outcome"] == "applied"
    assert state(app, attempt.id) == (P.PAID, O.PAID)


def test_transaction_unknown_to_midtrans_is_ignored(verifying_app):
    with verifying_app.app_context():
        key = shop_settings.current().server_key
        attempt = make_attempt(make_order())
        body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key)
        attempt_id = attempt.id
    response = post(verifying_app, body)
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    assert state(verifying_app, attempt_id) == (P.PENDING, O.OPEN)


def test_status_api_down_answers_503_and_a_retry_succeeds(charged, simulator):
    app, attempt, answer, key = charged
    control(simulator.url, attempt.midtrans_order_id, "settle")
    set_faults(simulator.url, fail_next_api_calls=1, api_failure="503")
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key,
                        transaction_id=answer["transaction_id"])
    first = post(app, body)
    assert first.status_code == 503 and first.json["error"]["code"] == "temporarily_unavailable"
    assert state(app, attempt.id) == (P.PENDING, O.OPEN)
    with app.app_context():
        assert last_notification().outcome == "failed"
    assert post(app, body).json["outcome"] == "applied"  # Midtrans's retry
    assert state(app, attempt.id) == (P.PAID, O.PAID)


def test_slow_status_api_still_answers_within_five_seconds(make_app):
    """A status API that accepts the connection and never answers: 503, quickly."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    accepted = []
    stop = threading.Event()

    def hold():
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        app = make_app(MIDTRANS_API_BASE_URL=f"http://127.0.0.1:{silent.getsockname()[1]}")
        with app.app_context():
            db.session.add(ShopSettings(id=1, verify_with_status_api=True))
            db.session.commit()
            key = shop_settings.current().server_key
            attempt = make_attempt(make_order())
            body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key)
        started = time.monotonic()
        response = post(app, body)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert elapsed < 5.0
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        silent.close()


def test_match_by_transaction_id_goes_through_the_status_api(make_app, simulator):
    """Verification off, but a transaction_id match (unsigned) is still re-read."""
    app = make_app(MIDTRANS_API_BASE_URL=simulator.url)
    with app.app_context():
        key = shop_settings.current().server_key
        paid_there = make_attempt(make_order())
        paid_answer = charge_qris(client_for(simulator.url, key), paid_there)
        control(simulator.url, paid_there.midtrans_order_id, "settle")
        pending_there = make_attempt(make_order())
        pending_answer = charge_qris(client_for(simulator.url, key), pending_there)
        ids = paid_there.id, pending_there.id
        gross = paid_there.gross_amount

    # A genuine, signed notification about an order we do not know, whose unsigned
    # transaction_id was edited to name one of ours: only Midtrans's answer counts.
    forged = notification("SOMEONE-ELSES-ORDER-1", "settlement", gross=gross, server_key=key,
                          transaction_id=pending_answer["transaction_id"])
    assert post(app, forged).json["outcome"] == "duplicate"
    assert state(app, ids[1]) == (P.PENDING, O.OPEN)
    with app.app_context():
        assert db.session.get(PaymentAttempt, ids[1]).flag is None

    legit = notification("SOMEONE-ELSES-ORDER-2", "settlement", gross=gross, server_key=key,
                         transaction_id=paid_answer["transaction_id"])
    assert post(app, legit).json["outcome"] == "applied"
    assert state(app, ids[0]) == (P.PAID, O.PAID)
