"""Refunds over real HTTP against the simulator, fired concurrently at the same payment."""
from __future__ import annotations

import re
import threading

import pytest
import requests
from sqlalchemy import select

from checkout.extensions import db
from checkout.models import PaymentAttempt, Refund
from checkout.payments.refunds import new_refund_key
from tests.admin.live import paid_qris, signed_in_session


@pytest.fixture
def live(live_app):
    live_app.app.config["ADMIN_PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    return live_app


def _fire(session, url, bodies):
    """POST every body at once (a barrier releases the threads together)."""
    barrier = threading.Barrier(len(bodies))
    answers: list = [None] * len(bodies)

    def one(index, body):
        barrier.wait(timeout=10)
        answers[index] = session.post(url, data=body, allow_redirects=False, timeout=30)

    threads = [threading.Thread(target=one, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _simulator_refunded(base_url, midtrans_id) -> int:
    [tx] = requests.get(f"{base_url}/midtrans-simulator/simulator/transactions", params={"order_id": midtrans_id},
                        timeout=10).json()
    return sum(int(float(r["refund_amount"])) for r in tx.get("refunds") or [])


def test_concurrent_refunds_never_exceed_what_was_paid(live):
    app, url = live.app, live.url
    _, attempt_id, midtrans_id = paid_qris(app, url, amount=100_000)
    session = signed_in_session(app, url)
    bodies = [{"amount": "30000", "reason": f"thread {n}", "refund_key": new_refund_key()} for n in range(5)]
    answers = _fire(session, f"{url}/admin/transactions/attempts/{attempt_id}/refund", bodies)
    codes = sorted(answer.status_code for answer in answers)
    # At the amount field while something is left to refund; on the payment's card when the
    # form is gone because the other refunds are still being processed.
    messages = [re.findall(r'(?:field__error|notice--error)[^>]*>([^<]*)', answer.text) for answer in answers]
    assert codes == [303, 303, 303, 422, 422], messages
    for answer, message in zip(answers, messages):
        if answer.status_code == 422:
            assert message == ["At most Rp 10.000 can still be refunded."]
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        assert attempt.refunded_amount == 90_000 and attempt.refund_reserved_amount == 0
        assert attempt.status == "partially_refunded"
        succeeded = db.session.scalars(select(Refund).where(Refund.status == "succeeded")).all()
        assert len(succeeded) == 3
    assert _simulator_refunded(url, midtrans_id) == 90_000


def test_a_double_click_refunds_once(live):
    app, url = live.app, live.url
    _, attempt_id, midtrans_id = paid_qris(app, url, amount=50_000)
    session = signed_in_session(app, url)
    body = {"amount": "50000", "reason": "double click", "refund_key": new_refund_key()}
    answers = _fire(session, f"{url}/admin/transactions/attempts/{attempt_id}/refund", [body] * 4)
    assert any(answer.status_code == 303 for answer in answers)
    assert all(answer.status_code in (303, 422) for answer in answers)
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        assert attempt.refunded_amount == 50_000 and attempt.status == "refunded"
        assert db.session.query(Refund).count() == 1
    assert _simulator_refunded(url, midtrans_id) == 50_000
