"""The status poll: reads the database, asks Midtrans only when due, claims atomically."""
from datetime import timedelta

from checkout.extensions import db
from checkout.models import PaymentAttempt
from checkout.payments import status_sync
from checkout.storefront import checkout_status as cs
from checkout.payments.qris_checkout import start_qris
from checkout.payments.snap_checkout import start_snap
from checkout.payments.states import OrderStatus, PaymentStatus
from checkout.payments.transitions import GatewayReport, apply_gateway_status
from checkout.timeutil import utcnow
from tests.factories import make_attempt, make_order
from tests.storefront.conftest import HX, english, refresh, unavailable


def poll(client, order, have=None, headers=HX):
    url = f"/pay/{order.public_id}/status" + (f"?have={have}" if have else "")
    return client.get(url, headers=headers)


def test_two_polls_within_the_interval_ask_midtrans_once(client, order, fake_gateway):
    start_qris(order)
    assert poll(client, order).status_code == 200
    assert poll(client, order).status_code == 200
    assert fake_gateway.count("status") == 1


def test_after_the_interval_midtrans_is_asked_again(client, order, fake_gateway):
    attempt = start_qris(order)
    poll(client, order)
    db.session.get(PaymentAttempt, attempt.id).last_checked_at = utcnow() - timedelta(seconds=11)
    db.session.commit()
    poll(client, order)
    assert fake_gateway.count("status") == 2


def test_the_interval_is_configurable(make_app, fake_gateway):
    app = make_app(STATUS_CHECK_INTERVAL_SECONDS=0)
    client = english(app.test_client())
    with app.app_context():
        order = make_order()
        start_qris(order)
        for _ in range(3):
            poll(client, order)
        assert fake_gateway.count("status") == 3


def test_a_pending_notification_does_not_stop_the_checks(client, order, fake_gateway):
    attempt = start_qris(order)
    db.session.get(PaymentAttempt, attempt.id).last_notification_at = utcnow()
    db.session.commit()
    for _ in range(3):
        poll(client, order)
    assert fake_gateway.count("status") == 1  # still once per interval
    db.session.get(PaymentAttempt, attempt.id).last_checked_at = utcnow() - timedelta(seconds=11)
    db.session.commit()
    fake_gateway.settle(attempt.midtrans_order_id)  # and the settlement notification is lost
    response = poll(client, order, have="qris.1.0")
    assert fake_gateway.count("status") == 2
    assert "Payment received" in response.text and refresh(order).status == OrderStatus.PAID


def test_a_final_notification_ends_the_checks(client, order, fake_gateway):
    attempt = start_qris(order)
    apply_gateway_status(attempt.id, GatewayReport(transaction_status="expire"), actor="midtrans:notification")
    db.session.get(PaymentAttempt, attempt.id).last_checked_at = None
    db.session.commit()
    for _ in range(3):
        poll(client, order)
    assert fake_gateway.count("status") == 0


def test_i_have_paid_asks_at_once_but_only_once_per_interval(client, order, fake_gateway):
    attempt = start_qris(order)
    fake_gateway.settle(attempt.midtrans_order_id)
    poll(client, order)  # the poll took this interval's check (and found it paid)
    assert fake_gateway.count("status") == 1
    outcomes = [status_sync.request_check(refresh_attempt(attempt)) for _ in range(5)]
    assert outcomes == [status_sync.CheckOutcome.NOT_DUE] * 5 and fake_gateway.count("status") == 1


def test_i_have_paid_is_limited_by_the_shared_claim(client, order, fake_gateway):
    attempt = start_qris(order)
    db.session.get(PaymentAttempt, attempt.id).last_notification_at = utcnow()
    db.session.commit()
    outcomes = [status_sync.request_check(refresh_attempt(attempt)) for _ in range(5)]
    assert outcomes == [status_sync.CheckOutcome.CHECKED] + [status_sync.CheckOutcome.NOT_DUE] * 4
    poll(client, order)  # within the interval: the poll does not ask again either
    assert fake_gateway.count("status") == 1
    db.session.get(PaymentAttempt, attempt.id).last_checked_at = utcnow() - timedelta(seconds=11)
    db.session.commit()
    fake_gateway.settle(attempt.midtrans_order_id)
    assert status_sync.request_check(refresh_attempt(attempt)) == status_sync.CheckOutcome.CHECKED
    assert refresh(order).status == OrderStatus.PAID
    assert status_sync.request_check(refresh_attempt(attempt)) == status_sync.CheckOutcome.NOT_DUE  # not live


def test_i_have_paid_when_midtrans_is_down_counts_a_failed_check(order, fake_gateway):
    attempt = start_qris(order)
    fake_gateway.fail_next.append(unavailable())
    assert status_sync.request_check(refresh_attempt(attempt)) == status_sync.CheckOutcome.UNREACHABLE
    assert refresh_attempt(attempt).check_failures == 1


def refresh_attempt(attempt):
    db.session.expire_all()
    return db.session.get(PaymentAttempt, attempt.id)


def test_the_poll_completes_a_payment_the_webhook_never_brought(client, order, fake_gateway):
    attempt = start_qris(order)
    fake_gateway.settle(attempt.midtrans_order_id)
    response = poll(client, order, have="qris.1.0")
    assert response.status_code == 200
    assert "Payment received" in response.text and 'hx-trigger' not in response.text
    assert refresh(order).status == OrderStatus.PAID


