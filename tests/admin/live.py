"""Helpers for admin tests that run the whole product on a socket with the simulator."""
from __future__ import annotations

import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.payments import status_sync
from checkout.payments.orders import NewItem, create_order
from checkout.payments.qris_checkout import start_qris
from tests.admin.helpers import OWNER_EMAIL, OWNER_PASSWORD, create_owner


def paid_qris(app, base_url: str, amount: int = 100_000) -> tuple[str, int, str]:
    """An order paid by QRIS at the simulator: (reference, attempt id, midtrans order id)."""
    with app.test_request_context():
        order = create_order(items=[NewItem("Kopi", amount, 1)], description="Coffee", actor="test")
        attempt = start_qris(order, actor="customer")
        midtrans_id, attempt_id, reference = attempt.midtrans_order_id, attempt.id, order.reference
    answer = requests.post(f"{base_url}/midtrans-simulator/simulator/transactions/{midtrans_id}/settle", timeout=10)
    assert answer.status_code == 200, answer.text
    with app.test_request_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        status_sync.refresh_from_gateway(attempt, actor="midtrans:status")
        assert db.session.scalar(select(PaymentAttempt.status).where(PaymentAttempt.id == attempt_id)) == "paid"
    return reference, attempt_id, midtrans_id


def signed_in_session(app, base_url: str) -> requests.Session:
    """A requests session signed in through the real login form."""
    create_owner(app)
    session = requests.Session()
    session.cookies.set("lang", "en")
    response = session.post(f"{base_url}/admin/login", data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    return session
