"""End to end: the product on a real socket, the simulator mounted in-process, Midtrans's
notifications arriving over HTTP with the simulator's fault switches on."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests

from checkout.extensions import db
from checkout.models import AuditEvent, Notification, Order, OutboxEvent, PaymentAttempt
from checkout.timeutil import utcnow
from tests.factories import make_order

FINISHED = {"delivered", "failed", "dropped", "no_url"}


def sim(live_app, path: str) -> str:
    return f"{live_app.url}/midtrans-simulator/simulator{path}"


def start_qris(live_app) -> tuple[int, str]:
    """The customer presses "Pay with QRIS" on the checkout page."""
    with live_app.app.app_context():
        order = make_order()
        public_id, order_id = order.public_id, order.id
    response = requests.post(f"{live_app.url}/pay/{public_id}/qris", timeout=15)
    assert response.status_code in (200, 303), response.text[:300]
    with live_app.app.app_context():
        attempt = db.session.scalars(db.select(PaymentAttempt).where(PaymentAttempt.order_id == order_id)).one()
        assert attempt.transaction_id and attempt.status == "pending"
        return attempt.id, attempt.midtrans_order_id


def wait_for_deliveries(live_app, order_id: str, expected: int, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        deliveries = requests.get(sim(live_app, "/notifications"), params={"order_id": order_id}, timeout=5).json()
        if len(deliveries) >= expected and all(d["state"] in FINISHED for d in deliveries):
            return deliveries
        assert time.monotonic() < deadline, [(d["state"], d["payload"].get("transaction_status")) for d in deliveries]
        time.sleep(0.05)


def test_duplicated_and_reordered_notifications_pay_once(live_app):
    requests.post(sim(live_app, "/faults"), json={"duplicate_notifications": True,
                                                  "out_of_order_notifications": True}, timeout=5).raise_for_status()
    attempt_id, order_id = start_qris(live_app)
    requests.post(sim(live_app, f"/transactions/{order_id}/settle"), timeout=5).raise_for_status()

    deliveries = wait_for_deliveries(live_app, order_id, expected=4)  # pending x2 (held back), settlement x2
    assert all(d["state"] == "delivered" for d in deliveries)
    sent_order = [d["payload"]["transaction_status"] for d in sorted(deliveries, key=lambda d: d["attempts"][0]["at"])]
    assert sent_order[:2] == ["settlement", "settlement"] and sent_order[2:] == ["pending", "pending"]

    with live_app.app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        assert attempt.status == "paid" and attempt.last_notification_at is not None
        assert db.session.get(Order, attempt.order_id).status == "paid"
        assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1
        outcomes = sorted((n.transaction_status, n.outcome) for n in Notification.query.all())
        assert outcomes == [("pending", "ignored"), ("pending", "ignored"),
                            ("settlement", "applied"), ("settlement", "duplicate")]


def test_dropped_notifications_are_completed_by_the_reconciler(live_app):
    requests.post(sim(live_app, "/faults"), json={"drop_notifications": True}, timeout=5).raise_for_status()
    attempt_id, order_id = start_qris(live_app)
    requests.post(sim(live_app, f"/transactions/{order_id}/settle"), timeout=5).raise_for_status()
    deliveries = wait_for_deliveries(live_app, order_id, expected=2)
    assert {d["state"] for d in deliveries} == {"dropped"}

    with live_app.app.app_context():
        assert db.session.get(PaymentAttempt, attempt_id).status == "pending"
        assert Notification.query.count() == 0
        # Minutes later, with no news and no recent check, the cron run finds it.
        three_minutes_ago = utcnow() - timedelta(minutes=3)
        db.session.execute(db.update(PaymentAttempt).values(created_at=three_minutes_ago,
                                                            last_checked_at=three_minutes_ago))
        db.session.commit()
    result = live_app.app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert f"{order_id}: pending -> paid (Midtrans says settlement)" in result.output

    with live_app.app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        assert attempt.status == "paid"
        assert db.session.get(Order, attempt.order_id).status == "paid"
        assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1


@pytest.fixture
def prompt_live_app(make_live_app):
    """The product on a real socket with a one-second status-check interval (10 in production)."""
    return make_live_app(STATUS_CHECK_INTERVAL_SECONDS=1)


def test_a_lost_settlement_after_a_pending_notification_is_found_by_the_poll(prompt_live_app):
    live_app = prompt_live_app
    with live_app.app.app_context():
        order = make_order()
        public_id = order.public_id
    assert requests.post(f"{live_app.url}/pay/{public_id}/qris", timeout=15).status_code in (200, 303)
    with live_app.app.app_context():
        attempt = db.session.scalars(db.select(PaymentAttempt).where(PaymentAttempt.order_id == order.id)).one()
        attempt_id, order_id = attempt.id, attempt.midtrans_order_id
    # The pending notification arrives and is applied...
    pending = wait_for_deliveries(live_app, order_id, expected=1)
    assert [d["state"] for d in pending] == ["delivered"]
    with live_app.app.app_context():
        assert db.session.get(PaymentAttempt, attempt_id).last_notification_at is not None
    # ...the customer pays, and the settlement notification is lost.
    requests.post(sim(live_app, "/faults"), json={"drop_notifications": True}, timeout=5).raise_for_status()
    requests.post(sim(live_app, f"/transactions/{order_id}/settle"), timeout=5).raise_for_status()
    deliveries = wait_for_deliveries(live_app, order_id, expected=2)
    assert sorted(d["state"] for d in deliveries) == ["delivered", "dropped"]

    # The customer's page keeps polling; no reconciler runs. Bounded, never a fixed sleep.
    deadline = time.monotonic() + 15
    while True:
        response = requests.get(f"{live_app.url}/pay/{public_id}/status?have=qris.1.0&lang=en",
                                headers={"HX-Request": "true"}, timeout=5)
        if response.status_code == 200 and "Payment received" in response.text:
            break
        assert time.monotonic() < deadline, response.status_code
        time.sleep(0.2)
    with live_app.app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        assert attempt.status == "paid" and db.session.get(Order, attempt.order_id).status == "paid"
        assert [n.transaction_status for n in Notification.query.all()] == ["pending"]
        actors = {e.actor for e in AuditEvent.query.filter_by(action="payment.transition")}
        assert actors == {"midtrans:status"}