def test_an_unchanged_state_answers_204(client, order, fake_gateway):
    start_qris(order)
    first = poll(client, order)
    key = cs.current(order.public_id, check=False).key
    assert key == "qris.1.0" and f"have={key}" in first.text
    again = poll(client, order, have=key)
    assert again.status_code == 204 and again.data == b""
    assert "HX-Request" in again.headers.get("Vary", "")


def test_without_htmx_the_poll_is_the_whole_page(client, order, fake_gateway):
    start_qris(order)
    response = poll(client, order, have="qris.1.0", headers={})
    assert response.status_code == 200 and "<html" in response.text and 'id="payment"' in response.text


def test_three_failed_checks_show_a_calm_note(make_app, fake_gateway):
    app = make_app(STATUS_CHECK_INTERVAL_SECONDS=0)
    client = english(app.test_client())
    with app.app_context():
        order = make_order()
        start_qris(order)
        fake_gateway.fail_next = [unavailable() for _ in range(3)]
        texts = [poll(client, order).text for _ in range(3)]
        assert all("Still waiting?" not in t for t in texts[:2])
        assert "Still waiting?" in texts[2]
        assert "Scan to pay" in texts[2] and 'hx-trigger="every 3s, submit, checkout:poll"' in texts[2]
        assert cs.current(order.public_id, check=False).key == "qris.1.1"
        # A good answer clears it.
        assert "Still waiting?" not in poll(client, order).text


def test_an_unanswered_attempt_is_left_to_the_reconciler(client, order, fake_gateway):
    make_attempt(order)  # pending, gateway_answered_at NULL
    response = poll(client, order)
    assert "Midtrans has not answered" in response.text and 'hx-trigger="every 3s, submit, checkout:poll"' in response.text
    assert fake_gateway.calls == []


def test_snap_404_stays_pending(client, order, fake_gateway):
    attempt = start_snap(order)
    response = poll(client, order)
    assert fake_gateway.count("status") == 1
    assert refresh(attempt).status == PaymentStatus.PENDING
    assert "Waiting for your payment" in response.text


def test_snap_past_its_expiry_with_nothing_picked_expires(client, order, fake_gateway):
    attempt = start_snap(order)
    db.session.get(PaymentAttempt, attempt.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = poll(client, order, have="snap.1.0")
    assert refresh(attempt).status == PaymentStatus.EXPIRED
    assert "The payment page has expired" in response.text and "hx-trigger" not in response.text


def test_snap_past_its_expiry_with_a_method_picked_stays(client, order, fake_gateway):
    attempt = start_snap(order)
    fake_gateway.pick_method(attempt.midtrans_order_id)
    db.session.get(PaymentAttempt, attempt.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    poll(client, order)
    assert refresh(attempt).status == PaymentStatus.PENDING


def test_an_open_order_past_its_expiry_closes(client, ctx, fake_gateway):
    order = make_order(expires_in=timedelta(seconds=-5))
    response = poll(client, order)
    assert refresh(order).status == OrderStatus.EXPIRED
    assert "This payment link has expired" in response.text and "hx-trigger" not in response.text


def test_an_expired_order_with_a_live_qr_waits_for_the_qr(client, ctx, fake_gateway):
    order = make_order(expires_in=timedelta(minutes=10))
    start_qris(order)
    db.session.get(type(order), order.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    poll(client, order)
    assert refresh(order).status == OrderStatus.OPEN


def test_turning_paid_redirects_to_the_success_url(client, ctx, fake_gateway):
    order = make_order(success_url="https://shop.example/thanks?x=1")
    attempt = start_qris(order)
    fake_gateway.settle(attempt.midtrans_order_id)
    response = poll(client, order, have="qris.1.0")
    assert response.headers["HX-Redirect"] == f"https://shop.example/thanks?x=1&session_id={order.public_id}"
    assert "Return to shop" in response.text
    # Reopening later shows the receipt and the link, without sending them away.
    reopened = poll(client, order, have="paid.1.0")
    assert reopened.status_code == 204
    page = client.get(f"/pay/{order.public_id}")
    assert "HX-Redirect" not in page.headers and f"session_id={order.public_id}" in page.text


def test_the_receipt(client, order, fake_gateway):
    attempt = start_qris(order)
    fake_gateway.settle(attempt.midtrans_order_id)
    text = client.get(f"/pay/{order.public_id}").text
    attempt = refresh(attempt)
    for expected in (order.reference, "Rp 150.000", "QRIS", attempt.transaction_id, "WIB"):
        assert expected in text


def test_still_checking_when_midtrans_cannot_be_reached_at_all(make_app):
    """The real client against a closed port: connection refused is a failed check."""
    app = make_app(STATUS_CHECK_INTERVAL_SECONDS=0, MIDTRANS_API_BASE_URL="http://127.0.0.1:9",
                   MIDTRANS_CONNECT_TIMEOUT=0.5)
    client = english(app.test_client())
    with app.app_context():
        order = make_order()
        attempt = make_attempt(order, gateway_answered_at=utcnow(), qr_string="00020101021226CLOSED6304ABCD")
        texts = [poll(client, order).text for _ in range(3)]
        assert "Still waiting?" not in texts[1] and "Still waiting?" in texts[2]
        assert refresh(attempt).check_failures == 3 and refresh(attempt).status == PaymentStatus.PENDING
        assert "Traceback" not in texts[2] and "Scan to pay" in texts[2]
