"""Duplicates, reordering, late money and the two refund notifications."""
from __future__ import annotations

from datetime import timedelta

from checkout.extensions import db
from checkout.models import AuditEvent, Order, OutboxEvent, PaymentAttempt
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.payments.transitions import close_order
from tests.factories import make_attempt, make_order
from tests.webhooks.conftest import last_notification
from tests.webhooks.payloads import notification, refund_entry


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_duplicates_are_no_ops(ctx, deliver, server_key):
    order = make_order()
    attempt = make_attempt(order)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    outcomes = [deliver(body).json["outcome"] for _ in range(5)]
    assert outcomes == ["applied"] + ["duplicate"] * 4
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1
    assert AuditEvent.query.filter_by(action="payment.transition").count() == 1


def test_settlement_before_pending_never_goes_back(ctx, deliver, server_key):
    order = make_order()
    attempt = make_attempt(order)
    kwargs = dict(gross=attempt.gross_amount, server_key=server_key, transaction_id="tx-1")
    assert deliver(notification(attempt.midtrans_order_id, "settlement", **kwargs)).json["outcome"] == "applied"
    late_pending = deliver(notification(attempt.midtrans_order_id, "pending", **kwargs))
    assert late_pending.status_code == 200 and late_pending.json["outcome"] == "ignored"
    assert "out of order" in last_notification().reason
    late_expire = deliver(notification(attempt.midtrans_order_id, "expire", **kwargs))
    assert late_expire.json["outcome"] == "ignored"
    assert fresh(PaymentAttempt, attempt.id).status == P.PAID
    assert fresh(Order, order.id).status == O.PAID


def test_settlement_after_local_expiry_is_paid_late_and_flagged(ctx, deliver, server_key):
    order = make_order(expires_in=timedelta(minutes=-1))
    attempt = make_attempt(order, status=P.EXPIRED)
    close_order(order.id, O.EXPIRED, actor="test")
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    assert deliver(body).json["outcome"] == "applied"
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.flag) == (P.PAID_LATE, "paid_late")
    assert fresh(Order, order.id).status == O.PAID_LATE
    assert OutboxEvent.query.filter_by(type="checkout.session.paid_late").count() == 1
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 0
    assert "flagged paid_late" in last_notification().reason


def test_settlement_after_local_cancel_is_paid_late(ctx, deliver, server_key):
    order = make_order()
    attempt = make_attempt(order, status=P.CANCELLED)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key)
    deliver(body)
    assert fresh(PaymentAttempt, attempt.id).status == P.PAID_LATE


def _paid(deliver, server_key, method="qris"):
    order = make_order()
    attempt = make_attempt(order)
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=server_key,
                        method=method, transaction_id="tx-r")
    assert deliver(body).json["outcome"] == "applied"
    return order, attempt


def test_full_refund_two_notifications_count_once(ctx, deliver, server_key):
    order, attempt = _paid(deliver, server_key)
    total = attempt.gross_amount
    first = notification(attempt.midtrans_order_id, "refund", gross=total, server_key=server_key,
                         transaction_id="tx-r", refunds=[refund_entry(total)])
    second = notification(attempt.midtrans_order_id, "refund", gross=total, server_key=server_key,
                          transaction_id="tx-r", refunds=[refund_entry(total, confirmed=True)])
    assert deliver(first).json["outcome"] == "applied"
    assert deliver(second).json["outcome"] == "duplicate"
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.refunded_amount) == (P.REFUNDED, total)
    order = fresh(Order, order.id)
    assert (order.status, order.refunded_amount) == (O.REFUNDED, total)
    assert OutboxEvent.query.filter_by(type="checkout.session.refunded").count() == 1


def test_partial_refunds_accumulate_once_each(ctx, deliver, server_key):
    order, attempt = _paid(deliver, server_key)
    total = attempt.gross_amount
    one = [refund_entry(10_000, key="rf-a")]
    two = [refund_entry(10_000, key="rf-a", confirmed=True), refund_entry(5_000, key="rf-b")]

    def send(refunds, status="partial_refund"):
        body = notification(attempt.midtrans_order_id, status, gross=total, server_key=server_key,
                            transaction_id="tx-r", refunds=refunds)
        return deliver(body).json["outcome"]

    assert send(one) == "applied"
    assert send([refund_entry(10_000, key="rf-a", confirmed=True)]) == "duplicate"  # bank confirmation
    assert send(two) == "applied"
    assert send(one) == "duplicate"  # an older one arriving late never lowers the amount
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.refunded_amount) == (P.PARTIALLY_REFUNDED, 15_000)
    order = fresh(Order, order.id)
    assert (order.status, order.refunded_amount) == (O.PARTIALLY_REFUNDED, 15_000)
    assert OutboxEvent.query.filter_by(type="checkout.session.refunded").count() == 2
    rest = [*two, refund_entry(total - 15_000, key="rf-c")]
    assert send(rest, status="refund") == "applied"
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.refunded_amount) == (P.REFUNDED, total)


def test_refund_for_an_unpaid_attempt_changes_nothing(ctx, deliver, server_key):
    attempt = make_attempt(make_order())
    body = notification(attempt.midtrans_order_id, "refund", gross=attempt.gross_amount, server_key=server_key,
                        refunds=[refund_entry(attempt.gross_amount)])
    assert deliver(body).json["outcome"] == "ignored"
    assert fresh(PaymentAttempt, attempt.id).status == P.PENDING


def test_paying_a_second_attempt_is_a_duplicate_payment(ctx, deliver, server_key):
    order = make_order()
    first = make_attempt(order)
    second = make_attempt(order)
    for attempt in (first, second):
        body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount,
                            server_key=server_key)
        assert deliver(body).json["outcome"] == "applied"
    assert fresh(PaymentAttempt, second.id).flag == "duplicate_payment"
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1
    assert OutboxEvent.query.filter_by(type="checkout.session.paid_late").count() == 1


def test_chargebacks_count_as_refunds(ctx, deliver, server_key):
    order, attempt = _paid(deliver, server_key, method="credit_card")
    total = attempt.gross_amount
    partial = notification(attempt.midtrans_order_id, "partial_chargeback", gross=total, server_key=server_key,
                           method="credit_card", transaction_id="tx-r", refunds=[refund_entry(20_000, key="cb-1")])
    assert deliver(partial).json["outcome"] == "applied"
    assert fresh(PaymentAttempt, attempt.id).status == P.PARTIALLY_REFUNDED
    full = notification(attempt.midtrans_order_id, "chargeback", gross=total, server_key=server_key,
                        method="credit_card", transaction_id="tx-r")
    assert deliver(full).json["outcome"] == "applied"
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.refunded_amount) == (P.REFUNDED, total)
