"""A settled QRIS on the simulator and a way to fire many real requests at once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import AuditEvent, Notification, Order, OutboxEvent, PaymentAttempt
from tests.factories import make_attempt, make_order
from tests.webhooks.payloads import notification
from tests.webhooks.simulated import charge_qris, client_for, control


@dataclass
class Settled:
    attempt_id: int
    midtrans_order_id: str
    public_id: str
    body: dict  # the signed settlement notification Midtrans would send


@pytest.fixture
def race_app(make_app, simulator):
    """The simulator is Midtrans; polls may ask it on every request (no claim interval)."""
    return make_app(MIDTRANS_API_BASE_URL=simulator.url, STATUS_CHECK_INTERVAL_SECONDS=0)


@pytest.fixture
def settled(race_app, simulator) -> Settled:
    """A QRIS attempt charged and paid at Midtrans; our side still says pending."""
    with race_app.app_context():
        key = shop_settings.current().server_key
        attempt = make_attempt(make_order())
        answer = charge_qris(client_for(simulator.url, key), attempt)
        control(simulator.url, attempt.midtrans_order_id, "settle")
        body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key,
                            transaction_id=answer["transaction_id"])
        return Settled(attempt.id, attempt.midtrans_order_id, attempt.order.public_id, body)


def fire(calls: list, *, timeout: float = 60.0) -> list:
    """Run every call at the same moment (a barrier releases them together); their results."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=timeout)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]


def assert_paid_exactly_once(app, settled: Settled, deliveries: int) -> None:
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, settled.attempt_id)
        assert attempt.status == "paid"
        assert db.session.get(Order, attempt.order_id).status == "paid"
        transitions = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "payment.transition", AuditEvent.subject_id == settled.midtrans_order_id)).all()
        assert len(transitions) == 1, [(t.actor, t.before, t.after) for t in transitions]
        paid_events = OutboxEvent.query.filter_by(type="checkout.session.paid").count()
        assert paid_events == 1
        assert AuditEvent.query.filter_by(action="order.transition").count() == 1
        outcomes = [n.outcome for n in Notification.query.all()]
        assert len(outcomes) == deliveries
        assert outcomes.count("applied") <= 1
        assert set(outcomes) <= {"applied", "duplicate"}
