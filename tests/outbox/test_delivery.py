"""Delivering outbox events: signed, recorded, retried with backoff, never twice at once."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from checkout.extensions import db
from checkout.models import DeliveryAttempt, WebhookDelivery
from checkout.outbox import delivery, endpoints
from checkout.timeutil import utcnow
from tests.conftest import ON_POSTGRES
from tests.outbox.verifier import verify


def _deliveries():
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def _attempts(delivery_id):
    return db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                              .order_by(DeliveryAttempt.id)).all()


def _make_due(delivery_id):
    """Advance time for one delivery instead of sleeping through its backoff."""
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_delivers_a_signed_event(ctx, receiver, endpoint, emit_event):
    _, secret = endpoint
    event = emit_event("checkout.session.paid")
    stats = delivery.deliver_due()
    assert (stats.delivered, stats.failed) == (1, 0)
    [got] = receiver.receiver.received
    assert got.path == "/hooks"
    assert verify(secret, got.headers, got.body)
    assert got.headers["Webhook-Id"] == event.event_id
    assert got.headers["Content-Type"] == "application/json"
    payload = json.loads(got.body)
    assert payload["id"] == event.event_id and payload["type"] == "checkout.session.paid"
    assert payload["timestamp"].endswith("Z") and payload["data"]["object"] == "checkout.session"
    [row] = _deliveries()
    assert row.status == "delivered" and row.attempts == 1 and row.locked_by is None
    [attempt] = _attempts(row.id)
    assert attempt.status_code == 200 and attempt.error is None and attempt.duration_ms >= 0


def test_only_subscribed_enabled_endpoints_get_events(ctx, receiver, emit_event):
    paid_only, _ = endpoints.add(f"{receiver.url}/paid", events=["checkout.session.paid"], actor="test")
    everything, _ = endpoints.add(f"{receiver.url}/all", actor="test")
    off, _ = endpoints.add(f"{receiver.url}/off", actor="test")
    endpoints.set_enabled(off.id, False, actor="test")
    emit_event("checkout.session.expired")
    emit_event("checkout.session.paid")
    delivery.deliver_due()
    paths = sorted(r.path for r in receiver.receiver.received)
    assert paths == ["/all", "/all", "/paid"]


def test_a_failing_endpoint_is_retried_until_it_recovers(ctx, receiver, endpoint, emit_event):
    receiver.receiver.answers.extend([500, 503])
    emit_event()
    assert delivery.deliver_due().failed == 1
    [row] = _deliveries()
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=34)
    assert delivery.deliver_due().attempted == 0  # not due yet: nothing is sent early
    _make_due(row.id)
    assert delivery.deliver_due().failed == 1
    [row] = _deliveries()
    assert row.attempts == 2 and timedelta(seconds=100) < row.next_attempt_at - utcnow() <= timedelta(seconds=133)
    _make_due(row.id)
    assert delivery.deliver_due().delivered == 1
    [row] = _deliveries()
    assert row.status == "delivered" and row.attempts == 3
    assert [(a.status_code, a.error) for a in _attempts(row.id)] == [(500, "HTTP 500"), (503, "HTTP 503"), (200, None)]
    bodies = {r.body for r in receiver.receiver.received}
    ids = {r.headers["Webhook-Id"] for r in receiver.receiver.received}
    assert len(bodies) == 1 and len(ids) == 1  # the same event each time, de-duplicable by id


def test_redirects_are_failures_and_not_followed(ctx, receiver, endpoint, emit_event):
    receiver.receiver.answers.append(302)
    emit_event()
    assert delivery.deliver_due().failed == 1
    assert [r.path for r in receiver.receiver.received] == ["/hooks"]
    [row] = _deliveries()
    assert row.last_status_code == 302 and "redirect" in row.last_error


def test_timeouts_and_refused_connections_are_failures(make_app, receiver, emit_event):
    app = make_app(WEBHOOK_READ_TIMEOUT=0.3)
    with app.app_context():
        endpoints.add(f"{receiver.url}/slow", actor="test")
        endpoints.add("http://127.0.0.1:9/closed", actor="test")
        receiver.receiver.answers.append("hang")
        emit_event()
        stats = delivery.deliver_due()
        receiver.receiver.release.set()
        assert stats.failed == 2
        errors = sorted(row.last_error for row in _deliveries())
        assert errors == ["connection failed", "timed out"]
        assert all(row.last_status_code is None for row in _deliveries())


def test_gives_up_after_the_last_attempt(ctx, receiver, endpoint, emit_event):
    emit_event()
    [row] = _deliveries()
    db.session.execute(update(WebhookDelivery).values(attempts=delivery.MAX_ATTEMPTS - 1))
    db.session.commit()
    receiver.receiver.answers.append(500)
    assert delivery.deliver_due().gave_up == 1
    [row] = _deliveries()
    assert row.status == "failed" and row.attempts == delivery.MAX_ATTEMPTS


def test_the_schedule_ends_within_three_days():
    worst = sum(s * (1 + delivery.JITTER) for s in delivery.SCHEDULE)
    assert worst < 72 * 3600
    assert delivery.SCHEDULE[:4] == (30, 120, 600, 3600)
    assert all(a <= b for a, b in zip(delivery.SCHEDULE, delivery.SCHEDULE[1:]))


def test_resend_queues_a_delivered_event_again(ctx, receiver, endpoint, emit_event):
    emit_event()
    delivery.deliver_due()
    [row] = _deliveries()
    endpoints.resend(row.id, actor="test")
    [row] = _deliveries()
    assert row.status == "pending" and row.attempts == 0
    assert delivery.deliver_due().delivered == 1
    assert len(receiver.receiver.received) == 2 and len(_attempts(row.id)) == 2


def test_resend_refuses_a_delivery_in_flight(ctx, endpoint, emit_event):
    from checkout.errors import Conflict

    emit_event()
    [row] = _deliveries()
    assert delivery.claim_next("someone") == row.id
    with pytest.raises(Conflict):
        endpoints.resend(row.id, actor="test")


def test_an_expired_lease_is_claimed_again(ctx, endpoint, emit_event):
    emit_event()
    [row] = _deliveries()
    assert delivery.claim_next("crashed-worker") == row.id
    assert delivery.claim_next("other") is None
    db.session.execute(update(WebhookDelivery).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert delivery.claim_next("other") == row.id


def test_no_database_lock_is_held_while_sending(app, receiver, endpoint, emit_event):
    """While the shop is answering, another connection can update the delivery row at once."""
    emit_event()
    outcome = {}

    def touch_row(_request):
        with app.app_context():
            if ON_POSTGRES:
                db.session.execute(text("SET lock_timeout = '2s'"))
            else:
                db.session.execute(text("PRAGMA busy_timeout = 2000"))
            try:
                db.session.execute(update(WebhookDelivery).values(last_error="touched while sending"))
                db.session.commit()
                outcome["ok"] = True
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                outcome["error"] = exc
            finally:
                db.session.remove()

    receiver.receiver.on_request = touch_row
    assert delivery.deliver_due().delivered == 1
    assert outcome == {"ok": True}


def test_two_workers_deliver_each_event_exactly_once(app, receiver, endpoint):
    from checkout.outbox.events import emit
    from tests.factories import make_order

    with app.app_context():
        for _ in range(12):
            emit("checkout.session.paid", make_order())
        db.session.commit()
    barrier = threading.Barrier(2)
    results = []

    def worker(name):
        with app.app_context():
            barrier.wait()
            results.append(delivery.deliver_due(worker=name))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [r.headers["Webhook-Id"] for r in receiver.receiver.received]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(r.delivered for r in results) == 12
    with app.app_context():
        rows = _deliveries()
        assert all(row.status == "delivered" and row.attempts == 1 for row in rows)
        assert db.session.query(DeliveryAttempt).count() == 12
