"""Re-check, cancel, approve/deny and refund from the transaction detail."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from checkout.extensions import db
from checkout.midtrans.errors import GatewayRejected, GatewayUnavailable
from checkout.models import AuditEvent, Order, PaymentAttempt, Refund
from checkout.payments import review
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.timeutil import utcnow
from tests.admin.helpers import HX, FakeGateway, use_gateway
from tests.factories import make_attempt, make_order

ACTOR = "admin:owner@example.com"


def _attempt(app, *, status=PaymentStatus.PENDING, payment_type=None, paid=False, flag=None, total=100_000):
    with app.app_context():
        order = make_order(items=[("Kopi", total, 1)], status=OrderStatus.PAID if paid else OrderStatus.OPEN)
        fields = {}
        if paid:
            order.paid_amount, order.paid_at = total, utcnow()
            db.session.commit()
            fields = {"paid_amount": total, "paid_at": utcnow()}
        attempt = make_attempt(order, status=status, payment_type=payment_type, flag=flag, **fields)
        return attempt.id, order.reference, attempt.midtrans_order_id


def _load(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(PaymentAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def _refund_key(body: bytes) -> str:
    return re.search(rb'name="refund_key" type="hidden" value="([^"]+)"|type="hidden" name="refund_key" value="([^"]+)"|'
                     rb'id="refund_key" name="refund_key" type="hidden" value="([^"]+)"', body).group(0).split(b'value="')[1][:-1].decode()


def _actions(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_recheck_applies_what_midtrans_says(admin, app, monkeypatch):
    attempt_id, reference, midtrans_id = _attempt(app)
    gateway = use_gateway(monkeypatch, FakeGateway(status={"transaction_status": "settlement", "order_id": midtrans_id,
                                                           "gross_amount": "100000.00", "payment_type": "qris",
                                                           "status_code": "200"}))
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/recheck", headers=HX)
    assert response.status_code == 200
    assert response.data.lstrip().startswith(b'<section id="transaction"')
    assert b"Status changed from pending to paid" in response.data
    assert gateway.names() == ["status"]
    assert _load(app, attempt_id).status == "paid"
    [event] = _actions(app, "payment.recheck")
    assert event.actor == ACTOR and event.after == "paid"


def test_recheck_full_page_redirects_with_a_message(admin, app, monkeypatch):
    attempt_id, reference, _ = _attempt(app)
    use_gateway(monkeypatch, FakeGateway(status=None))
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/recheck")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/transactions/{reference}"
    assert b"does not know this transaction yet" in admin.get(response.headers["Location"]).data


def test_recheck_when_midtrans_is_down_is_a_503_swap(admin, app, monkeypatch):
    attempt_id, _, _ = _attempt(app)
    use_gateway(monkeypatch, FakeGateway(status=GatewayUnavailable("down")))
    fragment = admin.post(f"/admin/transactions/attempts/{attempt_id}/recheck", headers=HX)
    assert fragment.status_code == 503 and b"could not be reached" in fragment.data
    assert fragment.data.lstrip().startswith(b'<section id="transaction"')
    page = admin.post(f"/admin/transactions/attempts/{attempt_id}/recheck")
    assert page.status_code == 503 and b"<html" in page.data and b"could not be reached" in page.data


def test_cancel_a_pending_attempt(admin, app, monkeypatch):
    attempt_id, _, _ = _attempt(app)
    gateway = use_gateway(monkeypatch, FakeGateway(cancel={"transaction_status": "cancel", "status_code": "200"}))
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/cancel", headers=HX)
    assert response.status_code == 200 and b"The payment was cancelled." in response.data
    assert gateway.names() == ["cancel"]
    assert _load(app, attempt_id).status == "cancelled"
    [event] = _actions(app, "payment.cancel")
    assert event.actor == ACTOR and event.before == "pending" and event.after == "cancelled"


def test_cancel_that_lost_to_a_payment_shows_the_truth(admin, app, monkeypatch):
    attempt_id, _, _ = _attempt(app)
    use_gateway(monkeypatch, FakeGateway(
        cancel=GatewayRejected("Merchant cannot modify the status of the transaction", code="412"),
        status={"transaction_status": "settlement", "gross_amount": "100000.00", "status_code": "200"}))
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/cancel")
    assert response.status_code == 303
    assert _load(app, attempt_id).status == "paid"


def test_cancel_button_only_for_live_attempts(admin, app):
    _, pending_ref, _ = _attempt(app)
    _, paid_ref, _ = _attempt(app, status=PaymentStatus.PAID, paid=True, payment_type="qris")
    assert b"Cancel payment" in admin.get(f"/admin/transactions/{pending_ref}").data
    assert b"Cancel payment" not in admin.get(f"/admin/transactions/{paid_ref}").data


@pytest.mark.parametrize("decision, answer, after", [
    ("approve", {"transaction_status": "capture", "fraud_status": "accept", "gross_amount": "100000.00",
                 "payment_type": "credit_card", "status_code": "200"}, "paid"),
    ("deny", {"transaction_status": "deny", "fraud_status": "deny", "status_code": "202"}, "failed"),
])
def test_approve_or_deny_a_challenged_card_payment(admin, app, monkeypatch, decision, answer, after):
    attempt_id, reference, _ = _attempt(app, status=PaymentStatus.CHALLENGED, payment_type="credit_card")
    page = admin.get(f"/admin/transactions/{reference}").data
    assert b"Approve card payment" in page and b"Deny" in page
    gateway = use_gateway(monkeypatch, FakeGateway(**{decision: answer}))
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/{decision}", headers=HX)
    assert response.status_code == 200
    assert gateway.names() == [decision]
    assert _load(app, attempt_id).status == after
    [event] = _actions(app, f"payment.{decision}")
    assert event.actor == ACTOR and event.before == "challenged" and event.after == after


def test_approve_is_refused_for_a_payment_not_challenged(admin, app, monkeypatch):
    attempt_id, _, _ = _attempt(app)
    gateway = use_gateway(monkeypatch, FakeGateway())
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/approve", headers=HX)
    assert response.status_code == 422
    assert b"Only payments held for review" in response.data
    assert gateway.calls == []


def test_review_decided_elsewhere_applies_the_current_status(app, monkeypatch):
    attempt_id, _, midtrans_id = _attempt(app, status=PaymentStatus.CHALLENGED, payment_type="credit_card")
    use_gateway(monkeypatch, FakeGateway(
        approve=GatewayRejected("Merchant cannot modify the status of the transaction", code="412"),
        status={"transaction_status": "deny", "fraud_status": "deny", "status_code": "202",
                "order_id": midtrans_id, "gross_amount": "100000.00", "currency": "IDR"}))
    with app.test_request_context():
        result = review.decide(attempt_id, "approve", actor=ACTOR)
    assert result.after == "failed"


def _paid_qris(app, total=100_000, **kwargs):
    return _attempt(app, status=PaymentStatus.PAID, paid=True, payment_type="qris", total=total, **kwargs)


def _refund_answer(total_refunded):
    def answer(midtrans_id, *, refund_key, amount, reason=""):
        return {"status_code": "200", "transaction_status": "partial_refund" if total_refunded(amount) < 100_000 else "refund",
                "refund_amount": f"{amount}.00", "refund_key": refund_key, "gross_amount": "100000.00"}
    return answer


def _refunding_gateway():
    refunded = {"total": 0}

    def refund(midtrans_id, *, refund_key, amount, reason=""):
        refunded["total"] += amount
        status = "refund" if refunded["total"] >= 100_000 else "partial_refund"
        return {"status_code": "200", "transaction_status": status, "gross_amount": "100000.00",
                "refunds": [{"refund_amount": f"{refunded['total']}.00", "refund_key": refund_key}]}

    return FakeGateway(refund=refund), refunded


def _refund_form(admin, reference):
    body = admin.get(f"/admin/transactions/{reference}").data.decode()
    key = re.search(r'name="refund_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="refund_key"', body)
    return body, (key.group(1) or key.group(2))


def test_refund_eligibility_is_shown_before_the_button(admin, app):
    _, reference, _ = _paid_qris(app)
    body, key = _refund_form(admin, reference)
    assert "Up to Rp 100.000 can be refunded." in body
    assert key.startswith("rf-")
    _, va_reference, _ = _attempt(app, status=PaymentStatus.PAID, paid=True, payment_type="bank_transfer")
    body = admin.get(f"/admin/transactions/{va_reference}").data.decode()
    assert "Midtrans cannot refund bank_transfer payments" in body and 'name="refund_key"' not in body
    _, shopee_reference, _ = _attempt(app, status=PaymentStatus.PAID, paid=True, payment_type="shopeepay")
    assert "only allows refunding the full amount" in admin.get(f"/admin/transactions/{shopee_reference}").data.decode()


def test_partial_then_full_refund(admin, app, monkeypatch):
    attempt_id, reference, _ = _paid_qris(app)
    gateway, refunded = _refunding_gateway()
    use_gateway(monkeypatch, gateway)
    _, key = _refund_form(admin, reference)
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                          data={"amount": "40.000", "reason": "one cup was cold", "refund_key": key})
    assert response.status_code == 200, response.data
    assert b"Refunded Rp 40.000." in response.data
    assert "Up to Rp 60.000 can be refunded." in response.data.decode()
    attempt = _load(app, attempt_id)
    assert attempt.status == "partially_refunded" and attempt.refunded_amount == 40_000
    _, key = _refund_form(admin, reference)
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", data={"amount": "60000", "refund_key": key})
    assert response.status_code == 303
    attempt = _load(app, attempt_id)
    assert attempt.status == "refunded" and attempt.refunded_amount == 100_000
    assert refunded["total"] == 100_000
    with app.app_context():
        assert db.session.scalar(select(Order.status)) == "refunded"
        assert len(_actions(app, "refund.requested")) == 2
    assert b"Everything paid has already been refunded" in admin.get(f"/admin/transactions/{reference}").data


@pytest.mark.parametrize("amount, message", [
    ("150000", "At most Rp 100.000 can still be refunded."),
    ("-5", "Enter a whole number of rupiah"),
    ("abc", "Enter a whole number of rupiah"),
    ("12.5", "Enter a whole number of rupiah"),
    ("0", "above zero"),
    ("", "Enter an amount."),
])
def test_bad_refund_amounts_get_a_clear_message(admin, app, monkeypatch, amount, message):
    attempt_id, reference, _ = _paid_qris(app)
    gateway = use_gateway(monkeypatch, FakeGateway())
    _, key = _refund_form(admin, reference)
    fragment = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                          data={"amount": amount, "refund_key": key})
    assert fragment.status_code == 422
    assert message in fragment.data.decode()
    assert fragment.data.lstrip().startswith(b'<section id="transaction"')
    page = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", data={"amount": amount, "refund_key": key})
    assert page.status_code == 422 and b"<html" in page.data and message in page.data.decode()
    assert gateway.calls == []
    assert _load(app, attempt_id).refunded_amount == 0


def test_a_repeated_refund_key_never_refunds_twice(admin, app, monkeypatch):
    attempt_id, reference, _ = _paid_qris(app)
    gateway, refunded = _refunding_gateway()
    use_gateway(monkeypatch, gateway)
    _, key = _refund_form(admin, reference)
    data = {"amount": "30000", "refund_key": key}
    first = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX, data=data)
    second = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX, data=data)  # double click
    assert first.status_code == 200 and second.status_code == 200
    assert [name for name in gateway.names() if name == "refund"] == ["refund"]
    assert refunded["total"] == 30_000
    assert _load(app, attempt_id).refunded_amount == 30_000
    with app.app_context():
        assert db.session.query(Refund).count() == 1


def test_a_refund_refused_by_midtrans_is_reported_and_released(admin, app, monkeypatch):
    attempt_id, reference, _ = _paid_qris(app)
    use_gateway(monkeypatch, FakeGateway(refund=GatewayRejected("Transaction status cannot be updated", code="412")))
    _, key = _refund_form(admin, reference)
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                          data={"amount": "30000", "refund_key": key})
    assert response.status_code == 422 and b"Transaction status cannot be updated" in response.data
    new_key = re.search(r'name="refund_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="refund_key"',
                        response.data.decode())
    assert (new_key.group(1) or new_key.group(2)) != key  # a refused key is not offered again
    attempt = _load(app, attempt_id)
    assert attempt.refunded_amount == 0 and attempt.refund_reserved_amount == 0


def test_a_refund_while_midtrans_is_down_is_a_503(admin, app, monkeypatch):
    attempt_id, reference, _ = _paid_qris(app)
    use_gateway(monkeypatch, FakeGateway(refund=GatewayUnavailable("down")))
    _, key = _refund_form(admin, reference)
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                          data={"amount": "30000", "refund_key": key})
    assert response.status_code == 503 and b"nothing was refunded" in response.data
    assert _load(app, attempt_id).refund_reserved_amount == 0


def test_a_stale_form_without_a_valid_key_is_refused(admin, app, monkeypatch):
    attempt_id, _, _ = _paid_qris(app)
    gateway = use_gateway(monkeypatch, FakeGateway())
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                          data={"amount": "30000", "refund_key": "made-up"})
    assert response.status_code == 422 and b"This form is stale" in response.data
    assert gateway.calls == []


def test_paid_late_payments_stand_out_with_a_refund_offered(admin, app):
    _, reference, _ = _attempt(app, status=PaymentStatus.PAID_LATE, paid=True, payment_type="qris", flag="paid_late")
    body = admin.get(f"/admin/transactions/{reference}").data.decode()
    assert "attempt--flagged" in body and "paid late" in body
    assert "arrived after the order was given up" in body
    assert 'name="refund_key"' in body


def test_unknown_attempt_is_404(admin):
    assert admin.post("/admin/transactions/attempts/999999/recheck").status_code == 404


def test_a_refund_waits_for_a_refund_still_in_flight(admin, app, monkeypatch):
    """A finished refund counts as refunded and reserved until its reservation is released;
    a refund asked in that moment waits for it instead of being refused."""
    import threading

    from sqlalchemy import update

    attempt_id, reference, _ = _paid_qris(app)
    with app.app_context():
        db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id).values(
            refunded_amount=30_000, refund_reserved_amount=30_000, status=PaymentStatus.PARTIALLY_REFUNDED))
        db.session.commit()
    gateway, refunded = _refunding_gateway()
    refunded["total"] = 30_000
    use_gateway(monkeypatch, gateway)
    _, key = _refund_form(admin, reference)

    def release():
        with app.app_context():
            db.session.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id)
                               .values(refund_reserved_amount=0))
            db.session.commit()

    timer = threading.Timer(0.3, release)
    timer.start()
    try:
        response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                              data={"amount": "70000", "refund_key": key})
    finally:
        timer.join()
    assert response.status_code == 200, re.findall(r'notice--error[^>]*>([^<]*)', response.data.decode())
    attempt = _load(app, attempt_id)
    assert attempt.refunded_amount == 100_000 and attempt.status == "refunded"


def test_refunding_a_method_midtrans_cannot_refund_is_refused_at_once(admin, app, monkeypatch):
    attempt_id, _, _ = _attempt(app, status=PaymentStatus.PAID, paid=True, payment_type="bank_transfer")
    gateway = use_gateway(monkeypatch, FakeGateway())
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/refund", headers=HX,
                          data={"amount": "1000", "refund_key": "rf-0123456789abcdef01234567"})
    assert response.status_code == 422 and b"Midtrans cannot refund bank_transfer payments" in response.data
    assert gateway.calls == []


def test_review_without_javascript_redirects_to_the_detail(admin, app, monkeypatch):
    attempt_id, reference, _ = _attempt(app, status=PaymentStatus.CHALLENGED, payment_type="credit_card")
    use_gateway(monkeypatch, FakeGateway(deny={"transaction_status": "deny", "fraud_status": "deny", "status_code": "202"}))
    response = admin.post(f"/admin/transactions/attempts/{attempt_id}/deny")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/transactions/{reference}"
    assert b"Denied." in admin.get(response.headers["Location"]).data
    refused = admin.post(f"/admin/transactions/attempts/{attempt_id}/approve")
    assert refused.status_code == 422 and b"<html" in refused.data and b"Only payments held for review" in refused.data
