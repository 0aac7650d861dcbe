"""Every caller that asks Midtrans about an attempt applies the answer through one check:
an answer for another order id, amount or currency is flagged and never applied.

The four callers: the customer's status poll, the owner's "re-check now", the reconciler
and a notification's status re-read. Midtrans is scripted here so the answer can be
exactly wrong; the same checks run against the real simulator elsewhere.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from checkout import shop_settings
from checkout.admin.services import payment_actions
from checkout.errors import NotAllowed
from checkout.extensions import db
from checkout.models import AuditEvent, Order, PaymentAttempt, ShopSettings
from checkout.payments.reconciler import reconcile
from checkout.payments.states import OrderStatus as O
from checkout.payments.states import PaymentStatus as P
from checkout.timeutil import gateway_time, utcnow
from tests.factories import make_attempt, make_order
from tests.webhooks.payloads import notification

WRONG = {
    "amount": lambda attempt: {"gross_amount": f"{attempt.gross_amount + 1}.00"},
    "currency": lambda attempt: {"currency": "USD"},
    "order_id": lambda attempt: {"order_id": attempt.midtrans_order_id + "0"},
}


class ScriptedMidtrans:
    """Answers every status read with a settlement for the attempt, bent as told."""

    def __init__(self, attempt, bend):
        self.answer = {
            "status_code": "200", "status_message": "Success, transaction is found",
            "transaction_status": "settlement", "fraud_status": "accept", "payment_type": "qris",
            "transaction_id": "9a1b2c3d-0000-4000-8000-000000000001", "order_id": attempt.midtrans_order_id,
            "gross_amount": f"{attempt.gross_amount}.00", "currency": "IDR",
            "settlement_time": gateway_time(utcnow())[:19],
        }
        self.answer.update(bend(attempt))
        self.asked = 0

    def status(self, ident):
        self.asked += 1
        return dict(self.answer)


@pytest.fixture(params=sorted(WRONG))
def wrong(request):
    return request.param


@pytest.fixture
def attempt(ctx):
    order = make_order()
    return make_attempt(order, created_at=utcnow() - timedelta(minutes=5), gateway_answered_at=utcnow(),
                        transaction_id="9a1b2c3d-0000-4000-8000-000000000001")


@pytest.fixture
def midtrans(attempt, wrong, monkeypatch):
    scripted = ScriptedMidtrans(attempt, WRONG[wrong])
    monkeypatch.setattr(shop_settings, "gateway", lambda settings=None, **options: scripted)
    return scripted


def assert_flagged_not_applied(attempt_id: int, midtrans: ScriptedMidtrans) -> None:
    assert midtrans.asked >= 1
    db.session.expire_all()
    attempt = db.session.get(PaymentAttempt, attempt_id)
    assert attempt.status == P.PENDING and attempt.paid_at is None
    assert attempt.flag == "amount_mismatch"
    assert db.session.get(Order, attempt.order_id).status == O.OPEN
    flagged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.flagged",
                                                          AuditEvent.subject_id == attempt.midtrans_order_id)).all()
    assert len(flagged) == 1
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.transition")).all()


def test_the_status_poll_flags_and_does_not_apply(app, attempt, midtrans):
    public_id = attempt.order.public_id
    response = app.test_client().get(f"/pay/{public_id}/status", headers={"HX-Request": "true"})
    assert response.status_code in (200, 204)
    assert_flagged_not_applied(attempt.id, midtrans)
    assert "Payment received" not in app.test_client().get(f"/pay/{public_id}?lang=en").text


def test_the_owners_recheck_flags_and_does_not_apply(ctx, attempt, midtrans):
    with ctx.test_request_context():
        with pytest.raises(NotAllowed) as refused:
            payment_actions.recheck(attempt.id, actor="admin:owner@example.com")
    assert refused.value.code == "gateway_mismatch"
    assert_flagged_not_applied(attempt.id, midtrans)


def test_the_reconciler_flags_and_does_not_apply(ctx, attempt, midtrans):
    summary = reconcile()
    assert summary.checked == 1 and summary.flagged == 1 and summary.changed == 0
    assert_flagged_not_applied(attempt.id, midtrans)


def test_a_notifications_status_reread_flags_and_does_not_apply(app, ctx, attempt, midtrans):
    db.session.add(ShopSettings(id=1, verify_with_status_api=True))
    db.session.commit()
    key = shop_settings.current().server_key
    body = notification(attempt.midtrans_order_id, "settlement", gross=attempt.gross_amount, server_key=key,
                        transaction_id=attempt.transaction_id)
    response = app.test_client().post("/webhooks/midtrans", json=body, headers={"User-Agent": "Veritrans"})
    assert response.status_code == 200 and response.json["outcome"] == "mismatch"
    assert_flagged_not_applied(attempt.id, midtrans)


def test_a_right_answer_is_applied_by_the_same_check(app, ctx, attempt, monkeypatch):
    scripted = ScriptedMidtrans(attempt, lambda attempt: {})
    monkeypatch.setattr(shop_settings, "gateway", lambda settings=None, **options: scripted)
    summary = reconcile()
    assert summary.changed == 1
    db.session.expire_all()
    assert db.session.get(PaymentAttempt, attempt.id).status == P.PAID
