"""The money rules the API and the admin share: which payment a refund applies to, and
when an order may be cancelled (services, not routes)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from checkout.errors import NotAllowed
from checkout.extensions import db
from checkout.models import Order
from checkout.payments import cancellation, refunds
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order


def paid(order, *, minutes_ago: int, refunded: int = 0):
    return make_attempt(order, status=P.PAID if not refunded else P.PARTIALLY_REFUNDED, payment_type="qris",
                        paid_amount=order.total_amount, refunded_amount=refunded,
                        paid_at=utcnow() - timedelta(minutes=minutes_ago))


def test_a_refund_applies_to_the_first_payment_with_money_left(ctx):
    order = make_order(status=O.PAID)
    first = paid(order, minutes_ago=10)
    second = paid(order, minutes_ago=5)
    assert refunds.refund_target(order) == first
    first.refunded_amount = first.paid_amount
    first.status = P.REFUNDED
    db.session.commit()
    assert refunds.refund_target(order) == second


def test_an_unpaid_order_has_nothing_to_refund(ctx):
    order = make_order()
    make_attempt(order)
    with pytest.raises(NotAllowed) as refused:
        refunds.refund_target(order)
    assert refused.value.code == "not_refundable"


def test_cancelling_twice_is_not_an_error_and_a_paid_order_is_not_cancellable(ctx):
    order = make_order()
    assert cancellation.cancel_open_order(order, actor="api:test", reason="test") is True
    assert cancellation.cancel_open_order(order, actor="api:test", reason="test") is False
    assert db.session.get(Order, order.id).status == O.CANCELLED
    paid_order = make_order(status=O.PAID)
    with pytest.raises(NotAllowed) as refused:
        cancellation.cancel_open_order(paid_order, actor="api:test", reason="test")
    assert refused.value.code == "session_not_cancellable"
