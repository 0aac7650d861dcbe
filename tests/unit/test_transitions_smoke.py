from checkout.extensions import db
from checkout.models import AuditEvent, Order, OutboxEvent
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from tests.factories import make_attempt, make_order


def test_settlement_pays_attempt_and_order_once(ctx):
    order = make_order()
    attempt = make_attempt(order)
    report = GatewayReport(transaction_status="settlement", gross_amount=order.total_amount, transaction_id="t-1")
    first = apply_gateway_status(attempt.id, report, actor="test")
    second = apply_gateway_status(attempt.id, report, actor="test")
    assert (first.before, first.after, first.changed) == (PaymentStatus.PENDING, PaymentStatus.PAID, True)
    assert not second.changed
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    assert OutboxEvent.query.filter_by(type="checkout.session.paid").count() == 1
    assert AuditEvent.query.filter_by(action="payment.transition").count() == 1
