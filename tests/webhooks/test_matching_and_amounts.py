"""Which attempt a notification is about, and whether its money is the attempt's."""
from __future__ import annotations

import json

import pytest

from checkout.extensions import db
from checkout.models import AuditEvent, Notification, OutboxEvent, PaymentAttempt
from checkout.payments.states import PaymentStatus as P
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import last_notification
from tests.webhooks.payloads import notification


def test_dashboard_test_ping_for_unknown_transaction_is_ignored(ctx, deliver, server_key):
    body = notification("payment_notif_test_G812345678_x1", "capture", gross=10000, server_key=server_key,
                        method="credit_card")
    response = deliver(body)
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    note = last_notification()
    assert (note.outcome, note.reason, note.attempt_id) == ("ignored", "unknown transaction", None)


def test_unknown_transaction_with_bad_signature_is_rejected_not_ignored(ctx, deliver):
    body = notification("nobody-1", "settlement", gross=10000, server_key="SB-Mid-server-nope")
    assert deliver(body).status_code == 401


def test_amount_mismatch_is_flagged_once_and_not_applied(ctx, deliver, server_key):
    order = make_order()
    attempt = make_attempt(order)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount - 1000,
                        server_key=server_key)
    for _ in range(3):
        response = deliver(body)
        assert response.status_code == 200 and response.json["outcome"] == "mismatch"
    db.session.expire_all()
    fresh = db.session.get(PaymentAttempt, attempt.id)
    assert (fresh.status, fresh.flag) == (P.PENDING, "amount_mismatch")
    # No session event; the owner's alert is the only event, once for three deliveries.
    assert [event.type for event in OutboxEvent.query] == ["checkout.alert.opened"]
    flagged = AuditEvent.query.filter_by(action="payment.flagged").one()
    assert flagged.details["flag"] == "amount_mismatch" and flagged.actor == "midtrans:notification"
    assert AuditEvent.query.filter_by(action="payment.transition").count() == 0
    assert "does not match" in last_notification().reason


def test_currency_mismatch_is_flagged(ctx, deliver, server_key):
    attempt = make_attempt(make_order())
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key,
                        currency="USD")
    assert deliver(body).json["outcome"] == "mismatch"
    db.session.expire_all()
    assert db.session.get(PaymentAttempt, attempt.id).flag == "amount_mismatch"


FEE_SHAPES = [
    lambda original, fee: {"metadata": {"extra_info": {"gross_amount_info": {
        "original_amount": str(original), "gross_amount": original + fee, "customer_imposed_payment_fee": str(fee)}}}},
    lambda original, fee: {"metadata": {"extra_info": {"gross_amount_info": {
        "original_amount": f"{original}.00", "customer_payment_fee": f"{fee}.00", "fee_percentage": "3.00"}}}},
    lambda original, fee: {"extra_info": {"gross_amount_info": {"original_amount": original}}},
    lambda original, fee: {"metadata": json.dumps(
        {"extra_info": {"gross_amount_info": {"original_amount": original}}})},
    lambda original, fee: {"metadata": {"extra_info": {"gross_amount_info": f"{original}.00"}}},
]


@pytest.mark.parametrize("shape", range(len(FEE_SHAPES)))
def test_fee_imposition_matches_on_the_original_amount(ctx, deliver, server_key, shape):
    order = make_order()
    attempt = make_attempt(order)
    fee = 1579
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount + fee,
                        server_key=server_key, method="gopay", extra=FEE_SHAPES[shape](attempt.gross_amount, fee))
    response = deliver(body)
    assert response.json["outcome"] == "applied", last_notification().reason
    db.session.expire_all()
    fresh = db.session.get(PaymentAttempt, attempt.id)
    assert fresh.status == P.PAID and fresh.flag is None
    assert fresh.paid_amount == attempt.gross_amount + fee  # what the customer actually paid


def test_fee_info_naming_another_amount_is_still_a_mismatch(ctx, deliver, server_key):
    attempt = make_attempt(make_order())
    extra = {"metadata": {"extra_info": {"gross_amount_info": {"original_amount": "1000"}}}}
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount + 500,
                        server_key=server_key, extra=extra)
    assert deliver(body).json["outcome"] == "mismatch"


def test_garbage_fee_info_is_tolerated(ctx, deliver, server_key):
    attempt = make_attempt(make_order())
    for garbage in ({"metadata": "not json"}, {"metadata": {"extra_info": [1]}},
                    {"metadata": {"extra_info": {"gross_amount_info": None}}},
                    {"extra_info": {"gross_amount_info": {"original_amount": "abc"}}}):
        body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount + 1,
                            server_key=server_key, extra=garbage)
        assert deliver(body).json["outcome"] == "mismatch"
    assert Notification.query.filter_by(outcome="failed").count() == 0
