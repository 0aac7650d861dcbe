"""Starting a QRIS payment: record before you call, one live QR, failures handled."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from checkout.errors import InvalidRequest, PaymentUnavailable
from checkout.extensions import db
from checkout.midtrans.errors import GatewayRejected
from checkout.models import PaymentAttempt
from checkout.payments import checkout_flow as flow
from checkout.payments.qris_checkout import start_qris
from checkout.payments.states import PaymentStatus
from checkout.timeutil import parse_gateway_time, utcnow
from tests.factories import make_attempt, make_order
from tests.storefront.conftest import refresh, unavailable


def attempts(order):
    return db.session.scalars(select(PaymentAttempt).where(PaymentAttempt.order_id == order.id)
                              .order_by(PaymentAttempt.number)).all()


def test_the_attempt_is_committed_before_midtrans_is_called(order, fake_gateway):
    seen = {}

    def look_from_another_connection(payload):
        with db.engine.connect() as conn:
            seen["row"] = conn.execute(text(
                "SELECT status, gateway_answered_at, midtrans_order_id FROM payment_attempts")).one()

    fake_gateway.on_charge = look_from_another_connection
    attempt = start_qris(order)
    status, answered_at, midtrans_order_id = seen["row"]
    assert status == "pending" and answered_at is None
    assert midtrans_order_id == f"{order.reference}-1" == attempt.midtrans_order_id


def test_the_charge_payload(order, fake_gateway):
    attempt = start_qris(order)
    (_name, payload, key), = fake_gateway.calls
    assert key == attempt.idempotency_key
    assert payload["payment_type"] == "qris"
    assert payload["qris"] == {"acquirer": "gopay"}
    assert payload["transaction_details"] == {"order_id": attempt.midtrans_order_id, "gross_amount": 150_000}
    assert isinstance(payload["transaction_details"]["gross_amount"], int)
    assert payload["item_details"] == [
        {"id": "item-1", "price": 50_000, "quantity": 2, "name": "Kopi Susu"},
        {"id": "item-2", "price": 50_000, "quantity": 1, "name": "Roti Bakar"},
    ]
    expiry = payload["custom_expiry"]
    assert expiry["expiry_duration"] == 15 and expiry["unit"] == "minute"
    assert expiry["order_time"].endswith("+0700")


def test_customer_details_are_sent_when_known(ctx, fake_gateway):
    order = make_order(customer_name="Siti Nurhaliza", customer_email="siti@example.com", customer_phone="0812")
    start_qris(order)
    payload = fake_gateway.calls[0][1]
    assert payload["customer_details"] == {"first_name": "Siti", "last_name": "Nurhaliza",
                                           "email": "siti@example.com", "phone": "0812"}


def test_the_answer_is_recorded_with_the_png_drawn_once(order, fake_gateway):
    attempt = start_qris(order)
    attempt = refresh(attempt)
    answer = fake_gateway.transactions[attempt.midtrans_order_id]["answer"]
    assert attempt.gateway_answered_at is not None
    assert attempt.transaction_id == answer["transaction_id"]
    assert attempt.qr_string == answer["qr_string"]
    assert attempt.qr_png.startswith(b"\x89PNG")
    assert attempt.expires_at == parse_gateway_time(answer["expiry_time"])
    assert attempt.last_gateway_response["status_message"] == "QRIS transaction is created"


def test_a_second_press_shows_the_same_qr_without_a_second_charge(order, fake_gateway):
    first = start_qris(order)
    second = start_qris(refresh(order))
    assert second.id == first.id
    assert fake_gateway.count("charge") == 1
    assert len(attempts(order)) == 1


def test_a_lost_race_for_the_number_shows_the_winner(order, fake_gateway, monkeypatch):
    winner = start_qris(order)
    # The losing request looked before the winner committed: it saw no attempt at all.
    real_latest = flow.latest_attempt
    looks = []

    def stale_first_look(order_id):
        looks.append(order_id)
        return None if len(looks) == 1 else real_latest(order_id)

    monkeypatch.setattr(flow, "latest_attempt", stale_first_look)
    shown = start_qris(refresh(order))
    assert shown.id == winner.id  # the unique (order_id, number) constraint settled it
    assert fake_gateway.count("charge") == 1
    assert len(attempts(order)) == 1


def test_a_charge_still_in_flight_is_shown_as_waiting(order, fake_gateway):
    from checkout.midtrans.errors import GatewayInFlight

    fake_gateway.fail_next = [GatewayInFlight("still processing", code="202")]
    attempt = start_qris(order)
    assert attempt is not None and refresh(attempt).gateway_answered_at is None
    fake_gateway.fail_next = []

    def in_flight_body(payload, *, idempotency_key):
        fake_gateway.calls.append(("charge", payload, idempotency_key))
        return {"status_code": "202", "status_message": "The request is still being processed"}

    fake_gateway.charge = in_flight_body
    again = start_qris(refresh(order))
    assert again.id == attempt.id and refresh(again).gateway_answered_at is None
    assert len(attempts(order)) == 1


def test_midtrans_unavailable_leaves_a_pending_unanswered_attempt_and_retry_reuses_it(order, fake_gateway):
    fake_gateway.fail_next = [unavailable()]
    with pytest.raises(PaymentUnavailable) as raised:
        start_qris(order)
    assert raised.value.code == "gateway_unavailable"
    (attempt,) = attempts(order)
    assert attempt.status == PaymentStatus.PENDING
    assert attempt.gateway_answered_at is None and attempt.qr_string is None and attempt.transaction_id is None
    assert refresh(order).status == "open"

    retried = start_qris(refresh(order))
    assert retried.id == attempt.id
    keys = [call[2] for call in fake_gateway.calls if call[0] == "charge"]
    assert keys == [attempt.idempotency_key, attempt.idempotency_key]
    assert len(attempts(order)) == 1 and refresh(retried).qr_string


def test_a_refusal_fails_the_attempt_with_its_reason(order, fake_gateway):
    fake_gateway.fail_next = [GatewayRejected("gross_amount is not equal to the sum of item_details", code="400")]
    with pytest.raises(InvalidRequest) as raised:
        start_qris(order)
    assert raised.value.code == "gateway_refused"
    (attempt,) = attempts(order)
    assert attempt.status == PaymentStatus.FAILED
    assert attempt.failure_reason == "gross_amount is not equal to the sum of item_details"
    assert attempt.gateway_answered_at is not None
    # Trying again is a new attempt with a new Midtrans order_id.
    again = start_qris(refresh(order))
    assert again.number == 2 and again.midtrans_order_id.endswith("-2")


def test_an_expired_qr_gets_a_new_attempt(order, fake_gateway):
    first = start_qris(order)
    fake_gateway.set_status(first.midtrans_order_id, "expire")
    make_expired = db.session.get(PaymentAttempt, first.id)
    from checkout.payments.transitions import GatewayReport, apply_gateway_status

    apply_gateway_status(make_expired.id, GatewayReport(transaction_status="expire"), actor="test")
    second = start_qris(refresh(order))
    assert second.number == 2 and second.midtrans_order_id == f"{order.reference}-2"
    assert second.idempotency_key != first.idempotency_key


def test_qris_above_its_limit_is_refused_before_midtrans(ctx, fake_gateway):
    order = make_order(items=[("Motor", 12_000_000, 1)])
    with pytest.raises(InvalidRequest) as raised:
        start_qris(order)
    assert raised.value.code == "method_unavailable"
    assert fake_gateway.calls == [] and attempts(order) == []


def test_items_that_do_not_add_up_are_refused_before_midtrans(ctx, fake_gateway):
    order = make_order(items=[("A", 10_000, 1)])
    order.total_amount = 12_000
    db.session.commit()
    with pytest.raises(InvalidRequest) as raised:
        start_qris(order)
    assert raised.value.code == "total_mismatch"
    assert fake_gateway.calls == []


def test_a_closed_or_expired_order_is_not_charged(ctx, fake_gateway):
    cancelled = make_order(status="cancelled")
    past = make_order(expires_in=timedelta(minutes=-1))
    assert start_qris(cancelled) is None and start_qris(past) is None
    assert fake_gateway.calls == []


def test_the_qr_never_outlives_the_order(ctx, fake_gateway):
    order = make_order(expires_in=timedelta(minutes=5))
    attempt = start_qris(order)
    expiry = fake_gateway.calls[0][1]["custom_expiry"]
    assert expiry["unit"] == "second" and 295 <= expiry["expiry_duration"] <= 300
    assert attempt.expires_at <= order.expires_at + timedelta(seconds=1)


def test_testing_override_sets_the_qr_expiry_in_seconds(make_app, fake_gateway):
    app = make_app(QRIS_EXPIRY_SECONDS=7)
    with app.app_context():
        order = make_order()
        start_qris(order)
        assert fake_gateway.calls[0][1]["custom_expiry"] == {
            "order_time": fake_gateway.calls[0][1]["custom_expiry"]["order_time"], "expiry_duration": 7,
            "unit": "second"}


def test_a_live_snap_attempt_is_cancelled_before_a_qr_is_made(order, fake_gateway):
    snap = make_attempt(order, method="snap", gateway_answered_at=utcnow(), redirect_url="https://snap.example/x")
    fake_gateway.pick_method(snap.midtrans_order_id)
    attempt = start_qris(refresh(order))
    assert fake_gateway.count("cancel") == 1
    assert refresh(snap).status == PaymentStatus.CANCELLED
    assert attempt.number == 2 and attempt.method == "qris"


def test_a_stale_unanswered_attempt_is_ended_before_a_new_one(order, fake_gateway):
    stale = make_attempt(order, expires_in=timedelta(minutes=-1))
    attempt = start_qris(refresh(order))
    assert refresh(stale).status == PaymentStatus.EXPIRED  # Midtrans never heard of it
    assert attempt.number == 2
