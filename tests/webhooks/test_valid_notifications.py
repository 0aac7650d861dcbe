"""Valid, signed notifications for every transaction_status each method can report."""
from __future__ import annotations

import pytest

from checkout.extensions import db
from checkout.models import AuditEvent, Order, OutboxEvent, PaymentAttempt
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import last_notification
from tests.webhooks.payloads import notification

CASES = [
    # method, transaction_status, fraud_status, attempt after, order after, outcome
    ("qris", "pending", "accept", P.PENDING, O.OPEN, "duplicate"),
    ("qris", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("qris", "expire", None, P.EXPIRED, O.OPEN, "applied"),
    ("qris", "cancel", None, P.CANCELLED, O.OPEN, "applied"),
    ("gopay", "pending", "accept", P.PENDING, O.OPEN, "duplicate"),
    ("gopay", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("gopay", "expire", None, P.EXPIRED, O.OPEN, "applied"),
    ("shopeepay", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("bca_va", "pending", "accept", P.PENDING, O.OPEN, "duplicate"),
    ("bca_va", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("bca_va", "expire", None, P.EXPIRED, O.OPEN, "applied"),
    ("permata_va", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("echannel", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("indomaret", "pending", "accept", P.PENDING, O.OPEN, "duplicate"),
    ("indomaret", "settlement", "accept", P.PAID, O.PAID, "applied"),
    ("alfamart", "expire", None, P.EXPIRED, O.OPEN, "applied"),
    ("credit_card", "capture", "accept", P.PAID, O.PAID, "applied"),
    ("credit_card", "capture", "challenge", P.CHALLENGED, O.OPEN, "applied"),
    ("credit_card", "deny", "deny", P.FAILED, O.OPEN, "applied"),
    ("credit_card", "failure", None, P.FAILED, O.OPEN, "applied"),
    ("credit_card", "authorize", "accept", P.PENDING, O.OPEN, "duplicate"),
]


@pytest.mark.parametrize("method,status,fraud,attempt_after,order_after,outcome", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_signed_notification_is_applied(ctx, deliver, server_key, method, status, fraud, attempt_after,
                                        order_after, outcome):
    order = make_order()
    attempt = make_attempt(order, method="snap" if method != "qris" else "qris")
    body = notification(attempt.midtrans_order_id, status, gross=attempt.gross_amount, server_key=server_key,
                        method=method, fraud_status=fraud)

    response = deliver(body)

    assert response.status_code == 200
    assert response.json == {"status": "ok", "outcome": outcome}
    db.session.expire_all()
    attempt = db.session.get(PaymentAttempt, attempt.id)
    assert attempt.status == attempt_after
    assert db.session.get(Order, order.id).status == order_after
    assert attempt.transaction_id == body["transaction_id"]
    assert attempt.last_notification_at is not None
    note = last_notification()
    assert (note.outcome, note.attempt_id, note.midtrans_order_id) == (outcome, attempt.id, attempt.midtrans_order_id)
    assert note.transaction_status == status and note.processed_at is not None
    assert note.headers["User-Agent"] == "Veritrans"
    if attempt_after == P.PAID:
        assert attempt.paid_amount == order.total_amount and attempt.payment_type == body["payment_type"]
        assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1
        audit = AuditEvent.query.filter_by(action="payment.transition").one()
        assert audit.actor == "midtrans:notification"


def test_challenge_then_approve_then_settlement(ctx, deliver, server_key):
    order = make_order()
    attempt = make_attempt(order, method="snap")
    tx = "card-tx-1"

    def send(status, fraud):
        body = notification(attempt.midtrans_order_id, status, gross=attempt.gross_amount, server_key=server_key,
                            method="credit_card", fraud_status=fraud, transaction_id=tx)
        return deliver(body).json["outcome"]

    assert send("capture", "challenge") == "applied"
    assert send("capture", "accept") == "applied"  # the owner approved it
    assert send("settlement", "accept") == "duplicate"  # cards settle later; already paid
    db.session.expire_all()
    assert db.session.get(PaymentAttempt, attempt.id).status == P.PAID
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1


def test_settled_va_reversed_to_deny_is_flagged_not_unpaid(ctx, deliver, server_key):
    order = make_order()
    attempt = make_attempt(order, method="snap")
    outcomes = []
    for status in ("settlement", "deny", "deny"):
        body = notification(attempt.midtrans_order_id, status, gross=attempt.gross_amount, server_key=server_key,
                            method="bca_va", transaction_id="va-tx")
        outcomes.append(deliver(body).json["outcome"])
    assert outcomes == ["applied", "applied", "ignored"]
    db.session.expire_all()
    attempt = db.session.get(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.flag) == (P.PAID, "reversed")
    assert db.session.get(Order, order.id).status == O.PAID
    assert AuditEvent.query.filter_by(action="payment.transition").count() == 2  # paid, then flagged once
