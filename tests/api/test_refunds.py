"""Refunds over the API: same eligibility as the admin, keyed by the Idempotency-Key."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from checkout import shop_settings
from checkout.extensions import db
from checkout.models import Refund
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order


class FakeGateway:
    """Midtrans answering refunds the way its refund API does."""

    def __init__(self):
        self.refunds = []

    def refund(self, order_id, *, refund_key, amount=None, reason=None, direct=False):
        self.refunds.append((order_id, refund_key, amount))
        return {"status_code": "200", "status_message": "Success, refund request is approved",
                "transaction_status": "partial_refund", "order_id": order_id, "refund_key": refund_key}

    def status(self, order_id):
        return None


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway()
    monkeypatch.setattr(shop_settings, "gateway", lambda settings=None, **options: fake)
    return fake


@pytest.fixture
def paid_session(app):
    with app.app_context():
        order = make_order(items=[("Kopi", 50_000, 2)], status=OrderStatus.PAID, paid_amount=100_000,
                           paid_at=utcnow())
        make_attempt(order, status=PaymentStatus.PAID, payment_type="qris", paid_amount=100_000,
                     paid_at=utcnow(), transaction_id="tx-1")
        return order.public_id


def test_partial_then_the_rest(api, gateway, paid_session):
    partial = api.post(f"/checkout-sessions/{paid_session}/refunds", {"amount": 30_000, "reason": "one cup"},
                       key="refund-1")
    assert partial.status_code == 201, partial.json
    assert partial.json["amount"] == 30_000
    assert partial.json["session"]["status"] == "partially_refunded"
    assert partial.json["session"]["amount_refunded"] == 30_000
    rest = api.post(f"/checkout-sessions/{paid_session}/refunds", {}, key="refund-2")
    assert rest.status_code == 201 and rest.json["amount"] == 70_000
    assert rest.json["session"]["status"] == "refunded"
    assert [amount for _, _, amount in gateway.refunds] == [30_000, 70_000]


def test_refund_key_comes_from_the_idempotency_key_and_replays(app, api, gateway, paid_session):
    first = api.post(f"/checkout-sessions/{paid_session}/refunds", {"amount": 10_000}, key="rk")
    again = api.post(f"/checkout-sessions/{paid_session}/refunds", {"amount": 10_000}, key="rk")
    assert first.status_code == again.status_code == 201 and first.get_data() == again.get_data()
    assert len(gateway.refunds) == 1
    with app.app_context():
        refund = db.session.scalar(select(Refund))
        assert refund.refund_key == first.json["refund_key"] == gateway.refunds[0][1]
        assert refund.refund_key.startswith("rf-api-") and refund.actor == "api:shop-backend"


def test_too_much_is_422(api, gateway, paid_session):
    response = api.post(f"/checkout-sessions/{paid_session}/refunds", {"amount": 100_001})
    assert response.status_code == 422 and response.json["error"]["code"] == "amount_too_large"
    assert gateway.refunds == []


def test_an_unpaid_session_is_409(app, api, gateway):
    with app.app_context():
        public_id = make_order().public_id
    response = api.post(f"/checkout-sessions/{public_id}/refunds", {})
    assert response.status_code == 409 and response.json["error"]["code"] == "not_refundable"


def test_methods_without_refunds_are_409(app, api, gateway):
    with app.app_context():
        order = make_order(status=OrderStatus.PAID, paid_amount=70_000)
        make_attempt(order, method="snap", status=PaymentStatus.PAID, payment_type="bank_transfer",
                     paid_amount=70_000, paid_at=utcnow())
        public_id = order.public_id
    response = api.post(f"/checkout-sessions/{public_id}/refunds", {})
    assert response.status_code == 409 and response.json["error"]["code"] == "not_refundable"


def test_invalid_refund_fields(api, gateway, paid_session):
    for body in ({"amount": 0}, {"amount": 1.5}, {"amount": "10"}, {"reason": 3}, {"extra": True}):
        response = api.post(f"/checkout-sessions/{paid_session}/refunds", body)
        assert response.status_code == 422, body
